"""What real clients send, as bench/loadgen.py body factories (issue #21).

- /events: batches from the website traffic model (app/seeding/web_traffic.py, through
  bench/web_ab.py's request builder): page views with titles, referrers and UTM-tagged
  URLs, anonymous ids (or none, for cookieless visitors), the site's custom events, plus
  the product events an app sends (cart, checkout, search, video, ...), 22 names in all,
  most with properties; a session id per visit; a random v4 uuid per event; each request
  with its visitor's real browser User-Agent and one of many sites' ingestion keys, in
  turn, as many sites sending to one instance would.
- /track: dashboard clicks as the frontend's click queue sends them: 22 feature names,
  properties, a random v4 uuid, the tab's session id and page, a real User-Agent, by many
  signed-in users in turn.
- the old synthetic bodies (loadgen.BatchBody and TrackBody: serial uuids, one name, no
  properties), with the same rotation of keys or users, for comparison.

Every factory is picklable: loadgen pickles it into its generator processes.
"""

import json
import random

import loadgen

UUID_MARK = "@@UUID@@"
NOW_MARK = "@@NOW@@"

# Product events an app or shop sends besides the site's page views and custom events:
# (name, weight, property maker).
PRODUCT_EVENTS = (
    ("search", 8, lambda rng: {"query": rng.choice(("pricing", "docs", "export csv",
                                                     "self-host", "api key")),
                               "results": rng.randint(0, 40)}),
    ("add_to_cart", 6, lambda rng: {"sku": f"SKU-{rng.randint(100, 999)}",
                                    "price": round(rng.uniform(5, 300), 2),
                                    "currency": "EUR", "quantity": rng.randint(1, 3)}),
    ("remove_from_cart", 2, lambda rng: {"sku": f"SKU-{rng.randint(100, 999)}"}),
    ("checkout_started", 3, lambda rng: {"items": rng.randint(1, 5),
                                         "value": round(rng.uniform(10, 900), 2)}),
    ("purchase", 2, lambda rng: {"order_id": f"o-{rng.getrandbits(40):010x}",
                                 "value": round(rng.uniform(10, 900), 2), "currency": "EUR",
                                 "coupon": rng.choice((None, "WELCOME10"))}),
    ("video_play", 4, lambda rng: {"video": rng.choice(("intro", "demo", "webinar")),
                                   "position_s": 0}),
    ("video_complete", 2, lambda rng: {"video": rng.choice(("intro", "demo")),
                                       "duration_s": rng.randint(60, 900)}),
    ("form_submit", 3, lambda rng: {"form": rng.choice(("contact", "demo_request",
                                                          "feedback")), "fields": 4}),
    ("share", 2, lambda rng: {"network": rng.choice(("x", "linkedin", "mail", "copy"))}),
    ("comment_posted", 1, lambda rng: {"length": rng.randint(10, 800)}),
    ("login", 4, lambda rng: {"method": rng.choice(("password", "google", "github"))}),
    ("logout", 1, lambda rng: None),
    ("plan_upgraded", 1, lambda rng: {"from": "free", "to": rng.choice(("pro", "team")),
                                      "billing": rng.choice(("monthly", "yearly"))}),
    ("invite_sent", 1, lambda rng: {"role": rng.choice(("viewer", "editor"))}),
    ("scroll_depth", 6, lambda rng: {"percent": rng.choice((25, 50, 75, 100))}),
    ("error_shown", 1, lambda rng: {"code": rng.choice(("E_NETWORK", "E_VALIDATION")),
                                    "component": "checkout"}),
    ("rage_click", 1, lambda rng: {"selector": "#buy", "clicks": rng.randint(3, 9)}),
)
# After a page view, how often the visitor also does one of the product events.
PRODUCT_EVENT_SHARE = 0.6

# Dashboard features whose clicks /track receives: (name, property maker).
DASHBOARD_CLICKS = (
    ("date_filter", lambda rng: {"range": rng.choice(("7d", "30d", "90d", "12m"))}),
    ("export_csv", lambda rng: {"rows": rng.randint(10, 50000)}),
    ("page_view", lambda rng: {"route": rng.choice(("/", "/web", "/settings"))}),
    ("project_switch", lambda rng: {"to": f"site-{rng.randint(1, 40)}"}),
    ("chart_zoom", lambda rng: {"granularity": rng.choice(("hour", "day", "week"))}),
    ("breakdown_open", lambda rng: {"by": rng.choice(("age_group", "gender", "country"))}),
    ("gender_filter", lambda rng: {"value": rng.choice(("Male", "Female", "Other"))}),
    ("age_filter", lambda rng: {"value": rng.choice(("<18", "18-40", ">40"))}),
    ("feature_filter", lambda rng: {"feature": rng.choice(("signup", "purchase"))}),
    ("timezone_change", lambda rng: {"tz": rng.choice(("UTC", "Europe/Berlin"))}),
    ("compare_previous", lambda rng: {"on": rng.random() < 0.5}),
    ("share_link_created", lambda rng: {"expires_days": rng.choice((1, 7, 30))}),
    ("api_token_created", lambda rng: None),
    ("ingest_key_created", lambda rng: {"import": False}),
    ("member_invited", lambda rng: {"role": "viewer"}),
    ("live_toggle", lambda rng: {"on": rng.random() < 0.7}),
    ("funnel_step_added", lambda rng: {"steps": rng.randint(2, 6)}),
    ("retention_view", lambda rng: {"cohort": rng.choice(("week", "month"))}),
    ("theme_toggle", lambda rng: {"theme": rng.choice(("dark", "light"))}),
    ("password_change", lambda rng: None),
    ("logout", lambda rng: None),
    ("help_open", lambda rng: {"topic": rng.choice(("keys", "privacy", "export"))}),
)
DASHBOARD_PAGES = ("https://analytics.example.com/", "https://analytics.example.com/web",
                   "https://analytics.example.com/settings/keys")


