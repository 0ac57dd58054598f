"""Two parts of the website benchmark (bench/web.py):

- /events throughput with website enrichment on and off (WEB_ENRICHMENT=1 / 0), side by
  side in one sitting: gunicorn as `make bench` starts it (production configuration, 2
  gthread workers, TRUSTED_PROXIES=1 so that each request's X-Forwarded-For address is
  the client's), on a fresh copy of a small web database each run, runs alternating
  (on, off), (off, on), ...; requests built from the website traffic model: real
  User-Agents and public addresses per request (no country header, so every address is
  looked up), page URLs with UTM parameters, referrers, anonymous ids or none, bots.
- the check that the bulk loader stores what ingestion stores, at a realistic size.
"""

import json
import os
import random
import shutil
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import loadgen
import run as bench

PAIRS = int(os.environ.get("BENCH_AB_PAIRS", "3"))
SECONDS = float(os.environ.get("BENCH_AB_SECONDS", "20"))
AB_EVENTS = int(os.environ.get("BENCH_AB_EVENTS", "200000"))
MODES = {"batches of 100": 100, "one event per request (as t.js sends)": 1}
UUID_MARK = "@@UUID@@"
NOW_MARK = "@@NOW@@"


class WebBody:
    """Request bodies and headers from prepared website requests, in turn, each event with
    a random v4 uuid as trackers send: serial uuids would insert at the end of the uuid
    index, the best case for it. Picklable.
    """

    def __init__(self, requests: list[tuple[str, str, list[str]]]):
        self.requests = requests    # (User-Agent, address, body split at UUID_MARK)
        self.index = -1

    def bind(self) -> None:
        self.index = random.SystemRandom().randrange(len(self.requests))

    def __call__(self) -> bytes:
        self.index = (self.index + 1) % len(self.requests)
        parts = self.requests[self.index][2]
        uuids = [f'"{uuid.uuid4()}"' for _ in range(len(parts) - 1)]
        body = parts[0] + "".join(uuid + part for uuid, part in zip(uuids, parts[1:],
                                                                       strict=True))
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return body.replace(NOW_MARK, now).encode()

    def headers(self) -> dict:
        user_agent, address, _ = self.requests[self.index]
        return {"User-Agent": user_agent, "X-Forwarded-For": address}


def web_requests(size: int, count: int, decorate=None) -> list[tuple[str, str, list[str]]]:
    """`count` requests of `size` events each, from a day of the traffic model in time
    order; a request's client (User-Agent, address) is its first event's. `decorate(event,
    visit)`, when given, returns the events to send for one hit (the hit's event changed,
    or followed by others)."""
    from app.seeding.web_traffic import TrafficModel, hits_in_time_order

    today = datetime.now(UTC).date()
    model = TrafficModel(23, [today - timedelta(days=1)], size * count)
    requests, events, client = [], [], None
    for hit, visit in hits_in_time_order(model.visits()):
        client = client or (visit.user_agent, visit.ip)
        event = {"name": hit.name, "uuid": UUID_MARK, "timestamp": NOW_MARK,
                 "page_url": hit.page_url, "referrer": hit.referrer,
                 "anonymous_id": visit.anonymous_id, "properties": hit.properties}
        event = {key: value for key, value in event.items() if value is not None}
        for sent in (decorate(event, visit) if decorate else (event,)):
            events.append(sent)
            if len(events) == size:
                body = json.dumps({"sent_at": NOW_MARK, "events": events})
                requests.append((*client, body.split(f'"{UUID_MARK}"')))
                events, client = [], None
        if len(requests) == count:
            break
    return requests


def counts(url: str) -> tuple[int, int]:
    """(events, visits) stored."""
    from sqlalchemy import create_engine, text

    engine = create_engine(bench.normalized(url))
    with engine.connect() as connection:
        found = tuple(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608
                      for table in ("events", "visits"))
    engine.dispose()
    return found


def visit_count(url: str) -> int:
    return counts(url)[1]


