"""What the server prints when it starts: `make run`'s quiet start (bin/boot with the
settings the Makefile passes), and production's JSON lines, one per request."""

import json
import signal
import subprocess
import time
import urllib.request

from tests.app.test_deploy import BOOT, boot_environment, free_port, wait_for_health

# What `make run` passes to bin/boot after it has migrated and seeded.
MAKE_RUN_QUIET = {"BOOT_MIGRATE_LOG_LEVEL": "warning", "GUNICORN_LOG_LEVEL": "warning"}


def boot_output(tmp_path, requests: int = 2, **environment) -> list[str]:
    """Start bin/boot on a fresh SQLite file, make `requests` health checks (or more: one
    that times out while the workers boot is retried), stop it; its lines."""
    port = free_port()
    process = subprocess.Popen(
        [str(BOOT)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=boot_environment(DATABASE_URL=f"sqlite:///{tmp_path}/start.db", PORT=str(port),
                             PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
                             INSTANCE_DIR=str(tmp_path), **environment))
    try:
        wait_for_health(port, process)
        for _ in range(requests - 1):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).close()
        time.sleep(0.5)  # both workers have imported the app by now
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return output.splitlines()


def test_make_run_start_prints_only_request_lines(tmp_path):
    """No migration lines, no gunicorn start lines, no alembic plugin announcements: after
    the banner `make run` prints, the terminal shows one JSON line per request."""
    lines = boot_output(tmp_path, requests=2, LOG_LEVEL="info", **MAKE_RUN_QUIET)
    entries = [json.loads(line) for line in lines]
    # While the workers boot, a health check can time out and be retried: two or more.
    assert len(entries) >= 2
    assert {(entry["logger"], entry["path"], entry["status"]) for entry in entries} == \
        {("ouroboard.access", "/health", 200)}


def test_production_start_logs_json_lines_and_one_line_per_request(tmp_path):
    lines = boot_output(tmp_path, requests=3, LOG_LEVEL="info")
    entries = [json.loads(line) for line in lines]  # every line is JSON, migrations' too
    loggers = [entry["logger"] for entry in entries]
    assert "alembic.runtime.migration" in loggers
    assert "gunicorn.error" in loggers
    assert "alembic.runtime.plugins" not in loggers
    # One line per request: gunicorn's own access log stays off unless
    # GUNICORN_ACCESS_LOG asks for it.
    assert "gunicorn.access" not in loggers
    request_ids = [entry["request_id"] for entry in entries
                   if entry["logger"] == "ouroboard.access"]
    assert len(request_ids) >= 3
    assert len(set(request_ids)) == len(request_ids)
