"""The dashboard's generated API types match the server's OpenAPI document."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "frontend" / "node_modules" / ".bin" / "openapi-typescript"


@pytest.mark.skipif(
    not GENERATOR.exists(), reason="openapi-typescript is not installed (run `make install`)"
)
def test_committed_api_types_match_the_openapi_document():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "api-types"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr or result.stdout
