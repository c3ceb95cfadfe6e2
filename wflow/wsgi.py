"""The WSGI entry point for production servers: gunicorn -w 4 -b 0.0.0.0:8000 'wflow.wsgi:app'.

A server delivers notifications from a thread of each worker, off the requests
(`WFLOW_NOTIFY_IN_BACKGROUND=0` delivers them after each change instead). What start-up built
(the app, its templates, the workflows, the compiled statements) lives as long as the process:
it is moved out of the garbage collector's sight, so a full collection no longer walks it in
the middle of a request.
"""

from __future__ import annotations

import gc
import os

from wflow import create_app

os.environ.setdefault("WFLOW_NOTIFY_IN_BACKGROUND", "1")
app = create_app()
gc.freeze()
