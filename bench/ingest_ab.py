"""HTTP ingestion throughput of two checkouts, A/B, in one sitting.

    python bench/ingest_ab.py BEFORE_CHECKOUT AFTER_CHECKOUT [pairs]

Each checkout gets its own SQLite database, built once with that checkout's migrations and
bulk loader (`seed.py --events AB_EVENTS --users 10`) and an ingestion key; every run starts
from a fresh copy of it. A run starts gunicorn from the checkout exactly as `make bench`
does (production configuration, 2 workers, AB_WORKER worker class, loopback), sends
batches of 100 events to /api/v1/events with the key for AB_SECONDS, then single
/api/v1/track clicks with a bearer token for half as long, with the same load generator
(bench/loadgen.py of this checkout) for both sides. The runs alternate (before, after),
(after, before), ... so that the load of a busy machine falls on both sides alike; each
run notes the load average. Prints every run, the medians of each side and their ratio,
each pair's ratio, and writes them as Markdown to AB_REPORT when it is set.
"""

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402 - bench/, beside this file

PYTHON = sys.executable
BIN = Path(PYTHON).parent
SECONDS = float(os.environ.get("AB_SECONDS", "10"))
WORKER = os.environ.get("AB_WORKER", "gthread")
EVENTS = int(os.environ.get("AB_EVENTS", "200000"))
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def env_for(database: Path, instance: Path, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FLASK_APP": "wsgi.py",
            "APP_ENV": "development", "JWT_SECRET_KEY": SECRET, "INSTANCE_DIR": str(instance),
            **extra}


def revision(checkout: Path) -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=checkout, check=True,
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=checkout, check=True, capture_output=True, text=True).stdout
    return head + (" + uncommitted changes" if dirty.strip() else "")


def prepare(checkout: Path, work: Path) -> dict:
    """The checkout's template database (migrated, bulk-loaded) and an ingestion key."""
    instance = work / "instance"
    instance.mkdir(parents=True)
    database = work / "template.db"
    env = env_for(database, instance)
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=checkout, env=env, check=True,
                   capture_output=True)
    subprocess.run([PYTHON, "seed.py", "--events", str(EVENTS), "--users", "10"],
                   cwd=checkout, env=env, check=True, capture_output=True)
    output = subprocess.run([BIN / "flask", "keys", "create", "ab-bench"], cwd=checkout,
                            env=env, check=True, capture_output=True, text=True).stdout
    return {"checkout": checkout, "work": work, "instance": instance, "template": database,
            "key": output.strip().splitlines()[-1], "revision": revision(checkout)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(side: dict, database: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = env_for(database, side["instance"], APP_ENV="production", PORT=str(port),
                  HOST="127.0.0.1", WEB_CONCURRENCY="2", GUNICORN_WORKER_CLASS=WORKER,
                  GUNICORN_THREADS="1" if WORKER == "sync" else "8",
                  INGEST_RATE_LIMIT="10000000 per minute", LOG_LEVEL="warning")
    process = subprocess.Popen([BIN / "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile",
                                "/dev/null", "wsgi:app"], cwd=side["checkout"], env=env,
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
    raise RuntimeError(f"gunicorn did not start in {side['checkout']}")


def login_token(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/api/v1/login", body=json.dumps(
        {"username": "user2", "password": "password123"}),
        headers={"Content-Type": "application/json"})
    return json.loads(connection.getresponse().read())["token"]


def stored(database: Path, name: str) -> int:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE name = ?",
                                  (name,)).fetchone()[0]


def run_side(side: dict) -> dict:
    """One run: a fresh copy of the side's database, /events then /track."""
    database = side["work"] / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(side["template"], database)
    load_before = os.getloadavg()[0]
    process, port = start_gunicorn(side, database)
    try:
        name = f"ab_{uuid.uuid4().hex[:8]}"
        events = loadgen.run_load(port, "/api/v1/events", {
            "Content-Type": "application/json", "X-Ouroboard-Key": side["key"]},
            loadgen.BatchBody(name), SECONDS)
        token = login_token(port)
        track_name = f"ab_track_{uuid.uuid4().hex[:8]}"
        track = loadgen.run_load(port, "/api/v1/track", {
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            loadgen.TrackBody(track_name), SECONDS / 2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"events_per_second": events["accepted"] / events["elapsed"],
            "events_errors": events["errors"], "events_stored": stored(database, name),
            "events_accepted": events["accepted"],
            "track_per_second": track["requests"] / track["elapsed"],
            "track_errors": track["errors"], "track_stored": stored(database, track_name),
            "track_accepted": track["accepted"],
            "load": (load_before, os.getloadavg()[0])}


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    checkouts = {"before": Path(sys.argv[1]).resolve(), "after": Path(sys.argv[2]).resolve()}
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    root = Path(tempfile.mkdtemp(prefix="ingest-ab-"))
    sides = {label: prepare(checkout, root / label) for label, checkout in checkouts.items()}
    runs: dict[str, list[dict]] = {label: [] for label in sides}
    lines = []
    for pair in range(pairs):
        order = ("before", "after") if pair % 2 == 0 else ("after", "before")
        for label in order:
            result = run_side(sides[label])
            runs[label].append(result)
            line = (f"pair {pair + 1} {label:6}: /events {result['events_per_second']:8,.0f} "
                    f"events/s (stored {result['events_stored']:,} of "
                    f"{result['events_accepted']:,}, {result['events_errors']} errors), "
                    f"/track {result['track_per_second']:6,.0f} req/s (stored "
                    f"{result['track_stored']:,} of {result['track_accepted']:,}, "
                    f"{result['track_errors']} errors); load average "
                    f"{result['load'][0]:.2f} -> {result['load'][1]:.2f}")
            print(line, flush=True)
            lines.append(line)
    medians = {label: {kind: statistics.median(run[f"{kind}_per_second"] for run in results)
                       for kind in ("events", "track")} for label, results in runs.items()}
    summary = [
        f"| endpoint | before ({sides['before']['revision']}) | after "
        f"({sides['after']['revision']}) | after / before |", "|---|---:|---:|---:|"]
    for kind, unit in (("events", "events/s"), ("track", "req/s")):
        before, after = medians["before"][kind], medians["after"][kind]
        summary.append(f"| /{kind} | {before:,.0f} {unit} | {after:,.0f} {unit} | "
                       f"{after / before:.3f} |")
    # Each pair's own ratio too: the two runs of a pair met about the same machine load.
    for kind in ("events", "track"):
        ratios = [after[f"{kind}_per_second"] / before[f"{kind}_per_second"]
                  for before, after in zip(runs["before"], runs["after"], strict=True)]
        summary.append(f"\n/{kind} after / before per pair: "
                       f"{', '.join(f'{ratio:.3f}' for ratio in ratios)} "
                       f"(median {statistics.median(ratios):.3f})")
    print("\n".join(summary))
    report = os.environ.get("AB_REPORT")
    if report:
        Path(report).write_text(
            f"Ingestion A/B: {pairs} pairs, {WORKER} workers (2), /events {SECONDS:g} s and "
            f"/track {SECONDS / 2:g} s per run, SQLite with {EVENTS:,} bulk events per "
            "side, medians over the runs of each side.\n\n" + "\n".join(summary)
            + "\n\nRuns in order:\n\n" + "\n".join(f"    {line}" for line in lines) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
