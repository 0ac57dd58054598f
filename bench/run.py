"""Ouroboard's benchmark suite (`make bench`): query latency, ratios against the seed
implementations' approach and plain SQL, HTTP ingestion against the database's own insert
rate, and export memory. Loopback only; writes bench/results.md.

Environment: BENCH_EVENTS (default 10,000,000), BENCH_DB (sqlite or postgres),
BENCH_QUEUE (redis: ingestion through the Redis queue, Postgres only), BENCH_PARTS (which
parts to run, default all: queries,worst,ratios,ceiling,ingest,export,web; with
BENCH_QUEUE, ingest), BENCH_SAMPLES (queries per endpoint and project, default 30),
BENCH_INGEST_SECONDS (default 20), BENCH_PROJECTS (projects the events are spread over,
default 5), BENCH_WEB (0 skips the website analytics benchmark, bench/web.py, which runs
last). Ingestion at realistic load (issue #21) is bench/ingest_load.py; see its settings.
"""

import contextlib
import http.client
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import ingest_load  # noqa: E402 - bench/, beside this file
import loadgen  # noqa: E402 - bench/, beside this file
import reference_app  # noqa: E402 - bench/, beside this file
import worst_case  # noqa: E402 - bench/, beside this file

from app.seeding.bulk import bench_project_slugs  # noqa: E402 - after the path is set

DATA = ROOT / "bench" / "data"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
EVENTS = int(os.environ.get("BENCH_EVENTS", "10000000"))
BACKEND = os.environ.get("BENCH_DB", "sqlite")
QUEUE = ingest_load.QUEUE
# One report per database, so a Postgres run does not replace the SQLite figures; the
# queued setup has its own.
RESULTS = ROOT / "bench" / ("results-queue.md" if QUEUE else "results.md"
                            if BACKEND == "sqlite" else f"results-{BACKEND}.md")
ALL_PARTS = ("queries", "worst", "ratios", "ceiling", "ingest", "export", "web", "people")
# Parts that read the bulk-loaded year and want it as loaded, without earlier ingestion.
READING_PARTS = {"queries", "worst", "ratios", "export"}
# "workers" (not run by default): the earlier per-worker-class ingestion table, with the
# tuned server (raised rate limit, warning logs) and live streams open.
PARTS = tuple(part.strip() for part in (os.environ.get("BENCH_PARTS") or (
    "ingest" if QUEUE else ",".join(ALL_PARTS))).split(",") if part.strip())
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))
INGEST_SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "20"))
USERS = 1000
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/ouroboard_bench")
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
TIME_ZONES = ("UTC", "America/New_York", "Europe/Berlin")
# The events are spread at random over `ouroboard` and bench-1 .. bench-(N-1); every bulk
# user is a member of each. The query table covers every project; the worst-case grid, the
# side-by-side comparison and the export read one of them, and ingestion's key sends to
# another, so its events never land in the project those read.
PROJECTS = int(os.environ.get("BENCH_PROJECTS", "5"))
PROJECT_SLUGS = tuple(bench_project_slugs(PROJECTS))
FOCUS_PROJECT = PROJECT_SLUGS[0]
INGEST_PROJECT = PROJECT_SLUGS[1] if PROJECTS > 1 else PROJECT_SLUGS[0]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median": statistics.median(values),
            "p95": percentile(values, 0.95), "p99": percentile(values, 0.99),
            "min": min(values), "max": max(values)}


# ----------------------------------------------------------------------------- database

def database_url() -> str:
    if BACKEND == "postgres":
        return PG_URL
    return f"sqlite:///{DATA / f'bench-{EVENTS}.db'}"


def env_for(url: str, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", "APP_ENV": "development",
            "JWT_SECRET_KEY": SECRET, "INSTANCE_DIR": str(DATA), **extra}


def stored_events(url: str) -> int:
    """Bulk-loaded events in the database (earlier runs' ingestion tests add a few more),
    or -1 unless they are spread over exactly the bench's projects (a database loaded
    before projects existed, or over another number of them, is loaded again).
    """
    from sqlalchemy import bindparam, create_engine, text

    from config import normalize_database_url

    engine = create_engine(normalize_database_url(url, DATA))
    try:
        with engine.connect() as connection:
            projects = connection.execute(text(
                "SELECT COUNT(*) FROM projects WHERE slug IN :slugs").bindparams(
                bindparam("slugs", expanding=True)), {"slugs": list(PROJECT_SLUGS)}).scalar()
            # The monthly rollup holds a few thousand rows: cheaper than scanning events.
            # Only the bench projects count: ingestion sends to sites of its own.
            spread = connection.execute(text(
                "SELECT COUNT(DISTINCT project_id) FROM rollup_monthly WHERE project_id IN "
                "(SELECT id FROM projects WHERE slug IN :slugs)").bindparams(
                bindparam("slugs", expanding=True)), {"slugs": list(PROJECT_SLUGS)}).scalar()
            if projects != PROJECTS or spread != PROJECTS:
                return -1
            return connection.execute(text(
                "SELECT COUNT(*) FROM events WHERE session_id LIKE 'bulk-%'")).scalar()
    except Exception:  # noqa: BLE001 - no schema yet
        return -1
    finally:
        engine.dispose()


