"""Website traffic sent through POST /api/v1/events, and the brute-force answers the web
analytics must give, computed in Python from the stored events and visits.

The traffic: visitors by anonymous id and by hash (address and User-Agent, no id), visits
split by 30 quiet minutes or held together by a client session id, sessions across UTC
midnight, pages with and without UTM values and referrers, custom events, pages without a
path, bots, and batches sent out of order.
"""

import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event, Membership, Project, User, Visit
from app.track.keys import create_key
from app.web.tables import VISIT_DIMENSIONS

WEB_BREAKDOWNS = (*VISIT_DIMENSIONS, "page")
EVENT_COLUMN = {"referrer": "referrer_domain", "device": "device_type", "page": "pathname"}
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    None,  # no User-Agent at all
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]
# Public addresses of several countries, IPv6, private, loopback and documentation ones.
ADDRESSES = ["8.8.8.8", "81.2.69.142", "193.99.144.80", "2001:4860:4860::8888",
             "77.88.55.60", "10.1.2.3", "127.0.0.1", "203.0.113.9", "1.1.1.1"]
HOSTS = ["https://example.com", "https://www.example.com", "https://shop.example.com"]
PATHS = ["/", "/pricing", "/blog/hello", "/docs", "/docs/start", "/About"]
REFERRERS = [None, None, "https://www.google.com/search?q=x", "https://t.co/abc",
             "https://news.ycombinator.com/item?id=1", "https://www.facebook.com/",
             "https://example.com/pricing", "not a url"]
CAMPAIGNS = ["", "", "", "?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
             "?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=ouro",
             "?utm_source=twitter&utm_medium=social&utm_content=banner"]
OTHER_EVENTS = ["signup", "click", "download"]


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)
                                  ).scalar_one()


def make_site(app, slug: str, owner_id: int) -> tuple[int, str]:
    """A project owned by `owner_id` and a raw import key for it (events may be backdated)."""
    with app.app_context():
        project = Project(slug=slug, name=slug.title())
        db.session.add(project)
        db.session.flush()
        db.session.add(Membership(project_id=project.id, user_id=owner_id, role="owner"))
        db.session.commit()
        _, raw_key = create_key(project.id, f"{slug}-import", allows_import=True)
        return project.id, raw_key


def iso(moment: datetime) -> str:
    return moment.isoformat()


def session_events(rng: random.Random, start: datetime, anonymous_id: str | None,
                   session_id: str | None) -> list[dict]:
    """One browsing session: a landing page, then pages and custom events, mostly minutes
    apart, sometimes past the 30 quiet minutes that end a visit.
    """
    host = rng.choice(HOSTS)
    landing = f"{host}{rng.choice(PATHS)}{rng.choice(CAMPAIGNS)}"
    events = [{"name": "page_view", "page_url": landing, "referrer": rng.choice(REFERRERS)}]
    moment = start
    moments = [moment]
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        moment += timedelta(seconds=rng.choice([rng.randrange(1, 1500),
                                                rng.randrange(1, 1500),
                                                rng.randrange(1860, 3000)]),
                            microseconds=rng.randrange(1_000_000))
        moments.append(moment)
        kind = rng.random()
        if kind < 0.65:
            events.append({"name": "page_view", "page_url": f"{host}{rng.choice(PATHS)}"})
        elif kind < 0.9:
            events.append({"name": rng.choice(OTHER_EVENTS),
                           "page_url": f"{host}{rng.choice(PATHS)}"})
        elif kind < 0.95:
            events.append({"name": "page_view", "page_url": "data:text/html,hi"})
        else:
            events.append({"name": "click"})  # no page at all
    for event, at in zip(events, moments, strict=True):
        event.update(uuid=str(uuid.uuid4()), timestamp=iso(at))
        if anonymous_id:
            event["anonymous_id"] = anonymous_id
        if session_id:
            event["session_id"] = session_id
    return events


@dataclass(frozen=True)
class Sender:
    """One browser (or bot) and where it sends from."""

    anonymous_id: str | None
    user_agent: str | None
    address: str


