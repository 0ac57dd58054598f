"""Worst cases for `make bench`: for each analytics endpoint, the most expensive request we
could find on the full database, and the latency of every zone whose offset is not a whole
hour against UTC.

The search is a grid, not a guess: every range shape (all time, open at either end, the
longest range allowed, the longest hourly range) crossed with zones of every offset kind
(UTC, whole hours east and west, half and quarter hours, +14 and -12, a zone with daylight
saving on a half hour) and each endpoint's own expensive options (a feature, demographics, the
finest granularity with a comparison, raw-event breakdowns, the largest limits, deep
cursors). Each combination runs once; the slowest few run again and report their median.
Requests the API refuses (4xx) are listed too: a refusal costs nothing, which is the point.
"""

import itertools
import statistics
import time
from datetime import UTC, datetime, timedelta

NON_WHOLE_HOUR_ZONES = ("Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns",
                        "Australia/Adelaide", "Asia/Tehran", "Australia/Eucla",
                        "Pacific/Chatham", "Asia/Yangon", "Pacific/Marquesas", "Asia/Kabul")
ZONES = ("UTC", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", *NON_WHOLE_HOUR_ZONES)
RERUNS = 5
SLOWEST_RERUN = 3
# The goals of issue #17 for every analytics endpoint's worst case.
MAX_SECONDS = 2.0
MAX_BYTES = 5 * 1024 * 1024


def range_shapes(today) -> dict[str, dict]:
    """Named date ranges, from the cheapest refusal to the longest range allowed."""
    return {
        "all time (no dates)": {},
        "open start (endDate only)": {"endDate": today.isoformat()},
        "open end (startDate 2000-01-01)": {"startDate": "2000-01-01"},
        "year 1 to 9999": {"startDate": "0001-01-01", "endDate": "9999-12-31"},
        "3 years to today": {"startDate": (today - timedelta(days=3 * 365)).isoformat(),
                             "endDate": today.isoformat()},
        "last 31 days": {"startDate": (today - timedelta(days=30)).isoformat(),
                         "endDate": today.isoformat()},
    }


def endpoint_options() -> dict[str, tuple[list[dict], tuple[str, ...]]]:
    """Each endpoint's own expensive options, and the zones to cross them with: every kind
    for the rollup readers, whose buckets depend on the offset; three for the readers of raw
    events, where the zone only moves the range's two ends.
    """
    demographics = [{}, {"feature": "page_view", "ageGroup": ">40", "gender": "Female"}]
    raw_zones = ("UTC", "Asia/Kathmandu", "Pacific/Kiritimati")
    return {
        "/api/v1/analytics": (demographics, ZONES),
        "/api/v1/analytics/summary": (demographics, ZONES),
        "/api/v1/analytics/timeseries": ([
            {"granularity": granularity, "compare": "previous", **extra}
            for granularity in ("hour", "day", "week", "month") for extra in demographics],
            ZONES),
        "/api/v1/analytics/breakdown": ([
            {"by": by, "limit": 100} for by in ("feature", "age_group", "gender", "page_url",
                                               "property:plan")], raw_zones),
        "/api/v1/analytics/top-pages": ([{"limit": 100}, {"limit": 100, "feature": "page_view"}],
                                        raw_zones),
        "/api/v1/analytics/recent": ([{"limit": 100}, {"limit": 100, "feature": "export_csv",
                                                       "gender": "Other"}], raw_zones),
        "/api/v1/analytics/export.csv": ([{"kind": "daily"}], ZONES),
    }


def timed(client, path: str, params: dict, headers: dict) -> tuple[float, int, int]:
    """(seconds, status, body bytes) of one request, the body read to its end."""
    started = time.perf_counter()
    response = client.get(path, query_string=params, headers=headers, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    seconds = time.perf_counter() - started
    response.close()
    return seconds, response.status_code, size


def measure_worst_cases(client, headers: dict, log, project: str) -> dict:
    """{endpoint: [the slowest combinations, slowest first]} with medians and sizes, every
    request reading the project `project`."""
    today = datetime.now(UTC).date()
    shapes = range_shapes(today)
    found = {}
    for path, (options, zones) in endpoint_options().items():
        trials = []
        for (shape, dates), zone, extra in itertools.product(shapes.items(), zones, options):
            params = {**dates, **extra, "tz": zone}
            seconds, status, size = timed(client, path, {**params, "project": project},
                                          headers)
            trials.append({"shape": shape, "params": params, "seconds": seconds,
                           "status": status, "bytes": size})
        trials.sort(key=lambda trial: -trial["seconds"])
        for trial in trials[:SLOWEST_RERUN]:
            runs = [timed(client, path, {**trial["params"], "project": project}, headers)[0]
                    for _ in range(RERUNS)]
            trial["median"] = statistics.median(runs)
        worst = sorted(trials[:SLOWEST_RERUN], key=lambda trial: -trial["median"])
        statuses = sorted({trial["status"] for trial in trials})
        found[path] = {"combinations": len(trials), "statuses": statuses, "worst": worst,
                       "largest": max(trials, key=lambda trial: trial["bytes"])}
        top = worst[0]
        log(f"worst {path}: {top['median'] * 1000:.0f} ms, {top['bytes']:,} bytes "
            f"({top['shape']}, {top['params']})")
    return found


def measure_zone_latency(client, headers: dict, samples: int, log, project: str) -> dict:
    """p50/p95 of everyday requests per zone in the project `project`: the dashboard's
    default views."""
    today = datetime.now(UTC).date()
    month = {"startDate": (today - timedelta(days=29)).isoformat(), "endDate": today.isoformat()}
    year = {"startDate": (today - timedelta(days=364)).isoformat(), "endDate": today.isoformat()}
    requests = {
        "timeseries, 30 days by hour": ("/api/v1/analytics/timeseries",
                                        {**month, "granularity": "hour"}),
        "timeseries, a year by day": ("/api/v1/analytics/timeseries",
                                      {**year, "granularity": "day"}),
        "summary, a year": ("/api/v1/analytics/summary", year),
        "bars + line, a year": ("/api/v1/analytics", year),
    }
    results = {}
    for label, (path, params) in requests.items():
        for zone in ("UTC", *NON_WHOLE_HOUR_ZONES):
            query = {**params, "tz": zone, "project": project}
            timed(client, path, query, headers)  # compiled and cached pages, as in service
            timings = []
            for _ in range(samples):
                seconds, status, _size = timed(client, path, query, headers)
                assert status == 200, (path, query, status)
                timings.append(seconds * 1000)
            timings.sort()
            results[(label, zone)] = {"median": statistics.median(timings),
                                      "p95": timings[max(0, round(0.95 * len(timings)) - 1)]}
        log(f"{label}: UTC p95 {results[(label, 'UTC')]['p95']:.1f} ms, worst other zone p95 "
            f"{max(results[(label, zone)]['p95'] for zone in NON_WHOLE_HOUR_ZONES):.1f} ms")
    return results


def report_lines(worst: dict, zones: dict, project: str) -> list[str]:
    """The report's section on worst cases and non-whole-hour zones."""
    lines = ["## Worst cases (issue #17)", "",
             f"All in the project `{project}`. Every endpoint was asked every combination of "
             f"{len(ZONES)} zones, the range shapes below and its own expensive options, once "
             "each; the slowest "
             f"{SLOWEST_RERUN} ran {RERUNS} more times and the table gives their median. Goal: "
             f"≤ {MAX_SECONDS:g} s and ≤ {MAX_BYTES // (1024 * 1024)} MB each. The live stream "
             "is left out (it never ends; its per-frame query is the summary's count). The "
             "events export is a download whose size grows with the range by design: it is "
             "bounded by the export limits instead (per-user concurrency, the stalled-reader "
             "timeout), and its memory is measured above.", "",
             "| endpoint | slowest request | median | status | bytes | statuses seen | "
             "largest body |", "|---|---|---:|---:|---:|---|---:|"]
    for path, found in worst.items():
        top = found["worst"][0]
        met = top["median"] <= MAX_SECONDS and found["largest"]["bytes"] <= MAX_BYTES
        params = ", ".join(f"{key}={value}" for key, value in top["params"].items())
        lines.append(f"| `{path}` | {top['shape']}: {params} | {top['median'] * 1000:.0f} ms"
                     f"{'' if met else ' **missed**'} | {top['status']} | {top['bytes']:,} | "
                     f"{', '.join(map(str, found['statuses']))} | "
                     f"{found['largest']['bytes']:,} |")
    lines += ["", "Zones whose offset is not a whole hour, against UTC (same requests, "
              "cache off; goal p95 ≤ 50 ms):", "",
              "| request | zone | p50 | p95 |", "|---|---|---:|---:|"]
    for (label, zone), figures in zones.items():
        flag = "" if figures["p95"] <= 50 else " **missed**"
        lines.append(f"| {label} | {zone} | {figures['median']:.1f} ms | "
                     f"{figures['p95']:.1f} ms{flag} |")
    return [*lines, ""]