def remove_test_events(url: str) -> None:
    """Delete what the ingestion measurements stored (all dated on the day they ran) and
    recount the rollups, so every run queries the same bulk-loaded year. Left in place, a
    few runs' worth piled millions of events onto one day and slowed every query that
    reads raw events at the edges of its range."""
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.rollups.data import rebuild as rebuild_rollups

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalized(url), "INSTANCE_DIR": DATA,
                      "JWT_SECRET_KEY": SECRET})
    with app.app_context():
        removed = db.session.execute(text(
            "DELETE FROM events WHERE session_id IS NULL OR session_id NOT LIKE 'bulk-%'"
        )).rowcount
        if removed:
            started = time.monotonic()
            rebuild_rollups()
            log(f"removed {removed:,} events left by earlier ingestion runs; rollups "
                f"recounted in {time.monotonic() - started:.0f} s")
        db.session.commit()
        tidy_after_deletes(removed)


def tidy_after_deletes(removed: int) -> None:
    """In the app context that deleted rows: on Postgres, VACUUM ANALYZE when it removed
    any (mass deletes leave dead rows and stale statistics: clean up before timing); then
    close every connection.
    """
    from sqlalchemy import text

    from app.extensions import db

    if removed and BACKEND == "postgres":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()


def prepare_database() -> dict:
    """A database holding exactly BENCH_EVENTS bulk events (reused when already loaded)."""
    url = database_url()
    if stored_events(url) == EVENTS:
        log(f"reusing {BACKEND} database with {EVENTS:,} events over {PROJECTS} projects")
        ingest_load.purge_sites(sys.modules[__name__], url, log)
        if set(PARTS) & READING_PARTS:
            remove_test_events(url)
        else:
            # Ingestion alone: the clicks earlier runs stored in `ouroboard` stay, with their
            # rollups (recounting 10M events' rollups would take minutes).
            log("earlier runs' dashboard clicks kept (no query is measured in this run)")
        return {"url": url, "load_seconds": None}
    if BACKEND == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS ouroboard_bench")
            admin.execute("CREATE DATABASE ouroboard_bench")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env_for(url), check=True,
                   capture_output=True)
    log(f"bulk-loading {EVENTS:,} events into {BACKEND}, over {PROJECTS} projects")
    started = time.monotonic()
    subprocess.run([PYTHON, "seed.py", "--events", str(EVENTS), "--users", str(USERS),
                    "--projects", str(PROJECTS)], cwd=ROOT, env=env_for(url), check=True)
    return {"url": url, "load_seconds": time.monotonic() - started}


# ----------------------------------------------------------------------------- queries

def year_filters(rng: random.Random, feature: bool) -> dict:
    end = datetime.now(UTC).date()
    params = {"startDate": (end - timedelta(days=364)).isoformat(), "endDate": end.isoformat(),
              "ageGroup": rng.choice(["All", "<18", "18-40", ">40"]),
              "gender": rng.choice(["All", "Male", "Female", "Other"]),
              "tz": rng.choice(TIME_ZONES)}
    if feature and rng.random() < 0.5:
        params["feature"] = rng.choice(["date_filter", "page_view", "export_csv"])
    return params


ALL_TIME = "_all_time"  # a marker in an endpoint's parameters: send it without dates


def dated(params: dict) -> dict:
    """The parameters as sent: an all-time request loses its dates and the marker."""
    if params.pop(ALL_TIME, False):
        params.pop("startDate")
        params.pop("endDate")
    return params


