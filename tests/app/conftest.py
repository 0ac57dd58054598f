"""Fixtures shared by the tests of app wiring: an unreachable database, a built dashboard,
the built public tracker."""

import os
from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def unreachable_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"  # a directory cannot be opened as a database
    return "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"


@pytest.fixture
def built_frontend(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root>ouroboard-index</div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg/>")
    return dist


@pytest.fixture
def spa_client(make_app, built_frontend):
    return make_app(FRONTEND_DIST=built_frontend).test_client()


TRACKER = Path(__file__).resolve().parents[2] / "frontend" / "dist" / "t.js"


@pytest.fixture
def tracker_source() -> bytes:
    if not TRACKER.is_file():
        if os.environ.get("CI"):
            pytest.fail("frontend/dist/t.js is missing: `make build` must run before the tests")
        pytest.skip("frontend/dist/t.js is not built (run `make build`)")
    return TRACKER.read_bytes()
