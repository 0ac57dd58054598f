"""The demo website project: a year of a marketing site's traffic (from the first of the month
a year ago until now), as `make seed` and `make run` create it.

The events come from app.seeding.web_traffic's model (real browsers' User-Agents, search,
social, newsletter and campaign sources, countries, multi-page visits and bounces,
returning and cookieless visitors, crawlers) and are stored the way ingestion stores
them: each simulated request's events enriched with its client (app.web.enrich), then
inserted in time order by app.track.store.insert_events, which settles visits and keeps
the web rollups and visitor days, committed batch by batch.
"""

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from app.event_rows import event_row
from app.extensions import db
from app.people import data as people_data
from app.people.traits import demographics
from app.projects.builtin import self_tracking_project_id
from app.seeding import data, web_data
from app.seeding.web_traffic import SimVisit, TrafficModel, hits_in_time_order
from app.track.store import insert_events
from app.web.client import ClientInfo
from app.web.enrich import enrich_rows

WEB_DEMO_SLUG = "demo-site"
WEB_DEMO_NAME = "Demo website"
WEB_DEMO_TIMEZONE = "UTC"
# About 60 visits a day at first, twice that by the end: enough for every panel, and
# `make seed` stays quick (each event goes through the full ingestion write path, about
# 0.25 ms of CPU each with visits and the web rollups).
WEB_DEMO_EVENTS = 60_000
RANDOM_SEED = 20261203
INSERT_BATCH = 10_000


def demo_days(now: datetime) -> list[date]:
    """From the first of the month a year ago until today, as the feature demo."""
    today = now.date()
    first = date(today.year - 1, today.month, 1)
    return [first + timedelta(days=offset) for offset in range((today - first).days + 1)]


def ensure_web_demo_project(usernames: list[str]) -> int:
    """The demo website project, created when missing, owned by whoever owns the
    self-tracking project (the demo's user1 on a demo instance); the demo users are
    members too, so every demo login can open it.
    """
    project_id = web_data.ensure_project(WEB_DEMO_SLUG, WEB_DEMO_NAME, WEB_DEMO_TIMEZONE)
    owner_id = web_data.owner_of(self_tracking_project_id())
    member_ids = [user.id for user in data.users_named(usernames)]
    if owner_id is not None and owner_id not in member_ids:
        member_ids.append(owner_id)
    data.ensure_memberships([project_id], member_ids, owner_id)
    return project_id


def seed_web_demo(usernames: list[str], now: datetime | None = None,
                  total_events: int = WEB_DEMO_EVENTS) -> int:
    """Create the demo website project and its traffic unless it has events already;
    return how many events were added. `now` is when the demo's year ends.
    """
    project_id = ensure_web_demo_project(usernames)
    if web_data.has_events(project_id):
        return 0
    now = now or datetime.now(UTC)
    model = TrafficModel(RANDOM_SEED, demo_days(now), total_events, until=now)
    # Deterministic uuids for a given day, apart from the feature demo's (uuid5) ones.
    return store_traffic(project_id, model.visits(), f"{now:%Y%m%d}-0000-4000-8000-")


# The share of visitors with an anonymous id who are known people (they signed up), with
# the traits a site would send with identify: the age and gender panels then describe
# website visitors too, and person:<trait> has something to break down.
IDENTIFIED_SHARE = 0.35
PLANS = ("free", "free", "free", "pro", "pro", "team")


def demo_traits(anonymous_id: str) -> dict | None:
    """The traits of the visitor with this id, if they are a known person (drawn from the
    id itself, so a reseed gives everyone the same traits).
    """
    draw = random.Random(anonymous_id)
    if draw.random() >= IDENTIFIED_SHARE:
        return None
    return {"age": draw.choice(range(16, 71)),
            "gender": draw.choices(("Male", "Female", "Other"), weights=(48, 47, 5))[0],
            "plan": draw.choice(PLANS), "newsletter": draw.random() < 0.4}


def add_person(project_id: int, anonymous_id: str, now: datetime) -> None:
    """Make the visitor a known person if they are one, before their events are stored
    (which stamps each event with its person's age group and gender).
    """
    traits = demo_traits(anonymous_id)
    if traits is not None:
        people_data.add_person(project_id, anonymous_id, traits, *demographics(traits), now)


def store_traffic(project_id: int, visits: Iterable[SimVisit], uuid_prefix: str) -> int:
    """Store simulated visits' events in time order as ingestion would; how many were
    stored. Event number n (from 1) gets the uuid `uuid_prefix` + n in 12 hex digits.
    """
    added, batch, seen, newcomers = 0, [], set(), []
    for index, (hit, visit) in enumerate(hits_in_time_order(visits), start=1):
        if visit.anonymous_id is not None and visit.anonymous_id not in seen:
            seen.add(visit.anonymous_id)
            newcomers.append((visit.anonymous_id, datetime.fromtimestamp(hit.at, UTC)))
        row = event_row(hit.name, datetime.fromtimestamp(hit.at, UTC), project_id=project_id,
                        uuid=f"{uuid_prefix}{index:012x}",
                        anonymous_id=visit.anonymous_id, page_url=hit.page_url,
                        referrer=hit.referrer, properties=hit.properties)
        # Each event is one request of its simulated browser. Generated addresses are no
        # real clients, so the country comes as a CDN's header would bring it (the
        # addresses are public ones of that country, for the cookieless visitors' hash).
        enrich_rows([row], ClientInfo(visit.ip, visit.user_agent, visit.country))
        batch.append(row)
        if len(batch) == INSERT_BATCH:
            added += store(project_id, batch, newcomers)
            batch, newcomers = [], []
    return added + store(project_id, batch, newcomers)


def store(project_id: int, rows: list[dict], newcomers: list[tuple[str, datetime]]) -> int:
    """Make the batch's new visitors who are known people, then insert the batch as
    ingestion does, and commit it; how many were stored. (In the write transaction, not
    while enriching: enrichment's salt is read on a connection of its own.)
    """
    for anonymous_id, first_seen in newcomers:
        add_person(project_id, anonymous_id, first_seen)
    stored = len(insert_events(rows))
    db.session.commit()
    return stored


def reset_web_demo() -> None:
    """Delete the demo website's events, visits and web figures (the project stays). No
    commit: the caller rebuilds the event rollups in the same transaction.
    """
    project_id = web_data.project_id(WEB_DEMO_SLUG)
    if project_id is not None:
        web_data.delete_web_data(project_id)
