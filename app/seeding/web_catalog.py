"""What the simulated website's traffic is made of: browsers (as the User-Agent strings they
really send on a given day), crawlers, countries with public address blocks, referrers,
campaigns and their calendar, the site's pages and custom events. Pure data and a few pure
functions; app.seeding.web_traffic draws from them.
"""

import bisect
import functools
import ipaddress
import random
from datetime import date, timedelta
from itertools import accumulate

SITE_HOST = "www.example.com"
SITE = f"https://{SITE_HOST}"

# ----------------------------------------------------------------------------- browsers
# Each browser as the User-Agent it sends, with the version placeholders filled per day by
# browser_versions(): Chrome, Edge and Opera ship a major every 4 weeks, Firefox too,
# Samsung Internet about twice a year, Safari with each September's OS (a minor every two
# months). Chrome's and Edge's reduced User-Agent say "Windows NT 10.0" on Windows 11 too,
# "Mac OS X 10_15_7" on every macOS and "Android 10; K" on every Android device.
# (template, device type, weight in % of human visits); weights follow the rough global
# desktop/mobile/tablet split of a developer-tool website.
WIN = "Windows NT 10.0; Win64; x64"
MAC = "Macintosh; Intel Mac OS X 10_15_7"
WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
BROWSERS = (
    (f"Mozilla/5.0 ({WIN}) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36", "desktop", 24.0),
    (f"Mozilla/5.0 ({WIN}) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36 "
     "Edg/{chrome}.0.0.0", "desktop", 7.0),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{firefox}.0) Gecko/20100101 "
     "Firefox/{firefox}.0", "desktop", 3.0),
    (f"Mozilla/5.0 ({WIN}) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36 "
     "OPR/{opera}.0.0.0", "desktop", 1.0),
    (f"Mozilla/5.0 ({MAC}) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36", "desktop", 9.0),
    (f"Mozilla/5.0 ({MAC}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{{safari}} "
     "Safari/605.1.15", "desktop", 5.5),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{firefox}.0) Gecko/20100101 "
     "Firefox/{firefox}.0", "desktop", 1.2),
    (f"Mozilla/5.0 ({MAC}) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36 "
     "Edg/{chrome}.0.0.0", "desktop", 0.6),
    (f"Mozilla/5.0 (X11; Linux x86_64) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36",
     "desktop", 2.5),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:{firefox}.0) Gecko/20100101 "
     "Firefox/{firefox}.0", "desktop", 1.2),
    (f"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) {WEBKIT} Chrome/{{chrome}}.0.0.0 "
     "Safari/537.36", "desktop", 0.8),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/{safari} Mobile/15E148 Safari/604.1", "mobile", 17.0),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) CriOS/{chrome}.0.{chrome_build}.{chrome_patch} Mobile/15E148 "
     "Safari/604.1", "mobile", 3.0),
    (f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/{{chrome}}.0.0.0 "
     "Mobile Safari/537.36", "mobile", 14.0),
    (f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} SamsungBrowser/{{samsung}}.0 "
     "Chrome/{samsung_chrome}.0.0.0 Mobile Safari/537.36", "mobile", 3.0),
    ("Mozilla/5.0 (Android 15; Mobile; rv:{firefox}.0) Gecko/{firefox}.0 Firefox/{firefox}.0",
     "mobile", 0.6),
    ("Mozilla/5.0 (iPad; CPU OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/{safari} Mobile/15E148 Safari/604.1", "tablet", 1.8),
    (f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/{{chrome}}.0.0.0 Safari/537.36",
     "tablet", 0.8),
    (f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} SamsungBrowser/{{samsung}}.0 "
     "Chrome/{samsung_chrome}.0.0.0 Safari/537.36", "tablet", 0.3),
)
# How many releases behind the newest a browser runs: most update within weeks.
VERSION_LAGS = ((0, 64), (1, 22), (2, 8), (5, 6))

# Crawlers and headless browsers, with the address blocks they crawl from and the
# country those resolve to; weights in % of bot visits.
BOTS = (
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
     "66.249.64.0/19", "US", 18),
    ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/{chrome}.0.{chrome_build}.{chrome_patch} Mobile Safari/537.36 "
     "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.64.0/19", "US", 18),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
     "+http://www.bing.com/bingbot.htm) Chrome/{chrome}.0.0.0 Safari/537.36",
     "157.55.39.0/24", "US", 15),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
     "54.36.148.0/22", "FR", 14),
    ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
     "85.208.96.0/22", "CY", 7),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/{chrome}.0.0.0 Safari/537.36", "3.80.0.0/12", "US", 14),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
     "5.255.253.0/24", "RU", 5),
    ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "20.191.45.0/24", "US", 3),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
     "31.13.64.0/19", "IE", 6),
)

