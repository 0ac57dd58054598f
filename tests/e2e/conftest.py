"""Browser tests: the real built dashboard under gunicorn, driven by Playwright in Chromium.

Chromium comes from Debian (/usr/bin/chromium, or CHROMIUM_PATH). Locally the tests skip when
it is missing; in CI (CI=true) a missing browser or build is an error, never a skip.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A running gunicorn and how to reach its database and CLI."""

    url: str
    database_path: Path
    env: dict

    def flask(self, *args: str) -> str:
        """Run a `flask` CLI command against the server's database; return its output."""
        result = subprocess.run([Path(sys.executable).parent / "flask", *args], cwd=ROOT,
                                env=self.env, check=True, capture_output=True, text=True)
        return result.stdout

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the server's SQLite database directly, as an operator with sqlite3 would."""
        connection = sqlite3.connect(self.database_path)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def wait_for_rows(self, sql: str, params: tuple = (), minimum: int = 1,
                      timeout: float = 10.0) -> list[tuple]:
        """Poll until a query returns at least `minimum` rows (events arrive in batches)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.query(sql, params)
            if len(rows) >= minimum or time.monotonic() > deadline:
                return rows
            time.sleep(0.25)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn serving the built dashboard on a freshly migrated and seeded SQLite file."""
    if not (DIST / "index.html").is_file():
        unavailable("frontend/dist is missing: run `make build`")
    (ARTIFACTS / "time-to-data.json").unlink(missing_ok=True)
    workdir = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{workdir}/e2e.db",
           "INSTANCE_DIR": str(workdir), "PORT": str(port), "HOST": "127.0.0.1",
           "WEB_CONCURRENCY": "2", "FLASK_APP": "wsgi.py",
           "JWT_SECRET_KEY": "e2e-secret-key-that-is-long-enough-123456"}
    python_bin = Path(sys.executable).parent
    subprocess.run([python_bin / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "seed.py"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen([python_bin / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        server.terminate()
        pytest.fail(f"gunicorn did not start; log: {(workdir / 'gunicorn.log').read_text()}")
    yield LiveServer(url=base_url, database_path=workdir / "e2e.db", env=env)
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not found: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield PersonBrowser(launched)
        launched.close()


class PersonBrowser:
    """The launched browser, whose new contexts and pages send an ordinary desktop Chrome
    User-Agent: headless Chromium names itself HeadlessChrome, which ingestion rightly
    counts as a bot, and these tests stand in for people.
    """

    def __init__(self, launched):
        self.launched = launched
        major = launched.version.split(".")[0]
        self.user_agent = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                           f"Gecko) Chrome/{major}.0.0.0 Safari/537.36")

    def new_context(self, **options):
        options.setdefault("user_agent", self.user_agent)
        return self.launched.new_context(**options)

    def new_page(self, **options):
        options.setdefault("user_agent", self.user_agent)
        return self.launched.new_page(**options)

    def __getattr__(self, name):
        return getattr(self.launched, name)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, pointed at the live server."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter):
    """Report the measured time from sign-in to data (a goal, not an assertion)."""
    report = ARTIFACTS / "time-to-data.json"
    if report.is_file():
        import json

        figures = json.loads(report.read_text())
        terminalreporter.write_line(
            f"dashboard: data shown {figures['login_to_bars_ms']:.0f} ms after sign-in "
            "(goal 1500 ms, seeded demo data, headless Chromium)")
