"""The write path's cost per batch, in-process: insert_events + commit, as ingestion does.

    python bench/ingest_batches.py sqlite [batches] [ab]
    python bench/ingest_batches.py postgresql://postgres@127.0.0.1:5432/scratch [batches] [ab]

Run from the root of the checkout to measure (another worktree measures other code). With
`ab`, batches alternate between every rollup of the definition and the definition without
its quarter-hour rollups, in one process on one database: what those rollups cost, with
the noise of a busy machine spread over both. The
database is rebuilt from that checkout's migrations first (a fresh SQLite file, or the
Postgres database's public schema dropped and recreated: give it a scratch database). Each
batch holds 500 live events (20 features, 1,000 users and anonymous visitors, times within
the last five minutes, so a batch touches one or two quarter hours); prints the median
milliseconds per batch over the run and the total.
"""

import inspect
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.getcwd())

import flask_migrate  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from app.event_rows import event_row  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from app.rollups import definition  # noqa: E402
from app.track.store import insert_events  # noqa: E402

FEATURES = [f"feature_{index}" for index in range(20)]
GENDERS = ("Male", "Female", "Other")


def fresh_database(target: str) -> str:
    """A URL to an empty database at the head of this checkout's migrations."""
    if target == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/ingest.db"
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return target


def create_users(rng: random.Random) -> list[tuple[int, str, str]]:
    """1,000 users; (id, age group, gender) each."""
    no_login = "!"  # not a hash: these users never sign in
    users = [User(username=f"bench{index}", password_hash=no_login, age=rng.randrange(10, 80),
                  gender=rng.choice(GENDERS)) for index in range(1000)]
    db.session.add_all(users)
    db.session.commit()
    return [(user.id, "<18" if user.age < 18 else "18-40" if user.age <= 40 else ">40",
             user.gender) for user in users]


def project_scope() -> dict:
    """The event_row argument naming the self-tracking project, in a checkout with projects
    (issue #18); nothing in one from before them."""
    if "project_id" not in inspect.signature(event_row).parameters:
        return {}
    from app.projects.builtin import self_tracking_project_id

    return {"project_id": self_tracking_project_id()}


def batch(rng: random.Random, now: datetime, users: list[tuple[int, str, str]]) -> list[dict]:
    """500 live events."""
    scope = project_scope()
    rows = []
    for _ in range(500):
        moment = now - timedelta(seconds=rng.random() * 300)
        if rng.random() < 0.3:
            rows.append(event_row(rng.choice(FEATURES), moment, **scope,
                                  anonymous_id=f"visitor-{rng.randrange(5000)}",
                                  uuid=str(uuid.uuid4())))
        else:
            user_id, age_group, gender = rng.choice(users)
            rows.append(event_row(rng.choice(FEATURES), moment, **scope, user_id=user_id,
                                  age_group=age_group, gender=gender, uuid=str(uuid.uuid4())))
    return rows


def main() -> None:
    """Migrate, then time the batches."""
    target = sys.argv[1]
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    alternate = sys.argv[3:] == ["ab"]
    url = fresh_database(target)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(7)
    with app.app_context():
        flask_migrate.upgrade()
        users = create_users(rng)
        prepared = [batch(rng, datetime.now(UTC), users) for _ in range(batches)]
        every = definition.ROLLUPS
        variants = {"all rollups": every}
        if alternate:
            variants["no quarter-hour"] = tuple(
                rollup for rollup in every if rollup.grain.resolution_minutes == 60)
        durations: dict[str, list[float]] = {name: [] for name in variants}
        started = time.perf_counter()
        for index, rows in enumerate(prepared):
            name = list(variants)[index % len(variants)]
            definition.ROLLUPS = variants[name]
            batch_started = time.perf_counter()
            insert_events(rows)
            db.session.commit()
            durations[name].append((time.perf_counter() - batch_started) * 1000)
        definition.ROLLUPS = every
        total = time.perf_counter() - started
    for name, taken in durations.items():
        print(f"{target.split(':')[0]:10} {name:15} {len(taken)} batches of 500: median "
              f"{statistics.median(taken):6.2f} ms/batch (run total {total:6.2f} s)", flush=True)


if __name__ == "__main__":
    main()