CHROME_131 = date(2024, 11, 12)
FIREFOX_133 = date(2024, 11, 26)
SAMSUNG_27 = date(2024, 11, 1)
# iOS 26 (September 2025) froze the OS version its Safari reports at 18_6.
FIRST_SAFARI_26 = date(2025, 9, 15)


def browser_versions(day: date, lag: int) -> dict[str, str]:
    """The version placeholders of BROWSERS on `day`, `lag` releases behind the newest."""
    chrome = 131 + (day - CHROME_131).days // 28 - lag
    firefox = 133 + (day - FIREFOX_133).days // 28 - lag
    samsung = 27 + (day - SAMSUNG_27).days // 182 - min(lag, 2)
    months = (day.year - 2025) * 12 + day.month - 9 - (day.day < 15) - 2 * lag
    if months >= 0:
        safari_major, minor = 26 + months // 12, months % 12 // 2
        ios = "18_6"
    else:
        safari_major, minor = 18, max(0, 6 + months // 2)
        ios = f"18_{minor}"
    return {"chrome": str(chrome), "firefox": str(firefox), "opera": str(chrome - 15),
            "samsung": str(samsung), "samsung_chrome": str(chrome - 6),
            "safari": f"{safari_major}.{minor}", "ios": ios,
            "chrome_build": str(6778 + 55 * (chrome - 131)), "chrome_patch": "108"}


# ----------------------------------------------------------------------------- countries
# (weight in % of human visitors, UTC offset in hours, public address blocks of the
# country's large access networks, IPv4 and IPv6, each of which the IP-to-country data
# app.web.geo uses places in that country).
COUNTRIES = {
    "US": (27, -5, ("73.0.0.0/8", "24.0.0.0/12", "2601::/20")),
    "DE": (12, 1, ("91.0.0.0/10", "46.80.0.0/12", "2003::/19")),
    "GB": (8, 0, ("81.128.0.0/11", "86.128.0.0/10")),
    "IN": (8, 5.5, ("1.38.0.0/15", "117.192.0.0/10", "2409:4000::/22")),
    "FR": (5, 1, ("90.0.0.0/9", "2a01:cb00::/24")),
    "CA": (4, -5, ("99.224.0.0/11", "23.16.0.0/15")),
    "NL": (4, 1, ("77.160.0.0/12",)),
    "BR": (3, -3, ("177.0.0.0/10",)),
    "ES": (3, 1, ("88.0.0.0/11", "80.24.0.0/13")),
    "PL": (3, 1, ("83.0.0.0/11",)),
    "IT": (2.5, 1, ("79.0.0.0/10", "93.32.0.0/11")),
    "SE": (2, 1, ("78.64.0.0/12",)),
    "JP": (2, 9, ("126.0.0.0/8", "240b:10::/28")),
    "AU": (2, 10, ("1.128.0.0/11", "101.160.0.0/11")),
    "CH": (1.5, 1, ("31.164.0.0/15",)),
    "AT": (1.2, 1, ("46.124.0.0/15",)),
    "BE": (1, 1, ("37.184.0.0/15",)),
    "MX": (1, -6, ("187.128.0.0/10",)),
    "DK": (1, 1, ("87.48.0.0/12",)),
    "NO": (1, 1, ("84.208.0.0/13",)),
    "CZ": (0.8, 1, ("46.13.0.0/16",)),
    "PT": (0.8, 0, ("85.240.0.0/13",)),
    "IE": (0.8, 0, ("86.40.0.0/13",)),
    "FI": (0.8, 2, ("37.33.0.0/16",)),
    "TR": (0.8, 3, ("78.160.0.0/11",)),
    "UA": (0.7, 2, ("31.144.0.0/16",)),
    "SG": (0.6, 8, ("116.86.0.0/15",)),
    "KR": (0.6, 9, ("211.192.0.0/10",)),
    "ID": (0.6, 7, ("36.64.0.0/11",)),
    "IL": (0.5, 2, ("79.176.0.0/13",)),
    "AR": (0.5, -3, ("181.0.0.0/12",)),
    "NZ": (0.4, 12, ("49.224.0.0/14",)),
    "ZA": (0.4, 2, ("41.0.0.0/14",)),
    "NG": (0.4, 1, ("105.112.0.0/12",)),
}

# ----------------------------------------------------------------------------- sources
# Search engines send their origin only; social sites mostly too (t.co a short link).
SEARCH_REFERRERS = (("https://www.google.com/", 84), ("https://www.bing.com/", 8),
                    ("https://duckduckgo.com/", 6), ("https://www.ecosia.org/", 2))
SOCIAL_REFERRERS = (("https://t.co/", 24), ("https://www.reddit.com/", 22),
                    ("https://news.ycombinator.com/", 20), ("https://www.linkedin.com/", 16),
                    ("https://www.facebook.com/", 14), ("https://mastodon.social/", 4))
OTHER_REFERRERS = (("https://github.com/example/analytics", 35),
                   ("https://stackoverflow.com/questions/7811530", 20),
                   ("https://dev.to/", 15), ("https://www.producthunt.com/", 10),
                   ("https://alternativeto.net/software/google-analytics/", 10),
                   ("https://www.indiehackers.com/", 10))
# Shares of new visits by source kind (returning visitors come more often directly).
SOURCE_KINDS = {"direct": 20, "search": 43, "social": 12, "referral": 10, "email": 7,
                "paid": 5, "campaign_social": 3}

# ----------------------------------------------------------------------------- pages
PAGES = {
    "/": "Example Analytics: privacy-first web analytics",
    "/features": "Features", "/pricing": "Pricing", "/about": "About us",
    "/contact": "Contact", "/signup": "Sign up", "/login": "Log in",
    "/changelog": "Changelog", "/privacy": "Privacy policy", "/blog": "Blog",
    "/blog/privacy-first-analytics": "Privacy-first analytics, explained",
    "/blog/cookieless-tracking": "How cookieless tracking works",
    "/blog/utm-guide": "The complete guide to UTM parameters",
    "/blog/bounce-rate-explained": "What your bounce rate really says",
    "/blog/release-2-0": "Example Analytics 2.0 is here",
    "/docs": "Documentation", "/docs/getting-started": "Getting started",
    "/docs/tracker": "The tracking script", "/docs/api": "HTTP API",
    "/docs/self-hosting": "Self-hosting", "/docs/faq": "FAQ",
}
BLOG_POSTS = tuple(path for path in PAGES if path.startswith("/blog/"))
DOCS_PAGES = tuple(path for path in PAGES if path.startswith("/docs/"))
# Where people go next from each page (weights); the exit is decided separately.
NEXT_PAGES = {
    "/": {"/features": 3, "/pricing": 4, "/blog": 2, "/docs": 2, "/signup": 2, "/login": 1.5,
          "/about": 0.5, "/changelog": 0.5},
    "/features": {"/pricing": 4, "/signup": 2, "/docs": 1.5, "/": 1},
    "/pricing": {"/signup": 5, "/features": 1.5, "/docs/faq": 1, "/contact": 1, "/": 1},
    "/signup": {"/docs/getting-started": 3, "/": 1},
    "/login": {"/docs": 1, "/": 1},
    "/blog": {**dict.fromkeys(BLOG_POSTS, 1), "/": 0.5},
    "/docs": dict.fromkeys(DOCS_PAGES, 1),
    "/about": {"/contact": 1, "/": 1, "/blog": 0.5},
    "/contact": {"/": 1, "/pricing": 0.5},
    "/changelog": {"/blog/release-2-0": 1, "/docs": 1, "/": 1},
    "/privacy": {"/": 1, "/about": 1},
}
for _post in BLOG_POSTS:
    NEXT_PAGES[_post] = {**{other: 1 for other in BLOG_POSTS if other != _post}, "/": 1,
                         "/pricing": 1, "/signup": 0.7, "/blog": 1}
for _doc in DOCS_PAGES:
    NEXT_PAGES[_doc] = {**{other: 1 for other in DOCS_PAGES if other != _doc},
                        "/pricing": 0.5, "/docs": 0.5, "/signup": 0.5, "/privacy": 0.1}
# Where visits from each source kind land.
LANDING_PAGES = {
    "direct": {"/": 55, "/login": 15, "/docs": 10, "/pricing": 10, "/docs/api": 5,
               "/blog/release-2-0": 5},
    "search": {**dict.fromkeys(BLOG_POSTS, 9), **dict.fromkeys(DOCS_PAGES, 5), "/": 25,
               "/pricing": 5},
    "social": {**dict.fromkeys(BLOG_POSTS, 16), "/": 20},
    "referral": {"/docs/self-hosting": 25, "/": 30, "/docs/api": 15, "/blog/utm-guide": 15,
                 "/features": 15},
    "email": {"/blog/release-2-0": 40, "/blog/utm-guide": 20, "/pricing": 20, "/changelog": 20},
    "paid": {"/pricing": 50, "/": 50},
    "campaign_social": {"/": 60, "/blog/release-2-0": 40},
}
# Query strings some internal links carry (left out of the page's path).
PAGE_QUERIES = {"/docs/api": ("?lang=python", "?lang=javascript", "#authentication"),
                "/pricing": ("?billing=yearly", "#faq"), "/signup": ("?plan=pro",)}
# Bounce probability of a visit by its source kind (about 45 % over all).
BOUNCE_RATES = {"direct": 0.36, "search": 0.46, "social": 0.54, "referral": 0.38,
                "email": 0.32, "paid": 0.48, "campaign_social": 0.50}

# Custom events the site fires: (its property, the values it takes).
CUSTOM_EVENTS = {
    "signup": ("plan", ("free",) * 14 + ("pro",) * 5 + ("team",)),
    "outbound_click": ("url", ("https://github.com/example/analytics",
                               "https://twitter.com/exampleanalytics",
                               "https://www.npmjs.com/package/example-analytics",
                               "https://hub.docker.com/r/example/analytics")),
    "file_download": ("file", ("docker-compose.yml", "example-analytics-2.0.tar.gz")),
    "newsletter_subscribe": ("form", ("footer", "inline")),
}
SEARCH_TERMS = ("privacy analytics", "google analytics alternative", "cookieless analytics",
                "web analytics gdpr", "example analytics")


# ----------------------------------------------------------------------------- drawing

class Weighted:
    """Items to draw in proportion to their weights: a bisection per draw (random.choices
    rebuilds its cumulative weights every call, a few times slower).
    """

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs):
        pairs = list(pairs.items() if isinstance(pairs, dict) else pairs)
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        """One item, drawn with `rng`."""
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


