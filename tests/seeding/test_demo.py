"""app/seeding/demo.py: realistic, deterministic, idempotent demo data, whose rollups equal a
recount."""

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AGE_GROUPS, GENDERS, Event, User, age_group_for
from app.rollups.tables import daily as daily_rollup
from app.seeding import demo as seed


def run_seed(app, extra_events=300, now=None):
    with app.app_context():
        seed.seed_users(30, app.config["DEMO_PASSWORD"])
        return seed.seed_events(seed.demo_users(30), extra_events, now)


def whole_months_and_current(now: datetime) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """The months the demo covers, from the first of the month a year ago, and this one."""
    months = [((now.year * 12 + now.month - 1 - back) // 12,
               (now.year * 12 + now.month - 1 - back) % 12 + 1) for back in range(12, 0, -1)]
    return months, (now.year, now.month)


def short_cells(cells: Counter, month: tuple[int, int]) -> list[tuple]:
    """The feature x age group x gender cells of `month` with fewer than ten events."""
    return [(feature, age_group, gender, month) for feature in seed.FEATURE_WEIGHTS
            for age_group in AGE_GROUPS for gender in GENDERS
            if cells[(feature, age_group, gender, month)] < seed.MIN_EVENTS_PER_CELL]


def test_seed_covers_every_feature_age_group_gender_and_month(app):
    now = datetime.now(UTC)
    added = run_seed(app, now=now)
    with app.app_context():
        rows = db.session.execute(select(Event.name, Event.age_group, Event.gender,
                                         Event.occurred_at)).all()
        users = db.session.execute(select(User.age, User.gender)).all()
    whole_months, current = whole_months_and_current(now)
    # Ten events per cell and whole month at least; 300 bulk events cover few cells.
    assert added == len(rows) >= 12 * 108 * seed.MIN_EVENTS_PER_CELL
    assert len(users) == 30
    cells = Counter((name, age_group, gender, (at.year, at.month))
                    for name, age_group, gender, at in rows)
    for month in whole_months:
        assert short_cells(cells, month) == [], month
    assert {(at.year, at.month) for *_, at in rows} == {*whole_months, current}
    assert min(at for *_, at in rows).date() == date(now.year - 1, now.month, 1)
    assert max(at for *_, at in rows) <= now


def demo_users() -> list[seed.DemoUser]:
    """The demo accounts as the plan needs them, without a database."""
    return [seed.DemoUser(index + 1, age_group_for(age), gender)
            for index, (_, age, gender) in enumerate(seed.demo_profiles(30))]


@pytest.mark.parametrize("now", [
    datetime(2026, 12, 1, 9, tzinfo=UTC),    # a month seeded in its first hours
    datetime(2026, 12, 2, 12, tzinfo=UTC),   # the day the spike was reported
    datetime(2026, 3, 2, 23, tzinfo=UTC),    # after a short February
    datetime(2026, 6, 30, 20, tzinfo=UTC),   # a year that starts on a month's last day
    datetime.now(UTC),                       # the month as it is today
], ids=["1st", "2nd", "march-2nd", "june-30th", "today"])
def test_daily_totals_stay_near_the_median_day(now):
    """The guarantee's top-ups are part of each day's normal traffic: in the last five
    weeks no day is busier than 1.6 times their median day, today (a part day) and the
    first days of a month included.
    """
    plan = seed.demo_event_plan(demo_users(), now, seed.DEFAULT_EXTRA_EVENTS)
    per_day = Counter(moment.date() for _, _, moment in plan)
    recent_days = [now.date() - timedelta(days=back) for back in range(35)]
    median_day = statistics.median(per_day[day] for day in recent_days[1:])
    busiest = max(recent_days, key=lambda day: per_day[day])
    assert per_day[busiest] <= 1.6 * median_day, (busiest, per_day[busiest], median_day)
    whole_months, current = whole_months_and_current(now)
    cells = Counter((feature, user.age_group, user.gender, (at.year, at.month))
                    for feature, user, at in plan)
    for month in whole_months:
        assert short_cells(cells, month) == [], month
    assert max(moment for _, _, moment in plan) <= now


def test_the_month_in_progress_has_the_guarantee_from_its_second_week():
    """A month's first days cannot hold 1,080 events without a spike, so its cells fill as
    the month goes on; from the eighth day every one has its ten.
    """
    for day in range(8, 29, 4):
        now = datetime(2026, 12, day, 12, tzinfo=UTC)
        plan = seed.demo_event_plan(demo_users(), now, seed.DEFAULT_EXTRA_EVENTS)
        cells = Counter((feature, user.age_group, user.gender, (at.year, at.month))
                        for feature, user, at in plan)
        assert short_cells(cells, (2026, 12)) == [], now


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


def test_demo_key_is_kept_outside_production_while_it_works(app):
    """Every `make run` prints the tracker demo link: the raw key is kept in the instance
    folder (only its owner may read it), and a revoked key is not shown again."""
    from app.projects.builtin import self_tracking_project_id
    from app.track.keys import find_active_key, revoke_key

    with app.app_context():
        raw_key = seed.ensure_demo_key()
        kept = app.config["INSTANCE_DIR"] / seed.DEMO_KEY_FILE
        assert raw_key.startswith("obk_") and find_active_key(raw_key) is not None
        assert kept.read_text() == raw_key
        assert kept.stat().st_mode & 0o777 == 0o600
        assert seed.ensure_demo_key() == seed.kept_demo_key() == raw_key
        revoke_key(self_tracking_project_id(), seed.DEMO_KEY_NAME)
        assert seed.kept_demo_key() is None
        assert seed.ensure_demo_key() is None


def test_demo_key_is_shown_once_in_production(make_app):
    app = make_app(APP_ENV="production")
    with app.app_context():
        assert seed.ensure_demo_key().startswith("obk_")
        assert not (app.config["INSTANCE_DIR"] / seed.DEMO_KEY_FILE).exists()
        assert seed.ensure_demo_key() is None
