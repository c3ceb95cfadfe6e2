"""Documents: rendering (WeasyPrint), keys and certificates, PAdES signing, verification."""