def measure_queries(url: str) -> dict:
    """Latency of each endpoint in each project with a cold cache (caching disabled) over
    random filters, and of cache hits: {label: {project slug: summary}}."""
    from app import create_app

    results = {}
    # Every project's samples come from one user: lift the per-user read limit.
    cold = create_app({"SQLALCHEMY_DATABASE_URI": normalized(url), "CACHE_TYPE": "NullCache",
                       "JWT_SECRET_KEY": SECRET, "AUTH_RATE_LIMIT_PER_IP": "10000/minute",
                       "ANALYTICS_RATE_LIMIT": "1000000/minute"})
    client = cold.test_client()
    headers = bearer(client)
    endpoints = {
        "/analytics (bars + daily line)": ("/api/v1/analytics", True, {}),
        "/analytics/timeseries (day)": ("/api/v1/analytics/timeseries", True, {}),
        "/analytics/breakdown by age_group": ("/api/v1/analytics/breakdown", False,
                                              {"by": "age_group"}),
        "/analytics/breakdown by gender": ("/api/v1/analytics/breakdown", False,
                                           {"by": "gender"}),
        "/analytics/summary (+ previous period)": ("/api/v1/analytics/summary", False, {}),
    }
    # The "All" preset: the same requests without dates (issue #21: as fast as a year).
    endpoints.update({f"{label.split(' (')[0].replace(' by ', ', by ')}, all time (no dates)":
                      (path, with_feature, {**extra, ALL_TIME: True})
                      for label, (path, with_feature, extra) in list(endpoints.items())})
    rng = random.Random(1)
    for label, (path, with_feature, extra) in endpoints.items():
        results[label] = {}
        for project in PROJECT_SLUGS:
            # A running server has compiled each query shape and read its index pages
            # before: one untimed call per time zone, with and without a feature, so the
            # samples measure that state and not the first call after the load. The
            # answer cache stays off throughout.
            for time_zone in TIME_ZONES:
                for feature in ((None, "date_filter") if with_feature else (None,)):
                    params = dated({**year_filters(rng, False), **extra, "tz": time_zone,
                                    "project": project})
                    if feature:
                        params["feature"] = feature
                    client.get(path, query_string=params, headers=headers)
            timings = []
            for _ in range(SAMPLES):
                params = dated({**year_filters(rng, with_feature), **extra,
                                "project": project})
                started = time.perf_counter()
                response = client.get(path, query_string=params, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.get_json()
            results[label][project] = summary(timings)
        p95s = [figures["p95"] for figures in results[label].values()]
        log(f"{label}: p95 per project {', '.join(f'{p95:.1f}' for p95 in p95s)} ms")
    warm = create_app({"SQLALCHEMY_DATABASE_URI": normalized(url), "CACHE_TYPE": "SimpleCache",
                       "CACHE_DEFAULT_TIMEOUT": 600, "JWT_SECRET_KEY": SECRET,
                       "AUTH_RATE_LIMIT_PER_IP": "10000/minute",
                       "ANALYTICS_RATE_LIMIT": "1000000/minute"})
    warm_client = warm.test_client()
    warm_headers = bearer(warm_client)
    label = "cache hit (/analytics/summary)"
    results[label] = {}
    for project in PROJECT_SLUGS:
        hits = []
        for _ in range(SAMPLES):
            params = {**year_filters(rng, True), "project": project}
            warm_client.get("/api/v1/analytics/summary", query_string=params,
                            headers=warm_headers)
            started = time.perf_counter()
            response = warm_client.get("/api/v1/analytics/summary", query_string=params,
                                       headers=warm_headers)
            hits.append((time.perf_counter() - started) * 1000)
            assert response.get_json()["cached"] is True
        results[label][project] = summary(hits)
    log(f"cache hit: worst project p95 "
        f"{max(figures['p95'] for figures in results[label].values()):.2f} ms")
    return results


def measure_worst(url: str) -> dict:
    """The most expensive request per analytics endpoint, and non-whole-hour zones' latency,
    with the answer cache off and the per-user read limit lifted for the grid's requests."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalized(url), "CACHE_TYPE": "NullCache",
                      "JWT_SECRET_KEY": SECRET, "AUTH_RATE_LIMIT_PER_IP": "10000/minute",
                      "ANALYTICS_RATE_LIMIT": "1000000/minute"})
    client = app.test_client()
    headers = bearer(client)
    return {"worst": worst_case.measure_worst_cases(client, headers, log, FOCUS_PROJECT),
            "zones": worst_case.measure_zone_latency(client, headers, SAMPLES, log,
                                                     FOCUS_PROJECT)}


def normalized(url: str) -> str:
    from config import normalize_database_url

    return normalize_database_url(url, DATA)


def bearer(client) -> dict:
    response = client.post("/api/v1/login", json={"username": "user1",
                                                  "password": "password123"})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def measure_ratios(url: str) -> dict:
    """Our bars endpoint against the seeds' approach and plain GROUP BY, same data, same run,
    all three within FOCUS_PROJECT."""
    from collections import Counter as PyCounter

    from sqlalchemy import create_engine, text

    from app import create_app

    end = datetime.now(UTC).date()
    start = end - timedelta(days=364)
    low = datetime.combine(start, datetime.min.time(), UTC)
    high = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    engine = create_engine(normalized(url))
    with engine.connect() as connection:
        project_id = connection.execute(text("SELECT id FROM projects WHERE slug = :slug"),
                                        {"slug": FOCUS_PROJECT}).scalar_one()
    bind = {"low": low.strftime("%Y-%m-%d %H:%M:%S") if BACKEND == "sqlite" else low,
            "high": high.strftime("%Y-%m-%d %H:%M:%S") if BACKEND == "sqlite" else high,
            "project": project_id}

    def seeds_approach():
        # What the seed implementations do: fetch every matching row, count in the app.
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT name, occurred_at FROM events WHERE project_id = :project "
                "AND occurred_at >= :low AND occurred_at < :high AND gender = 'Female'"),
                bind).fetchall()
        return PyCounter(name for name, _ in rows)

    def plain_group_by():
        with engine.connect() as connection:
            return dict(connection.execute(text(
                "SELECT name, COUNT(*) FROM events WHERE project_id = :project "
                "AND occurred_at >= :low AND occurred_at < :high AND gender = 'Female' "
                "GROUP BY name"), bind).all())

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalized(url), "CACHE_TYPE": "NullCache",
                      "JWT_SECRET_KEY": SECRET})
    client = app.test_client()
    headers = bearer(client)
    params = {"startDate": start.isoformat(), "endDate": end.isoformat(), "gender": "Female",
              "project": FOCUS_PROJECT}

    def ours():
        bars = client.get("/api/v1/analytics", query_string=params,
                          headers=headers).get_json()["barChartData"]
        return {bar["feature"]: bar["count"] for bar in bars}

    timings = {}
    answers = {}
    for name, function, runs in (("ours", ours, 5), ("plain_sql", plain_group_by, 3),
                                 ("seeds_approach", seeds_approach, 2)):
        values = []
        for _ in range(runs):
            started = time.perf_counter()
            answers[name] = dict(function())
            values.append((time.perf_counter() - started) * 1000)
        timings[name] = statistics.median(values)
        log(f"ratio input {name}: median {timings[name]:.0f} ms")
    engine.dispose()
    assert answers["ours"] == answers["plain_sql"] == answers["seeds_approach"], \
        "the three approaches disagree"
    return {"ms": timings,
            "vs_seeds": timings["seeds_approach"] / timings["ours"],
            "vs_plain_sql": timings["plain_sql"] / timings["ours"]}


# ----------------------------------------------------------------------------- ingestion

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, worker_class: str, app: str = "wsgi:app", **extra_env
                   ) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # gunicorn quietly runs "sync" with more than one thread as gthread: sync gets one.
    env = env_for(url, APP_ENV="production", PORT=str(port), HOST="127.0.0.1",
                  WEB_CONCURRENCY="2", GUNICORN_WORKER_CLASS=worker_class,
                  GUNICORN_THREADS="1" if worker_class == "sync" else "8",
                  INGEST_RATE_LIMIT="10000000 per minute",
                  LOG_LEVEL="warning", **extra_env)
    process = subprocess.Popen([BIN / "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile",
                                "/dev/null", app], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def worker_rss_kib(master: subprocess.Popen) -> int:
    total = 0
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        if f"PPid:\t{master.pid}\n" in status:
            total += int(status.split("VmRSS:")[1].split()[0])
    return total


def run_load(port: int, path: str, headers: dict, body, seconds: float) -> dict:
    """Drive `path` with bench/loadgen.py; latencies summarised."""
    result = loadgen.run_load(port, path, headers, body, seconds)
    latencies = result.pop("latencies_ms")
    result["latency"] = summary(latencies) if latencies else None
    return result


def count_named(url: str, name: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(normalized(url))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM events WHERE name = :name"),
                                   {"name": name}).scalar()
    engine.dispose()
    return count


class LiveStream(threading.Thread):
    """One dashboard's live stream: counts the `events` frames and the events they report."""

    def __init__(self, port: int, token: str):
        super().__init__(daemon=True)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.request("GET", f"/api/v1/analytics/stream?project={INGEST_PROJECT}",
                                headers={"Authorization": f"Bearer {token}"})
        self.response = self.connection.getresponse()
        self.frames, self.announced, self.hello = 0, 0, False

    def run(self) -> None:
        event = None
        try:
            for raw in self.response:
                line = raw.decode().strip()
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "hello":
                    self.hello = True
                elif line.startswith("data:") and event == "events":
                    self.frames += 1
                    self.announced += json.loads(line[5:])["received"]
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # Closed by close() at the end of the measurement; http.client can trip over
            # its own closed file (AttributeError) while reporting that.
            pass

    def close(self) -> None:
        sock = self.connection.sock or getattr(self.response.fp, "raw", None)
        with contextlib.suppress(OSError, AttributeError):
            (sock._sock if hasattr(sock, "_sock") else sock).shutdown(socket.SHUT_RDWR)
        self.response.close()
        self.connection.close()


def measure_with_streams(url: str, port: int, key: str, worker_class: str) -> dict:
    """/events while dashboards hold live streams open (one stream under sync workers,
    where each stream takes a whole worker; two otherwise), on the key's project."""
    token = login_token(port)
    streams = [LiveStream(port, token) for _ in range(1 if worker_class == "sync" else 2)]
    for stream in streams:
        stream.start()
    time.sleep(1)
    name = f"streamed_{worker_class}_{uuid.uuid4().hex[:6]}"
    load = run_load(port, "/api/v1/events", {"Content-Type": "application/json",
                                             "X-Ouroboard-Key": key},
                    loadgen.BatchBody(name), INGEST_SECONDS / 2)
    time.sleep(2)  # the last announcements
    for stream in streams:
        stream.close()
    stored = count_named(url, name)
    result = {**load, "events_per_second": load["accepted"] / load["elapsed"], "stored": stored,
              "streams": len(streams), "frames": [stream.frames for stream in streams],
              "announced": [stream.announced for stream in streams],
              "hello": all(stream.hello for stream in streams)}
    log(f"{worker_class} /events with {len(streams)} live stream(s): "
        f"{result['events_per_second']:,.0f} events/s, p99 {load['latency']['p99']:.0f} ms; "
        f"frames {result['frames']}, events announced {result['announced']} of {stored:,}")
    return result


def measure_reference(worker_class: str = "sync") -> dict:
    """bench/reference_app.py, the minimal endpoints, under the same gunicorn settings."""
    database = DATA / "reference.db"
    results = {}
    for path, body in (("/api/v1/events", loadgen.BatchBody("reference")),
                       ("/api/v1/track", loadgen.TrackBody("reference"))):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        reference_app.prepare(str(database))
        process, port = start_gunicorn("sqlite://", worker_class, "bench.reference_app:app",
                                       REFERENCE_DATABASE=str(database))
        try:
            load = run_load(port, path, {"Content-Type": "application/json"}, body,
                            INGEST_SECONDS / 2)
        finally:
            process.terminate()
            process.wait(timeout=30)
        if load["errors"]:
            # A yardstick that failed would make every ratio against it meaningless.
            raise RuntimeError(f"the minimal Flask reference answered {path} with "
                               f"{load['statuses']}")
        results[path] = {**load, "per_second": (load["accepted"] if path.endswith("events")
                                                else load["requests"]) / load["elapsed"]}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    log(f"minimal Flask reference ({worker_class}): "
        f"{results['/api/v1/events']['per_second']:,.0f} events/s in batches, "
        f"{results['/api/v1/track']['per_second']:,.0f} req/s one insert each")
    return results


def measure_ingestion(url: str) -> dict:
    """Batches of 100 on /events and single /track calls, per gunicorn worker class, then
    /events again with live streams open."""
    key_output = subprocess.run([BIN / "flask", "keys", "create", f"bench-{uuid.uuid4().hex[:8]}",
                                 "--project", INGEST_PROJECT],
                                cwd=ROOT, env=env_for(url), check=True, capture_output=True,
                                text=True).stdout
    key = key_output.strip().splitlines()[-1]
    results = {}
    for worker_class in ("sync", "gthread", "gevent"):
        process, port = start_gunicorn(url, worker_class)
        try:
            name = f"bench_{worker_class}_{uuid.uuid4().hex[:6]}"
            rss_before = worker_rss_kib(process)
            batch = run_load(port, "/api/v1/events", {"Content-Type": "application/json",
                                                      "X-Ouroboard-Key": key},
                             loadgen.BatchBody(name), INGEST_SECONDS)
            rss_after = worker_rss_kib(process)
            stored = count_named(url, name)
            batch.update(events_per_second=batch["accepted"] / batch["elapsed"], stored=stored,
                         lost=batch["accepted"] - stored if stored < batch["accepted"] else 0,
                         duplicated=stored - batch["accepted"]
                         if stored > batch["accepted"] else 0,
                         rss_kib=(rss_before, rss_after))
            log(f"{worker_class} /events: {batch['events_per_second']:,.0f} events/s, "
                f"p99 {batch['latency']['p99']:.0f} ms, stored {stored:,} of "
                f"{batch['accepted']:,} acknowledged, {batch['errors']} errors")
            token = login_token(port)
            track_name = f"track_{worker_class}_{uuid.uuid4().hex[:6]}"
            track = run_load(port, "/api/v1/track", {"Content-Type": "application/json",
                                                     "Authorization": f"Bearer {token}"},
                             loadgen.TrackBody(track_name), INGEST_SECONDS / 2)
            track.update(requests_per_second=track["requests"] / track["elapsed"],
                         stored=count_named(url, track_name))
            log(f"{worker_class} /track: {track['requests_per_second']:,.0f} req/s, "
                f"p99 {track['latency']['p99']:.0f} ms, {track['errors']} errors")
            # The same server and token, minus /track's rate limit, validation and write:
            # the rate /track would reach if those cost nothing.
            read = run_load(port, "/api/v1/me", {"Authorization": f"Bearer {token}"},
                            loadgen.NoBody(), INGEST_SECONDS / 2)
            read["requests_per_second"] = read["requests"] / read["elapsed"]
            log(f"{worker_class} GET /me: {read['requests_per_second']:,.0f} req/s, "
                f"p99 {read['latency']['p99']:.0f} ms, {read['errors']} errors")
            streamed = measure_with_streams(url, port, key, worker_class)
            results[worker_class] = {"events": batch, "track": track, "read": read,
                                     "streamed": streamed}
        finally:
            process.terminate()
            process.wait(timeout=30)
    return results


def login_token(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/api/v1/login", body=json.dumps(
        {"username": "user2", "password": "password123"}),
        headers={"Content-Type": "application/json"})
    return json.loads(connection.getresponse().read())["token"]


