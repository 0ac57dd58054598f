"""The demo data: deterministic users and 12 months of their events, as `make seed` and
`make run` create them.

The events are deterministic for a given day: a fixed random seed, uuids derived from it,
weekday and hour-of-day seasonality, growth over the year, and at least ten events for every
feature, age group, gender and month.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.auth.service import hash_password
from app.event_rows import event_row
from app.extensions import db
from app.models import AGE_GROUPS, GENDERS, age_group_for
from app.projects.builtin import self_tracking_project_id
from app.rollups import data as rollup_data
from app.seeding import data
from app.track.keys import create_key
from app.track.store import insert_events

RANDOM_SEED = 20261122
DEFAULT_USER_COUNT = 30
DEFAULT_EXTRA_EVENTS = 45_000
DEMO_KEY_NAME = "demo-site"
DEMO_SESSION_PREFIX = "demo-"
DEMO_UUID_NAMESPACE = uuid.UUID("5f0e7a52-8d3c-4d53-9d2e-0b7d2c1a9e11")
MIN_EVENTS_PER_CELL = 10
INSERT_BATCH = 5_000
# Age ranges per filter group: <18, 18-40 and >40 (the group boundaries 17/18/40/41 included).
AGE_RANGES = ((13, 17), (18, 40), (41, 75))

# The dashboard's own event names, weighted by how often people use each control.
FEATURE_WEIGHTS = {
    "page_view": 26, "date_filter": 14, "bar_chart_click": 12, "line_chart_hover": 10,
    "age_filter": 8, "gender_filter": 8, "refresh_data": 6, "sign_in": 5, "sign_out": 3,
    "export_csv": 3, "theme_toggle": 3, "filter_reset": 2,
}
PRESETS = ("today", "7d", "30d", "90d", "12m", "all", "custom")
WEEKDAY_WEIGHTS = (1.15, 1.2, 1.2, 1.15, 1.0, 0.55, 0.45)  # Monday first
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.1, 2.0,
                1.6, 1.9, 2.1, 2.0, 1.8, 1.4, 1.0, 0.8, 0.7, 0.6, 0.4, 0.3)


@dataclass(frozen=True)
class DemoUser:
    """A demo account as its events need it."""

    id: int
    age_group: str
    gender: str


def demo_profiles(count: int) -> list[tuple[str, int, str]]:
    """Deterministic (username, age, gender) triples covering every age group and gender."""
    rng = random.Random(RANDOM_SEED)
    profiles = []
    for index in range(count):
        # Walk age groups and genders together so every pairing appears in the first nine.
        low, high = AGE_RANGES[index % len(AGE_RANGES)]
        gender = GENDERS[(index // len(AGE_RANGES)) % len(GENDERS)]
        profiles.append((f"user{index + 1}", rng.randint(low, high), gender))
    return profiles


def seed_users(count: int, password: str) -> int:
    """Create missing demo users; return how many were added."""
    existing = data.usernames()
    missing = [profile for profile in demo_profiles(count) if profile[0].lower() not in existing]
    # One hash for all demo accounts: they share a documented password anyway.
    data.add_users(missing, hash_password(password))
    join_self_tracking_project(count)
    return len(missing)


def join_self_tracking_project(count: int) -> None:
    """Make the demo accounts members of the self-tracking project, so each demo login
    sees the dashboard: user1 its owner (and the instance admin) when it has none yet, as
    the first account of an instance would be; the others viewers.
    """
    users = data.users_named([username for username, _, _ in demo_profiles(count)])
    project_id = self_tracking_project_id()
    first = next((user for user in users if user.username == "user1"), None)
    owner_id = None
    if first is not None and not data.project_has_owner(project_id):
        owner_id = first.id
        data.make_instance_admin(first.id)
    data.ensure_memberships([project_id], [user.id for user in users], owner_id)


def demo_users(count: int) -> list[DemoUser]:
    """The demo accounts as stored."""
    names = [username for username, _, _ in demo_profiles(count)]
    return [DemoUser(user.id, age_group_for(user.age), user.gender)
            for user in data.users_named(names)]


class Calendar:
    """Picks event times over the last 12 months with weekday, hour and growth patterns."""

    def __init__(self, today: date, rng: random.Random):
        self.rng = rng
        self.today = today
        self.now = datetime.now(UTC)
        self.midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
        self.elapsed_today = max(int((self.now - self.midnight).total_seconds()), 1)
        self.days = [today - timedelta(days=offset) for offset in range(364, -1, -1)]
        # Usage grows over the year: the last month is about twice as busy as the first.
        self.day_weights = [self.share_so_far(day) * WEEKDAY_WEIGHTS[day.weekday()]
                            * (1 + index / 365) for index, day in enumerate(self.days)]
        self.months = sorted({(day.year, day.month) for day in self.days})
        self.days_by_month = {month: [day for day in self.days if (day.year, day.month) == month]
                              for month in self.months}
        self.weekday_weights_by_month = {
            month: [self.share_so_far(day) * WEEKDAY_WEIGHTS[day.weekday()] for day in days]
            for month, days in self.days_by_month.items()}

    def share_so_far(self, day: date) -> float:
        """How much of the day's usual traffic has happened: all of it for past days, the
        hours elapsed for today. Without this, early on the first days of a month its
        minimum events crowd into the hour before now.
        """
        if day != self.today:
            return 1.0
        hours, into_hour = divmod(self.elapsed_today, 3600)
        happened = sum(HOUR_WEIGHTS[:hours]) + HOUR_WEIGHTS[min(hours, 23)] * into_hour / 3600
        # Never zero: the current month may have no other day to put its events on.
        return max(happened / sum(HOUR_WEIGHTS), 0.01)

    def moment(self, day: date) -> datetime:
        """A time on `day`, weighted by hour of day (only hours begun, for today)."""
        if day == self.today:
            return self.moment_today()
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return datetime(day.year, day.month, day.day, hour, self.rng.randrange(60),
                        self.rng.randrange(60), tzinfo=UTC)

    def moment_today(self) -> datetime:
        """A time earlier today, in the hours that have begun, so "recent events" reads like
        a real log and nothing lies in the future.
        """
        begun = min(self.elapsed_today // 3600 + 1, 24)
        hour = self.rng.choices(range(begun), weights=HOUR_WEIGHTS[:begun])[0]
        offset = hour * 3600 + self.rng.randrange(3600)
        if offset >= self.elapsed_today:
            offset = self.rng.randrange(self.elapsed_today)
        return self.midnight + timedelta(seconds=offset)

    def any_moment(self) -> datetime:
        """A time anywhere in the year, weighted by weekday and growth."""
        return self.moment(self.rng.choices(self.days, weights=self.day_weights)[0])

    def moment_in_month(self, month: tuple[int, int]) -> datetime:
        """A time in the given (year, month), weighted by weekday."""
        day = self.rng.choices(self.days_by_month[month],
                               weights=self.weekday_weights_by_month[month])[0]
        return self.moment(day)


def properties_for(feature: str, rng: random.Random) -> dict | None:
    """Plausible properties for each dashboard control."""
    if feature == "date_filter":
        return {"preset": rng.choice(PRESETS)}
    if feature == "age_filter":
        return {"value": rng.choice((*AGE_GROUPS, "All"))}
    if feature == "gender_filter":
        return {"value": rng.choice((*GENDERS, "All"))}
    if feature == "bar_chart_click":
        return {"feature": rng.choice(list(FEATURE_WEIGHTS))}
    if feature == "export_csv":
        return {"kind": rng.choice(("events", "daily"))}
    if feature == "theme_toggle":
        return {"theme": rng.choice(("light", "dark"))}
    if feature == "page_view":
        return {"path": "/"}
    return None


def page_url_for(feature: str, rng: random.Random) -> str:
    """The dashboard page a control's click plausibly came from."""
    if feature in ("sign_in", "sign_out"):
        return "/login"
    return rng.choice(("/", "/", "/", "/?preset=7d", "/?preset=30d", "/?gender=Female",
                       "/?ageGroup=18-40", "/?feature=date_filter"))


