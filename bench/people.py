"""Person filters at scale (issue #20): `python bench/people.py`.

1. The web benchmark's database (bench/web.py: BENCH_WEB_EVENTS website events in the
   project bench-web, default 10,000,000), loaded or reused.
2. People for the visitors with an anonymous id, as the demo makes them
   (app.seeding.web_demo.demo_traits: about a third, with age, gender, plan, newsletter),
   their events stamped with their age group and gender, and the event rollups recounted.
   Done once; a database that has them is reused.
3. p50 / p95 / max of each analytics answer a person filter reaches, per range shape, with
   the answer cache off: the person:<trait> filters and breakdown (raw events), and the age
   group and gender filters, which people's traits feed through the rollups.

Writes the backend's section of bench/results-people.md. Environment as bench/web.py's,
plus BENCH_PEOPLE_SAMPLES (timed calls per cell, default 10).
"""

import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402 - bench/, beside this file
import web  # noqa: E402 - bench/, beside this file

RESULTS = bench.ROOT / "bench" / "results-people.md"
SAMPLES = int(os.environ.get("BENCH_PEOPLE_SAMPLES", "10"))
RANGE_SHAPES = ("last 7 days", "last 30 days", "last 12 months")
PERSON_FILTERS = ({"person:plan": "pro"}, {"person:newsletter": "true"},
                  {"person:plan": "team", "person:newsletter": "false"})
DEMOGRAPHIC_FILTERS = ({"ageGroup": "18-40"}, {"gender": "Female"},
                       {"ageGroup": ">40", "gender": "Male"})
TARGETS = {"/analytics/summary": 100, "/analytics/web/summary": 100}  # ms, p95; others 50
CHUNK = 20_000


def log(message: str) -> None:
    print(f"[people bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def add_people(url: str) -> dict:
    """Make the project's people and stamp their events, unless done before."""
    from sqlalchemy import func, select, text

    from app import create_app
    from app.extensions import db
    from app.models import Event, Person, PersonDistinctId, Project
    from app.people.traits import demographics
    from app.rollups import data as rollup_data
    from app.seeding.web_demo import demo_traits

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.normalized(url),
                      "JWT_SECRET_KEY": bench.SECRET})
    with app.app_context():
        project_id = db.session.execute(select(Project.id).where(
            Project.slug == web.SLUG)).scalar_one()
        people = db.session.execute(select(func.count()).select_from(Person).where(
            Person.project_id == project_id)).scalar_one()
        if people:
            log(f"reusing {people:,} people")
            return {"people": people, "seconds": None}
        started = time.monotonic()
        visitors = db.session.execute(select(Event.anonymous_id).distinct().where(
            Event.project_id == project_id, Event.anonymous_id.is_not(None))).scalars().all()
        now = datetime.now(UTC)
        made, person_rows, id_rows = 0, [], []
        for anonymous_id in sorted(visitors):
            traits = demo_traits(anonymous_id)
            if traits is None:
                continue
            made += 1
            age_group, gender = demographics(traits)
            person_rows.append({"id": made, "project_id": project_id, "traits": traits,
                                "age_group": age_group, "gender": gender,
                                "created_at": now, "updated_at": now})
            id_rows.append({"project_id": project_id, "distinct_id": anonymous_id,
                            "person_id": made})
        for start in range(0, made, CHUNK):
            db.session.execute(Person.__table__.insert(), person_rows[start:start + CHUNK])
            db.session.execute(PersonDistinctId.__table__.insert(), id_rows[start:start + CHUNK])
        log(f"{made:,} people of {len(visitors):,} visitors with an anonymous id")
        db.session.execute(text(
            "UPDATE events SET age_group = known.age_group, gender = known.gender "
            "FROM (SELECT d.distinct_id, p.age_group, p.gender FROM person_distinct_ids d "
            "JOIN people p ON p.id = d.person_id WHERE d.project_id = :project) AS known "
            "WHERE events.project_id = :project AND events.user_id IS NULL "
            "AND events.anonymous_id = known.distinct_id"), {"project": project_id})
        log("events stamped; recounting the event rollups")
        rollup_data.rebuild()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return {"people": made, "seconds": time.monotonic() - started}


def cases() -> dict[str, tuple[str, dict, tuple[dict, ...]]]:
    """label -> (path, fixed parameters, the filter sets its calls take in turn)."""
    found = {}
    for kind, filter_sets in (("person:<trait>", PERSON_FILTERS),
                              ("age group / gender", DEMOGRAPHIC_FILTERS)):
        for path, extra, name in (
                ("/api/v1/analytics", {}, "/analytics (bars + daily line)"),
                ("/api/v1/analytics/summary", {}, "/analytics/summary"),
                ("/api/v1/analytics/breakdown", {"by": "feature"}, "breakdown by feature"),
                ("/api/v1/analytics/web/summary", {}, "/analytics/web/summary")):
            found[f"{name}, {kind} filter"] = (path, extra, filter_sets)
    # The same answers without a filter: which misses the filters add, and which this
    # project's millions of visitors already cause.
    found["/analytics/summary, no filter"] = ("/api/v1/analytics/summary", {}, ({},))
    found["breakdown by feature, no filter"] = (
        "/api/v1/analytics/breakdown", {"by": "feature"}, ({},))
    found["breakdown by person:plan, no filter"] = (
        "/api/v1/analytics/breakdown", {"by": "person:plan"}, ({},))
    found["breakdown by age_group, no filter"] = (
        "/api/v1/analytics/breakdown", {"by": "age_group"}, ({},))
    return found


