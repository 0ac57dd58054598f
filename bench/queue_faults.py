"""Fault drills of the ingestion queue (INGEST_QUEUE=redis), run by bench/faults.py
(`make faults`, or `.venv/bin/python bench/faults.py queue-kill|queue-redis|queue-postgres`).

Each drill boots Ouroboard through bin/boot (faults.Service) with INGEST_QUEUE=redis and runs
`flask ingest-worker` writers as separate processes. It never touches this machine's shared
Redis or Postgres service: every drill starts its own redis-server on a free port in a
temporary directory, and the Postgres drill its own throwaway cluster (initdb + pg_ctl);
the other drills use a fresh database `ouroboard_queue_faults` on the shared Postgres.

Load is realistic: /events batches of BATCH events from bench/realistic.py (the website
traffic model plus product events, several names, properties, session ids, real
User-Agents), with fresh random v4 uuids, over SITES sites' ingestion keys. A client retries
a 503 (or a failed connection) with the same body, hence the same uuids, after Retry-After.

1. queue-kill: two writers; every 5 s (once both have started reading: a writer still
   importing would die before doing any work) one of them gets `kill -9` and a replacement starts
   (alternately under the dead writer's name, which reads its own pending entries first, and
   under a new name, so the dead one's entries are taken over by XAUTOCLAIM), while
   KILL_EVENTS events are sent and until the queue is drained.
2. queue-redis: redis-server with AOF and `appendfsync always` gets `kill -9` mid-load and is
   started again on the same directory and port; every event answered 202 must be stored
   once. Run again with `appendfsync everysec` as the documented contrast.
3. queue-postgres: the throwaway cluster is stopped (`pg_ctl stop -m fast`) for 30 s under a
   steady load; the API must keep answering 202, and the writers catch up once it is back.

Every drill: the API answers nothing but 202, or 503 with Retry-After; stored rows equal the
acknowledged events (0 lost, 0 duplicated), and the daily rollup counts the human ones.
"""

import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faults  # noqa: E402 - bench/, beside this file
import realistic  # noqa: E402
import run as bench  # noqa: E402

STREAM = "ouroboard:ingest"
DATABASE_NAME = "ouroboard_queue_faults"
SITES = 8
BATCH = 50
SENDERS = 4
# Short, so a killed writer's entries are taken over within a few seconds, not the 15 s
# default (a drill of minutes would otherwise mostly wait).
CLAIM_IDLE_MS = 2000
KILL_EVENTS = int(os.environ.get("FAULTS_QUEUE_KILL_EVENTS", "200000"))
KILL_EVERY_SECONDS = 5.0
REDIS_EVENTS = int(os.environ.get("FAULTS_QUEUE_REDIS_EVENTS", "40000"))
REDIS_EVENTS_PER_SECOND = 1500
REDIS_CRASH_AFTER_SECONDS = 8.0
REDIS_DOWN_SECONDS = 2.0
PG_EVENTS_PER_SECOND = 1000
PG_BEFORE_SECONDS = 10.0
PG_DOWN_SECONDS = 30.0
PG_AFTER_SECONDS = 10.0
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
# The longest a sender waits before retrying, whatever Retry-After says.
RETRY_CAP_SECONDS = 10.0
DRAIN_TIMEOUT = float(os.environ.get("FAULTS_QUEUE_DRAIN_TIMEOUT", "900"))

log = faults.log


# --- our own Redis and Postgres ------------------------------------------------------------

