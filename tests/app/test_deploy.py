"""Deployment files: the boot script runs for real; the Dockerfile and Render blueprint,
which cannot be built here, are linted and checked for what they must contain."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOT = ROOT / "bin" / "boot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def boot_environment(**overrides) -> dict:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")}
    environment.update({"PYTHON": sys.executable, "APP_ENV": "production",
                        "JWT_SECRET_KEY": "boot-test-secret-" + "x" * 32,
                        "WEB_CONCURRENCY": "2", "LOG_LEVEL": "warning"})
    environment.update(overrides)
    return environment


# --- bin/boot ----------------------------------------------------------------------------

def test_boot_retries_migrations_then_gives_up_when_database_never_comes(tmp_path):
    result = subprocess.run(
        [str(BOOT)], capture_output=True, text=True, timeout=120,
        env=boot_environment(
            DATABASE_URL="postgresql://postgres@127.0.0.1:1/test?connect_timeout=1",
            BOOT_MIGRATE_ATTEMPTS="2", BOOT_MIGRATE_DELAY_SECONDS="0",
            INSTANCE_DIR=str(tmp_path)))
    assert result.returncode == 1
    assert "attempt 1 of 2" in result.stderr
    assert "giving up" in result.stderr


def wait_for_health(port: int, process: subprocess.Popen, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "boot exited before serving"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                return {"status": reply.status, "body": reply.read().decode()}
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the service never answered /health")


def test_boot_migrates_then_execs_gunicorn_serving_health_and_metrics(tmp_path):
    port = free_port()
    database = tmp_path / "boot.db"
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999.db").write_bytes(b"stale")  # left by an earlier run
    process = subprocess.Popen(
        [str(BOOT)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=boot_environment(DATABASE_URL=f"sqlite:///{database}", PORT=str(port),
                             PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                             METRICS_TOKEN="boot-metrics-token",
                             INSTANCE_DIR=str(tmp_path)))
    try:
        health = wait_for_health(port, process)
        assert health["status"] == 200 and '"database":"ok"' in health["body"]
        for _ in range(6):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).close()
        scrape = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                        headers={"Authorization": "Bearer boot-metrics-token"})
        with urllib.request.urlopen(scrape, timeout=2) as reply:  # noqa: S310 - http only
            metrics = reply.read().decode()
        served = re.search(r'ouroboard_http_requests_total\{endpoint="/health",method="GET",'
                           r'status="200"\} (\S+)', metrics)
        # Both workers' requests are summed; the stale file was removed, not counted.
        assert served and float(served.group(1)) >= 7
        assert not (metrics_dir / "counter_999.db").exists()
        # exec: the process we started is gunicorn itself, so SIGTERM stops it cleanly.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "events", "alembic_version"} <= tables


# --- Dockerfile ---------------------------------------------------------------------------

def dockerfile_stages() -> list[dict]:
    stages = []
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, argument = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append({"from": argument, "lines": []})
        stages[-1]["lines"].append((instruction, argument.strip()))
    return stages


def gunicorn_settings(**environment) -> dict:
    """gunicorn.conf.py evaluated under the given environment, as gunicorn reads it."""
    script = ("import json, runpy; settings = runpy.run_path('gunicorn.conf.py'); "
              "print(json.dumps({name: settings[name] for name in "
              "('worker_class', 'threads', 'workers', 'bind')}))")
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith("GUNICORN_") and key not in ("WEB_CONCURRENCY", "PORT")}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                            capture_output=True, text=True, env={**clean, **environment})
    return json.loads(result.stdout)


@pytest.mark.parametrize(("environment", "worker_class", "threads"), [
    ({}, "gthread", 16),
    ({"GUNICORN_WORKER_CLASS": "sync"}, "sync", 1),
    ({"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"}, "gthread", 4),
])
def test_gunicorn_config_gives_sync_workers_one_thread_unless_told(environment, worker_class,
                                                                    threads):
    settings = gunicorn_settings(WEB_CONCURRENCY="3", PORT="9123", **environment)
    assert settings["worker_class"] == worker_class
    assert settings["threads"] == threads
    assert settings["workers"] == 3
    assert settings["bind"].endswith(":9123")


def test_gthread_workers_close_a_kept_alive_connection_after_its_request_budget(tmp_path):
    """The nth request on one connection is answered with Connection: close, so a busy
    client reconnects and its connections spread over the workers again."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=boot_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'keepalive.db'}",
                             PORT=str(port), HOST="127.0.0.1", INSTANCE_DIR=str(tmp_path),
                             GUNICORN_WORKER_CLASS="gthread",
                             GUNICORN_KEEPALIVE_REQUESTS="3"))
    try:
        wait_for_health(port, process)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        answers = []
        for _ in range(4):
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            answers.append(response.getheader("Connection"))
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    # The health probe above used a connection of its own; these counts are per connection.
    assert answers == ["keep-alive", "keep-alive", "close", "keep-alive"]


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is pinned in requirements.txt and must be installed")
    result = subprocess.run([hadolint, "--failure-threshold", "warning", "Dockerfile"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_frontend_with_node_then_runs_slim_python_as_non_root():
    build, runtime = dockerfile_stages()
    assert build["from"].startswith("node:") and build["from"].endswith(" AS frontend")
    assert ("RUN", "npm ci --no-audit --no-fund --loglevel=error") in build["lines"]
    assert ("RUN", "npm run build") in build["lines"]

    assert re.match(r"python:3\.11[.\w-]*slim", runtime["from"])
    instructions = [instruction for instruction, _ in runtime["lines"]]
    arguments = dict(reversed(runtime["lines"]))  # first occurrence of each instruction
    copies = [argument for instruction, argument in runtime["lines"] if instruction == "COPY"]
    assert any(copy.startswith("--from=frontend") and "frontend/dist" in copy
               for copy in copies)
    assert "npm" not in " ".join(argument for _, argument in runtime["lines"])
    user = [argument for instruction, argument in runtime["lines"] if instruction == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert instructions.index("USER") < instructions.index("CMD")
    assert "/health" in arguments["HEALTHCHECK"]
    assert arguments["CMD"] == '["bin/boot"]'


def test_dockerignore_keeps_secrets_dependencies_and_builds_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", ".env", "frontend/node_modules", "frontend/dist", "instance",
            "*.db"} <= ignored


# --- render.yaml -------------------------------------------------------------------------

def test_render_blueprint_wires_web_postgres_and_key_value():
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (web,) = [service for service in blueprint["services"] if service["type"] == "web"]
    (key_value,) = [service for service in blueprint["services"]
                    if service["type"] == "keyvalue"]
    (database,) = blueprint["databases"]

    assert "npm run build" in web["buildCommand"]
    assert "pip install -r requirements.txt" in web["buildCommand"]
    assert web["startCommand"] == "./bin/boot"
    assert web["healthCheckPath"] == "/health"

    env = {entry["key"]: entry for entry in web["envVars"]}
    assert env["APP_ENV"]["value"] == "production"
    assert env["JWT_SECRET_KEY"] == {"key": "JWT_SECRET_KEY", "generateValue": True}
    assert env["DATABASE_URL"]["fromDatabase"] == {"name": database["name"],
                                                   "property": "connectionString"}
    assert env["REDIS_URL"]["fromService"] == {"type": "keyvalue", "name": key_value["name"],
                                               "property": "connectionString"}
    assert key_value["ipAllowList"] == []
    assert env["INGEST_QUEUE"]["value"] == "redis"


def test_render_blueprint_runs_a_queue_writer_on_the_same_database_and_redis():
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (web,) = [service for service in blueprint["services"] if service["type"] == "web"]
    (writer,) = [service for service in blueprint["services"] if service["type"] == "worker"]
    web_env = {entry["key"]: entry for entry in web["envVars"]}
    env = {entry["key"]: entry for entry in writer["envVars"]}
    assert writer["startCommand"] == "python -m flask ingest-worker"
    assert env["FLASK_APP"]["value"] == "wsgi.py"
    for shared in ("DATABASE_URL", "REDIS_URL", "INGEST_QUEUE", "APP_ENV"):
        assert env[shared] == web_env[shared]
    assert env["JWT_SECRET_KEY"]["fromService"] == {"type": "web", "name": web["name"],
                                                    "envVarKey": "JWT_SECRET_KEY"}


# --- README --------------------------------------------------------------------------------

def environment_variables_read_by_the_service() -> set[str]:
    names = set()
    sources = [ROOT / "config.py", ROOT / "gunicorn.conf.py", ROOT / "wsgi.py",
               *(ROOT / "app").rglob("*.py")]
    for source in sources:
        names |= set(re.findall(r"os\.environ(?:\.get)?[\[(][\"']([A-Z_]+)[\"']",
                                source.read_text()))
    names |= set(re.findall(r"\$\{?([A-Z_]{3,})", BOOT.read_text()))
    return names - {"TMPDIR", "PATH"}


def test_readme_deploy_section_covers_render_docker_systemd_and_every_variable():
    readme = (ROOT / "README.md").read_text()
    deploy = readme[readme.index("## Deploy"):]
    deploy = deploy[:deploy.find("\n## ", 4)] if "\n## " in deploy[4:] else deploy
    for heading in ("Render", "Docker", "systemd"):
        assert heading in deploy
    variables = environment_variables_read_by_the_service()
    assert {"DATABASE_URL", "JWT_SECRET_KEY", "REDIS_URL", "PORT", "WEB_CONCURRENCY"} <= variables
    missing = sorted(name for name in variables if f"`{name}`" not in deploy)
    assert not missing, f"README's Deploy section does not list: {missing}"
