"""A website's traffic, simulated: the demo website project and the web benchmark draw
their events from this model, so both look like what t.js would send from real browsers.

Deterministic for a seed and a time span. Each day gets an exact number of events (weekday
rhythm, growth over the year, newsletter days and launch week busier, some noise); the
day's visits are made until they fill it:
- a visitor is a browser on a device (a real User-Agent of that day's browser versions, a
  country, a public address, an anonymous id unless it runs cookieless); about a third of
  visits come from earlier visitors, the more recent the likelier;
- a visit comes from a source kind (direct, search, social, referral, newsletter, paid
  search, social campaign), which decides its referrer, UTM parameters and landing page;
  it bounces (one page view) or walks the site map with human dwell times (at most 25
  minutes between two events, so a visit never splits), now and then firing a custom
  event (signup, outbound_click, file_download, newsletter_subscribe);
- crawlers and headless browsers make about 5 % of the requests.
Times are whole seconds (Unix time, UTC); visits start at the visitor's local daytime.
"""

import calendar
import heapq
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from app.seeding import web_catalog as catalog
from app.seeding.web_catalog import (
    CUSTOM_EVENTS,
    SEARCH_TERMS,
    Weighted,
    address_blocks,
    address_in,
    campaigns_on,
)

WEEKDAY_WEIGHTS = (1.1, 1.15, 1.15, 1.1, 0.95, 0.6, 0.55)  # Monday first
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.1, 2.0,
                1.6, 1.9, 2.1, 2.0, 1.8, 1.4, 1.0, 0.8, 0.7, 0.6, 0.4, 0.3)
BOT_REQUEST_SHARE = (0.03, 0.07)     # of a day's events, drawn per day
COOKIELESS_SHARE = 0.25              # visitors sending no anonymous id (data-no-storage)
RETURNING_SHARE = 0.33               # visits by an earlier visitor
NO_COUNTRY_SHARE = 0.01              # visitors whose CDN sent no country
IPV6_SHARE = 0.3                     # of visitors in a country with an IPv6 block listed
MAX_GAP_SECONDS = 25 * 60            # inside a visit: under the 30-minute visit timeout
POOL_SIZE = 200_000                  # earlier visitors kept for returns


class Hit(NamedTuple):
    """One event as the tracker sends it."""

    at: int                  # Unix seconds, UTC
    name: str
    page_url: str
    referrer: str | None
    properties: dict | None


class SimVisit(NamedTuple):
    """One visit's client and its events in time order (the client's every request)."""

    ip: str
    user_agent: str
    country: str | None      # as a CDN's country header would give it
    anonymous_id: str | None
    is_bot: bool
    hits: list[Hit]


HOURS = Weighted(zip(range(24), HOUR_WEIGHTS, strict=True))
COUNTRY_CHOICE = Weighted((code, spec[0]) for code, spec in catalog.COUNTRIES.items())
BROWSER_CHOICE = Weighted((index, spec[2]) for index, spec in enumerate(catalog.BROWSERS))
LAG_CHOICE = Weighted(catalog.VERSION_LAGS)
BOT_CHOICE = Weighted((bot, bot[3]) for bot in catalog.BOTS)
LANDINGS = {kind: Weighted(pages) for kind, pages in catalog.LANDING_PAGES.items()}
NEXT = {path: Weighted(pages) for path, pages in catalog.NEXT_PAGES.items()}
SEARCH = Weighted(catalog.SEARCH_REFERRERS)
SOCIAL = Weighted(catalog.SOCIAL_REFERRERS)
REFERRALS = Weighted(catalog.OTHER_REFERRERS)
MAIL_REFERRERS = Weighted(((None, 70), ("https://mail.google.com/", 20),
                           ("https://outlook.live.com/", 10)))
PAGE_LIST = list(catalog.PAGES)


class Visitor:
    """A browser on a device, as it shows itself on each visit."""

    __slots__ = ("anonymous_id", "browser", "country", "ip", "lag", "last_day", "last_end")

    def __init__(self, browser: int, lag: int, country: str | None, ip: str,
                 anonymous_id: str | None):
        self.browser, self.lag, self.country, self.ip = browser, lag, country, ip
        self.anonymous_id = anonymous_id
        self.last_day, self.last_end = None, 0