class RedisServer:
    """A redis-server of the drill's own, on a free port, its files in a temporary
    directory; `appendfsync` None runs it without persistence."""

    def __init__(self, appendfsync: str | None):
        self.appendfsync = appendfsync
        self.dir = Path(tempfile.mkdtemp(prefix="ouroboard-qf-redis-"))
        self.port = bench.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self) -> float:
        """Start (again, on the same directory); seconds until it answers PING."""
        persistence = (["--appendonly", "yes", "--appendfsync", self.appendfsync]
                       if self.appendfsync else ["--appendonly", "no"])
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"), *persistence],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return faults.wait_until(self.answers, 60, f"redis-server on {self.port}")

    def answers(self) -> bool:
        try:
            return self.client(timeout=0.5).ping()
        except Exception:  # noqa: BLE001 - down, starting or loading its AOF
            return False

    def client(self, timeout: float = 5.0):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=timeout,
                           socket_connect_timeout=timeout)

    def crash(self) -> None:
        """kill -9: the process dies with whatever it had not written."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def remove(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresCluster:
    """A throwaway Postgres cluster (initdb in a temporary directory, trust auth) on a free
    port, run as the postgres user when we are root (initdb refuses root)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ouroboard-qf-pg-"))
        self.data = self.dir / "data"
        self.port = bench.free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "--no-sync")
        self.start()

    def run(self, program: str, *arguments: str) -> None:
        command = [str(PG_BIN / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "postgres.log"), "-w",
                 "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def is_up(self) -> bool:
        return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                              check=False).returncode == 0

    def remove(self) -> None:
        if self.is_up():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def fresh_shared_database() -> str:
    """A new, empty database on the shared Postgres; its URL."""
    import psycopg

    with psycopg.connect(faults.ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")
    return faults.ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE_NAME


def queue_env(database_url: str, redis_url: str) -> dict:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "INGEST_QUEUE": "redis",
            "INGEST_QUEUE_STREAM": STREAM, "INGEST_QUEUE_CLAIM_IDLE_MS": str(CLAIM_IDLE_MS)}


def make_keys(database_url: str, sites: int) -> list[str]:
    """One ingestion key for each of `sites` new projects (the service has migrated)."""
    sys.path.insert(0, str(faults.ROOT))
    from app import create_app
    from app.extensions import db
    from app.projects.data import ensure_project
    from app.track.keys import create_key

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.normalized(database_url),
                      "JWT_SECRET_KEY": bench.SECRET, "REDIS_URL": None})
    with app.app_context():
        keys = [create_key(ensure_project(f"faults-site-{number}", f"Site {number}"),
                           "faults")[1] for number in range(1, sites + 1)]
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return keys


# --- writers -------------------------------------------------------------------------------

class Writers:
    """`flask ingest-worker` processes by consumer name, each logging to the service's
    directory."""

    def __init__(self, service: faults.Service):
        self.environment = {**service.environment, "FLASK_APP": "wsgi.py", "LOG_LEVEL": "info"}
        self.logs = service.workdir
        self.processes: dict[str, subprocess.Popen] = {}
        # name: (when it was started, where its log ended then); until it says it reads
        self.starting: dict[str, tuple[float, int]] = {}
        self.startup_seconds: list[float] = []

    def log_path(self, name: str) -> Path:
        return self.logs / f"writer-{name}.log"

    def start(self, name: str) -> None:
        with self.log_path(name).open("ab") as output:
            self.starting[name] = (time.monotonic(), output.tell())
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "flask", "ingest-worker", "--name", name],
                cwd=faults.ROOT, env=self.environment, stdout=output, stderr=output)

    def ready(self, name: str) -> bool:
        """Whether the writer started last under `name` has begun reading the stream."""
        if name not in self.starting:
            return True
        started, offset = self.starting[name]
        with self.log_path(name).open("rb") as log_file:
            log_file.seek(offset)
            if f"ingest writer {name} reading".encode() not in log_file.read():
                return False
        self.startup_seconds.append(time.monotonic() - started)
        del self.starting[name]
        return True

    def all_ready(self) -> bool:
        return all([self.ready(name) for name in list(self.processes)])

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        self.starting.pop(name, None)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def claimed(self) -> int:
        """Entries writers took over from others, as their logs say."""
        return sum(int(found) for path in self.logs.glob("writer-*.log")
                   for found in re.findall(r"claimed (\d+) entries", path.read_text()))


def queue_state(client) -> tuple[int, int]:
    """(entries in the stream, entries delivered and not acknowledged)."""
    from app.track.queue_data import queue_depth

    depth = queue_depth(client, STREAM)
    return depth["entries"], depth["pending"]