def measure_insert_ceiling(url: str) -> dict:
    """The database's own batch insert rate through our write path (events + rollups)."""
    from app import create_app
    from app.event_rows import event_row
    from app.extensions import db
    from app.projects.data import project_id_by_slug
    from app.track.store import insert_events

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalized(url), "JWT_SECRET_KEY": SECRET})
    name = f"ceiling_{uuid.uuid4().hex[:6]}"
    total = 0
    with app.app_context():
        project_id = project_id_by_slug(INGEST_PROJECT)
        started = time.monotonic()
        while time.monotonic() - started < 10:
            now = datetime.now(UTC)
            rows = [event_row(name, now, project_id=project_id, anonymous_id="bench",
                              page_url="/bench") for _ in range(100)]
            insert_events(rows)
            db.session.commit()
            total += len(rows)
        elapsed = time.monotonic() - started
    log(f"database insert ceiling: {total / elapsed:,.0f} events/s")
    return {"events_per_second": total / elapsed}


def measure_export_memory(url: str) -> dict:
    """Peak RSS of a process streaming ~1M events of FOCUS_PROJECT as CSV, against the same
    process idle; and its anonymous memory (RSS without the pages of files it maps, such
    as SQLite's memory-mapped database), sampled during the export."""
    script = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})


def status_kib(field):
    # VmHWM belongs to this program's memory map; ru_maxrss would include the forking
    # parent's memory from before exec.
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])