def run_copy(template: str) -> str:
    """A fresh copy of the A/B database for one run."""
    if bench.BACKEND == "postgres":
        import psycopg

        source = template.rsplit("/", 1)[1]
        with psycopg.connect(bench.PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {source}_run WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {source}_run TEMPLATE {source}")
        return f"{template}_run"
    database = bench.DATA / "bench-web-ab-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template.removeprefix("sqlite:///"), database)
    return f"sqlite:///{database}"


def one_run(template: str, key: str, enrichment: bool, body: WebBody) -> dict:
    """/events for SECONDS on a fresh copy, enrichment on or off."""
    url = run_copy(template)
    before = counts(url)
    load_before = os.getloadavg()[0]
    process, port = bench.start_gunicorn(url, "gthread", WEB_ENRICHMENT="1" if enrichment
                                         else "0", TRUSTED_PROXIES="1")
    try:
        load = loadgen.run_load(port, "/api/v1/events", {"Content-Type": "application/json",
                                                         "X-Ouroboard-Key": key},
                                body, SECONDS)
    finally:
        process.terminate()
        process.wait(timeout=30)
    after = counts(url)
    return {"events_per_second": load["accepted"] / load["elapsed"],
            "p50": statistics.median(load["latencies_ms"]),
            "p99": bench.percentile(load["latencies_ms"], 0.99),
            "accepted": load["accepted"], "errors": load["errors"],
            "stored": after[0] - before[0], "visits": after[1] - before[1],
            "load": (load_before, os.getloadavg()[0])}


def measure(prepare_database, log) -> dict:
    """Alternating runs per mode: {mode: {"on": [runs], "off": [runs]}}."""
    import subprocess

    prepared = prepare_database(AB_EVENTS, "bench-web-ab")
    template = prepared["url"]
    key = subprocess.run([bench.BIN / "flask", "keys", "create", f"ab-{time.time_ns()}",
                          "--project", "bench-web"], cwd=bench.ROOT,
                         env=bench.env_for(template), check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    results = {}
    for mode, size in MODES.items():
        body = WebBody(web_requests(size, max(2000, 40_000 // size)))
        runs: dict[str, list] = {"on": [], "off": [], "order": []}
        for pair in range(PAIRS):
            for side in (("on", "off") if pair % 2 == 0 else ("off", "on")):
                result = one_run(template, key, side == "on", body)
                runs[side].append(result)
                runs["order"].append((side, result))
                log(f"{mode}, enrichment {side}: {result['events_per_second']:,.0f} events/s,"
                    f" p99 {result['p99']:.0f} ms, stored {result['stored']:,} of "
                    f"{result['accepted']:,}, {result['errors']} errors, "
                    f"{result['visits']:,} visits")
        results[mode] = runs
    return {"runs": results, "template_events": AB_EVENTS}


def report_lines(ab: dict) -> list[str]:
    """The A/B section of a backend's report."""
    lines = [
        "### Enrichment on and off, /events throughput", "",
        f"gunicorn (production configuration, 2 gthread workers, 8 threads, TRUSTED_PROXIES=1),"
        f" bench/loadgen.py with 8 connections for {SECONDS:g} s per run, each run on a fresh "
        f"copy of a database holding {ab['template_events']:,} website events; {PAIRS} pairs "
        "of runs alternating (on, off), (off, on), ... Requests come from the traffic model "
        "(real User-Agents, public X-Forwarded-For addresses looked up in the IP-to-country "
        "data, page URLs with UTM parameters, referrers, anonymous ids or none, 3-7 % bots). "
        "Enrichment on means the visitor, page, source, device, country and bot columns, the "
        "visits, the web rollups and the visitor days; off (WEB_ENRICHMENT=0) stores the "
        "events and the event rollups only.", "",
        "| requests | enrichment off (median) | on (median) | cost | per pair (on / off) "
        "| stored / acknowledged | target |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |"]
    for mode, runs in ab["runs"].items():
        off = statistics.median(run["events_per_second"] for run in runs["off"])
        on = statistics.median(run["events_per_second"] for run in runs["on"])
        ratios = [a["events_per_second"] / b["events_per_second"]
                  for a, b in zip(runs["on"], runs["off"], strict=True)]
        every = runs["on"] + runs["off"]
        exact = all(run["stored"] == run["accepted"] and not run["errors"] for run in every)
        cost = 1 - on / off
        lines.append(
            f"| {mode} | {off:,.0f} events/s | {on:,.0f} events/s | {cost:.1%} | "
            f"{', '.join(f'{ratio:.3f}' for ratio in ratios)} | "
            f"{'all equal, 0 errors' if exact else '**mismatch or errors**'} | "
            f"≤ 15 %: {'met' if cost <= 0.15 else '**missed**'} |")
    lines += ["", "Runs in order (events/s, p50 / p99 ms, load average before → after):", ""]
    for mode, runs in ab["runs"].items():
        for side, run in runs["order"]:
            lines.append(f"    {mode}, enrichment {side}: {run['events_per_second']:,.0f}, "
                         f"{run['p50']:.0f} / {run['p99']:.0f} ms, {run['visits']:,} visits, "
                         f"load {run['load'][0]:.2f} → {run['load'][1]:.2f}")
    return lines


# ----------------------------------------------------------------------------- verify

def differing_rows(first: int, second: int) -> dict[str, tuple[int, int]]:
    """Per table: (rows of the first project, rows found in one project but not the other)
    comparing every column but the project's id and, for visits and visitor days, the
    visitor's and visit's names (cookieless visitors' hashes differ between the paths).
    """
    from collections import Counter

    from sqlalchemy import select

    import app.web.tables  # noqa: F401 - the web tables, in the metadata
    from app.extensions import db
    from app.models import Visit

    web_tables = [table for name, table in sorted(db.metadata.tables.items())
                  if name.startswith(("web_rollup_", "visitor_"))]
    found = {}
    for table in (*web_tables, Visit.__table__):
        columns = [column for column in table.c
                   if column.name not in ("project_id", "visitor_id", "visit_id")]
        rows = [Counter(tuple(row) for row in db.session.execute(
            select(*columns).where(table.c.project_id == project))) for project in (first,
                                                                                   second)]
        found[table.name] = (sum(rows[0].values()),
                             sum(((rows[0] - rows[1]) + (rows[1] - rows[0])).values()))
    return found


def verify(events: int, log, write_section, database_url, fresh_database, commit: str) -> int:
    """Load `events` both ways into one fresh database and compare; 1 when they differ."""
    from app import create_app
    from app.seeding import web_data, web_demo
    from app.seeding.web_bulk import load_web_traffic
    from app.seeding.web_traffic import TrafficModel

    url = database_url(events, "web-verify")
    fresh_database(url)
    started = datetime.now(UTC)
    today = started.date()
    days = [today - timedelta(days=offset) for offset in range(60, 0, -1)]
    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.normalized(url),
                      "JWT_SECRET_KEY": bench.SECRET})
    with app.app_context():
        bulk = web_data.ensure_project("verify-bulk", "Bulk", "UTC")
        ingested = web_data.ensure_project("verify-ingested", "Ingested", "UTC")
        log(f"bulk-loading {events:,} events")
        began = time.monotonic()
        load_web_traffic(bulk, events, days, seed=29)
        bulk_seconds = time.monotonic() - began
        log(f"storing the same {events:,} events through insert_events")
        began = time.monotonic()
        web_demo.store_traffic(ingested, TrafficModel(29, days, events).visits(),
                               "00000000-0000-4000-8000-")
        ingest_seconds = time.monotonic() - began
        found = differing_rows(bulk, ingested)
    same = not any(differing for _, differing in found.values())
    lines = [
        f"## Bulk load against ingestion ({bench.BACKEND})", "",
        f"`BENCH_DB={bench.BACKEND} python bench/web.py verify {events}` at "
        f"{commit}, {started:%Y-%m-%d %H:%M}-"
        f"{datetime.now(UTC):%H:%M} UTC: the same {events:,} events of the traffic model "
        f"(60 days) loaded by the bulk loader ({bulk_seconds:.0f} s, web rollups rebuilt) "
        "and stored through `insert_events` in batches of 2,000 with enrichment per "
        f"request ({ingest_seconds:.0f} s, {events / ingest_seconds:,.0f} events/s "
        "in-process), into two projects of one database. Rows compared on every column "
        "but the project's, visitor's and visit's ids:", "",
        "| table | rows | rows in one project only |", "| --- | ---: | ---: |",
        *(f"| {table} | {rows:,} | {differing:,} |" for table, (rows, differing)
          in found.items()),
        "", "Identical." if same else "**They differ.**"]
    write_section(f"verify-{bench.BACKEND}", lines)
    return 0 if same else 1