def demo_event_rows(users: list[DemoUser], today: date, extra_events: int) -> list[dict]:
    """Every demo event as an insert row (deterministic for a given day)."""
    rng = random.Random(RANDOM_SEED)
    calendar = Calendar(today, rng)
    by_group: dict[tuple[str, str], list[DemoUser]] = {}
    for user in users:
        by_group.setdefault((user.age_group, user.gender), []).append(user)
    plan: list[tuple[str, DemoUser, datetime]] = []
    # The guarantee: every feature x age group x gender x month has at least ten events.
    for feature in FEATURE_WEIGHTS:
        for group_users in by_group.values():
            for month in calendar.months:
                for _ in range(MIN_EVENTS_PER_CELL):
                    plan.append((feature, rng.choice(group_users),
                                 calendar.moment_in_month(month)))
    # The bulk: feature popularity, seasonality and growth.
    features, weights = list(FEATURE_WEIGHTS), list(FEATURE_WEIGHTS.values())
    for _ in range(extra_events):
        plan.append((rng.choices(features, weights=weights)[0], rng.choice(users),
                     calendar.any_moment()))
    rows = []
    project_id = self_tracking_project_id()
    for index, (feature, user, moment) in enumerate(plan):
        rows.append(event_row(
            feature, moment, project_id=project_id,
            uuid=str(uuid.uuid5(DEMO_UUID_NAMESPACE, f"{today.isoformat()}:{index}")),
            user_id=user.id, age_group=user.age_group, gender=user.gender,
            session_id=f"{DEMO_SESSION_PREFIX}{user.id}-{moment:%Y%m%d}",
            page_url=page_url_for(feature, rng), properties=properties_for(feature, rng)))
    return rows


def seed_events(users: list[DemoUser], extra_events: int) -> int:
    """Insert the demo events unless they are there already; return how many were added."""
    if data.events_with_session_prefix_exist(DEMO_SESSION_PREFIX):
        return 0
    rows = demo_event_rows(users, datetime.now(UTC).date(), extra_events)
    added = 0
    for start in range(0, len(rows), INSERT_BATCH):
        added += len(insert_events(rows[start:start + INSERT_BATCH]))
    db.session.commit()
    return added


def ensure_demo_key() -> str | None:
    """Create the demo site's ingestion key once; return the raw key when just created."""
    if data.key_named_exists(DEMO_KEY_NAME):
        return None
    _, raw_key = create_key(self_tracking_project_id(), DEMO_KEY_NAME)
    return raw_key


def reset_demo_data(count: int) -> None:
    """Remove the demo accounts (user1..userN) and demo events; registered users stay."""
    names = [username for username, _, _ in demo_profiles(count)]
    data.delete_demo_data(DEMO_SESSION_PREFIX, names)
    # The deleted events were counted into the rollups; count what is left, in the same
    # transaction.
    rollup_data.rebuild()
    db.session.commit()
