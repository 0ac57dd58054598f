"""app/seeding/bulk.py: the benchmark bulk loader's events, rollups and restored constraints."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Membership, Project


def test_bulk_mode_builds_rollups_that_match_raw_counts(app, client, auth):
    """`seed.py --events N` loads events and rollups in one pass; they must agree exactly."""
    from app.seeding.bulk import bulk_load

    with app.app_context():
        result = bulk_load(4000, 25, "not-a-real-hash")
        raw_total = db.session.execute(select(func.count(Event.id))).scalar_one()
        raw_people = db.session.execute(select(func.count(func.distinct(Event.user_id)))
                                        .where(Event.gender == "Female")).scalar_one()
        raw_by_name = dict(db.session.execute(select(Event.name, func.count())
                                              .group_by(Event.name)).all())
    assert result["events"] == raw_total == 4000
    auth.register(username="bulkviewer", age=30, gender="Other")
    headers = auth.headers
    summary = client.get("/api/v1/analytics/summary", headers=headers).get_json()
    assert summary["totalEvents"] == 4000
    female = client.get("/api/v1/analytics/summary?gender=Female", headers=headers).get_json()
    assert female["uniqueUsers"] == raw_people
    bars = client.get("/api/v1/analytics", headers=headers).get_json()["barChartData"]
    assert {bar["feature"]: bar["count"] for bar in bars} == raw_by_name


def test_repeated_bulk_loads_add_events_and_put_every_check_back(app, client, auth):
    """Each load adds its own events (a third load used to repeat the second's uuids), and
    the indexes and constraints dropped for the load are all back afterwards."""
    from sqlalchemy import inspect

    from app.seeding.bulk import bulk_load

    with app.app_context():
        for _ in range(3):
            bulk_load(1500, 10, "not-a-real-hash")
        total, distinct_uuids = db.session.execute(
            select(func.count(Event.id), func.count(func.distinct(Event.uuid)))).one()
        stored_uuid = db.session.execute(select(Event.uuid).limit(1)).scalar_one()
        inspector = inspect(db.engine)
        index_names = {index["name"] for index in inspector.get_indexes("events")}
        unique_columns = [tuple(constraint["column_names"])
                          for constraint in inspector.get_unique_constraints("events")]
        foreign_keys = [(key["constrained_columns"], key["referred_table"])
                        for key in inspector.get_foreign_keys("events")]
    assert total == distinct_uuids == 4500
    assert {index.name for index in Event.__table__.indexes} <= index_names
    assert {"ix_events_project_occurred_at", "ix_events_project_name_occurred_at"} <= index_names
    assert ("uuid",) in unique_columns
    assert foreign_keys == [(["user_id"], "users")]
    auth.register(username="bulkreplayer", age=30, gender="Other")
    replay = client.post("/api/v1/events", json={"name": "replayed", "uuid": stored_uuid},
                         headers=auth.headers)
    assert replay.status_code == 202
    assert (replay.get_json()["accepted"], replay.get_json()["duplicates"]) == (0, 1)
    summary = client.get("/api/v1/analytics/summary", headers=auth.headers).get_json()
    assert summary["totalEvents"] == 4500


def test_bulk_load_over_projects_spreads_events_and_counts_each_project_apart(app, client):
    """`seed.py --events N --projects 3`: events go to `ouroboard`, bench-1 and bench-2 at
    random, every bulk user is a member of each (user1 the owner), and each project's
    analytics count exactly its own events."""
    from app.auth.service import hash_password
    from app.seeding.bulk import bench_project_slugs, bench_projects, bulk_load

    with app.app_context():
        project_ids = bench_projects(3)
        bulk_load(3000, 12, hash_password("bulk-password-1"), project_ids=project_ids)
        slugs = dict(db.session.execute(select(Project.id, Project.slug)).all())
        per_project = {slugs[project_id]: count for project_id, count in db.session.execute(
            select(Event.project_id, func.count()).group_by(Event.project_id)).all()}
        by_name = {slug: dict(db.session.execute(
            select(Event.name, func.count()).join(Project, Project.id == Event.project_id)
            .where(Project.slug == slug).group_by(Event.name)).all())
            for slug in per_project}
        roles = db.session.execute(select(Membership.project_id, Membership.role,
                                          func.count()).group_by(Membership.project_id,
                                                                 Membership.role)).all()
        again = bench_projects(3)
    assert bench_project_slugs(3) == ["ouroboard", "bench-1", "bench-2"]
    assert again == project_ids
    assert set(per_project) == {"ouroboard", "bench-1", "bench-2"}
    assert sum(per_project.values()) == 3000
    assert min(per_project.values()) > 800
    assert sorted(roles) == sorted([(project_id, role, count) for project_id in project_ids
                                    for role, count in (("owner", 1), ("viewer", 11))])
    signed_in = client.post("/api/v1/login", json={"username": "user1",
                                                   "password": "bulk-password-1"})
    assert signed_in.status_code == 200, signed_in.get_json()
    headers = {"Authorization": f"Bearer {signed_in.get_json()['token']}"}
    for slug, count in per_project.items():
        summary = client.get(f"/api/v1/analytics/summary?project={slug}", headers=headers)
        assert summary.status_code == 200, summary.get_json()
        assert summary.get_json()["totalEvents"] == count
        bars = client.get(f"/api/v1/analytics?project={slug}", headers=headers)
        assert {bar["feature"]: bar["count"]
                for bar in bars.get_json()["barChartData"]} == by_name[slug]
