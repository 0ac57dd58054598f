"""Ingestion at realistic load (issue #21), part of `make bench` (bench/run.py).

Ouroboard is started as production starts it: `bin/boot` (migrations, then gunicorn with
gunicorn.conf.py's defaults) with APP_ENV=production and nothing else tuned: the ingest
rate limit at its default (20,000 events a minute per ingestion key or user), request
logs at INFO (written to a file under bench/data/, as a log collector would read them),
no TRUSTED_PROXIES. So that no key goes over its limit, the load comes from many sites
(BENCH_SITES projects `bench-site-NNN`, one ingestion key each, taking turns request by
request) and /track's clicks from many signed-in users (BENCH_CLICK_USERS bulk users).

Two setups:
- synchronous (no queue): one instance, each request stored before it is answered;
- BENCH_QUEUE=redis (Postgres): INGEST_QUEUE=redis, BENCH_INSTANCES (2) instances on
  their own ports with the load generator's connections split between them, and
  `flask ingest-worker` writers (BENCH_WRITERS, a list such as "1,2": each count is
  measured in turn). Throughput is given twice: acknowledged (202s per second of load)
  and stored (acknowledged events / seconds from the first request until the stream is
  drained, XLEN 0 and nothing pending).

Each of BENCH_INGEST_REPEATS rounds (3) measures the minimal Flask yardstick
(bench/reference_app.py, same gunicorn defaults), then a fresh boot of Ouroboard with
the realistic and the old synthetic bodies (order alternating between rounds) on /events
and /track. Stored rows are counted against acknowledged ones after every case. During
the realistic cases a probe sends a dashboard click (POST /track with its own uuid) every
100 ms and polls the database for that uuid: the click's freshness, from sending to
being readable.
"""

import os
import statistics
import subprocess
import threading
import time
import uuid
from pathlib import Path

import loadgen
import realistic
import reference_app

REPEATS = int(os.environ.get("BENCH_INGEST_REPEATS", "3"))
SITES = int(os.environ.get("BENCH_SITES", "400"))
CLICK_USERS = int(os.environ.get("BENCH_CLICK_USERS", "100"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
LOADGEN_PROCESSES = int(os.environ.get("BENCH_LOADGEN_PROCESSES", "1"))
QUEUE = os.environ.get("BENCH_QUEUE") or None
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
INSTANCES = int(os.environ.get("BENCH_INSTANCES") or (2 if QUEUE else 1))
WRITER_COUNTS = tuple(int(count) for count in
                      os.environ.get("BENCH_WRITERS", "2").split(",")) if QUEUE else (0,)
STREAM = "ouroboard:ingest"
GROUP = "ouroboard-writers"
DRAIN_TIMEOUT = float(os.environ.get("BENCH_DRAIN_TIMEOUT", "600"))
# Load sent to a freshly booted instance before measuring, not counted: a deployed server
# has long since verified its keys and users and compiled its statements.
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "3"))
PROBE_INTERVAL = 0.1
# Environment variables that would tune the instances away from production's defaults.
TUNING = ("LOG_LEVEL", "GUNICORN_LOG_LEVEL", "WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS",
          "GUNICORN_THREADS", "GUNICORN_KEEPALIVE_REQUESTS", "GUNICORN_ACCESS_LOG",
          "INGEST_RATE_LIMIT", "TRUSTED_PROXIES", "INGEST_GROUP_COMMIT", "WEB_ENRICHMENT",
          "INGEST_QUEUE", "REDIS_URL", "INGEST_QUEUE_STREAM", "INGEST_QUEUE_MAX_ENTRIES")
TARGETS = {"events_per_second": 30_000, "events_p99": 100, "track_per_second": 1_500,
           "track_p99": 50}


# ----------------------------------------------------------------------------- setup

