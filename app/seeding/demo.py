"""The demo data: deterministic users and a year of their events (from the first of the
month a year ago until now), as `make seed` and `make run` create them.

The events are deterministic for a given day: a fixed random seed, uuids derived from it,
weekday and hour-of-day seasonality, growth over the year, and at least ten events for every
feature, age group, gender and month, topped up within each month's normal traffic so the
daily trend has no spikes (demo_event_plan says how, and what the month in progress gets).
"""

import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from flask import current_app

from app.auth.service import hash_password
from app.event_rows import event_row
from app.extensions import db
from app.models import AGE_GROUPS, GENDERS, age_group_for
from app.projects.builtin import self_tracking_project_id
from app.rollups import data as rollup_data
from app.seeding import data, web_demo
from app.track.keys import create_key, find_active_key
from app.track.store import insert_events

RANDOM_SEED = 20261122
DEFAULT_USER_COUNT = 30
# The bulk of the demo; the per-cell top-ups add a few thousand events to it.
DEFAULT_EXTRA_EVENTS = 58_000
DEMO_KEY_NAME = "demo-site"
DEMO_KEY_FILE = "demo_site_key"
DEMO_SESSION_PREFIX = "demo-"
DEMO_UUID_NAMESPACE = uuid.UUID("5f0e7a52-8d3c-4d53-9d2e-0b7d2c1a9e11")
MIN_EVENTS_PER_CELL = 10
# A day of the month in progress takes top-ups until it is this much busier than the month
# before at the same weekday and growth (the daily trend then stays within about 1.4 times
# its median).
TOP_UP_CEILING = 1.25
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
    if first is not None and not data.project_has_owner(project_id) \
            and not data.instance_admin_exists():
        owner_id = first.id
        data.make_instance_admin(first.id)
    data.ensure_memberships([project_id], [user.id for user in users], owner_id)


def demo_users(count: int) -> list[DemoUser]:
    """The demo accounts as stored."""
    names = [username for username, _, _ in demo_profiles(count)]
    return [DemoUser(user.id, age_group_for(user.age), user.gender)
            for user in data.users_named(names)]


