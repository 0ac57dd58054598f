"""The public tracker /t.js: built from frontend/, small, and served for embedding."""

import gzip
import os
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parents[2] / "frontend" / "dist" / "t.js"


@pytest.fixture
def tracker_source() -> bytes:
    if not TRACKER.is_file():
        if os.environ.get("CI"):
            pytest.fail("frontend/dist/t.js is missing: `make build` must run before the tests")
        pytest.skip("frontend/dist/t.js is not built (run `make build`)")
    return TRACKER.read_bytes()


def test_tracker_is_at_most_2_kib_gzipped(tracker_source):
    assert len(gzip.compress(tracker_source, compresslevel=9)) <= 2048


def test_tracker_is_served_with_a_long_cache_lifetime(make_app, tracker_source):
    client = make_app(FRONTEND_DIST=TRACKER.parent).test_client()
    response = client.get("/t.js")
    assert response.status_code == 200
    assert response.data == tracker_source
    assert response.mimetype == "text/javascript"
    assert "max-age=86400" in response.headers["Cache-Control"]
