"""WSGI entry point: gunicorn wsgi:app."""

from app import create_app
from app.web.devices import load_rules

app = create_app()
# Build the User-Agent parsers before the first request rather than during it (about half
# a second), in each worker that imports this module.
load_rules()
