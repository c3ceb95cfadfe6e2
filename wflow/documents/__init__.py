"""Documents: rendering (WeasyPrint), keys and certificates, PAdES signing, verification."""

import logging

# fontTools reports every font table it does not subset ("FFTM NOT subset"): not news.
logging.getLogger("fontTools").setLevel(logging.ERROR)