def peak_rss_kib():
    return status_kib("VmHWM")

from datetime import date, timedelta
from app import create_app
from flask_jwt_extended import create_access_token
app = create_app({{"SQLALCHEMY_DATABASE_URI": {normalized(url)!r},
                   "JWT_SECRET_KEY": {SECRET!r}}})
client = app.test_client()
# A token minted directly: a login's Argon2id hash alone would add 64 MiB to the peak.
with app.app_context():
    token = create_access_token(identity="1")
client.get("/api/v1/me", headers={{"Authorization": "Bearer " + token}})
idle = peak_rss_kib()
idle_anon = peak_anon = status_kib("RssAnon")
end = date.today() - timedelta(days=1)
start = end - timedelta(days=int(sys.argv[1]))
response = client.get("/api/v1/analytics/export.csv",
                      headers={{"Authorization": "Bearer " + token}},
                      query_string={{"startDate": start.isoformat(), "endDate": end.isoformat(),
                                    "project": {FOCUS_PROJECT!r}}},
                      buffered=False)
rows, started = 0, time.monotonic()
for number, chunk in enumerate(response.response):
    rows += chunk.count(b"\\n")
    if number % 50 == 0:
        peak_anon = max(peak_anon, status_kib("RssAnon"))
peak_anon = max(peak_anon, status_kib("RssAnon"))
print(rows - 1, idle, peak_rss_kib(), time.monotonic() - started, idle_anon, peak_anon)
"""
    # About a million of the project's events (it holds 1/PROJECTS of them).
    days = max(1, round(365 * 1_000_000 * PROJECTS / max(EVENTS, 1)))
    output = subprocess.run([PYTHON, "-c", script, str(min(days, 364))], cwd=ROOT,
                            env=env_for(url), check=True, capture_output=True, text=True)
    rows, idle, peak, seconds, idle_anon, peak_anon = output.stdout.split()
    result = {"rows": int(rows), "idle_rss_mib": int(idle) / 1024,
              "peak_rss_mib": int(peak) / 1024, "seconds": float(seconds),
              "idle_anon_mib": int(idle_anon) / 1024, "peak_anon_mib": int(peak_anon) / 1024}
    log(f"export of {result['rows']:,} rows: peak RSS {result['peak_rss_mib']:.0f} MiB "
        f"(idle {result['idle_rss_mib']:.0f} MiB), anonymous memory at most "
        f"{result['peak_anon_mib']:.0f} MiB (idle {result['idle_anon_mib']:.0f} MiB)")
    return result


# ----------------------------------------------------------------------------- report

def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    met = value <= target if lower_is_better else value >= target
    return "met" if met else "**missed**"


INGEST_BEGIN, INGEST_END = "<!-- begin ingest -->", "<!-- end ingest -->"


def ingest_context(run: dict) -> str:
    """Where and when the #21 figures were measured."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "app", "config.py",
                            "bench", "gunicorn.conf.py", "bin"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return (f"at {commit}{' with uncommitted changes' if dirty else ''}, "
            f"{run['ingest_started']} - {run['ingest_ended']} UTC; {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {run['backend_version']}, on a database "
            f"holding {EVENTS:,} bulk-loaded events (plus what earlier cases of this run "
            "stored).")