def wait_drained(client, since: float) -> float:
    """Seconds from `since` until XLEN and XPENDING are both 0."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if queue_state(client) == (0, 0):
                return time.monotonic() - since
        except Exception:  # noqa: BLE001, S110 - Redis restarting: ask again
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the queue still holds {queue_state(client)} after "
                       f"{DRAIN_TIMEOUT:.0f} s")


class QueueWatch(threading.Thread):
    """The stream's longest length while it runs (Redis errors are skipped)."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.longest, self.done = client, 0, threading.Event()

    def run(self):
        while not self.done.wait(0.2):
            try:
                self.longest = max(self.longest, self.client.xlen(STREAM))
            except Exception:  # noqa: BLE001, S112 - Redis down: nothing to read
                continue


# --- load ----------------------------------------------------------------------------------

class Load:
    """Sends `events` realistic events in batches from SENDERS threads, each batch until a
    202; paced at `per_second` when given. Records every answer."""

    def __init__(self, port: int, keys: list[str], events: int, per_second: float | None):
        self.port, self.keys, self.per_second = port, keys, per_second
        self.batches = events // BATCH
        self.templates = realistic.event_requests(BATCH, min(400, self.batches))
        self.rng = random.Random()  # noqa: S311 - uuids for a benchmark, as trackers make
        self.lock = threading.Lock()
        self.taken = 0
        self.sent: set[str] = set()
        self.acknowledged: set[str] = set()
        self.accepted = 0
        # (monotonic time of the answer, status, with Retry-After, seconds it took)
        self.answers: list[tuple[float, int, bool, float]] = []
        self.dropped = 0
        self.started = 0.0
        # Retry-After values of the non-202 answers: a 503 asks for 2 s, not the limiter's
        # window (the senders wait what it says, at most RETRY_CAP_SECONDS).
        self.retry_afters: Counter = Counter()
        # (monotonic time of a 202, events it accepted): how much went in during an outage
        self.accepted_at: list[tuple[float, int]] = []

    def next_batch(self) -> tuple[dict, str, list[str]] | None:
        with self.lock:
            if self.taken >= self.batches:
                return None
            number = self.taken
            self.taken += 1
            user_agent, parts = self.templates[number % len(self.templates)]
            uuids = [realistic.random_uuid4(self.rng) for _ in parts[1:]]
            self.sent.update(uuids)
        if self.per_second:
            ahead = number * BATCH / self.per_second - (time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = parts[0] + "".join(f'"{uuid}"' + part for uuid, part in zip(uuids, parts[1:],
                                                                             strict=True))
        headers = {"Content-Type": "application/json", "User-Agent": user_agent,
                   "X-Ouroboard-Key": self.keys[number % len(self.keys)]}
        return headers, body.replace(realistic.NOW_MARK, now), uuids

    def post(self, headers: dict, body: str) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/api/v1/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except OSError:
            return 0, {}, b""
        finally:
            connection.close()

    def send(self, headers: dict, body: str, uuids: list[str]) -> None:
        """Until acknowledged, the same body each time; 4xx other than 429 are dropped."""
        failures = 0
        while True:
            asked = time.monotonic()
            status, answer_headers, payload = self.post(headers, body)
            retry_after = answer_headers.get("Retry-After")
            answered = time.monotonic()
            with self.lock:
                self.answers.append((answered, status, retry_after is not None,
                                     answered - asked))
            if status == 202:
                result = json.loads(payload)
                rejected = {item["index"] for item in result.get("rejected", [])}
                with self.lock:
                    self.accepted += result["accepted"]
                    self.accepted_at.append((answered, result["accepted"]))
                    self.acknowledged.update(uuid for index, uuid in enumerate(uuids)
                                             if index not in rejected)
                return
            if status and status < 500 and status != 429:
                with self.lock:
                    self.dropped += len(uuids)
                log(f"dropped a batch: {status} {payload[:200]!r}")
                return
            failures += 1
            if retry_after is not None:
                with self.lock:
                    self.retry_afters[retry_after] += 1
            time.sleep(min(RETRY_CAP_SECONDS,
                           float(retry_after) if retry_after else 0.2 * failures))

    def sender(self) -> None:
        while (batch := self.next_batch()) is not None:
            self.send(*batch)

    def run(self) -> float:
        """Send everything; seconds it took."""
        self.started = time.monotonic()
        threads = [threading.Thread(target=self.sender) for _ in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - self.started

    def statuses(self, since: float = 0.0, until: float = float("inf")) -> dict:
        counted = Counter(status for at, status, *_ in self.answers if since <= at < until)
        return {str(status): count for status, count in sorted(counted.items())}

    def accepted_between(self, since: float, until: float) -> int:
        """Events acknowledged by the 202s answered between the two times."""
        return sum(count for at, count in self.accepted_at if since <= at < until)

    def slowest(self, since: float, until: float) -> float:
        """The longest answer among those asked or answered between the two times."""
        return max((took for at, _, _, took in self.answers
                    if at >= since and at - took < until), default=0.0)

    def bad_answers(self) -> int:
        """5xx other than a 503 with Retry-After, and failed connections."""
        return sum(1 for _, status, retry_after, _ in self.answers
                   if status == 0 or (status >= 500 and not (status == 503 and retry_after)))


def stored_figures(database_url: str, load: Load) -> dict:
    """Stored rows checked against what was sent and acknowledged."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        stored = [row[0] for row in connection.execute("SELECT uuid::text FROM events")]
        humans = connection.execute("SELECT COUNT(*) FROM events WHERE NOT is_bot").fetchone()[0]
        rolled_up = connection.execute(
            "SELECT COALESCE(SUM(events), 0) FROM rollup_daily").fetchone()[0]
    stored_set = set(stored)
    return {"sent": len(load.sent), "acknowledged": len(load.acknowledged),
            "accepted_answered": load.accepted, "stored": len(stored),
            "distinct_stored": len(stored_set),
            "lost": len(load.acknowledged - stored_set),
            "duplicated": len(stored) - len(stored_set),
            "unexpected": len(stored_set - load.sent), "dropped": load.dropped,
            "human_rows": int(humans), "rollup_total": int(rolled_up),
            "requests": len(load.answers), "statuses": load.statuses(),
            "bad_5xx": load.bad_answers()}


def stored_ok(figures: dict) -> bool:
    return (figures["lost"] == 0 and figures["duplicated"] == 0 and figures["unexpected"] == 0
            and figures["dropped"] == 0 and figures["bad_5xx"] == 0
            and figures["acknowledged"] == figures["accepted_answered"] == figures["stored"]
            and figures["rollup_total"] == figures["human_rows"])


def dead_letters(client) -> int:
    return client.xlen(STREAM + ":dead")


# --- drills --------------------------------------------------------------------------------

def drill_kill() -> dict:
    redis_server = RedisServer(appendfsync=None)
    database_url = fresh_shared_database()
    service = faults.Service(redis=False, env=queue_env(database_url, redis_server.url))
    writers = Writers(service)
    try:
        keys = make_keys(database_url, SITES)
        for name in ("writer-1", "writer-2"):
            writers.start(name)
        client = redis_server.client()
        watch = QueueWatch(client)
        watch.start()
        load = Load(service.port, keys, KILL_EVENTS, per_second=None)
        done = threading.Event()
        kills = {"same_name": 0, "new_name": 0, "waited_s": 0.0}

        def killer():
            number = 2
            while not done.wait(KILL_EVERY_SECONDS):
                # Only once both writers read the stream: a writer still importing (several
                # seconds on a loaded machine) would die before doing any work, and the
                # drill would measure start-up time instead of kills mid-transaction.
                while not writers.all_ready():
                    kills["waited_s"] += 0.1
                    if done.wait(0.1):
                        return
                victim = random.choice(sorted(writers.processes))  # noqa: S311
                writers.kill(victim)
                if (kills["same_name"] + kills["new_name"]) % 2 == 0:
                    kills["same_name"] += 1
                    writers.start(victim)
                else:
                    kills["new_name"] += 1
                    number += 1
                    writers.start(f"writer-{number}")

        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        started = time.monotonic()
        try:
            send_seconds = load.run()
            log(f"queue-kill: all {load.batches} batches acknowledged after {send_seconds:.0f} s")
            drained_after = wait_drained(client, started)
        finally:
            done.set()
            kill_thread.join()
        watch.done.set()
        writers.stop()
        result = {**stored_figures(database_url, load), "events": KILL_EVENTS, "batch": BATCH,
                  "send_seconds": send_seconds, "drained_after_s": drained_after,
                  "drained_after_sent_s": drained_after - send_seconds,
                  "kills": kills["same_name"] + kills["new_name"],
                  "restarted_same_name": kills["same_name"],
                  "restarted_new_name": kills["new_name"], "claimed_entries": writers.claimed(),
                  "writer_startup_median_s": (statistics.median(writers.startup_seconds)
                                              if writers.startup_seconds else None),
                  "kill_waited_for_ready_s": kills["waited_s"],
                  "longest_queue": watch.longest, "dead_letters": dead_letters(client),
                  "claim_idle_ms": CLAIM_IDLE_MS}
        result["passed"] = (stored_ok(result) and result["acknowledged"] == result["sent"]
                            and result["kills"] >= 3 and result["dead_letters"] == 0)
        return result
    finally:
        writers.stop()
        service.stop()
        redis_server.remove()


def redis_crash(appendfsync: str) -> dict:
    """One run: load through the API, redis-server killed mid-load and started again."""
    redis_server = RedisServer(appendfsync=appendfsync)
    database_url = fresh_shared_database()
    service = faults.Service(redis=False, env=queue_env(database_url, redis_server.url))
    writers = Writers(service)
    try:
        keys = make_keys(database_url, SITES)
        for name in ("writer-1", "writer-2"):
            writers.start(name)
        load = Load(service.port, keys, REDIS_EVENTS, per_second=REDIS_EVENTS_PER_SECOND)
        sending = threading.Thread(target=load.run)
        sending.start()
        time.sleep(REDIS_CRASH_AFTER_SECONDS)
        with load.lock:
            acknowledged_before = len(load.acknowledged)
        redis_server.crash()
        crashed = time.monotonic()
        log(f"queue-redis ({appendfsync}): redis-server killed with "
            f"{acknowledged_before:,} events acknowledged")
        time.sleep(REDIS_DOWN_SECONDS)
        restart = time.monotonic()
        loading_seconds = redis_server.start()
        back = time.monotonic()
        sending.join()
        client = redis_server.client()
        drained_after = wait_drained(client, back)
        writers.stop()
        around = sorted((round(at - took - crashed, 2), round(took, 2), status)
                        for at, status, _, took in load.answers
                        if crashed - 1 <= at and at - took <= back + 10)
        log(f"queue-redis ({appendfsync}): answers around the crash (asked, s after the kill; "
            f"seconds taken; status): {around}")
        first_202_after = min((at for at, status, *_ in load.answers
                               if status == 202 and at >= back), default=None)
        result = {**stored_figures(database_url, load), "appendfsync": appendfsync,
                  "events": REDIS_EVENTS, "batch": BATCH,
                  "acknowledged_before_crash": acknowledged_before,
                  "down_s": back - crashed, "restart_to_ping_s": loading_seconds,
                  "statuses_while_down": load.statuses(crashed, back),
                  "first_202_after_back_s": (None if first_202_after is None
                                             else first_202_after - back),
                  "restarted_at_s": restart - load.started,
                  "slowest_answer_around_outage_s": load.slowest(crashed, back + 10),
                  "retry_afters": dict(load.retry_afters),
                  "drained_after_back_s": drained_after, "dead_letters": dead_letters(client)}
        result["passed"] = (stored_ok(result) and result["acknowledged"] == result["sent"]
                            and result["dead_letters"] == 0)
        return result
    finally:
        writers.stop()
        service.stop()
        redis_server.remove()


def drill_redis() -> dict:
    always = redis_crash("always")
    log(f"queue-redis (always): {json.dumps(always, default=str)}")
    everysec = redis_crash("everysec")
    # everysec is the contrast: its losses are documented, so they do not fail the drill.
    return {"always": always, "everysec": everysec, "passed": always["passed"]}


def oldest_entry(client) -> bytes | None:
    """The id of the oldest entry still in the stream (writers delete what they stored)."""
    found = client.xrange(STREAM, "-", "+", count=1)
    return found[0][0] if found else None


def drill_postgres() -> dict:
    cluster = PostgresCluster()
    redis_server = RedisServer(appendfsync=None)
    service = faults.Service(redis=False, env=queue_env(cluster.url, redis_server.url))
    writers = Writers(service)
    try:
        keys = make_keys(cluster.url, SITES)
        for name in ("writer-1", "writer-2"):
            writers.start(name)
        client = redis_server.client()
        watch = QueueWatch(client)
        watch.start()
        events = int(PG_EVENTS_PER_SECOND * (PG_BEFORE_SECONDS + PG_DOWN_SECONDS
                                             + PG_AFTER_SECONDS))
        load = Load(service.port, keys, events, per_second=PG_EVENTS_PER_SECOND)
        sending = threading.Thread(target=load.run)
        sending.start()
        time.sleep(PG_BEFORE_SECONDS)
        cluster.stop()
        stopped = time.monotonic()
        log("queue-postgres: Postgres stopped")
        time.sleep(PG_DOWN_SECONDS - (time.monotonic() - stopped))
        length_at_start = client.xlen(STREAM)
        starting = time.monotonic()
        cluster.start()
        back = time.monotonic()
        # Every entry queued before Postgres returned is stored once the oldest entry left
        # in the stream is newer than the last one queued then.
        last_before = client.xinfo_stream(STREAM)["last-generated-id"]
        length_at_return = client.xlen(STREAM)
        log(f"queue-postgres: Postgres back after {back - stopped:.1f} s, "
            f"{length_at_return} entries queued")

        def backlog_gone() -> bool:
            oldest = oldest_entry(client)
            return oldest is None or stream_id(oldest) > stream_id(last_before)

        caught_up = faults.wait_until(backlog_gone, DRAIN_TIMEOUT, "the backlog to be stored")
        sending.join()
        # The last answer, not now: the backlog may take longer than the rest of the load.
        load_ended = max(at for at, *_ in load.answers)
        drained_after = wait_drained(client, back)
        watch.done.set()
        writers.stop()
        result = {**stored_figures(cluster.url, load), "events": events, "batch": BATCH,
                  "per_second": PG_EVENTS_PER_SECOND, "down_s": back - stopped,
                  "statuses_while_down": load.statuses(stopped, back),
                  "acknowledged_while_down": load.accepted_between(stopped, back),
                  "slowest_answer_while_down_s": load.slowest(stopped, back),
                  "entries_queued_at_start": length_at_start,
                  "pg_start_s": back - starting,
                  "entries_queued_at_return": length_at_return,
                  "retry_afters": dict(load.retry_afters),
                  "longest_queue": watch.longest, "backlog_stored_after_s": caught_up,
                  "load_ended_after_back_s": load_ended - back,
                  "drained_after_back_s": drained_after, "dead_letters": dead_letters(client)}
        result["passed"] = (stored_ok(result) and result["acknowledged"] == result["sent"]
                            and set(result["statuses_while_down"]) == {"202"}
                            and result["dead_letters"] == 0)
        return result
    finally:
        writers.stop()
        service.stop()
        redis_server.remove()
        cluster.remove()


def stream_id(entry_id) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    milliseconds, sequence = text.split("-")
    return int(milliseconds), int(sequence)


DRILLS = {"queue-kill": drill_kill, "queue-redis": drill_redis,
          "queue-postgres": drill_postgres}


# --- report --------------------------------------------------------------------------------

def stored_text(figures: dict) -> str:
    return (f"acknowledged {figures['acknowledged']:,} (the 202 answers' `accepted` sum "
            f"{figures['accepted_answered']:,}), stored {figures['stored']:,} rows with "
            f"{figures['distinct_stored']:,} distinct uuids: **{figures['lost']} lost, "
            f"{figures['duplicated']} duplicated**, {figures['unexpected']} unexpected; the "
            f"daily rollup counts {figures['rollup_total']:,} = the {figures['human_rows']:,} "
            f"human rows: {figures['rollup_total'] == figures['human_rows']}. Answers "
            f"{figures['statuses']}, 5xx other than 503 with Retry-After: "
            f"{figures['bad_5xx']}")


def report_lines(results: dict) -> dict[str, str]:
    """Each queue drill run, as its line in bench/faults.md."""
    lines = {}
    mark = faults.mark
    kill = results.get("queue-kill")
    if kill:
        lines["queue-kill"] = (
            f"- **Queue writer killed** {mark(kill['passed'])}: {kill['events']:,} realistic "
            f"events (batches of {kill['batch']}, {SITES} sites' keys, {SENDERS} senders) "
            "through an instance with INGEST_QUEUE=redis and 2 `flask ingest-worker` writers, "
            f"INGEST_QUEUE_CLAIM_IDLE_MS={kill['claim_idle_ms']}; one writer got `kill -9` "
            f"every {KILL_EVERY_SECONDS:.0f} s, once both writers read the stream (a writer "
            f"started in a median {fmt(kill.get('writer_startup_median_s'))}), until the "
            f"queue was drained ({kill['kills']} kills, "
            f"{kill.get('kill_waited_for_ready_s', 0):.0f}"
            " s of waiting for a writer to be ready in all; the replacement started under the "
            "dead writer's name "
            f"{kill['restarted_same_name']} times, under a new name {kill['restarted_new_name']}"
            f" times; {kill['claimed_entries']} entries taken over by XAUTOCLAIM). All sent in "
            f"{kill['send_seconds']:.0f} s, queue drained {kill['drained_after_s']:.0f} s after "
            f"the start, {kill.get('drained_after_sent_s', 0):.0f} s after the last batch was "
            f"acknowledged (at most {kill['longest_queue']:,} entries): {stored_text(kill)}; "
            f"{kill['dead_letters']} dead letters.")
    redis_drill = results.get("queue-redis")
    if redis_drill:
        always, everysec = redis_drill["always"], redis_drill["everysec"]
        lines["queue-redis"] = (
            f"- **Queue: Redis crashed** {mark(redis_drill['passed'])}: our own redis-server "
            f"(AOF, `appendfsync always`) got `kill -9` {REDIS_CRASH_AFTER_SECONDS:.0f} s into "
            f"{always['events']:,} realistic events paced at {REDIS_EVENTS_PER_SECOND:,}/s "
            f"(with {always['acknowledged_before_crash']:,} acknowledged) and was started "
            f"again on the same directory and port, answering after {always['down_s']:.1f} s;"
            f" meanwhile the API answered {always['statuses_while_down']}, the first 202 came "
            f"{fmt(always['first_202_after_back_s'])} after it was back, senders retried "
            f"their 503s with the same uuids after their Retry-After (values seen "
            f"{always.get('retry_afters')}, waited up to {RETRY_CAP_SECONDS:.0f} s), drained "
            f"{always['drained_after_back_s']:.1f} s after: {stored_text(always)}. Contrast, "
            "`appendfsync everysec`, same drill: "
            f"{everysec['lost']} of {everysec['acknowledged']:,} acknowledged events lost, "
            f"{everysec['duplicated']} duplicated (a `kill -9` leaves what Redis had written "
            "in the OS page cache; everysec loses up to a second only when the host itself "
            "goes down, which this drill cannot do).")
    pg = results.get("queue-postgres")
    if pg:
        lines["queue-postgres"] = (
            f"- **Queue: Postgres down** {mark(pg['passed'])}: a throwaway cluster (initdb, "
            f"`pg_ctl stop -m fast`) stopped for {pg['down_s']:.0f} s under "
            f"{pg['per_second']:,} realistic events/s: the API answered "
            f"{pg['statuses_while_down']} meanwhile (acknowledging "
            f"{pg.get('acknowledged_while_down', 0):,} events; slowest answer "
            f"{pg['slowest_answer_while_down_s']:.2f} s; Retry-After values seen "
            f"{pg.get('retry_afters')}), {pg['entries_queued_at_return']:,} entries "
            f"({pg['entries_queued_at_return'] * pg['batch']:,} events) were queued when it "
            f"was back ({pg.get('pg_start_s', 0):.1f} s after `pg_ctl start`; at most "
            f"{pg['longest_queue']:,}); the writers had stored everything queued before then "
            f"**{pg['backlog_stored_after_s']:.1f} s after Postgres was back** (catch-up, "
            f"while the load went on: its last answer came {pg['load_ended_after_back_s']:.0f}"
            f" s after the return), and the queue was empty {pg['drained_after_back_s']:.1f} s "
            "after: "
            f"{stored_text(pg)}; "
            f"{pg['dead_letters']} dead letters.")
    return lines


def fmt(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"
