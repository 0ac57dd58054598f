"""The website analytics benchmark (issue #19), part of `make bench` or on its own:

    python bench/web.py            load (or reuse) BENCH_WEB_EVENTS website events in one
                                   project, time every web card and breakdown, compare /events
                                   with enrichment on and off; writes bench/results-web.md
    python bench/web.py verify [N] load N events (default 200,000) both through the bulk
                                   loader and through ingestion's write path, and compare
                                   the web rollups, visitor days and visits they leave

Environment: BENCH_WEB_EVENTS (default 10,000,000), BENCH_DB (sqlite or postgres),
BENCH_SAMPLES (timed calls per endpoint and range shape, default 30),
BENCH_WEB_FILTER_SAMPLES (the same with web filters, default 10), BENCH_AB_PAIRS (3),
BENCH_AB_SECONDS (20), BENCH_AB_EVENTS (the A/B database's events, 200,000),
BENCH_PG_ADMIN. See bench/README.md.
"""

import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402 - bench/, beside this file: the main benchmark's helpers
import web_ab  # noqa: E402 - bench/, beside this file

ROOT, DATA, BIN, PYTHON = bench.ROOT, bench.DATA, bench.BIN, bench.PYTHON
# The access log of every timed request would drown the progress lines.
os.environ.setdefault("LOG_LEVEL", "warning")
EVENTS = int(os.environ.get("BENCH_WEB_EVENTS", "10000000"))
BACKEND = bench.BACKEND
SAMPLES = bench.SAMPLES
FILTER_SAMPLES = int(os.environ.get("BENCH_WEB_FILTER_SAMPLES", "10"))
RESULTS = ROOT / "bench" / "results-web.md"
SLUG = "bench-web"
PG_DATABASE = "ouroboard_bench_web"
TIME_ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
RANGE_SHAPES = ("last 7 days", "last 30 days", "this month", "last 12 months", "custom")
TARGETS = {"summary": 100}  # ms, p95; every other endpoint 50
ONE_FILTER = (("channel", "Organic Search"), ("country", "DE"), ("device", "mobile"),
              ("browser", "Safari"), ("utm_campaign", "spring_sale"), ("page", "/pricing"),
              ("referrer", "google.com"), ("os", "Android"), ("entry_page", "/"))
TWO_FILTERS = ((("country", "DE"), ("device", "mobile")),
               (("channel", "Organic Search"), ("browser", "Chrome")),
               (("utm_campaign", "spring_sale"), ("country", "US")),
               (("page", "/pricing"), ("device", "desktop")),
               (("referrer", "news.ycombinator.com"), ("os", "macOS")))


