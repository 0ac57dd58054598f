"""Fault drills (`make faults`): does Ouroboard keep its promises when things break?

Runs gunicorn through bin/boot against this machine's Postgres and Redis and, in turn:
1. kills a worker with SIGKILL every 5 s while a client sends 20,000 events in batches,
   retrying as the dashboard's queue does; stored must equal acknowledged;
2. stops Redis during use: the API keeps answering from the database, the live stream
   falls back, and everything recovers within 30 s of Redis returning, without a restart;
3. stops Postgres: ingestion answers 503 with Retry-After within 2 s, nothing answers
   another 5xx, and service resumes when Postgres returns;
4. drives ingestion for FAULTS_LOAD_SECONDS (120) at full speed: errors and worker memory.

It stops and restarts the local services, and always restarts them before it exits.
Results go to bench/faults.md, which `make bench` appends to bench/results.md.
Exit status 0 only when every drill passed.
"""

import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402 - bench/, beside this file
import run as bench  # noqa: E402 - the benchmark's helpers

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "faults.md"
ADMIN_URL = os.environ.get("FAULTS_POSTGRES_ADMIN_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE_NAME = "ouroboard_faults"
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE_NAME
REDIS_PORT = 6379
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/5"
KILL_EVENTS = int(os.environ.get("FAULTS_KILL_EVENTS", "20000"))
# Small batches keep the workers busy, so kills land on requests in flight.
KILL_BATCH = 10
KILL_EVERY_SECONDS = 5.0
# Paced so the run spans several kills rather than finishing between two.
KILL_EVENTS_PER_SECOND = 700
LOAD_SECONDS = float(os.environ.get("FAULTS_LOAD_SECONDS", "120"))
TARGET_EVENTS_PER_SECOND = 30_000
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[0] if Path("/etc/postgresql").is_dir() else ""


def log(message: str) -> None:
    print(f"[faults {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


# --- services ------------------------------------------------------------------------------

def postgres_is_up() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"],
                          check=False).returncode == 0


def stop_postgres() -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "stop",
                    "-m", "fast"], check=True, capture_output=True)


def start_postgres() -> None:
    if not postgres_is_up():
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main",
                        "start"], check=False, capture_output=True)
    wait_until(postgres_is_up, 30, "Postgres to start")


def redis_is_up() -> bool:
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "ping"],
                          capture_output=True, text=True, check=False).stdout.strip() == "PONG"


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "shutdown", "nosave"],
                   capture_output=True, check=False)
    wait_until(lambda: not redis_is_up(), 10, "Redis to stop")


def start_redis() -> None:
    if not redis_is_up():
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
                        "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no",
                        "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"],
                       check=False, capture_output=True)
    wait_until(redis_is_up, 15, "Redis to start")