def traffic(rng: random.Random, first_day: datetime, days: int) -> list[tuple[Sender, list]]:
    """(sender, batch) pairs over `days` days from `first_day`, in a shuffled order."""
    senders = [Sender(f"anon-{n}" if n % 3 else None, BROWSERS[n % len(BROWSERS)],
                      ADDRESSES[n % len(ADDRESSES)] if n % 3 else f"198.51.100.{n}")
               for n in range(1, 20)]
    senders += [Sender(rng.choice([None, f"bot-{n}"]), BOTS[n % len(BOTS)], rng.choice(ADDRESSES))
                for n in range(3)]
    batches = []
    for index, sender in enumerate(senders):
        for session in range(rng.randrange(2, 7)):
            start = first_day + timedelta(seconds=rng.randrange(days * 86400),
                                          microseconds=rng.randrange(1_000_000))
            session_id = f"tab-{index}-{session}" if rng.random() < 0.15 else None
            events = session_events(rng, start, sender.anonymous_id, session_id)
            if rng.random() < 0.3:
                rng.shuffle(events)
            batches.append((sender, events))
    # Across UTC midnight, and at the very edges of two days.
    midnight = first_day + timedelta(days=days // 2)
    crossing = session_events(random.Random(1), midnight - timedelta(seconds=30), "anon-night",
                              None)
    for offset, event in enumerate(crossing):
        event["timestamp"] = iso(midnight + timedelta(seconds=20 * offset - 30))
    batches.append((Sender("anon-night", BROWSERS[0], "8.8.8.8"), crossing))
    edge = [{"name": "page_view", "page_url": "https://example.com/edge", "uuid": str(uuid.uuid4()),
             "anonymous_id": "anon-edge", "timestamp": iso(moment)}
            for moment in (midnight - timedelta(microseconds=1), midnight,
                           midnight + timedelta(days=1) - timedelta(microseconds=1))]
    batches.append((Sender("anon-edge", BROWSERS[3], "1.1.1.1"), edge))
    rng.shuffle(batches)
    return batches


def send_traffic(client, raw_key: str, batches: list[tuple[Sender, list]]) -> int:
    """POST every batch as its sender would; return how many events were accepted."""
    accepted = 0
    for sender, events in batches:
        headers = {"X-Ouroboard-Key": raw_key, "X-Forwarded-For": "8.8.4.4"}
        if sender.user_agent:
            headers["User-Agent"] = sender.user_agent
        response = client.post("/api/v1/events", json={"events": events}, headers=headers,
                               environ_base={"REMOTE_ADDR": sender.address})
        assert response.status_code == 202, response.get_json()
        accepted += response.get_json()["accepted"]
    return accepted


@dataclass
class Stored:
    """A project's stored events and visits, as read back from the database."""

    events: list[Event]
    visits: dict[str, Visit]

    @classmethod
    def read(cls, app, project_id: int) -> "Stored":
        with app.app_context():
            events = db.session.execute(select(Event).where(Event.project_id == project_id)
                                        ).scalars().all()
            visits = db.session.execute(select(Visit).where(Visit.project_id == project_id)
                                        ).scalars().all()
            db.session.expunge_all()
        return cls(list(events), {visit.visit_id: visit for visit in visits})

    def values_of(self, name: str) -> list[str]:
        """Every value a filter on `name` could match here, sorted."""
        if name in ("page", "hostname"):
            found = {event_value(event, name) for event in self.events}
        else:
            found = {visit_value(visit, name) for visit in self.visits.values()}
        return sorted(found - {""})


def text_or_none(value) -> str:
    return value or ""


def browser_version(row) -> str:
    return f"{row.browser} {row.browser_version}" if row.browser and row.browser_version \
        else ""


def event_value(event: Event, name: str) -> str:
    if name == "browser_version":
        return browser_version(event)
    return text_or_none(getattr(event, EVENT_COLUMN.get(name, name)))


def visit_value(visit: Visit, name: str) -> str:
    if name == "browser_version":
        return browser_version(visit)
    return text_or_none(getattr(visit, VISIT_DIMENSIONS[name]))


@dataclass(frozen=True)
class Asked:
    """What a request asks: the UTC range [start, end), website filters ("" = none), and
    the other filters.
    """

    start: datetime
    end: datetime
    web: tuple[tuple[str, str], ...] = ()
    feature: str | None = None
    age_group: str | None = None

    def previous(self) -> "Asked":
        length = self.end - self.start
        return Asked(self.start - length, self.start, self.web, self.feature, self.age_group)


def human(event: Event) -> bool:
    return not event.is_bot and event.visitor_id is not None


def event_matches(event: Event, asked: Asked, visits: dict[str, Visit]) -> bool:
    if not (human(event) and asked.start <= event.occurred_at < asked.end):
        return False
    if asked.feature and event.name != asked.feature:
        return False
    if asked.age_group and event.age_group != asked.age_group:
        return False
    for name, value in asked.web:
        if name in ("entry_page", "exit_page"):
            visit = visits.get(event.visit_id)
            if visit is None or visit_value(visit, name) != value:
                return False
        elif event_value(event, name) != value:
            return False
    return True


def visit_matches(visit: Visit, asked: Asked, events_by_visit: dict[str, list[Event]]) -> bool:
    if not asked.start <= visit.started_at < asked.end:
        return False
    if any(visit_value(visit, name) != value for name, value in asked.web if name != "page"):
        return False
    page = dict(asked.web).get("page")
    if page is None and not asked.feature and not asked.age_group:
        return True
    return any(human(event) and asked.start <= event.occurred_at < asked.end
               and (page is None or event_value(event, "page") == page)
               and event.name == (asked.feature or ("page_view" if page is not None
                                                    else event.name))
               and (not asked.age_group or event.age_group == asked.age_group)
               for event in events_by_visit.get(visit.visit_id, []))


def seconds(visit: Visit) -> int:
    return math.floor(visit.ended_at.timestamp()) - math.floor(visit.started_at.timestamp())


class Oracle:
    """The brute-force answers over stored rows."""

    def __init__(self, stored: Stored):
        self.stored = stored
        self.events_by_visit: dict[str, list[Event]] = {}
        for event in stored.events:
            self.events_by_visit.setdefault(event.visit_id, []).append(event)

    def matching_events(self, asked: Asked) -> list[Event]:
        return [event for event in self.stored.events
                if event_matches(event, asked, self.stored.visits)]

    def matching_visits(self, asked: Asked) -> list[Visit]:
        return [visit for visit in self.stored.visits.values()
                if visit_matches(visit, asked, self.events_by_visit)]

    def figures(self, asked: Asked) -> dict:
        events = self.matching_events(asked)
        visits = self.matching_visits(asked)
        count = len(visits)
        return {
            "visitors": len({event.visitor_id for event in events}),
            "visits": count,
            "pageviews": sum(event.name == "page_view" for event in events),
            "viewsPerVisit": round(sum(v.pageviews for v in visits) / count, 2) if count
            else 0.0,
            "bounceRate": round(sum(v.pageviews == 1 and v.events == 1 for v in visits)
                                / count * 100, 1) if count else 0.0,
            "visitDuration": round(sum(seconds(v) for v in visits) / count) if count else 0,
        }

    def bots(self, asked: Asked) -> int:
        return sum(event.is_bot and asked.start <= event.occurred_at < asked.end
                   for event in self.stored.events)

    def summary(self, asked: Asked) -> dict:
        now, before = self.figures(asked), self.figures(asked.previous())
        change = {name: round((now[name] - before[name]) / before[name] * 100, 1)
                  if before[name] else None for name in now}
        return {"current": now, "previous": before, "change": change,
                "botEvents": self.bots(asked)}

    def breakdown(self, asked: Asked, by: str, limit: int) -> dict:
        counts: Counter = Counter()
        visitors: dict[str, set] = {}
        if by == "page":
            for event in self.matching_events(asked):
                value = event_value(event, "page")
                if event.name == "page_view" and value:
                    counts[value] += 1
                    visitors.setdefault(value, set()).add(event.visitor_id)
        else:
            for visit in self.matching_visits(asked):
                value = visit_value(visit, by)
                counts[value] += 1
                visitors.setdefault(value, set()).add(visit.visitor_id)
        total = sum(counts.values())
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] == "",
                                                           item[0].encode()))
        return {"by": by, "metric": "pageviews" if by == "page" else "visits", "total": total,
                "rows": [{"value": value or None, "count": count,
                          "percentage": round(count / total * 100, 1),
                          "visitors": len(visitors[value])}
                         for value, count in ordered[:limit]]}


def query_of(asked: Asked, project: str) -> dict:
    """The query string asking for `asked` (the API's end is inclusive to the microsecond)."""
    params = {"project": project, "startDate": iso(asked.start),
              "endDate": iso(asked.end - timedelta(microseconds=1))}
    params.update({name: value or "(none)" for name, value in asked.web})
    if asked.feature:
        params["feature"] = asked.feature
    if asked.age_group:
        params["ageGroup"] = asked.age_group
    return params


def utc_midnight(days_ago: int) -> datetime:
    """UTC midnight `days_ago` days before today."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)