# ------------------------------------------------------------- campaign calendar, addresses

def first_tuesday(year: int, month: int) -> date:
    """The day the monthly newsletter goes out."""
    first = date(year, month, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7)


def campaigns_on(day: date) -> dict:
    """The day's campaign names by kind and its traffic boost: the newsletter of the month
    (busy on its send day and the two after), a spring sale, a launch week in September and
    Black Friday week.
    """
    sent = first_tuesday(day.year, day.month)
    if day < sent:
        sent = first_tuesday(day.year - (day.month == 1), (day.month - 2) % 12 + 1)
    since_sent = (day - sent).days
    boost = {0: 1.35, 1: 1.15, 2: 1.05}.get(since_sent, 1.0)
    sale = None
    if date(day.year, 3, 15) <= day <= date(day.year, 4, 15):
        sale = "spring_sale"
    elif date(day.year, 11, 24) <= day <= date(day.year, 12, 1):
        sale, boost = "black_friday", boost * 1.2
    launch = date(day.year, 9, 8) <= day <= date(day.year, 9, 14)
    if launch:
        boost *= 2.2 if day.day <= 9 else 1.4
    kinds = dict(SOURCE_KINDS)
    kinds["email"] *= 4.0 if since_sent < 2 else 1.0
    kinds["paid"] *= 2.5 if sale else 1.0
    kinds["campaign_social"] *= 8 if launch else 1.0
    return {"newsletter": f"newsletter_{sent.year}_{sent.month:02d}", "sale": sale,
            "launch": launch, "kinds": Weighted(kinds), "boost": boost}


@functools.cache
def network_of(block: str) -> tuple:
    """(first address, size) of a CIDR block."""
    network = ipaddress.ip_network(block)
    return network.network_address, network.num_addresses


def address_in(block: str, serial: int) -> str:
    """The `serial`-th address of a block, spread over it by an odd multiplier (a bijection
    modulo the block's power-of-two size, so distinct serials give distinct addresses).
    """
    first, size = network_of(block)
    return str(first + max((serial * 2654435761 + 12345) % size, 1))


@functools.cache
def address_blocks(country: str) -> tuple[list[str], list[str]]:
    """The country's IPv4 and IPv6 blocks."""
    blocks = COUNTRIES[country][2]
    return [block for block in blocks if ":" not in block], [b for b in blocks if ":" in b]
