"""The WSGI entry point (``gunicorn wsgi:app``); it also lets ``flask rcm ...`` find the app."""

from rcm_exchange import create_app

app = create_app()