def log(message: str) -> None:
    print(f"[web bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ----------------------------------------------------------------------------- database

def database_url(events: int = EVENTS, name: str = "bench-web") -> str:
    if BACKEND == "postgres":
        return bench.PG_URL.rsplit("/", 1)[0] + "/" + (
            PG_DATABASE if name == "bench-web" else f"ouroboard_{name.replace('-', '_')}")
    return f"sqlite:///{DATA / f'{name}-{events}.db'}"


def schema_is_current(engine) -> bool:
    """Whether every table, column and index of this checkout's models exists (a database
    loaded by an earlier version of a migration is loaded again).
    """
    from sqlalchemy import inspect

    import app.models  # noqa: F401 - the tables, web ones included, in the metadata
    import app.rollups.tables  # noqa: F401
    from app.extensions import db
    from app.web.tables import WEB_TABLES

    inspector = inspect(engine)
    for table in db.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            return False
        stored = {column["name"] for column in inspector.get_columns(table.name)}
        if not {column.name for column in table.columns} <= stored:
            return False
        if table.name in ("events", *WEB_TABLES):  # (SQLite cannot reflect users' index)
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            if not {index.name for index in table.indexes} <= indexes:
                return False
    return True


def stored_web_events(url: str) -> int:
    """The web events the project holds (its rollups' count: cheaper than the events
    table), or -1 when there is no such project or the schema is not this checkout's.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(bench.normalized(url))
    try:
        if not schema_is_current(engine):
            return -1
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT COALESCE(SUM(events), -1) FROM web_rollup_monthly r "
                "JOIN projects p ON p.id = r.project_id "
                "WHERE p.slug = :slug AND dimension IN ('*', 'bots')"), {"slug": SLUG}).scalar()
    except Exception:  # noqa: BLE001 - no schema yet
        return -1
    finally:
        engine.dispose()


def fresh_database(url: str) -> None:
    """An empty database at `url`, migrated to head."""
    if BACKEND == "postgres":
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(bench.PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=bench.env_for(url),
                   check=True, capture_output=True)


def prepare_database(events: int = EVENTS, name: str = "bench-web") -> dict:
    """A database whose project bench-web holds exactly `events` website events (reused
    when one does)."""
    url = database_url(events, name)
    if stored_web_events(url) == events:
        log(f"reusing the {BACKEND} database with {events:,} website events")
        return {"url": url, "load_seconds": None}
    fresh_database(url)
    log(f"bulk-loading {events:,} website events into {BACKEND}")
    started = time.monotonic()
    subprocess.run([PYTHON, "seed.py", "--web-events", str(events)], cwd=ROOT,
                   env=bench.env_for(url), check=True)
    return {"url": url, "load_seconds": time.monotonic() - started}


# ----------------------------------------------------------------------------- queries

def date_range(shape: str, zone: str) -> tuple[date, date]:
    """(startDate, endDate) of a range shape, in the zone's calendar today."""
    today = datetime.now(ZoneInfo(zone)).date()
    if shape == "last 7 days":
        return today - timedelta(days=6), today
    if shape == "last 30 days":
        return today - timedelta(days=29), today
    if shape == "this month":
        return today.replace(day=1), today
    if shape == "last 12 months":
        return today - timedelta(days=364), today
    return today - timedelta(days=150), today - timedelta(days=104)  # custom: 47 days


def endpoints(app) -> dict[str, tuple[str, dict]]:
    """Every web card and breakdown endpoint: label -> (path, fixed parameters)."""
    from app.analytics.web_schemas import WEB_BREAKDOWNS

    found = {"summary": ("/api/v1/analytics/web/summary", {})}
    for by in WEB_BREAKDOWNS:
        found[f"breakdown by {by}"] = ("/api/v1/analytics/web/breakdown", {"by": by})
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    if "/api/v1/analytics/web/timeseries" in routes:
        for interval in ("day", "hour"):
            found[f"timeseries ({interval})"] = ("/api/v1/analytics/web/timeseries",
                                                 {"interval": interval})
    return found


def query_client(url: str):
    """A Flask test client on `url` with the answer cache and the read limits off, and the
    bench user's bearer headers."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.normalized(url),
                      "CACHE_TYPE": "NullCache", "JWT_SECRET_KEY": bench.SECRET,
                      "AUTH_RATE_LIMIT_PER_IP": "10000/minute",
                      "ANALYTICS_RATE_LIMIT": "1000000/minute"})
    client = app.test_client()
    return client, bench.bearer(client)


def timed_get(client, path: str, params: dict, headers: dict, statuses: dict,
              cancel_ok: bool = False) -> float:
    """One call's milliseconds; its status is counted in `statuses`, and a 5xx stops the run
    (with `cancel_ok`, not a 503 for a query cancelled at the statement time limit).
    """
    started = time.perf_counter()
    response = client.get(path, query_string=params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    if response.status_code >= 500 and not (cancel_ok and response.status_code == 503):
        raise RuntimeError(f"{path} {params}: {response.get_json()}")
    return elapsed


def measure_queries(url: str, filters: int, samples: int) -> dict:
    """p50/p95/max per endpoint and range shape, with `filters` web filters per call, the
    answer cache off: {label: {shape: figures}}; figures also count non-200 answers.
    """
    client, headers = query_client(url)
    rng = random.Random(19 + filters)
    results: dict[str, dict] = {}
    by_zone: dict[str, dict[str, list[float]]] = {}

    def params_for(shape: str, zone: str, extra: dict) -> dict:
        start, end = date_range(shape, zone)
        params = {"project": SLUG, "startDate": start.isoformat(),
                  "endDate": end.isoformat(), "tz": zone, **extra}
        if extra.get("by"):
            params["limit"] = rng.choice((5, 10, 25, 100))
        if filters == 1:
            params.update([rng.choice(ONE_FILTER)])
        elif filters == 2:
            params.update(rng.choice(TWO_FILTERS))
        return params

    for label, (path, extra) in endpoints(client.application).items():
        results[label] = {}
        for shape in RANGE_SHAPES:
            # As in a server that has been running: each zone's query shape compiled and
            # its pages read once before the timed calls (the answer cache stays off).
            for zone in TIME_ZONES:
                client.get(path, query_string=params_for(shape, zone, extra), headers=headers)
            timings, statuses = [], {}
            for sample in range(samples):
                zone = TIME_ZONES[sample % len(TIME_ZONES)]
                timings.append(timed_get(client, path, params_for(shape, zone, extra),
                                         headers, statuses))
                by_zone.setdefault(zone, {}).setdefault(label, []).append(timings[-1])
            results[label][shape] = {**bench.summary(timings), "statuses": statuses}
        worst = max(figures["p95"] for figures in results[label].values())
        log(f"{filters} filter(s), {label}: worst p95 {worst:.1f} ms")
    results["per zone"] = {zone: {label: bench.percentile(values, 0.95)
                                  for label, values in labels.items()}
                           for zone, labels in by_zone.items()}
    return results


# ----------------------------------------------------------------------------- report

def cell_text(figures: dict) -> str:
    """p50 / p95 / max, and how many calls were refused (a 4xx) or cancelled at the
    statement time limit (503).
    """
    refused = sum(n for status, n in figures["statuses"].items() if status not in (200, 503))
    cancelled = figures["statuses"].get(503, 0)
    return (f"{figures['median']:.1f} / {figures['p95']:.1f} / {figures['max']:.0f}"
            + (f" ({refused} refused)" if refused else "")
            + (f" ({cancelled} timed out)" if cancelled else ""))


def query_table(results: dict, filters: int) -> list[str]:
    """A Markdown table: one row per endpoint, p50 / p95 / max per range shape."""
    lines = ["| endpoint | " + " | ".join(RANGE_SHAPES) + " | worst p95 | target | |",
             "| --- | " + " | ".join("---:" for _ in RANGE_SHAPES) + " | ---: | --- | --- |"]
    for label, per_shape in results.items():
        if label == "per zone":
            continue
        target = TARGETS.get(label, 50)
        worst = max(figures["p95"] for figures in per_shape.values())
        cells = [cell_text(per_shape[shape]) for shape in RANGE_SHAPES]
        verdict = "met" if worst <= target else "**missed**"
        lines.append(f"| {label} | {' | '.join(cells)} | {worst:.1f} | ≤ {target} | "
                     f"{verdict} |")
    lines += ["", "p95 per time zone over every range shape, in ms: "
              + "; ".join(f"{zone} summary {figures['summary']:.1f}, slowest breakdown "
                          f"{max(v for k, v in figures.items() if k != 'summary'):.1f}"
                          for zone, figures in results["per zone"].items()) + "."]
    return lines


def commit_of() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout.strip()
    return head + (" + uncommitted changes" if dirty else "")


def write_section(name: str, lines: list[str]) -> None:
    """Put one backend's (or the check's) section into bench/results-web.md, keeping the
    others."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    text = RESULTS.read_text() if RESULTS.is_file() else (
        "# Website analytics benchmark\n\nWritten by `bench/web.py` (part of `make bench`); "
        "see bench/README.md for what each figure means. Each section comes from one run.\n")
    block = "\n".join([begin, *lines, end])
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)
    log(f"wrote the {name} section of {RESULTS}")