def random_uuid4(rng: random.Random) -> str:
    """A version 4 uuid from a fast (not cryptographic) generator: as random as a
    tracker's for the server's index, a few times cheaper than uuid.uuid4 for the
    generator, which shares the server's cores."""
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def product_decorator(seed: int = 31):
    """A web_ab.web_requests `decorate` hook: every event gets its visit's session id;
    some page views are followed by a product event on the same page."""
    rng = random.Random(seed)
    sessions: dict[int, tuple[object, str]] = {}
    names = [name for name, weight, _ in PRODUCT_EVENTS for _ in range(weight)]
    makers = {name: maker for name, _, maker in PRODUCT_EVENTS}

    def decorate(event: dict, visit) -> list[dict]:
        # Keyed by the visit object, kept alive with it so its id is not reused.
        session = sessions.setdefault(id(visit), (visit, f"s-{rng.getrandbits(64):016x}"))[1]
        event = {**event, "session_id": session}
        sent = [event]
        if event["name"] == "page_view" and rng.random() < PRODUCT_EVENT_SHARE:
            name = rng.choice(names)
            extra = {**event, "name": name, "referrer": None, "properties": makers[name](rng)}
            sent.append({key: value for key, value in extra.items() if value is not None})
        return sent

    return decorate


def event_requests(size: int, count: int) -> list[tuple[str, list[str]]]:
    """`count` /events bodies of `size` events: (User-Agent, body split at the uuids)."""
    import web_ab  # imports bench/run.py: only when bodies are built

    return [(user_agent, parts) for user_agent, _address, parts
            in web_ab.web_requests(size, count, product_decorator())]


def click_requests(count: int, seed: int = 37) -> list[tuple[str, list[str]]]:
    """`count` /track bodies: (User-Agent, body split at the uuid)."""
    from app.seeding.web_traffic import TrafficModel

    rng = random.Random(seed)
    # Real browsers' User-Agents, from the traffic model's visits of yesterday.
    from datetime import UTC, datetime, timedelta
    model = TrafficModel(seed, [datetime.now(UTC).date() - timedelta(days=1)], 4000)
    agents = [visit.user_agent for visit in model.visits() if not visit.is_bot]
    requests = []
    session = f"tab-{rng.getrandbits(48):012x}"
    for _ in range(count):
        if rng.random() < 0.05:
            session = f"tab-{rng.getrandbits(48):012x}"
        name, maker = rng.choice(DASHBOARD_CLICKS)
        click = {"feature_name": name, "uuid": UUID_MARK, "session_id": session,
                 "page_url": rng.choice(DASHBOARD_PAGES), "properties": maker(rng)}
        body = json.dumps({key: value for key, value in click.items() if value is not None})
        requests.append((rng.choice(agents), body.split(f'"{UUID_MARK}"')))
    return requests


class Rotating:
    """A body factory whose requests take turns over `header_sets` (ingestion keys, users'
    tokens), each request with the set after the last one's. Picklable."""

    def __init__(self, body, header_sets: list[dict]):
        self.body, self.header_sets = body, header_sets
        self.turn = 0

    def bind(self) -> None:
        self.body.bind()
        self.turn = random.SystemRandom().randrange(len(self.header_sets))

    def __call__(self) -> bytes:
        self.turn = (self.turn + 1) % len(self.header_sets)
        return self.body()

    def headers(self) -> dict:
        return self.header_sets[self.turn]


class RealisticBody(Rotating):
    """Prepared requests in turn, each with fresh random v4 uuids and today's time, its
    client's User-Agent and the next of `header_sets`."""

    def __init__(self, requests: list[tuple[str, list[str]]], header_sets: list[dict]):
        super().__init__(None, header_sets)
        self.requests = requests
        self.index = -1
        self.rng = None

    def bind(self) -> None:
        source = random.SystemRandom()
        self.rng = random.Random(source.getrandbits(64))
        self.index = source.randrange(len(self.requests))
        self.turn = source.randrange(len(self.header_sets))

    def __call__(self) -> bytes:
        import time

        self.index = (self.index + 1) % len(self.requests)
        self.turn = (self.turn + 1) % len(self.header_sets)
        parts = self.requests[self.index][1]
        rng = self.rng
        body = parts[0] + "".join(f'"{random_uuid4(rng)}"' + part for part in parts[1:])
        if NOW_MARK in body:
            body = body.replace(NOW_MARK, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        return body.encode()

    def headers(self) -> dict:
        return {"User-Agent": self.requests[self.index][0], **self.header_sets[self.turn]}


def synthetic_events(name: str, header_sets: list[dict]) -> Rotating:
    """Today's loadgen batch (serial uuids, one name, no properties), keys in turn."""
    return Rotating(loadgen.BatchBody(name), header_sets)


def synthetic_clicks(name: str, header_sets: list[dict]) -> Rotating:
    """Today's loadgen click ({"feature_name": name} only), users in turn."""
    return Rotating(loadgen.TrackBody(name), header_sets)


def names_in(requests: list[tuple[str, list[str]]]) -> set[str]:
    """The event or feature names the prepared requests carry (for the report)."""
    found = set()
    for _, parts in requests:
        body = json.loads(f'"{UUID_MARK}"'.join(parts).replace(NOW_MARK, "2000-01-01T00:00:00Z"))
        for event in body.get("events", [body]):
            found.add(event.get("name") or event.get("feature_name"))
    return found