def measure(url: str) -> dict:
    """{label: {shape: figures with statuses}} over SAMPLES calls per cell."""
    client, headers = web.query_client(url)
    rng = random.Random(20)
    results: dict[str, dict] = {}
    for label, (path, extra, filter_sets) in cases().items():
        results[label] = {}
        for shape in RANGE_SHAPES:
            def params(sample: int, shape=shape, extra=extra, filter_sets=filter_sets) -> dict:
                zone = web.TIME_ZONES[sample % len(web.TIME_ZONES)]
                start, end = web.date_range(shape, zone)
                return {"project": web.SLUG, "startDate": start.isoformat(),
                        "endDate": end.isoformat(), "tz": zone, **extra,
                        **filter_sets[sample % len(filter_sets)],
                        **({"limit": rng.choice((5, 10, 25))} if "by" in extra else {})}

            for warm in range(len(web.TIME_ZONES)):
                client.get(path, query_string=params(warm), headers=headers)
            timings, statuses = [], {}
            for sample in range(SAMPLES):
                timings.append(web.timed_get(client, path, params(sample), headers, statuses,
                                             cancel_ok=True))
            results[label][shape] = {**bench.summary(timings), "statuses": statuses}
        worst = max(figures["p95"] for figures in results[label].values())
        log(f"{label}: worst p95 {worst:.1f} ms")
    return results


def table(results: dict) -> list[str]:
    lines = ["| endpoint, filter | " + " | ".join(RANGE_SHAPES) + " | worst p95 | target | |",
             "| --- | " + " | ".join("---:" for _ in RANGE_SHAPES) + " | ---: | --- | --- |"]
    for label, per_shape in results.items():
        target = next((ms for path, ms in TARGETS.items() if label.startswith(path)), 50)
        answered = [figures for figures in per_shape.values()
                    if figures["statuses"].get(200, 0) == SAMPLES]
        worst = max(figures["p95"] for figures in per_shape.values())
        cells = [web.cell_text(per_shape[shape]) for shape in RANGE_SHAPES]
        verdict = ("met" if worst <= target and len(answered) == len(per_shape)
                   else "**missed**")
        lines.append(f"| {label} | {' | '.join(cells)} | {worst:.1f} | ≤ {target} | "
                     f"{verdict} |")
    return lines


def main() -> int:
    started = datetime.now(UTC)
    prepared = web.prepare_database()
    url = prepared["url"]
    made = add_people(url)
    results = measure(url)
    title = "SQLite" if bench.BACKEND == "sqlite" else "PostgreSQL"
    people = (f"{made['people']:,} people made, their events stamped and the rollups "
              f"recounted in {made['seconds']:.0f} s" if made["seconds"]
              else f"{made['people']:,} people, made by an earlier run")
    lines = [
        f"## {title}: {web.EVENTS:,} website events, person filters", "",
        f"`BENCH_DB={bench.BACKEND} BENCH_WEB_EVENTS={web.EVENTS} python bench/people.py` at "
        f"{web.commit_of()}, {started:%Y-%m-%d %H:%M} - {datetime.now(UTC):%H:%M} UTC; "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{bench.backend_version(url)}. {people}.", "",
        f"Each cell: p50 / p95 / max in ms over {SAMPLES} calls (time zones "
        f"{', '.join(web.TIME_ZONES)} in turn, the filter sets in turn), Flask test client, "
        "answer cache off. person:<trait> filters: "
        + "; ".join(" & ".join(f"{k}={v}" for k, v in f.items()) for f in PERSON_FILTERS)
        + ". Age group / gender filters: "
        + "; ".join(" & ".join(f"{k}={v}" for k, v in f.items()) for f in DEMOGRAPHIC_FILTERS)
        + ". \"refused\" counts 400s for answers that would read more than "
        "RAW_READ_MAX_EVENTS raw events (by design), \"timed out\" 503s for queries "
        "cancelled at the statement time limit; a row with either is not met.", "",
        *table(results)]
    web.RESULTS = RESULTS
    text_before = RESULTS.read_text() if RESULTS.is_file() else (
        "# Person filters benchmark\n\nWritten by `bench/people.py`; each section comes "
        "from one run.\n")
    RESULTS.write_text(text_before)
    web.write_section(bench.BACKEND, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