def prepare_senders(bench, url: str) -> dict:
    """BENCH_SITES projects with one new ingestion key each, and bearer tokens of
    BENCH_CLICK_USERS bulk users (minted, as a login would; logins are rate limited per
    address): {"keys": [...], "site_ids": [...], "tokens": [...], "probe_token": ...,
    "self_tracking_id": ...}."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.projects.builtin import self_tracking_project_id
    from app.projects.data import ensure_project
    from app.track.keys import create_key

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.normalized(url),
                      "JWT_SECRET_KEY": bench.SECRET})
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        site_ids, keys = [], []
        for number in range(1, SITES + 1):
            project_id = ensure_project(f"bench-site-{number:03d}", f"Site {number}")
            site_ids.append(project_id)
            keys.append(create_key(project_id, f"bench-{tag}")[1])
        users = list(db.session.execute(select(User.id).where(
            User.username.like("user%")).order_by(User.id).limit(CLICK_USERS + 1)).scalars())
        tokens = [create_access_token(identity=str(user_id)) for user_id in users]
        self_tracking = self_tracking_project_id()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return {"keys": keys, "site_ids": site_ids, "tokens": tokens[1:],
            "probe_token": tokens[0], "self_tracking_id": self_tracking}


def purge_sites(bench, url: str, log) -> None:
    """Delete what earlier runs stored in the sites: their events, rollup rows and website
    tables, one statement per table (only the bench writes there; a project deletion's
    batches took 20 s for 100,000 rows over 400 projects). The projects stay."""
    from sqlalchemy import bindparam, select, text

    from app import create_app
    from app.extensions import db
    from app.models import Project
    from app.rollups.definition import ROLLUPS
    from app.web.tables import WEB_TABLES

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.normalized(url),
                      "JWT_SECRET_KEY": bench.SECRET})
    started = time.monotonic()
    removed = 0
    with app.app_context():
        site_ids = db.session.execute(select(Project.id).where(
            Project.slug.like("bench-site-%"))).scalars().all()
        if site_ids:
            for table in ("events", *(rollup.table for rollup in ROLLUPS), *WEB_TABLES):
                removed += db.session.execute(text(
                    f"DELETE FROM {table} WHERE project_id IN :ids").bindparams(  # noqa: S608
                    bindparam("ids", expanding=True)), {"ids": site_ids}).rowcount
            db.session.commit()
        bench.tidy_after_deletes(removed)
    if removed:
        log(f"removed {removed:,} rows earlier runs stored in {len(site_ids)} sites, in "
            f"{time.monotonic() - started:.0f} s")


def instance_env(bench, url: str, port: int, number: int) -> dict:
    """Production's environment for one instance: only what a deployment must set."""
    env = {name: value for name, value in os.environ.items() if name not in TUNING}
    metrics = bench.DATA / f"metrics-{number}"
    metrics.mkdir(exist_ok=True)
    env.update(DATABASE_URL=url, APP_ENV="production", JWT_SECRET_KEY=bench.SECRET,
               INSTANCE_DIR=str(bench.DATA), PORT=str(port), HOST="127.0.0.1",
               PYTHON=str(bench.PYTHON), PROMETHEUS_MULTIPROC_DIR=str(metrics))
    if QUEUE:
        env.update(INGEST_QUEUE=QUEUE, REDIS_URL=REDIS_URL)
    return env


def log_path(bench, name: str) -> Path:
    return bench.DATA / f"{name}.log"


def boot(bench, url: str, number: int) -> tuple[subprocess.Popen, int, Path]:
    """One instance through bin/boot; its stdout and stderr (the request logs) to a file."""
    port = bench.free_port()
    path = log_path(bench, f"instance-{number}")
    with path.open("ab") as output:
        process = subprocess.Popen(["bin/boot"], cwd=bench.ROOT,
                                   env=instance_env(bench, url, port, number),
                                   stdout=output, stderr=output)
    wait_healthy(process, port)
    return process, port, path