def ingest_command() -> str:
    settings = [f"{name}={os.environ[name]}" for name in (
        "BENCH_DB", "BENCH_QUEUE", "BENCH_EVENTS", "BENCH_PARTS", "BENCH_INGEST_SECONDS",
        "BENCH_WRITERS", "BENCH_INGEST_REPEATS", "BENCH_SITES", "BENCH_CONNECTIONS",
        "BENCH_WEB") if os.environ.get(name)]
    return " ".join([*settings, "make bench"])


def ingest_lines(run: dict) -> list[str]:
    """The #21 section between its markers, from this run or else kept from the report."""
    if "ingest21" not in run:
        text = RESULTS.read_text() if RESULTS.is_file() else ""
        if INGEST_BEGIN in text:
            return ["", INGEST_BEGIN + text.split(INGEST_BEGIN, 1)[1].split(INGEST_END, 1)[0]
                    + INGEST_END, ""]
        return []
    title = ("PostgreSQL + Redis queue" if QUEUE else
             "SQLite, synchronous" if BACKEND == "sqlite" else "PostgreSQL, synchronous")
    lines = ingest_load.report_lines(run["ingest21"], title, ingest_command(),
                                     ingest_context(run))
    if "ceiling" in run:
        ceiling = run["ceiling"]["events_per_second"]
        lines += [f"Database ceiling through the same write path (events + rollups, synthetic "
                  f"batches of 100, in-process, no HTTP): {ceiling:,.0f} events/s.", ""]
    return ["", INGEST_BEGIN, *lines, INGEST_END, ""]


def write_sections(run: dict) -> None:
    """A run of some parts: replace the sections it measured (queries, ingestion), keep the
    rest of the report.
    """
    text = RESULTS.read_text() if RESULTS.is_file() else (
        "# Benchmark results\n\nWritten by `make bench` (bench/run.py); see bench/README.md "
        "for what each figure means.\n")
    written = []
    if "queries" in run:
        text = with_section(text, QUERIES_BEGIN, QUERIES_END,
                            "\n".join(query_lines(run)).strip("\n"))
        written.append("query")
    if "ingest21" in run:
        text = with_section(text, INGEST_BEGIN, INGEST_END,
                            "\n".join(ingest_lines(run)).strip("\n"))
        written.append("ingestion")
    RESULTS.write_text(text)
    log(f"wrote the {' and '.join(written)} section(s) of {RESULTS}")


def with_section(text: str, begin: str, end: str, block: str) -> str:
    """The report with the block between begin and end, or appended if it had none."""
    if begin in text:
        head, rest = text.split(begin, 1)
        return head + block + rest.split(end, 1)[1]
    return text.rstrip("\n") + "\n\n" + block + "\n"


QUERIES_BEGIN, QUERIES_END = "<!-- begin queries -->", "<!-- end queries -->"


def query_lines(run: dict) -> list[str]:
    """The query table between its markers, with where and when it was measured."""
    queries = run["queries"]
    lines = [
        QUERIES_BEGIN,
        "## Queries per project (full year, and all time without dates; random age group, "
        "gender, time zone and feature)",
        "",
        f"Measured {run['when']} on {BACKEND} ({run['backend_version']}), BENCH_EVENTS="
        f"{EVENTS:,}, at {git_commit()}. Each endpoint was called {SAMPLES} times in each "
        "project (`project=<slug>`); a cell gives the median / p95 in ms of that project's "
        "calls, and the verdict is the worst project's p95 against the target.",
        "",
        "| endpoint | " + " | ".join(f"`{slug}`" for slug in PROJECT_SLUGS)
        + " | worst p95 | target p95 | |",
        "| --- | " + " | ".join("---:" for _ in PROJECT_SLUGS) + " | ---: | --- | --- |",
    ]
    targets = {"/analytics/summary (+ previous period)": 100,
               "cache hit (/analytics/summary)": 5}
    for label, per_project in queries.items():
        target = targets.get(label, 50)
        worst = max(figures["p95"] for figures in per_project.values())
        cells = " | ".join(f"{per_project[slug]['median']:.1f} / {per_project[slug]['p95']:.1f}"
                           for slug in PROJECT_SLUGS)
        lines.append(f"| {label} | {cells} | {worst:.1f} | ≤ {target} | "
                     f"{verdict(worst, target)} |")
    return [*lines, QUERIES_END, ""]


def git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()


