"""WSGI entry point: gunicorn wsgi:app."""

from app import create_app
from app.web.devices import load_rules

app = create_app()
# Build the User-Agent parsers before the first request rather than during it (about half
# a second); with gunicorn's preload the workers inherit them.
load_rules()