class Calendar:
    """Picks event times from the first of the month a year ago until now, with weekday,
    hour and growth patterns. Every month in it is whole but the one in progress, so no
    month has to fit its share of the guarantee into a few days.
    """

    def __init__(self, now: datetime, rng: random.Random):
        self.rng = rng
        self.today = now.date()
        self.midnight = datetime(self.today.year, self.today.month, self.today.day, tzinfo=UTC)
        self.elapsed_today = max(int((now - self.midnight).total_seconds()), 1)
        first = date(self.today.year - 1, self.today.month, 1)
        self.days = [first + timedelta(days=offset)
                     for offset in range((self.today - first).days + 1)]
        # Usage grows over the year: the last month is about twice as busy as the first.
        self.day_weights = {day: self.share_so_far(day) * WEEKDAY_WEIGHTS[day.weekday()]
                            * (1 + index / len(self.days)) for index, day in enumerate(self.days)}
        self.day_choice = list(accumulate(self.day_weights.values()))
        self.months = sorted({month_of(day) for day in self.days})
        self.current_month = month_of(self.today)
        self.days_by_month = {month: [day for day in self.days if month_of(day) == month]
                              for month in self.months}

    def share_so_far(self, day: date) -> float:
        """How much of the day's usual traffic has happened: all of it for past days, the
        hours elapsed for today.
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

    def any_day(self) -> date:
        """A day anywhere in the calendar, weighted by weekday and growth."""
        return self.rng.choices(self.days, cum_weights=self.day_choice)[0]

    def day_in(self, days: list[date], weights: list[float]) -> date:
        """One of `days`, in proportion to `weights`."""
        return self.rng.choices(days, weights=weights)[0]


def month_of(day: date) -> tuple[int, int]:
    """The (year, month) a day belongs to."""
    return day.year, day.month


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


def demo_event_plan(users: list[DemoUser], now: datetime, extra_events: int
                    ) -> list[tuple[str, DemoUser, datetime]]:
    """Every demo event as (feature, user, time), deterministic for a given day.

    First the bulk: `extra_events` drawn by feature popularity, weekday, growth and hour of
    day. Then the guarantee: each feature x age group x gender x month the bulk left under
    ten events is topped up on that month's days in proportion to their traffic, so the
    top-ups never stand out as a spike. Only the month in progress is different: its few
    days cannot hold a month's guarantee, so a day of it takes top-ups only until it is
    TOP_UP_CEILING times as busy as the month before at the same weight; the rest of its
    cells fill as the month goes on (every one by its seventh day with the default bulk).
    """
    rng = random.Random(RANDOM_SEED)
    calendar = Calendar(now, rng)
    groups: dict[tuple[str, str], list[DemoUser]] = {}
    for user in users:
        groups.setdefault((user.age_group, user.gender), []).append(user)
    features, weights = list(FEATURE_WEIGHTS), list(FEATURE_WEIGHTS.values())
    plan: list[tuple[str, DemoUser, date]] = []
    for _ in range(extra_events):
        plan.append((rng.choices(features, weights=weights)[0], rng.choice(users),
                     calendar.any_day()))
    for month in calendar.months:
        plan.extend(month_top_ups(month, plan, groups, calendar))
    return [(feature, user, calendar.moment(day)) for feature, user, day in plan]


def month_top_ups(month: tuple[int, int], plan: list[tuple[str, DemoUser, date]],
                  groups: dict[tuple[str, str], list[DemoUser]], calendar: Calendar
                  ) -> list[tuple[str, DemoUser, date]]:
    """The events that bring every feature x group of `month` to MIN_EVENTS_PER_CELL, one
    round at a time (each short cell gets its next event before any gets two more).
    """
    cells = Counter((feature, user.age_group, user.gender) for feature, user, day in plan
                    if month_of(day) == month)
    shortfalls = [(feature, group, MIN_EVENTS_PER_CELL - cells[(feature, *group)])
                  for feature in FEATURE_WEIGHTS for group in groups]
    days = calendar.days_by_month[month]
    room = room_per_day(month, plan, calendar)
    top_ups = []
    for round_number in range(MIN_EVENTS_PER_CELL):
        for feature, group, missing in shortfalls:
            if missing <= round_number:
                continue
            if room is None:
                day = calendar.day_in(days, [calendar.day_weights[day] for day in days])
            elif any(room):
                index = calendar.rng.choices(range(len(days)), weights=room)[0]
                room[index] -= 1
                day = days[index]
            else:
                return top_ups  # the month in progress is as busy as it may get
            top_ups.append((feature, calendar.rng.choice(groups[group]), day))
    return top_ups


def room_per_day(month: tuple[int, int], plan: list[tuple[str, DemoUser, date]],
                 calendar: Calendar) -> list[int] | None:
    """How many top-ups each day of the month in progress can take; None (no limit) for a
    whole month, whose top-ups follow its traffic anyway.
    """
    if month != calendar.current_month or len(calendar.months) < 2:
        return None
    previous = calendar.months[-2]
    per_day = Counter(day for _, _, day in plan)
    previous_days = calendar.days_by_month[previous]
    rate = (sum(per_day[day] for day in previous_days)
            / sum(calendar.day_weights[day] for day in previous_days))
    return [max(int(TOP_UP_CEILING * rate * calendar.day_weights[day]) - per_day[day], 0)
            for day in calendar.days_by_month[month]]


def demo_event_rows(users: list[DemoUser], now: datetime, extra_events: int) -> list[dict]:
    """Every demo event as an insert row (deterministic for a given day)."""
    rng = random.Random(RANDOM_SEED + 1)
    today = now.date().isoformat()
    project_id = self_tracking_project_id()
    rows = []
    for index, (feature, user, moment) in enumerate(demo_event_plan(users, now, extra_events)):
        rows.append(event_row(
            feature, moment, project_id=project_id,
            uuid=str(uuid.uuid5(DEMO_UUID_NAMESPACE, f"{today}:{index}")),
            user_id=user.id, age_group=user.age_group, gender=user.gender,
            session_id=f"{DEMO_SESSION_PREFIX}{user.id}-{moment:%Y%m%d}",
            page_url=page_url_for(feature, rng), properties=properties_for(feature, rng)))
    return rows


def seed_events(users: list[DemoUser], extra_events: int, now: datetime | None = None) -> int:
    """Insert the demo events unless they are there already; return how many were added.
    `now` is when the demo's year ends (the present unless a test says otherwise).
    """
    if data.events_with_session_prefix_exist(DEMO_SESSION_PREFIX):
        return 0
    rows = demo_event_rows(users, now or datetime.now(UTC), extra_events)
    added = 0
    for start in range(0, len(rows), INSERT_BATCH):
        added += len(insert_events(rows[start:start + INSERT_BATCH]))
    db.session.commit()
    return added


def ensure_demo_key() -> str | None:
    """The demo site's ingestion key, created once; None when it cannot be shown.

    Keys are stored hashed, so outside production the raw key is also kept in the instance
    folder (beside the development JWT secret), for every `make run` to print the demo
    page's link; a kept key that no longer works (a new database, a revocation) is not shown.
    """
    if data.key_named_exists(DEMO_KEY_NAME):
        return kept_demo_key()
    _, raw_key = create_key(self_tracking_project_id(), DEMO_KEY_NAME)
    if current_app.config["APP_ENV"] != "production":
        kept = Path(current_app.config["INSTANCE_DIR"]) / DEMO_KEY_FILE
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.unlink(missing_ok=True)
        with os.fdopen(os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(raw_key)
    return raw_key


def kept_demo_key() -> str | None:
    """The demo site's raw key as kept in the instance folder, while it still works."""
    kept = Path(current_app.config["INSTANCE_DIR"]) / DEMO_KEY_FILE
    raw_key = kept.read_text().strip() if kept.is_file() else ""
    return raw_key if raw_key and find_active_key(raw_key) else None


def reset_demo_data(count: int) -> None:
    """Remove the demo accounts (user1..userN), the demo events and the demo website's
    traffic; registered users stay.
    """
    names = [username for username, _, _ in demo_profiles(count)]
    data.delete_demo_data(DEMO_SESSION_PREFIX, names)
    web_demo.reset_web_demo()
    # The deleted events were counted into the rollups; count what is left, in the same
    # transaction.
    rollup_data.rebuild()
    db.session.commit()