def wait_until(condition, seconds: float, what: str) -> float:
    """Seconds it took for `condition` to hold; raises if it never did."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")


def database_rows(sql: str, **parameters) -> list[tuple]:
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        return connection.execute(sql, parameters).fetchall()


# --- the service ---------------------------------------------------------------------------

class Service:
    """gunicorn started by bin/boot, with its log in a temporary directory."""

    def __init__(self, redis: bool, env: dict | None = None):
        """`env` overrides the environment (another database, the ingestion queue...)."""
        self.workdir = Path(tempfile.mkdtemp(prefix="ouroboard-faults-"))
        self.port = bench.free_port()
        environment = {**os.environ, "APP_ENV": "production", "DATABASE_URL": DATABASE_URL,
                       "JWT_SECRET_KEY": secrets.token_urlsafe(48), "HOST": "127.0.0.1",
                       "PORT": str(self.port), "WEB_CONCURRENCY": "2",
                       "PYTHON": sys.executable, "INSTANCE_DIR": str(self.workdir),
                       "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "metrics"),
                       "INGEST_RATE_LIMIT": "10000000 per minute",
                       "AUTH_RATE_LIMIT_PER_IP": "10000 per minute", "LOG_LEVEL": "warning"}
        environment.pop("REDIS_URL", None)
        if redis:
            environment["REDIS_URL"] = REDIS_URL
        environment.update(env or {})
        self.environment = environment
        self.log_file = (self.workdir / "gunicorn.log").open("w")
        self.process = subprocess.Popen([str(ROOT / "bin" / "boot")], cwd=ROOT, env=environment,
                                        stdout=self.log_file, stderr=subprocess.STDOUT)
        wait_until(lambda: self.get("/health")[0] == 200, 60, "gunicorn to serve /health")

    def request(self, method: str, path: str, body=None, headers=None,
                timeout: float = 10) -> tuple[int, dict, bytes, float]:
        """(status, headers, body, seconds); status 0 when the connection failed."""
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None,
                               headers={"Content-Type": "application/json", **(headers or {})})
            response = connection.getresponse()
            payload = response.read()
            return (response.status, dict(response.getheaders()), payload,
                    time.monotonic() - started)
        except OSError:
            return 0, {}, b"", time.monotonic() - started
        finally:
            connection.close()

    def get(self, path: str, headers=None) -> tuple[int, dict, bytes, float]:
        return self.request("GET", path, headers=headers)

    def workers(self) -> list[int]:
        pids = []
        for child in Path("/proc").glob("[0-9]*"):
            try:
                if f"PPid:\t{self.process.pid}\n" in (child / "status").read_text():
                    pids.append(int(child.name))
            except OSError:
                continue
        return pids

    def register(self, username: str) -> dict:
        status, _, payload, _ = self.request("POST", "/api/v1/register", {
            "username": username, "password": "faults-password", "age": 35, "gender": "Other"})
        if status != 201:
            raise RuntimeError(f"register failed with {status}: {payload[:200]!r}")
        return {"Authorization": f"Bearer {json.loads(payload)['token']}"}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def event_batch(name: str, count: int) -> list[dict]:
    now = datetime.now(UTC).isoformat()
    return [{"name": name, "uuid": str(uuid.uuid4()), "timestamp": now} for _ in range(count)]


def send_like_the_dashboard(service: Service, headers: dict, events: list[dict],
                            stats: dict) -> None:
    """POST one batch until it is acknowledged, as frontend/src/features/tracking/queue.ts does:
    the same uuids every time; network errors, 5xx and 429 retried with exponential
    backoff and jitter (1 s base, 30 s cap, Retry-After honoured); other 4xx dropped."""
    failures = 0
    while True:
        status, response_headers, payload, _ = service.request(
            "POST", "/api/v1/events", {"events": events}, headers)
        if 200 <= status < 300:
            result = json.loads(payload)
            with stats["lock"]:
                stats["acknowledged"].update(event["uuid"] for event in events)
                stats["duplicates_reported"] += result["duplicates"]
            return
        if status and status < 500 and status != 429:
            with stats["lock"]:
                stats["dropped"] += len(events)
            return
        with stats["lock"]:
            stats["retries"] += 1
        ceiling = min(30.0, 1.0 * 2 ** failures)
        failures += 1
        delay = ceiling / 2 + random.random() * ceiling / 2  # noqa: S311 - jitter, not crypto
        retry_after = float(response_headers.get("Retry-After", 0) or 0)
        time.sleep(min(30.0, max(delay, retry_after)))


# --- drills ---------------------------------------------------------------------------------

def busy_worker(service: Service, patience: float = 1.0) -> int | None:
    """A worker that is running right now (so most likely mid-request), else any worker."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        for pid in service.workers():
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state == "R":
                return pid
        time.sleep(0.001)
    workers = service.workers()
    return random.choice(workers) if workers else None  # noqa: S311


