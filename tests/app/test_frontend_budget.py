"""Frontend bundles stay within budget: the dashboard's initial JavaScript, and the public
tracker t.js (at most 2 KiB gzipped). The tracker_source fixture is in tests/app/conftest.py."""

import gzip
import os
import re
from pathlib import Path

import pytest

DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
INITIAL_JS_BUDGET = 250 * 1024


@pytest.fixture
def index_html() -> str:
    if not (DIST / "index.html").is_file():
        if os.environ.get("CI"):
            pytest.fail("frontend/dist is missing: `make build` must run before the tests")
        pytest.skip("frontend/dist is not built (run `make build`)")
    return (DIST / "index.html").read_text()


def test_initial_javascript_is_at_most_250_kib_gzipped(index_html):
    """Everything index.html loads up front; the charts arrive later in their own chunk."""
    initial = re.findall(r'(?:src|href)="/(assets/[^"]+\.js)"', index_html)
    assert initial, "no script found in index.html"
    total = sum(len(gzip.compress((DIST / path).read_bytes(), compresslevel=9))
                for path in initial)
    assert total <= INITIAL_JS_BUDGET, f"{total / 1024:.0f} KiB gzipped"
    charts = list((DIST / "assets").glob("Charts-*.js"))
    assert charts, "the chart code should be a lazily loaded chunk"
    assert not any(chart.name in index_html for chart in charts)


def test_tracker_is_at_most_2_kib_gzipped(tracker_source):
    assert len(gzip.compress(tracker_source, compresslevel=9)) <= 2048
