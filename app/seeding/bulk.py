"""Bulk loading for benchmarks: millions of events straight into the database, with the
rollups built in the same pass.

Events are generated in time order, one day at a time, so every index on the events table
grows at its end; SQLite gets plain executemany in large transactions, Postgres gets COPY.
The rollups counted are those of app.rollups.definition, like ingestion's.
"""

import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import SELF_TRACKING_SLUG
from app.projects.builtin import self_tracking_project_id
from app.rollups import data as rollup_data
from app.rollups import definition
from app.seeding import data
from app.seeding.generator import LoadPlan, events_per_day, produced

CHUNK_ROWS = 100_000
# The projects beyond the self-tracking one that `seed.py --projects N` spreads events over.
BENCH_PROJECT_PREFIX = "bench-"


class Progress:
    """A one-line progress bar with the insert rate, on stderr."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self.started = time.monotonic()
        self.done = 0

    def advance(self, count: int) -> None:
        """Count `count` more events done and redraw."""
        self.done += count
        elapsed = max(time.monotonic() - self.started, 1e-9)
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{self.done:,}/{self.total:,} events, {self.done / elapsed:,.0f}/s")
        sys.stderr.flush()

    def finish(self) -> float:
        """End the bar's line; the seconds since it started."""
        sys.stderr.write("\n")
        return time.monotonic() - self.started


def bench_project_slugs(count: int) -> list[str]:
    """The self-tracking project's slug, then bench-1 .. bench-(count - 1)."""
    return [SELF_TRACKING_SLUG, *(f"{BENCH_PROJECT_PREFIX}{number}" for number in range(1, count))]


def bench_projects(count: int) -> tuple[int, ...]:
    """The ids of bench_project_slugs(count), creating the missing projects."""
    return tuple(data.ensure_projects(bench_project_slugs(count)))


def bulk_load(total_events: int, user_count: int, password_hash: str, seed: int = 7,
              project_ids: tuple[int, ...] | None = None) -> dict:
    """Load `total_events` over the last 365 days by `user_count` users, spread at random
    over `project_ids` (default: the self-tracking project); return timings.

    Every user becomes a member of every one of those projects (user1 their owner), so any
    of them can read each project's analytics.
    """
    rng = random.Random(seed)
    users = data.ensure_bulk_users(user_count, password_hash, rng)
    project_ids = project_ids or (self_tracking_project_id(),)
    data.ensure_memberships(list(project_ids), [user[0] for user in users], owner_id=users[0][0])
    dialect = db.session.get_bind().dialect.name
    data.tune_session_for_bulk(dialect)
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=offset) for offset in range(365, 0, -1)]
    # Each load adds events: a fresh tag keeps its uuids apart from an earlier load's, which
    # the seeded generator would otherwise repeat once the users exist.
    plan = LoadPlan(days=tuple(days), counts=tuple(events_per_day(total_events, days)),
                    users=tuple(users), rng_state=rng.getstate(), run=secrets.token_hex(4),
                    dialect=dialect, rollups=definition.ROLLUPS,
                    project_ids=project_ids)
    progress = Progress(total_events, f"loading into {dialect}")
    uncommitted = 0
    rollup_rows: list = []
    with data.checks_deferred(dialect):
        for count, payload in produced(plan):
            if count == 0:
                by_table = {rollup.table: rollup for rollup in plan.rollups}
                rollup_rows = [(by_table[table], rows) for table, rows in payload]
                continue
            data.write_events(dialect, payload)
            uncommitted += count
            progress.advance(count)
            if uncommitted >= CHUNK_ROWS:
                db.session.commit()
                uncommitted = 0
        progress.finish()
        phase_started = time.monotonic()
        rollup_data.write_rows(rollup_rows)
        db.session.commit()
        sys.stderr.write(f"rollups written in {time.monotonic() - phase_started:.1f} s; "
                         "rebuilding indexes...\n")
        phase_started = time.monotonic()
    sys.stderr.write(f"indexes rebuilt in {time.monotonic() - phase_started:.1f} s\n")
    if dialect == "postgresql":
        phase_started = time.monotonic()
        # Fresh statistics and visibility map, or the first queries plan as if the tables
        # were empty and cannot use index-only scans (autovacuum gets there only later).
        sys.stderr.write("vacuum analyze...\n")
        data.vacuum_analyze()
        sys.stderr.write(f"vacuumed in {time.monotonic() - phase_started:.1f} s\n")
    # The load's session settings must not outlive it in a pooled connection.
    db.session.remove()
    db.engine.dispose()
    seconds = time.monotonic() - progress.started
    return {"events": total_events, "users": user_count, "seconds": seconds,
            "rate": total_events / seconds,
            "rollup_rows": sum(len(rows) for _, rows in rollup_rows)}
