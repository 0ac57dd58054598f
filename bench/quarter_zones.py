"""Trend lines in whole-hour and non-whole-hour time zones, timed in-process.

    DATABASE_URL=sqlite:////tmp/bench.db python bench/quarter_zones.py [samples]

Run from the root of the checkout to measure (another worktree measures other code on the
same database). Each case calls app.analytics.service.series, the timeseries endpoint's
work without the answer cache and HTTP: 30 days hourly and 12 months daily, ending at
the local midnight starting today (the bulk loader fills the 365 days before today), for
all features and for one. One untimed call first, then `samples` timed ones; prints the
median and p95 in milliseconds and a checksum of the counts, which must match across
code versions.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.getcwd())

from app import create_app  # noqa: E402
from app.analytics import service  # noqa: E402
from app.analytics.periods import Filters, local_midnight  # noqa: E402

# UTC and New York (whole hours; New York's days need moved hours) against India and Nepal.
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
SHAPES = (("hour", 30), ("day", 365))


def timed(filters: Filters, granularity: str, samples: int
          ) -> tuple[list[float], list[float], int]:
    """Wall and CPU milliseconds per call (SQLite runs in this process, so its CPU time
    is counted too, and other processes on a busy machine disturb it less), and the total
    count of the answer.
    """
    answer = service.series(filters, granularity)
    walls, cpus = [], []
    for _ in range(samples):
        started, cpu_started = time.perf_counter(), time.process_time()
        service.series(filters, granularity)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
    return walls, cpus, sum(point["count"] for point in answer)


def main() -> None:
    """Time every zone, shape and feature choice; print one line each."""
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    app = create_app()
    today = datetime.now(UTC).date()
    with app.app_context():
        for granularity, days in SHAPES:
            for zone_name in ZONES:
                zone = ZoneInfo(zone_name)
                end = local_midnight(today, zone)
                start = local_midnight(today - timedelta(days=days), zone)
                for feature in (None, "page_view"):
                    filters = Filters(start, end, zone, feature=feature)
                    walls, cpus, total = timed(filters, granularity, samples)
                    p95 = sorted(walls)[max(0, round(0.95 * len(walls)) - 1)]
                    print(f"{granularity:4} {days:3}d {zone_name:16} {feature or 'all':9} "
                          f"wall median {statistics.median(walls):7.1f} p95 {p95:7.1f}  "
                          f"cpu median {statistics.median(cpus):7.1f} ms  events {total}",
                          flush=True)


if __name__ == "__main__":
    main()
