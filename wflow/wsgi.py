"""The WSGI entry point for production servers: gunicorn -w 4 -b 0.0.0.0:8000 'wflow.wsgi:app'."""

from __future__ import annotations

from wflow import create_app

app = create_app()