def midnight(day: date) -> int:
    """The Unix time of the day's start (UTC)."""
    return calendar.timegm(day.timetuple())


def exact_split(total: int, weights: list[float]) -> list[int]:
    """Integers in proportion to the weights that add up to `total` exactly."""
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda index: counts[index] - weights[index]
                        * scale)
    for index in remainders[:total - sum(counts)]:
        counts[index] += 1
    return counts


class TrafficModel:
    """The traffic of `days`, `total_events` events in all, none after `until`."""

    def __init__(self, seed: int, days: list[date], total_events: int,
                 until: datetime | None = None):
        self.rng = random.Random(seed)
        self.days = days
        self.until = int((until or datetime.max.replace(tzinfo=UTC) - timedelta(days=2))
                         .timestamp())
        self.pool: list[Visitor] = []
        self.pool_next = 0
        self.serials: dict[str, int] = {}
        self.user_agents: dict[tuple, str] = {}
        self.budgets = exact_split(total_events, [self.day_weight(index, day)
                                                  for index, day in enumerate(days)])
        # Returning visitors come back after about a week on average: that many days of
        # new visitors, at about 2.9 events a visit and two thirds of visits by new ones.
        self.return_span = max(50, int(7 * total_events / max(len(days), 1) / 2.9 * 0.67))

    def day_weight(self, index: int, day: date) -> float:
        """How busy a day is: weekday, growth (the last day twice the first), campaigns,
        noise, and for the day in progress only its elapsed part.
        """
        weight = (WEEKDAY_WEIGHTS[day.weekday()] * (1 + index / len(self.days))
                  * campaigns_on(day)["boost"] * self.rng.uniform(0.88, 1.12))
        elapsed = min(max(self.until - midnight(day), 0), 86400)
        if elapsed < 86400:
            hours, part = divmod(elapsed, 3600)
            done = sum(HOUR_WEIGHTS[:hours]) + (HOUR_WEIGHTS[hours] * part / 3600
                                                if hours < 24 else 0)
            weight *= done / sum(HOUR_WEIGHTS)
        return weight

    # ------------------------------------------------------------------ visitors

    def user_agent(self, template: str, day: date, lag: int) -> str:
        """The User-Agent a browser `lag` releases behind sends on `day` (cached)."""
        key = (template, day, lag)
        found = self.user_agents.get(key)
        if found is None:
            found = template.format(**catalog.browser_versions(day, lag))
            self.user_agents[key] = found
        return found

    def next_serial(self, block: str) -> int:
        """A number not used before in this block (its next address)."""
        self.serials[block] = self.serials.get(block, 0) + 1
        return self.serials[block]

    def new_visitor(self) -> Visitor:
        """A first-time visitor (kept in the pool, to return later)."""
        rng = self.rng
        country = COUNTRY_CHOICE.pick(rng)
        v4, v6 = address_blocks(country)
        block = rng.choice(v6 if v6 and rng.random() < IPV6_SHARE else v4)
        ip = address_in(block, self.next_serial(block))
        browser = BROWSER_CHOICE.pick(rng)
        lag = LAG_CHOICE.pick(rng)
        anonymous_id = None if rng.random() < COOKIELESS_SHARE else \
            "%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),  # noqa: UP031
                                             rng.getrandbits(12), rng.getrandbits(12),
                                             rng.getrandbits(48))
        header = None if rng.random() < NO_COUNTRY_SHARE else country
        visitor = Visitor(browser, lag, header, ip, anonymous_id)
        if len(self.pool) < POOL_SIZE:
            self.pool.append(visitor)
        else:
            self.pool[self.pool_next] = visitor
            self.pool_next = (self.pool_next + 1) % POOL_SIZE
        return visitor

    def returning_visitor(self, day: date) -> Visitor | None:
        """An earlier visitor not yet seen today, recent ones likelier; None if none."""
        if not self.pool:
            return None
        back = int(self.rng.expovariate(1 / self.return_span))
        visitor = self.pool[(self.pool_next - 1 - back) % len(self.pool)]
        return None if visitor.last_day == day else visitor

    # ------------------------------------------------------------------ visits

    def local_start(self, day: date, country: str | None) -> int:
        """A start time on `day`, at a daytime hour of the visitor's country."""
        rng = self.rng
        offset = catalog.COUNTRIES.get(country, (0, 0))[1]
        hour = HOURS.pick(rng)
        seconds = int(hour * 3600 + rng.random() * 3600 - offset * 3600) % 86400
        return midnight(day) + seconds

    def source(self, kind: str, campaigns: dict) -> tuple[str | None, dict[str, str]]:
        """The referrer and UTM parameters of a visit from this source kind."""
        rng = self.rng
        if kind == "search":
            return SEARCH.pick(rng), {}
        if kind == "social":
            referrer = SOCIAL.pick(rng)
            if referrer == "https://t.co/":
                referrer += "%010x" % rng.getrandbits(40)  # noqa: UP031
            return referrer, {}
        if kind == "referral":
            return REFERRALS.pick(rng), {}
        if kind == "email":
            campaign = campaigns["sale"] if campaigns["sale"] and rng.random() < 0.4 \
                else campaigns["newsletter"]
            return MAIL_REFERRERS.pick(rng), {"utm_source": "newsletter", "utm_medium": "email",
                              "utm_campaign": campaign,
                              "utm_content": rng.choice(("header", "cta_button", "footer"))}
        if kind == "paid":
            engine = "google" if rng.random() < 0.85 else "bing"
            return f"https://www.{engine}.com/", {
                "utm_source": engine, "utm_medium": "cpc",
                "utm_campaign": campaigns["sale"] or rng.choice(("brand_search", "generic")),
                "utm_term": rng.choice(SEARCH_TERMS)}
        if kind == "campaign_social":
            network, referrer, medium = rng.choice((
                ("twitter", "https://t.co/%010x" % rng.getrandbits(40), "social"),  # noqa: UP031
                ("linkedin", "https://www.linkedin.com/", "paid_social"),
                ("producthunt", "https://www.producthunt.com/", "social"),
                ("reddit", "https://www.reddit.com/", "social")))
            campaign = "launch_week" if campaigns["launch"] else \
                campaigns["sale"] or "product_updates"
            return referrer, {"utm_source": network, "utm_medium": medium,
                              "utm_campaign": campaign}
        return None, {}

    def source_kind(self, returning: bool, campaigns: dict) -> str:
        """Where a visit comes from; returning visitors often type the address."""
        if returning and self.rng.random() < 0.35:
            return "direct"
        return campaigns["kinds"].pick(self.rng)

    def page_url(self, path: str, utm: dict[str, str] | None = None) -> str:
        """The full URL of a page, with the landing page's UTM parameters if any, else
        now and then a query or fragment an internal link adds.
        """
        query = ""
        if utm:
            query = "?" + "&".join(f"{key}={value.replace(' ', '+')}"
                                   for key, value in utm.items())
        elif path in catalog.PAGE_QUERIES and self.rng.random() < 0.2:
            query = self.rng.choice(catalog.PAGE_QUERIES[path])
        return catalog.SITE + path + query

    def custom_event(self, path: str) -> str | None:
        """The custom event a visitor fires on this page, if any."""
        roll = self.rng.random()
        if path == "/signup":
            return "signup" if roll < 0.35 else None
        if path == "/docs/self-hosting" and roll < 0.2:
            return "file_download"
        if path in catalog.BLOG_POSTS and roll < 0.03:
            return "newsletter_subscribe"
        if (path in catalog.BLOG_POSTS or path in catalog.DOCS_PAGES) and roll > 0.92:
            return "outbound_click"
        return None

    def dwell(self) -> int:
        """Seconds on a page: log-normal, median 50 s, at most MAX_GAP_SECONDS."""
        return min(MAX_GAP_SECONDS, max(3, int(self.rng.lognormvariate(3.9, 1.0))))

    def human_hits(self, start: int, kind: str, campaigns: dict) -> list[Hit]:
        """A human visit's events: page views along the site map, custom events between."""
        rng = self.rng
        referrer, utm = self.source(kind, campaigns)
        path = LANDINGS[kind].pick(rng)
        url = self.page_url(path, utm)
        bounces = rng.random() < catalog.BOUNCE_RATES[kind]
        hits, at = [], start
        for step in range(12):
            hits.append(Hit(at, "page_view", url, referrer, {"title": catalog.PAGES[path]}))
            if bounces:
                break
            stay = self.dwell()
            event = self.custom_event(path)
            if event:
                key, values = CUSTOM_EVENTS[event]
                hits.append(Hit(at + rng.randint(1, stay - 1), event, url, referrer,
                                {key: rng.choice(values)}))
            if step and rng.random() > 0.62 or path == "/login":
                break
            at += stay
            referrer, path = url, NEXT[path].pick(rng)
            url = self.page_url(path)
        return hits

    def bot_visit(self, day: date) -> SimVisit:
        """A crawler or headless browser fetching pages a few seconds apart."""
        rng = self.rng
        template, block, country, _ = BOT_CHOICE.pick(rng)
        at = midnight(day) + rng.randrange(86400)
        hits = []
        for _ in range(rng.randint(3, 25)):
            path = rng.choice(PAGE_LIST)
            hits.append(Hit(at, "page_view", catalog.SITE + path, None,
                            {"title": catalog.PAGES[path]}))
            at += rng.randint(1, 30)
        headless = "Headless" in template
        anonymous_id = "bot-%016x" % rng.getrandbits(64) if headless else None  # noqa: UP031
        return SimVisit(address_in(block, rng.getrandbits(20)),
                        self.user_agent(template, day, 0), country, anonymous_id, True, hits)

    def human_visit(self, day: date, campaigns: dict) -> SimVisit:
        """A person's visit on `day`, by a returning visitor or a new one."""
        visitor = self.returning_visitor(day) if self.rng.random() < RETURNING_SHARE else None
        returning = visitor is not None
        start = 0
        if returning:
            start = self.local_start(day, visitor.country)
            if start <= visitor.last_end + 1800:
                returning, visitor = False, None  # still in its last visit: someone new
        if visitor is None:
            visitor = self.new_visitor()
            start = self.local_start(day, visitor.country)
        hits = self.human_hits(start, self.source_kind(returning, campaigns), campaigns)
        visitor.last_day, visitor.last_end = day, hits[-1].at
        template = catalog.BROWSERS[visitor.browser][0]
        return SimVisit(visitor.ip, self.user_agent(template, day, visitor.lag),
                        visitor.country, visitor.anonymous_id, False, hits)

    def visits_of_day(self, day: date, budget: int) -> list[SimVisit]:
        """The day's visits, by start time, holding exactly `budget` events (the last
        visit of each kind cut short to fit) and none after `until`.
        """
        campaigns = campaigns_on(day)
        bot_budget = round(budget * self.rng.uniform(*BOT_REQUEST_SHARE))
        visits = []
        for make, wanted in ((lambda: self.bot_visit(day), bot_budget),
                             (lambda: self.human_visit(day, campaigns), budget - bot_budget)):
            made, tries = 0, 0
            while made < wanted and tries < 4 * budget + 10:
                tries += 1
                visit = make()
                hits = [hit for hit in visit.hits if hit.at < self.until][:wanted - made]
                if hits:
                    visits.append(visit._replace(hits=hits))
                    made += len(hits)
        visits.sort(key=lambda visit: visit.hits[0].at)
        return visits

    def visits(self) -> Iterator[SimVisit]:
        """Every visit of the span, by start time within each day."""
        for day, budget in zip(self.days, self.budgets, strict=True):
            if budget:
                yield from self.visits_of_day(day, budget)


def hits_in_time_order(visits: Iterable[SimVisit]) -> Iterator[tuple[Hit, SimVisit]]:
    """Every visit's hits merged into one stream in time order (visits must come by start
    time, as TrafficModel.visits gives them).
    """
    pending: list[tuple[int, int, Hit, SimVisit]] = []
    serial = 0
    for visit in visits:
        start = visit.hits[0].at
        while pending and pending[0][0] < start:
            _, _, hit, owner = heapq.heappop(pending)
            yield hit, owner
        for hit in visit.hits:
            serial += 1
            heapq.heappush(pending, (hit.at, serial, hit, visit))
    while pending:
        _, _, hit, owner = heapq.heappop(pending)
        yield hit, owner