def drill_worker_kills() -> dict:
    service = Service(redis=False)
    try:
        headers = service.register("faults_kill")
        name = f"faults_kill_{uuid.uuid4().hex[:6]}"
        batches = [event_batch(name, KILL_BATCH) for _ in range(KILL_EVENTS // KILL_BATCH)]
        stats = {"lock": threading.Lock(), "acknowledged": set(), "duplicates_reported": 0,
                 "dropped": 0, "retries": 0}
        pending = list(reversed(batches))
        done = threading.Event()
        kills = []
        started = time.monotonic()

        def sender():
            while True:
                with stats["lock"]:
                    if not pending:
                        return
                    batch = pending.pop()
                    sent_so_far = KILL_EVENTS - len(pending) * KILL_BATCH
                # Pace: the whole run should span several kills.
                ahead = sent_so_far / KILL_EVENTS_PER_SECOND - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
                send_like_the_dashboard(service, headers, batch, stats)

        def killer():
            while not done.wait(KILL_EVERY_SECONDS):
                victim = busy_worker(service)
                if victim:
                    os.kill(victim, signal.SIGKILL)
                    kills.append(victim)

        senders = [threading.Thread(target=sender) for _ in range(4)]
        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join()
        done.set()
        kill_thread.join()
        elapsed = time.monotonic() - started
        wait_until(lambda: service.get("/health")[0] == 200, 30, "workers to come back")

        sent = {event["uuid"] for batch in batches for event in batch}
        stored_rows = database_rows("SELECT uuid::text FROM events WHERE name = %(name)s",
                                    name=name)
        stored = [row[0] for row in stored_rows]
        stored_set = set(stored)
        rollup_total = database_rows(
            "SELECT COALESCE(SUM(events), 0) FROM rollup_daily WHERE name = %(name)s",
            name=name)[0][0]
        acknowledged = stats["acknowledged"]
        result = {
            "events": len(sent), "batches": len(batches), "seconds": elapsed,
            "kills": len(kills), "retries": stats["retries"],
            "acknowledged": len(acknowledged), "stored": len(stored),
            "lost": len(acknowledged - stored_set),
            "duplicated": len(stored) - len(stored_set),
            "unexpected": len(stored_set - sent), "dropped": stats["dropped"],
            "replays_reported_as_duplicates": stats["duplicates_reported"],
            "rollup_total": int(rollup_total),
        }
        result["passed"] = (result["lost"] == 0 and result["duplicated"] == 0
                            and result["unexpected"] == 0 and result["dropped"] == 0
                            and len(acknowledged) == len(sent) and result["kills"] >= 3
                            and result["rollup_total"] == len(stored))
        return result
    finally:
        service.stop()


ANALYTICS_PATHS = ("/api/v1/analytics", "/api/v1/analytics/summary",
                   "/api/v1/analytics/timeseries", "/api/v1/analytics/top-pages",
                   "/api/v1/analytics/breakdown?by=gender")


def analytics_round(service: Service, headers: dict) -> list[int]:
    statuses = []
    for path in ANALYTICS_PATHS:
        separator = "&" if "?" in path else "?"
        days = random.randint(1, 365)  # noqa: S311 - vary filters so some miss the cache
        start = date.fromordinal(date.today().toordinal() - days).isoformat()
        statuses.append(service.get(f"{path}{separator}startDate={start}", headers)[0])
    return statuses


class StreamListener(threading.Thread):
    """Reads one SSE connection and records when each `events` frame arrived."""

    def __init__(self, service: Service, headers: dict):
        super().__init__(daemon=True)
        self.service, self.headers = service, headers
        self.events_at: list[float] = []
        self.status = None

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.service.port, timeout=60)
        try:
            connection.request("GET", "/api/v1/analytics/stream", headers=self.headers)
            response = connection.getresponse()
            self.status = response.status
            while True:
                line = response.fp.readline()
                if not line:
                    return
                if line.startswith(b"event: events"):
                    self.events_at.append(time.monotonic())
        except OSError:
            return

    def hears_ingest(self, service: Service, headers: dict, seconds: float = 5) -> float | None:
        """Seconds from an ingest until this stream announced it, or None."""
        seen = len(self.events_at)
        started = time.monotonic()
        service.request("POST", "/api/v1/events", {"events": event_batch("faults_live", 1)},
                        headers)
        while time.monotonic() - started < seconds:
            if len(self.events_at) > seen:
                return self.events_at[seen] - started
            time.sleep(0.05)
        return None


def drill_redis_outage() -> dict:
    start_redis()
    service = Service(redis=True)
    try:
        headers = service.register("faults_redis")
        before = analytics_round(service, headers)
        stream_before = StreamListener(service, headers)
        stream_before.start()
        time.sleep(1)
        heard_before = stream_before.hears_ingest(service, headers)

        stop_redis()
        outage_statuses, health_during = [], []
        outage_started = time.monotonic()
        while time.monotonic() - outage_started < 10:
            outage_statuses += analytics_round(service, headers)
            status, _, payload, _ = service.get("/health")
            health_during.append((status, json.loads(payload or b"{}").get("status")))
        ingest_during = service.request("POST", "/api/v1/events",
                                         {"events": event_batch("faults_redis", 10)}, headers)[0]
        stream_during = StreamListener(service, headers)
        stream_during.start()
        time.sleep(1.5)
        # Either worker may hold the stream; ingest a few times so both publish paths run.
        heard_during = min((seconds for seconds in (
            stream_during.hears_ingest(service, headers) for _ in range(3))
            if seconds is not None), default=None)

        start_redis()
        returned = time.monotonic()

        def recovered() -> bool:
            status, _, payload, _ = service.get("/health")
            return status == 200 and json.loads(payload).get("redis") == "ok"

        health_recovery = wait_until(recovered, 30, "/health to see Redis again")
        after = analytics_round(service, headers)
        stream_after = StreamListener(service, headers)
        stream_after.start()
        time.sleep(1)
        heard_after = None
        while heard_after is None and time.monotonic() - returned < 30:
            heard_after = stream_after.hears_ingest(service, headers, seconds=3)
        fully_recovered = time.monotonic() - returned
        errors_5xx = [status for status in before + outage_statuses + after
                      if status >= 500 or status == 0]
        result = {
            "analytics_requests_during_outage": len(outage_statuses),
            "analytics_non_200_during_outage": sum(1 for s in outage_statuses if s != 200),
            "health_during_outage": sorted(set(health_during)),
            "ingest_status_during_outage": ingest_during,
            "stream_heard_before_s": heard_before, "stream_heard_during_s": heard_during,
            "stream_heard_after_s": heard_after,
            "health_recovered_after_s": health_recovery,
            "recovered_after_s": fully_recovered, "errors_5xx": len(errors_5xx),
        }
        result["passed"] = (result["analytics_non_200_during_outage"] == 0
                            and all(item == (200, "degraded") for item in health_during)
                            and ingest_during == 202 and heard_during is not None
                            and heard_after is not None and fully_recovered <= 30
                            and not errors_5xx)
        return result
    finally:
        start_redis()
        service.stop()


def drill_postgres_outage() -> dict:
    service = Service(redis=False)
    try:
        headers = service.register("faults_pg")
        assert analytics_round(service, headers) == [200] * len(ANALYTICS_PATHS)
        stop_postgres()
        ingest_answers, other_answers = [], []
        outage_started = time.monotonic()
        while time.monotonic() - outage_started < 8:
            status, response_headers, _, seconds = service.request(
                "POST", "/api/v1/events", {"events": event_batch("faults_pg", 5)}, headers)
            ingest_answers.append((status, "Retry-After" in response_headers, seconds))
            for path in (*ANALYTICS_PATHS, "/health", "/api/v1/me"):
                status, response_headers, _, seconds = service.get(path, headers)
                other_answers.append((path, status, "Retry-After" in response_headers, seconds))
        start_postgres()
        returned = time.monotonic()
        resumed = wait_until(
            lambda: service.request("POST", "/api/v1/events",
                                    {"events": event_batch("faults_pg", 1)}, headers)[0] == 202,
            30, "ingestion to resume")
        after = analytics_round(service, headers)
        slowest_ingest = max(seconds for _, _, seconds in ingest_answers)
        other_5xx = sorted({(path, status) for path, status, _, _ in other_answers
                            if status >= 500 and status != 503 or status == 0})
        result = {
            "ingest_requests": len(ingest_answers),
            "ingest_statuses": sorted({status for status, _, _ in ingest_answers}),
            "ingest_all_retry_after": all(has for _, has, _ in ingest_answers),
            "slowest_ingest_answer_s": slowest_ingest,
            "other_statuses": sorted({status for _, status, _, _ in other_answers}),
            "other_503_without_retry_after": sum(
                1 for _, status, has, _ in other_answers if status == 503 and not has),
            "other_5xx_besides_503": other_5xx,
            "slowest_other_answer_s": max(seconds for *_, seconds in other_answers),
            "resumed_after_s": resumed, "after_restart": after,
            "returned_at": returned,
        }
        result["passed"] = (result["ingest_statuses"] == [503] and result["ingest_all_retry_after"]
                            and slowest_ingest <= 2.0 and not other_5xx
                            and result["other_503_without_retry_after"] == 0
                            and after == [200] * len(ANALYTICS_PATHS))
        return result
    finally:
        start_postgres()
        service.stop()


def drill_sustained_load() -> dict:
    service = Service(redis=True)
    try:
        headers = service.register("faults_load")
        name = f"faults_load_{uuid.uuid4().hex[:6]}"
        samples = []
        stop = threading.Event()

        def sample_memory():
            while not stop.wait(5):
                samples.append(bench.worker_rss_kib(service.process))

        sampler = threading.Thread(target=sample_memory)
        sampler.start()
        load = bench.run_load(service.port, "/api/v1/events",
                              {"Content-Type": "application/json", **headers},
                              loadgen.BatchBody(name), LOAD_SECONDS)
        stop.set()
        sampler.join()
        stored = database_rows("SELECT COUNT(*) FROM events WHERE name = %(name)s",
                               name=name)[0][0]
        # The first samples include warm-up (imports, caches, connection pools).
        steady = samples[2:] or samples
        drift = (max(steady) - min(steady)) / min(steady) if steady else 0.0
        rate = load["accepted"] / load["elapsed"]
        result = {"seconds": load["elapsed"], "events_per_second": rate,
                  "errors": load["errors"], "acknowledged": load["accepted"], "stored": stored,
                  "p99_ms": load["latency"]["p99"], "p50_ms": load["latency"]["median"],
                  "rss_kib_samples": samples, "rss_drift": drift,
                  "target_events_per_second": TARGET_EVENTS_PER_SECOND}
        result["passed_errors_memory"] = (load["errors"] == 0 and stored == load["accepted"]
                                          and drift <= 0.10)
        result["passed"] = result["passed_errors_memory"] and rate >= TARGET_EVENTS_PER_SECOND
        return result
    finally:
        service.stop()


# --- report -----------------------------------------------------------------------------------

def mark(passed: bool) -> str:
    return "**passed**" if passed else "**FAILED**"


def write_report(results: dict) -> None:
    kill, redis_drill, pg, load = (results.get(name) for name in
                                   ("kill", "redis", "postgres", "load"))
    drill_lines = {}
    if kill:
        drill_lines["kill"] = [
            f"- **Worker killed** {mark(kill['passed'])}: {kill['events']:,} events in "
            f"{kill['batches']} batches of {KILL_BATCH} over {kill['seconds']:.0f} s with "
            f"{kill['kills']} `kill -9`s of a worker (one every {KILL_EVERY_SECONDS:.0f} s) "
            f"and {kill['retries']} client retries (batches re-sent). "
            f"Acknowledged {kill['acknowledged']:,}, "
            f"stored {kill['stored']:,}: {kill['lost']} lost, {kill['duplicated']} "
            f"duplicated ({kill['replays_reported_as_duplicates']} replayed events were "
            "answered as duplicates, i.e. committed before the kill cut the response); "
            f"the daily rollup counts {kill['rollup_total']:,}."]
    if redis_drill:
        drill_lines["redis"] = [
            f"- **Redis down** {mark(redis_drill['passed'])}: during a 10 s outage "
            f"{redis_drill['analytics_requests_during_outage']} analytics requests got "
            f"{redis_drill['analytics_non_200_during_outage']} non-200 answers; /health "
            f"said {redis_drill['health_during_outage']}; ingestion answered "
            f"{redis_drill['ingest_status_during_outage']}; a stream opened during the "
            "outage announced an ingest after "
            f"{fmt_seconds(redis_drill['stream_heard_during_s'])}. After Redis returned, "
            f"/health showed it after {redis_drill['health_recovered_after_s']:.2f} s and "
            "a new stream heard an ingest through Redis after "
            f"{redis_drill['recovered_after_s']:.1f} s in all (limit 30 s), no restart."]
    if pg:
        drill_lines["postgres"] = [
            f"- **Postgres down** {mark(pg['passed'])}: {pg['ingest_requests']} ingest "
            f"requests answered {pg['ingest_statuses']}, all with Retry-After: "
            f"{pg['ingest_all_retry_after']}, the slowest in "
            f"{pg['slowest_ingest_answer_s']:.2f} s (limit 2 s). Other endpoints answered "
            f"{pg['other_statuses']} (5xx other than a 503 with Retry-After: "
            f"{pg['other_5xx_besides_503'] or 'none'}). Ingestion resumed "
            f"{pg['resumed_after_s']:.2f} s after Postgres was started again, and the "
            f"analytics answered {pg['after_restart']}, with no restart."]
    if load:
        rss = load["rss_kib_samples"]
        drill_lines["load"] = [
            f"- **Load** {mark(load['passed'])}: {load['seconds']:.0f} s of batches of "
            f"100 on `/api/v1/events`: {load['events_per_second']:,.0f} events/s "
            f"(target {load['target_events_per_second']:,}: "
            f"{'met' if load['events_per_second'] >= TARGET_EVENTS_PER_SECOND else 'missed'}"
            f"), p50 {load['p50_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms, "
            f"{load['errors']} errors, {load['acknowledged']:,} acknowledged and "
            f"{load['stored']:,} stored. Worker RSS (both workers, every 5 s) "
            f"{min(rss) // 1024 if rss else 0}–{max(rss) // 1024 if rss else 0} MiB, drift "
            f"after warm-up {load['rss_drift'] * 100:.1f}% (limit 10%)."]
    import queue_faults  # here: it imports this module

    today = date.today().isoformat()
    drill_lines |= {name: [line] for name, line in queue_faults.report_lines(results).items()}
    drill_lines = {name: f"{drill_lines[name][0]} ({today})" if name in drill_lines
                   else earlier_line(name) for name in DRILLS}
    lines = ["## Fault drills (`make faults`)", "",
             "The latest run of each drill (each line ends with its date), against PostgreSQL "
             "with 2 gunicorn workers started by `bin/boot` (production config), on a 2-core "
             "machine shared with other benchmarks, so timings are from a loaded machine.", "",
             *(line for line in drill_lines.values() if line)]
    REPORT.write_text("\n".join(lines) + "\n")
    log(f"wrote {REPORT}")


REPORT_LABELS = {"kill": "Worker killed", "redis": "Redis down", "postgres": "Postgres down",
                 "load": "Load", "queue-kill": "Queue writer killed",
                 "queue-redis": "Queue: Redis crashed", "queue-postgres": "Queue: Postgres down"}


def earlier_line(name: str) -> str | None:
    """A drill not run this time keeps its line of the last report, dated."""
    text = REPORT.read_text() if REPORT.exists() else ""
    run_on = re.search(r"Run on (\d{4}-\d\d-\d\d)", text)
    for line in text.splitlines():
        if line.startswith(f"- **{REPORT_LABELS[name]}** "):
            dated = re.search(r"\(\d{4}-\d\d-\d\d\)$", line) or not run_on
            return line if dated else f"{line} ({run_on.group(1)})"
    return None


def fmt_seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def queue_drill(name: str):
    """A drill of bench/queue_faults.py (imported late: it imports this module)."""
    def drill() -> dict:
        import queue_faults

        return queue_faults.DRILLS[name]()
    return drill


DRILLS = {"kill": drill_worker_kills, "redis": drill_redis_outage,
          "postgres": drill_postgres_outage, "load": drill_sustained_load,
          **{name: queue_drill(name) for name in ("queue-kill", "queue-redis", "queue-postgres")}}


def main() -> int:
    chosen = sys.argv[1:] or list(DRILLS)
    results = {}
    try:
        start_postgres()
        start_redis()
        fresh_database()
        for name in chosen:
            log(f"drill: {name}")
            results[name] = DRILLS[name]()
            shown = {key: value for key, value in results[name].items()
                     if key != "rss_kib_samples"}
            log(f"{name}: {'passed' if results[name]['passed'] else 'FAILED'} "
                f"{json.dumps(shown, default=str)}")
    finally:
        start_postgres()
        start_redis()
    write_report(results)
    return 0 if all(result["passed"] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
