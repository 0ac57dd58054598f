"""The unfiltered web summary alone on a loaded 10 M database (bench/data/
bench-web-10000000.db, built by bench/web.py): the bench's own range shapes, time zones and
client, 30 calls per shape, the answer cache off.

    LOG_LEVEL=warning .venv/bin/python bench/web_summary.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import run as bench  # noqa: E402 - bench/, beside this file
import web  # noqa: E402 - bench/, beside this file

SUMMARY = "/api/v1/analytics/web/summary"


def main() -> None:
    url = f"sqlite:///{bench.DATA / 'bench-web-10000000.db'}"
    client, headers = web.query_client(url)
    by_zone: dict[str, list[float]] = {}

    def params(shape: str, zone: str) -> dict:
        start, end = web.date_range(shape, zone)
        return {"project": web.SLUG, "startDate": start.isoformat(),
                "endDate": end.isoformat(), "tz": zone}

    for shape in web.RANGE_SHAPES:
        for zone in web.TIME_ZONES:  # each shape compiled and its pages read once
            client.get(SUMMARY, query_string=params(shape, zone), headers=headers)
        timings = []
        for sample in range(30):
            zone = web.TIME_ZONES[sample % len(web.TIME_ZONES)]
            started = time.perf_counter()
            response = client.get(SUMMARY, query_string=params(shape, zone), headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.get_json()
            timings.append(elapsed)
            by_zone.setdefault(zone, []).append(elapsed)
        timings.sort()
        print(f"{shape}: p50 {statistics.median(timings):.1f} / p95 "
              f"{timings[int(0.95 * len(timings)) - 1]:.1f} / max {timings[-1]:.1f} ms")
    for zone, timings in by_zone.items():
        timings.sort()
        print(f"{zone}: p95 {timings[int(0.95 * len(timings)) - 1]:.1f} ms")


if __name__ == "__main__":
    main()
