"""Fixtures for the tracker dialects: the app under test served on a real port, so the
tools' own client libraries (posthog, segment, @umami/node, plausible-tracker) talk HTTP to
it, and an ingestion key to send with.
"""

import threading

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.projects.builtin import self_tracking_project_id
from app.track.keys import create_key


@pytest.fixture
def live_url(app):
    """The test app on 127.0.0.1 (a threaded werkzeug server over this test's database);
    its base URL, without a trailing slash.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def ingest_key(app):
    """(project id, raw key) of a fresh ingestion key in the self-tracking project."""
    with app.app_context():
        project_id = self_tracking_project_id()
        _, raw_key = create_key(project_id, "tracker-tests")
        db.session.commit()
    return project_id, raw_key