def write_report(run: dict) -> None:
    ratios = run["ratios"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` on {run['when']} with BENCH_EVENTS={EVENTS:,} over "
        f"{PROJECTS} projects and BENCH_DB={BACKEND}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"{run['backend_version']}. Every figure below comes from that one run; medians and "
        "percentiles are over the samples shown. Query latencies are measured in-process "
        "(Flask test client, authentication and JSON included, no network), with the cache "
        "disabled unless it says cache hit. See bench/README.md for what each figure means.",
        "",
        "## Load",
        "",
        (f"Bulk load of {EVENTS:,} events by {USERS:,} users over 365 days, spread at random "
         f"over {PROJECTS} projects ({', '.join(f'`{slug}`' for slug in PROJECT_SLUGS)}), "
         "rollups included: "
         f"{run['load_seconds']:.0f} s ({EVENTS / run['load_seconds']:,.0f} events/s)."
         if run["load_seconds"] else "The database was already loaded by an earlier run."),
        "",
    ]
    lines += query_lines(run)
    lines += ["", *worst_case.report_lines(run["worst"]["worst"], run["worst"]["zones"],
                                          FOCUS_PROJECT)]
    lines += [
        "## Side by side, same data, same run (bars for a year of gender=Female)",
        "",
        f"All three count the events of the project `{FOCUS_PROJECT}` only.",
        "",
        "| approach | median ms |",
        "| --- | --- |",
        f"| our `/analytics` (rollups, cold cache, HTTP handling included) | "
        f"{ratios['ms']['ours']:.0f} |",
        f"| plain SQL `GROUP BY` over raw events | {ratios['ms']['plain_sql']:.0f} |",
        f"| the seeds' approach: fetch matching rows, count in Python | "
        f"{ratios['ms']['seeds_approach']:.0f} |",
        "",
        f"Ours is **{ratios['vs_seeds']:.0f}×** faster than the seeds' approach and "
        f"**{ratios['vs_plain_sql']:.1f}×** faster than plain SQL over raw events. All three "
        "returned identical counts.",
        "",
    ]
    lines += ingest_lines(run)
    if "workers" in run:
        lines += worker_lines(run)
    lines += [
        "",
        "## Export",
        "",
        f"Streaming {run['export']['rows']:,} events as CSV took "
        f"{run['export']['seconds']:.1f} s with a peak RSS of "
        f"{run['export']['peak_rss_mib']:.0f} MiB (the same process idle: "
        f"{run['export']['idle_rss_mib']:.0f} MiB); target < 150 MiB. Of that RSS, the "
        "process's own (anonymous) memory was at most "
        f"{run['export']['peak_anon_mib']:.0f} MiB, sampled every 50 chunks (idle: "
        f"{run['export']['idle_anon_mib']:.0f} MiB)"
        + ("; the rest is pages of the database file that SQLite maps (PRAGMA mmap_size), "
           "which the kernel can drop at any time. With several projects, one project's rows "
           "share their pages with the others', so an export maps more of the file than the "
           "events it sends." if BACKEND == "sqlite" else "."),
        "",
    ]
    RESULTS.write_text("\n".join(lines) + "\n" + run.get("notes", ""))
    log(f"wrote {RESULTS}")


def worker_lines(run: dict) -> list[str]:
    """The per-worker-class ingestion tables (BENCH_PARTS=...,workers): the tuned
    server of earlier reports, synthetic bodies, with live streams open."""
    ingest = run["workers"]
    lines = [
        "## Ingestion over HTTP (gunicorn, production config, 2 workers, loopback)",
        "",
        "`bench/loadgen.py` (one process, 8 keep-alive connections) runs on the same 2 cores "
        f"as the server, for {INGEST_SECONDS:.0f} s per case (/track and /me half as long). "
        f"/events sends with an ingestion key of the project `{INGEST_PROJECT}`; /track's "
        "clicks, sent with a session, go to `ouroboard`. "
        "`GET /api/v1/me` with the same bearer token goes through the same framework, "
        "token check, user lookup, logging and metrics as /track, but not its rate limit, "
        "validation or write: the gap between the two is what those cost a click.",
        "",
        "| worker | endpoint | throughput | p50 ms | p99 ms | errors | stored / acknowledged |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for worker_class, cases in ingest.items():
        events, track = cases["events"], cases["track"]
        lines.append(f"| {worker_class} | /events (100 per batch) | "
                     f"{events['events_per_second']:,.0f} events/s | "
                     f"{events['latency']['median']:.0f} | {events['latency']['p99']:.0f} | "
                     f"{events['errors']} | {events['stored']:,} / {events['accepted']:,} |")
        lines.append(f"| {worker_class} | /track | {track['requests_per_second']:,.0f} req/s | "
                     f"{track['latency']['median']:.0f} | {track['latency']['p99']:.0f} | "
                     f"{track['errors']} | {track['stored']:,} / {track['accepted']:,} |")
        read = cases["read"]
        lines.append(f"| {worker_class} | GET /me (no write; for comparison) | "
                     f"{read['requests_per_second']:,.0f} req/s | "
                     f"{read['latency']['median']:.0f} | {read['latency']['p99']:.0f} | "
                     f"{read['errors']} | – |")
    best = max(cases["events"]["events_per_second"] for cases in ingest.values())
    ceiling = run["ceiling"]["events_per_second"]
    lines += [
        "",
        f"Database ceiling through the same write path (events + rollups, batches of 100, "
        f"in-process): {ceiling:,.0f} events/s. HTTP ingestion reaches "
        f"**{best / ceiling:.0%}** of it.",
        "",
        "Targets: ≥ 30,000 events/s with p99 ≤ 100 ms on /events, ≥ 1,500 req/s with "
        "p99 ≤ 50 ms on /track, 0 lost and 0 duplicated.",
        "",
        "Worker RSS (all workers, KiB) before → after the /events run: " + ", ".join(
            f"{name} {cases['events']['rss_kib'][0]:,} → {cases['events']['rss_kib'][1]:,}"
            for name, cases in ingest.items()) + ".",
        "",
        "### The yardstick on this machine",
        "",
        "`bench/reference_app.py` is a minimal Flask app under the same gunicorn settings and "
        "load generator: it parses a batch and inserts it with `executemany`, or inserts one "
        "row per request, into an empty SQLite file, with no authentication, validation, "
        "rollups, rate limits, logs or metrics. The issue quotes about 100,000 events/s and "
        "3,100 requests/s for such an app; this is what it reached here, in this run.",
        "",
        "| worker | minimal /events | minimal /track | Ouroboard /events | Ouroboard /track |",
        "|---|---|---|---|---|",
    ]
    for worker_class, reference in run["reference"].items():
        minimal_events = reference["/api/v1/events"]["per_second"]
        minimal_track = reference["/api/v1/track"]["per_second"]
        our_events = ingest[worker_class]["events"]["events_per_second"]
        our_track = ingest[worker_class]["track"]["requests_per_second"]
        lines.append(
            f"| {worker_class} | {minimal_events:,.0f} events/s | {minimal_track:,.0f} req/s | "
            f"{our_events:,.0f} events/s ({our_events / minimal_events:.0%}) | "
            f"{our_track:,.0f} req/s ({our_track / minimal_track:.0%}) |")
    lines += [
        "",
        "### With live streams open",
        "",
        "/events again for half as long while dashboards hold `/analytics/stream` open (two "
        "streams; one under sync workers, where a stream occupies a whole worker). "
        "\"Announced\" is the number of events the stream's frames reported, against the events "
        "stored in that window.",
        "",
        "| worker | streams | throughput | p99 ms | errors | frames per stream "
        "| announced / stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for worker_class, cases in ingest.items():
        streamed = cases["streamed"]
        lines.append(
            f"| {worker_class} | {streamed['streams']} | "
            f"{streamed['events_per_second']:,.0f} events/s | "
            f"{streamed['latency']['p99']:.0f} | {streamed['errors']} | "
            f"{', '.join(str(frames) for frames in streamed['frames'])} | "
            f"{', '.join(f'{announced:,}' for announced in streamed['announced'])} / "
            f"{streamed['stored']:,} |")
    return lines


def backend_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(normalized(url))
    with engine.connect() as connection:
        if BACKEND == "postgres":
            version = connection.execute(text("SHOW server_version")).scalar()
            name = f"PostgreSQL {version}"
        else:
            version = connection.execute(text("SELECT sqlite_version()")).scalar()
            name = f"SQLite {version}"
    engine.dispose()
    return name


def main() -> int:
    if BACKEND not in ("sqlite", "postgres"):
        print("BENCH_DB must be sqlite or postgres", file=sys.stderr)
        return 2
    if QUEUE not in (None, "redis") or (QUEUE and BACKEND != "postgres"):
        print("BENCH_QUEUE must be redis (with BENCH_DB=postgres) or unset", file=sys.stderr)
        return 2
    unknown = set(PARTS) - {*ALL_PARTS, "workers"}
    if unknown:
        print(f"unknown BENCH_PARTS {sorted(unknown)}; known: {', '.join(ALL_PARTS)}, "
              "workers", file=sys.stderr)
        return 2
    started = time.monotonic()
    # The SQLite databases, the reference app's among them, and gunicorn's instance files.
    DATA.mkdir(parents=True, exist_ok=True)
    prepared = prepare_database()
    url = prepared["url"]
    run = {"when": date.today().isoformat(), "load_seconds": prepared["load_seconds"],
           "backend_version": backend_version(url)}
    if "queries" in PARTS:
        run["queries"] = measure_queries(url)
    if "worst" in PARTS:
        run["worst"] = measure_worst(url)
    if "ratios" in PARTS:
        run["ratios"] = measure_ratios(url)
    if "ceiling" in PARTS:
        run["ceiling"] = measure_insert_ceiling(url)
    if "ingest" in PARTS:
        run["ingest_started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
        run["ingest21"] = ingest_load.measure(sys.modules[__name__], url, INGEST_SECONDS, log)
        run["ingest_ended"] = datetime.now(UTC).strftime("%H:%M")
    if "workers" in PARTS:
        run["workers"] = measure_ingestion(url)
        run["reference"] = {worker_class: measure_reference(worker_class)
                            for worker_class in ("sync", "gthread")}
    if "export" in PARTS:
        run["export"] = measure_export_memory(url)
    # The notes, and the latest `make faults` summary, follow the figures.
    run["notes"] = "".join(
        "\n" + extra.read_text() for extra in (ROOT / "bench" / "notes.md",
                                              ROOT / "bench" / "faults.md")
        if extra.is_file())
    whole = {"queries", "worst", "ratios", "ceiling", "export"}
    if whole <= set(run) and not QUEUE:
        write_report(run)
    elif "ingest21" in run or "queries" in run:
        write_sections(run)
    else:
        log(f"BENCH_PARTS={','.join(PARTS)}: figures above, {RESULTS} left as it was")
    if "web" in PARTS and os.environ.get("BENCH_WEB", "1") != "0":
        # The website analytics benchmark: its own database and bench/results-web.md.
        import web

        web.main([])
    if "people" in PARTS and os.environ.get("BENCH_WEB", "1") != "0":
        # Person filters, on the website benchmark's database: bench/results-people.md.
        import people

        people.main()
    log(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