def wait_healthy(process: subprocess.Popen, port: int, seconds: float = 120) -> None:
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the instance on port {port} exited ({process.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the instance on port {port} did not start")


def start_writers(bench, url: str, count: int) -> list[subprocess.Popen]:
    writers = []
    for number in range(count):
        path = log_path(bench, f"writer-{number}")
        with path.open("ab") as output:
            writers.append(subprocess.Popen(
                [str(bench.PYTHON), "-m", "flask", "--app", "wsgi.py", "ingest-worker",
                 "--name", f"bench-writer-{number}"], cwd=bench.ROOT,
                env=instance_env(bench, url, 0, 100 + number), stdout=output, stderr=output))
    return writers


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ----------------------------------------------------------------------------- queue

def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def queue_state(client) -> tuple[int, int]:
    """(entries in the stream, entries delivered to a writer and not acknowledged)."""
    import redis

    length = client.xlen(STREAM)
    try:
        pending = client.xpending(STREAM, GROUP)["pending"]
    except redis.ResponseError:  # no group yet: no writer has started
        pending = 0
    return length, pending


def wait_drained(client, started: float) -> tuple[float, int]:
    """Seconds from `started` until the stream is empty, and its longest length seen."""
    longest = 0
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        length, pending = queue_state(client)
        longest = max(longest, length)
        if length == 0 and pending == 0:
            return time.monotonic() - started, longest
        time.sleep(0.05)
    raise RuntimeError(f"the ingest stream still holds {queue_state(client)} entries "
                       f"after {DRAIN_TIMEOUT:.0f} s")


class QueueWatch(threading.Thread):
    """The stream's longest length during a load."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.longest, self.done = client, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.longest = max(self.longest, self.client.xlen(STREAM))


# ----------------------------------------------------------------------------- counting

class Counter:
    """Stored events of the sites, and of the self-tracking project since the start."""

    def __init__(self, bench, url: str, senders: dict):
        from sqlalchemy import bindparam, create_engine, text

        self.engine = create_engine(bench.normalized(url))
        self.sites = text("SELECT COUNT(*) FROM events WHERE project_id IN :ids").bindparams(
            bindparam("ids", expanding=True))
        self.clicks = text("SELECT COUNT(*) FROM events WHERE project_id = :project "
                           "AND occurred_at >= :since")
        self.site_ids, self.project = senders["site_ids"], senders["self_tracking_id"]
        from datetime import UTC, datetime, timedelta
        # Clicks are dated by the server's clock; a minute's margin, counted as a delta.
        since = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
        self.since = since.strftime("%Y-%m-%d %H:%M:%S") if bench.BACKEND == "sqlite" else since

    def events(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(self.sites, {"ids": self.site_ids}).scalar()

    def track(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(self.clicks, {"project": self.project,
                                                    "since": self.since}).scalar()


class FreshnessProbe(threading.Thread):
    """A dashboard click every PROBE_INTERVAL, each with its own uuid, and a poll of the
    database for the uuids not yet readable: ms from sending to readable, per click."""

    def __init__(self, bench, url: str, ports: tuple[int, ...], token: str):
        from sqlalchemy import bindparam, create_engine, text

        super().__init__(daemon=True)
        self.ports, self.token = ports, token
        self.engine = create_engine(bench.normalized(url))
        self.find = text("SELECT uuid FROM events WHERE uuid IN :uuids").bindparams(
            bindparam("uuids", expanding=True))
        self.pending: dict[str, float] = {}
        self.lags_ms: list[float] = []
        self.failed = 0
        self.sent = 0
        self.stop_sending = threading.Event()
        self.lock = threading.Lock()

    def send(self, number: int) -> None:
        import http.client
        import json

        click_uuid = str(uuid.uuid4())
        body = json.dumps({"feature_name": "freshness_probe", "uuid": click_uuid,
                           "session_id": "probe", "page_url": "/bench/probe"})
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.ports[number % len(self.ports)], timeout=30)
            connection.request("POST", "/api/v1/track", body=body, headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
            status = connection.getresponse().status
            connection.close()
        except OSError:
            status = 0
        if status in (201, 202):
            with self.lock:
                self.pending[click_uuid] = started
        else:
            self.failed += 1

    def run(self) -> None:
        sender = threading.Thread(target=self.send_loop, daemon=True)
        sender.start()
        while sender.is_alive() or self.pending:
            with self.lock:
                wanted = list(self.pending)
            if wanted:
                with self.engine.connect() as connection:
                    found = connection.execute(self.find, {"uuids": wanted}).scalars().all()
                now = time.monotonic()
                with self.lock:
                    for value in found:
                        self.lags_ms.append((now - self.pending.pop(str(value))) * 1000)
                if any(now - started > 120 for started in self.pending.values()):
                    break  # lost, or far behind: reported as unseen
            time.sleep(0.01)
        self.engine.dispose()

    def send_loop(self) -> None:
        number = 0
        while not self.stop_sending.wait(PROBE_INTERVAL):
            self.send(number)
            number += 1
        self.sent = number

    def finish(self) -> dict:
        self.stop_sending.set()
        self.join(timeout=180)
        lags = self.lags_ms
        return {"clicks": len(lags), "unseen": len(self.pending), "failed": self.failed,
                "p50": statistics.median(lags) if lags else None,
                "p99": percentile(lags, 0.99) if lags else None,
                "max": max(lags) if lags else None}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# ----------------------------------------------------------------------------- cases

def one_case(bench, ports, path: str, headers: dict, body, seconds: float, count,
             queue=None, probe: tuple | None = None) -> dict:
    """One load run: throughput, latency, stored against acknowledged; with a queue the
    time until drained; with `probe` (url, token) the clicks' freshness meanwhile."""
    before = count()
    load_before = os.getloadavg()[0]
    watch = QueueWatch(queue) if queue is not None else None
    fresh = FreshnessProbe(bench, probe[0], ports, probe[1]) if probe else None
    for thread in (watch, fresh):
        if thread:
            thread.start()
    started = time.monotonic()
    load = loadgen.run_load(ports, path, headers, body, seconds,
                            connections=CONNECTIONS, processes=LOADGEN_PROCESSES)
    result = {"seconds": load["elapsed"], "requests": load["requests"],
              "load": (load_before, os.getloadavg()[0]),
              "accepted": load["accepted"], "errors": load["errors"],
              "statuses": load["statuses"]}
    latencies = load["latencies_ms"]
    result.update(p50=statistics.median(latencies) if latencies else None,
                  p99=percentile(latencies, 0.99) if latencies else None)
    if queue is not None:
        result["drained_after"], longest = wait_drained(queue, started)
        watch.done.set()
        watch.join()
        result["longest_queue"] = max(longest, watch.longest)
    result["freshness"] = fresh.finish() if fresh else None
    stored = count() - before
    if fresh and path.endswith("/track"):
        stored -= result["freshness"]["clicks"]  # the probe's own clicks, all found
    # /events counts the batches' "accepted"; a /track success counts one.
    result.update(stored=stored, lost=max(0, result["accepted"] - stored),
                  duplicated=max(0, stored - result["accepted"]),
                  acknowledged_rate=result["accepted"] / load["elapsed"],
                  stored_rate=stored / result.get("drained_after", load["elapsed"]))
    return result


def yardstick(bench, click_bodies, event_bodies, seconds: float) -> dict:
    """bench/reference_app.py under gunicorn.conf.py's defaults, fed the realistic bodies."""
    database = bench.DATA / "reference.db"
    found = {}
    for path, body, case_seconds in (("/api/v1/events", event_bodies, seconds / 2),
                                     ("/api/v1/track", click_bodies, seconds / 2)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        reference_app.prepare(str(database))
        port = bench.free_port()
        env = {name: value for name, value in os.environ.items() if name not in TUNING}
        env.update(PORT=str(port), HOST="127.0.0.1", REFERENCE_DATABASE=str(database))
        with log_path(bench, "reference").open("ab") as output:
            process = subprocess.Popen([bench.BIN / "gunicorn", "-c", "gunicorn.conf.py",
                                        "bench.reference_app:app"], cwd=bench.ROOT, env=env,
                                       stdout=output, stderr=output)
        try:
            wait_healthy(process, port)
            load = loadgen.run_load(port, path, {"Content-Type": "application/json"}, body,
                                    case_seconds, connections=CONNECTIONS,
                                    processes=LOADGEN_PROCESSES)
        finally:
            stop([process])
        if load["errors"]:
            raise RuntimeError(f"the minimal Flask reference answered {path} with "
                               f"{load['statuses']}")
        unit = load["accepted"] if path.endswith("events") else load["requests"]
        found[path] = {"rate": unit / load["elapsed"],
                       "p99": percentile(load["latencies_ms"], 0.99)}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return found


def measure(bench, url: str, seconds: float, log) -> dict:
    """Every round of every writer count: {"rounds": {writers: [round, ...]}, ...}."""
    # The logs of this run only (the instances append to them; a run writes tens of MB).
    for old_log in bench.DATA.glob("*.log"):
        if old_log.name.startswith(("instance-", "writer-", "reference")):
            old_log.unlink()
    senders = prepare_senders(bench, url)
    key_sets = [{"X-Ouroboard-Key": key} for key in senders["keys"]]
    token_sets = [{"Authorization": f"Bearer {token}"} for token in senders["tokens"]]
    started = time.monotonic()
    event_requests = realistic.event_requests(100, 400)
    click_requests = realistic.click_requests(4000)
    log(f"prepared {len(event_requests)} /events bodies "
        f"({len(realistic.names_in(event_requests))} event names) and "
        f"{len(click_requests)} /track bodies "
        f"({len(realistic.names_in(click_requests))} names) in "
        f"{time.monotonic() - started:.0f} s")
    bodies = {
        ("events", "realistic"): realistic.RealisticBody(event_requests, key_sets),
        ("events", "synthetic"): realistic.synthetic_events(
            f"bench_{uuid.uuid4().hex[:6]}", key_sets),
        ("track", "realistic"): realistic.RealisticBody(click_requests, token_sets),
        ("track", "synthetic"): realistic.synthetic_clicks(
            f"track_{uuid.uuid4().hex[:6]}", token_sets),
    }
    yard_events = realistic.RealisticBody(event_requests, [{}])
    yard_clicks = realistic.RealisticBody(click_requests, [{}])
    count = Counter(bench, url, senders)
    queue = redis_client() if QUEUE else None
    if queue is not None:
        # This bench's own Redis database: a stream or rate-limit counts left by an
        # interrupted run would distort this one.
        queue.flushdb()
    log_sizes = {}
    rounds: dict[int, list] = {}
    for writers_count in WRITER_COUNTS:
        rounds[writers_count] = []
        for number in range(REPEATS):
            yard = yardstick(bench, yard_clicks, yard_events, seconds)
            log(f"yardstick: {yard['/api/v1/events']['rate']:,.0f} events/s, "
                f"{yard['/api/v1/track']['rate']:,.0f} req/s")
            instances = [boot(bench, url, index) for index in range(INSTANCES)]
            ports = tuple(port for _, port, _ in instances)
            for _, _, path in instances:
                log_sizes.setdefault(path, path.stat().st_size)
            writers = start_writers(bench, url, writers_count)
            warm_up(ports, bodies, queue)
            cases = {}
            kinds = ("realistic", "synthetic") if number % 2 == 0 else ("synthetic",
                                                                        "realistic")
            try:
                for endpoint in ("events", "track"):
                    for kind in kinds:
                        path = f"/api/v1/{endpoint}"
                        headers = {"Content-Type": "application/json"}
                        # The probe runs in every case, so that both kinds carry its load.
                        probe = (url, senders["probe_token"])
                        result = one_case(bench, ports, path, headers,
                                          bodies[(endpoint, kind)],
                                          seconds if endpoint == "events" else seconds / 2,
                                          count.events if endpoint == "events" else count.track,
                                          queue, probe)
                        cases[(endpoint, kind)] = result
                        log(describe(endpoint, kind, writers_count, number, result))
            finally:
                stop(writers)
                stop([process for process, _, _ in instances])
            rounds[writers_count].append({"yardstick": yard, "cases": cases})
    logged = sum(path.stat().st_size - size for path, size in log_sizes.items())
    count.engine.dispose()
    dead = queue.xlen(STREAM + ":dead") if queue is not None else 0
    return {"rounds": rounds, "sites": SITES, "users": len(senders["tokens"]),
            "seconds": seconds, "log_bytes": logged,
            "event_names": len(realistic.names_in(event_requests)),
            "click_names": len(realistic.names_in(click_requests)), "dead_letters": dead}


def warm_up(ports: tuple[int, ...], bodies: dict, queue) -> None:
    """Every key and user seen by each worker once, and the queue drained, unmeasured."""
    for endpoint in ("events", "track"):
        loadgen.run_load(ports, f"/api/v1/{endpoint}", {"Content-Type": "application/json"},
                         bodies[(endpoint, "realistic")], WARMUP_SECONDS / 2,
                         connections=CONNECTIONS, processes=LOADGEN_PROCESSES)
    if queue is not None:
        wait_drained(queue, time.monotonic())


def describe(endpoint: str, kind: str, writers: int, number: int, result: dict) -> str:
    unit = "events/s" if endpoint == "events" else "req/s"
    text = (f"round {number + 1}{f', {writers} writer(s)' if QUEUE else ''}: /{endpoint} "
            f"{kind}: {result['acknowledged_rate']:,.0f} {unit} acknowledged")
    if QUEUE:
        text += (f", {result['stored_rate']:,.0f} stored (drained after "
                 f"{result['drained_after']:.1f} s, queue at most {result['longest_queue']:,})")
    text += (f", p50 {result['p50']:.0f} / p99 {result['p99']:.0f} ms, {result['errors']} "
             f"errors {result['statuses']}, stored {result['stored']:,} of "
             f"{result['accepted']:,}")
    if result["freshness"]:
        fresh = result["freshness"]
        text += (f"; freshness p50 {fresh['p50'] or 0:.0f} / p99 {fresh['p99'] or 0:.0f} ms "
                 f"over {fresh['clicks']} clicks ({fresh['unseen']} unseen)")
    return text


# ----------------------------------------------------------------------------- report

def missed_by(value: float, target: float, higher_is_better: bool) -> str:
    if (value >= target) if higher_is_better else (value <= target):
        return "met"
    gap = (target - value) if higher_is_better else (value - target)
    return f"**missed** by {gap:,.0f} ({gap / target:.0%})"


def report_lines(measured: dict, title: str, command: str, context: str) -> list[str]:
    """The #21 section of a report."""
    seconds = measured["seconds"]
    setup = (f"Postgres + Redis queue (INGEST_QUEUE=redis): {INSTANCES} instances, writers "
             f"as below" if QUEUE else "synchronous: one instance, each request stored before "
             "it is answered")
    lines = [
        f"## Ingestion at realistic load (issue #21): {title}", "",
        f"`{command}`; {context}", "",
        f"Setup: {setup}. Each instance started by `bin/boot` with APP_ENV=production and "
        "production's defaults: gunicorn.conf.py (2 gthread workers × 16 threads), ingest "
        "rate limit 20,000 events/min per key or user, request logs at INFO "
        f"({measured['log_bytes'] / 1e6:,.1f} MB of JSON log lines written to bench/data/"
        "instance-N.log in this run), TRUSTED_PROXIES unset. Load from bench/loadgen.py "
        f"(one process, {CONNECTIONS} keep-alive connections"
        f"{', alternating between the instances' if INSTANCES > 1 else ''}), on the same 2 "
        f"cores: /events for {seconds:g} s per case, /track for {seconds / 2:g} s.", "",
        f"**Realistic**: /events batches of 100 from the website traffic model plus product "
        f"events ({measured['event_names']} event names, properties, session and anonymous "
        f"ids, referrers, UTM-tagged URLs, a random v4 uuid per event, the visitor's real "
        f"browser User-Agent), each request with the key of the next of "
        f"{measured['sites']} sites (projects `bench-site-NNN`); /track clicks of "
        f"{measured['click_names']} dashboard features with properties, uuid, session id, "
        f"page and User-Agent, by {measured['users']} signed-in users in turn. "
        "**Synthetic** (the figure reported before #21, given this once for comparison): "
        "the same keys and users, but the old loadgen bodies: serial uuids from a per-process "
        "prefix, one event name, no properties, no ids; a click is `{\"feature_name\"}` only.",
        "",
    ]
    loads = [value for rounds in measured["rounds"].values() for run in rounds
             for result in run["cases"].values() for value in result["load"]]
    cores = os.cpu_count() or 1
    # The bench's own load generator, app workers, writers and database keep a few
    # processes runnable: only well above that did something else take the CPU.
    own_processes = 2 * cores + (4 if QUEUE else 2)  # two instances and writers with a queue
    if loads and statistics.median(loads) > own_processes:
        lines += [
            f"**The machine was busy**: load average {min(loads):.1f} to {max(loads):.1f} "
            f"during the cases (median {statistics.median(loads):.1f}) on {cores} cores, "
            "so other processes took much of the CPU; absolute figures are far below a quiet "
            "machine's. The ratios to the yardstick, measured in the same rounds, say more.",
            ""]
    elif loads:
        lines += [
            f"Load average {min(loads):.1f} to {max(loads):.1f} during the cases (median "
            f"{statistics.median(loads):.1f}) on {cores} cores: the bench's own load "
            "generator, app, writers and database; nothing else ran.", ""]
    for writers, rounds in measured["rounds"].items():
        lines += section_for(writers, rounds)
    lines += [f"Dead-lettered queue entries after the run: {measured['dead_letters']}.", ""
              ] if QUEUE else []
    return lines


def section_for(writers: int, rounds: list[dict]) -> list[str]:
    def median_of(case, field):
        values = [run["cases"][case][field] for run in rounds
                  if run["cases"][case][field] is not None]
        return statistics.median(values) if values else float("nan")

    def per_run(case, field, fmt="{:,.0f}"):
        return ", ".join(fmt.format(run["cases"][case][field]) for run in rounds)

    heading = f"### {writers} writer{'s' if writers != 1 else ''}" if QUEUE else \
        "### Figures"
    lines = [heading, "",
             f"Medians of {len(rounds)} rounds (each round's figure in brackets, in order).",
             "",
             "| case | throughput | p50 ms | p99 ms | stored / acknowledged | errors "
             "| target | verdict |",
             "| --- | --- | ---: | ---: | --- | ---: | --- | --- |"]
    for endpoint in ("events", "track"):
        unit = "events/s" if endpoint == "events" else "req/s"
        rate_target = TARGETS[f"{endpoint}_per_second"]
        p99_target = TARGETS[f"{endpoint}_p99"]
        for kind in ("realistic", "synthetic"):
            case = (endpoint, kind)
            stored = sum(run["cases"][case]["stored"] for run in rounds)
            accepted = sum(run["cases"][case]["accepted"] for run in rounds)
            errors = sum(run["cases"][case]["errors"] for run in rounds)
            acknowledged = median_of(case, "acknowledged_rate")
            p99 = median_of(case, "p99")
            verdict = (f"rate {missed_by(acknowledged, rate_target, True)}, "
                       f"p99 {missed_by(p99, p99_target, False)}")
            lines.append(
                f"| /{endpoint} {kind}{' acknowledged' if QUEUE else ''} | "
                f"{acknowledged:,.0f} {unit} ({per_run(case, 'acknowledged_rate')}) | "
                f"{median_of(case, 'p50'):.0f} | {p99:.0f} ({per_run(case, 'p99')}) | "
                f"{stored:,} / {accepted:,} | {errors} | ≥ {rate_target:,} {unit}, "
                f"p99 ≤ {p99_target} ms | {verdict} |")
            if QUEUE:
                stored_rate = median_of(case, "stored_rate")
                lines.append(
                    f"| /{endpoint} {kind} stored (until drained) | {stored_rate:,.0f} "
                    f"{unit} ({per_run(case, 'stored_rate')}) | | | drained after "
                    f"{per_run(case, 'drained_after', '{:.1f}')} s, queue at most "
                    f"{per_run(case, 'longest_queue')} entries | | ≥ {rate_target:,} "
                    f"{unit} | {missed_by(stored_rate, rate_target, True)} |")
    lost = sum(run["cases"][case]["lost"] for run in rounds for case in run["cases"])
    duplicated = sum(run["cases"][case]["duplicated"] for run in rounds
                     for case in run["cases"])
    lines += ["", f"Lost / duplicated, every case of every round (stored rows counted "
              f"against acknowledged): **{lost} / {duplicated}**, target 0 / 0: "
              f"{'met' if lost == duplicated == 0 else '**missed**'}.", ""]
    yard_events_runs = [run["yardstick"]["/api/v1/events"]["rate"] for run in rounds]
    yard_track_runs = [run["yardstick"]["/api/v1/track"]["rate"] for run in rounds]
    yard_events = statistics.median(yard_events_runs)
    yard_track = statistics.median(yard_track_runs)
    ours_events = median_of(("events", "realistic"), "acknowledged_rate")
    ours_track = median_of(("track", "realistic"), "acknowledged_rate")
    lines += [
        "Yardstick (bench/reference_app.py: parse, `executemany` into an empty SQLite file, "
        "no auth, validation, rollups, limits or logs; same gunicorn defaults, realistic "
        "bodies, measured at the start of each round): "
        f"/events {yard_events:,.0f} events/s "
        f"({', '.join(f'{rate:,.0f}' for rate in yard_events_runs)})"
        f", /track {yard_track:,.0f} req/s "
        f"({', '.join(f'{rate:,.0f}' for rate in yard_track_runs)})."
        f" Ouroboard realistic: {ours_events / yard_events:.0%} and "
        f"{ours_track / yard_track:.0%} of it.", ""]
    fresh = [run["cases"][case]["freshness"] for run in rounds for case in run["cases"]
             if run["cases"][case]["freshness"] and run["cases"][case]["freshness"]["clicks"]]
    if fresh:
        p50s = [probe["p50"] for probe in fresh]
        p99s = [probe["p99"] for probe in fresh]
        lines += [
            "**Freshness** of a dashboard click while the load runs (POST /track with its own "
            "uuid every 100 ms, its row polled in the database every 10 ms; ms from sending "
            f"to readable): median over the cases of p50 {statistics.median(p50s):,.0f} ms, "
            f"of p99 {statistics.median(p99s):,.0f} ms; worst case p99 {max(p99s):,.0f} ms "
            f"(over {sum(probe['clicks'] for probe in fresh):,} clicks, "
            f"{sum(probe['unseen'] for probe in fresh)} never seen, "
            f"{sum(probe['failed'] for probe in fresh)} refused).", ""]
    lines += ["Cases in the order they ran (load average of the machine before → after):", ""]
    for run_number, run in enumerate(rounds, 1):
        for (endpoint, kind), result in run["cases"].items():
            lines.append(f"    {describe(endpoint, kind, writers, run_number - 1, result)}"
                         f"; load {result['load'][0]:.1f} → {result['load'][1]:.1f}")
    lines.append("")
    return lines
