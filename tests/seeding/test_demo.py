"""app/seeding/demo.py: realistic, deterministic, idempotent demo data, whose rollups equal a
recount."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AGE_GROUPS, GENDERS, Event, User
from app.rollups.tables import daily as daily_rollup
from app.seeding import demo as seed


def run_seed(app, extra_events=300):
    with app.app_context():
        seed.seed_users(30, app.config["DEMO_PASSWORD"])
        return seed.seed_events(seed.demo_users(30), extra_events)


def test_seed_covers_every_feature_age_group_gender_and_month(app):
    added = run_seed(app)
    with app.app_context():
        rows = db.session.execute(select(Event.name, Event.age_group, Event.gender,
                                         Event.occurred_at)).all()
        users = db.session.execute(select(User.age, User.gender)).all()
    assert added == len(rows) > 14_000
    assert len(users) == 30
    cells = Counter((name, age_group, gender, (at.year, at.month))
                    for name, age_group, gender, at in rows)
    today = datetime.now(UTC).date()
    months = sorted({((today - timedelta(days=d)).year, (today - timedelta(days=d)).month)
                     for d in range(365)})
    assert len(months) in (12, 13)
    for feature in seed.FEATURE_WEIGHTS:
        for age_group in AGE_GROUPS:
            for gender in GENDERS:
                for month in months:
                    assert cells[(feature, age_group, gender, month)] >= 10, \
                        (feature, age_group, gender, month)
    newest = max(at for *_, at in rows)
    oldest = min(at for *_, at in rows)
    assert newest <= datetime.now(UTC)
    assert (datetime.now(UTC) - oldest).days <= 365


def test_seed_is_idempotent_and_reset_regenerates_the_same_data(app):
    first = run_seed(app)
    again = run_seed(app)
    with app.app_context():
        count = db.session.execute(select(func.count(Event.id))).scalar_one()
        uuids = set(db.session.execute(select(Event.uuid)).scalars())
        seed.reset_demo_data(30)
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 0
        assert db.session.execute(select(func.count()).select_from(daily_rollup)).scalar_one() \
            == 0, "a reset must not leave counts of deleted events behind"
    regenerated = run_seed(app)
    with app.app_context():
        assert set(db.session.execute(select(Event.uuid)).scalars()) == uuids
    assert (first, again, count, regenerated) == (count, 0, first, first)


def test_seed_has_weekday_and_daytime_rhythm_and_growth(app):
    run_seed(app, extra_events=6000)
    with app.app_context():
        times = list(db.session.execute(select(Event.occurred_at)).scalars())
    weekday = Counter(at.weekday() for at in times)
    assert weekday[1] > weekday[6] * 1.5  # Tuesdays busier than Sundays
    hours = Counter(at.hour for at in times)
    assert hours[10] > hours[3] * 5
    now = datetime.now(UTC)
    recent = sum(1 for at in times if now - at < timedelta(days=90))
    early = sum(1 for at in times if timedelta(days=270) <= now - at < timedelta(days=360))
    assert recent > early


def test_rebuilt_rollups_equal_the_incrementally_kept_ones(app):
    """Recounting from the events gives exactly what ingestion kept, table by table."""
    from sqlalchemy import text

    from app.rollups.data import rebuild as rebuild_rollups
    from app.rollups.definition import ROLLUPS

    rollup_tables = [rollup.table for rollup in ROLLUPS]

    run_seed(app, extra_events=500)
    with app.app_context():
        kept = {table: sorted(db.session.execute(text(f"SELECT * FROM {table}")).all())
                for table in rollup_tables}
        rebuild_rollups()
        db.session.commit()
        rebuilt = {table: sorted(db.session.execute(text(f"SELECT * FROM {table}")).all())
                   for table in rollup_tables}
    assert all(kept[table] for table in rollup_tables)
    assert rebuilt == kept