def report(run: dict) -> list[str]:
    """The backend's section."""
    title = "SQLite" if BACKEND == "sqlite" else "PostgreSQL"
    load = (f"Bulk load of {EVENTS:,} events ({run['visits']:,} visits), web rollups, "
            f"visitor days and event rollups included: {run['load_seconds']:.0f} s."
            if run["load_seconds"] else "The database was loaded by an earlier run.")
    lines = [
        f"## {title}: {EVENTS:,} website events in one project",
        "",
        f"`{run['command']}` at {run['commit']}, {run['started']} - {run['ended']} UTC; "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {run['backend_version']}. "
        f"{load}",
        "",
        "### Cards and breakdowns, no filter",
        "",
        f"Each cell: p50 / p95 / max in ms over {SAMPLES} calls (time zones "
        f"{', '.join(TIME_ZONES)} in turn), Flask test client, answer cache off.",
        "",
        *query_table(run["queries"][0], 0),
    ]
    for filters in (1, 2):
        lines += [
            "", f"### With {filters} web filter{'s' if filters > 1 else ''}", "",
            f"{FILTER_SAMPLES} calls per cell, each with "
            + ("one of " + ", ".join(f"{name}={value}" for name, value in ONE_FILTER)
               if filters == 1 else "one of the pairs " + "; ".join(
                   " & ".join(f"{name}={value}" for name, value in pair)
                   for pair in TWO_FILTERS))
            + ". Filtered answers read raw events; \"refused\" counts answers that "
            "would read more than RAW_READ_MAX_EVENTS (400, by design).", "",
            *query_table(run["queries"][filters], filters)]
    return lines + ["", *web_ab.report_lines(run["ab"]), ""]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if BACKEND not in ("sqlite", "postgres"):
        print("BENCH_DB must be sqlite or postgres", file=sys.stderr)
        return 2
    if argv[:1] == ["verify"]:
        return web_ab.verify(int(argv[1]) if len(argv) > 1 else 200_000, log,
                             write_section, database_url, fresh_database, commit_of())
    DATA.mkdir(parents=True, exist_ok=True)
    run = {"started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), "commit": commit_of(),
           "command": f"BENCH_DB={BACKEND} BENCH_WEB_EVENTS={EVENTS} "
                      + ("python bench/web.py" if __name__ == "__main__" else "make bench")}
    prepared = prepare_database()
    url = prepared["url"]
    run.update(load_seconds=prepared["load_seconds"], backend_version=bench.backend_version(url),
               visits=web_ab.visit_count(url))
    run["queries"] = {filters: measure_queries(url, filters, SAMPLES if not filters
                                               else FILTER_SAMPLES) for filters in (0, 1, 2)}
    run["ab"] = web_ab.measure(prepare_database, log)
    run["ended"] = datetime.now(UTC).strftime("%H:%M")
    write_section(BACKEND, report(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
