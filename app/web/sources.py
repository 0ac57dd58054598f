"""Pages and traffic sources: an event's hostname, path and UTM values from its page URL, the
referring domain, and the channel (GA4's default channel grouping, in spirit).

Pure and cached. Nothing here raises on any string: a URL that does not parse, or is not
http(s), simply gives no parts.
"""

from functools import lru_cache
from typing import NamedTuple
from urllib.parse import SplitResult, parse_qsl, urlsplit

# What GA4's source categories hold, cut to the sites that send real traffic. Brands match
# the label before the public suffix (google.de, www.google.co.uk); hosts match a host or
# its parent domain and win over brands (mail.google.com is email, not search).
SEARCH_BRANDS = frozenset(
    "google bing duckduckgo yahoo yandex baidu ecosia qwant startpage naver daum seznam "
    "sogou so 360 ask aol kagi mojeek swisscows metager presearch yep ya rambler lycos "
    "dogpile webcrawler excite searx searxng".split()
)
SOCIAL_BRANDS = frozenset(
    "facebook fb instagram twitter linkedin lnkd reddit pinterest tiktok snapchat tumblr "
    "vk weibo quora threads bsky discord whatsapp telegram messenger wechat xing "
    "tripadvisor meetup nextdoor flickr deviantart goodreads stackoverflow stackexchange "
    "fosstodon hachyderm lemmy kbin douban line kakao producthunt slack "
    "yelp medium".split()
)
# Mastodon instances: mastodon.online, mstdn.jp, mastodon.example.org ...
_FEDIVERSE_PREFIXES = ("mastodon", "mstdn")
VIDEO_BRANDS = frozenset("youtube youtu vimeo twitch dailymotion rumble bilibili".split())
SOURCE_HOSTS = {
    # news.ycombinator.com (Hacker News) is social in GA4's list too.
    **dict.fromkeys(
        "t.co x.com ok.ru pin.it threads.net bsky.app t.me news.ycombinator.com "
        "mastodon.social mastodon.online infosec.exchange social.coop".split(), "social"),
    **dict.fromkeys(
        "search.brave.com search.yahoo.com search.aol.com you.com perplexity.ai "
        "search.seznam.cz".split(), "search"),
    **dict.fromkeys(
        "mail.google.com inbox.google.com outlook.live.com outlook.office.com "
        "outlook.office365.com mail.yahoo.com mail.yandex.ru mail.yandex.com e.mail.ru "
        "mail.proton.me mail.aol.com app.fastmail.com mail.zoho.com mail.gmx.net "
        "mail.gmx.com web.de navigator.web.de mail.ionos.com webmail.1und1.de "
        "email.t-online.de".split(), "email"),
    # Google, Yahoo and Yandex sites that are no search engine.
    **dict.fromkeys(
        "docs.google.com drive.google.com sites.google.com groups.google.com "
        "calendar.google.com meet.google.com classroom.google.com accounts.google.com "
        "play.google.com developers.google.com support.google.com cloud.google.com "
        "translate.google.com translate.goog news.yahoo.com finance.yahoo.com "
        "disk.yandex.ru".split(), "other"),
}
# utm_source values that are no host name nor brand.
SOURCE_NAMES = {
    **dict.fromkeys(["email", "e-mail", "e_mail", "e mail", "newsletter", "mailchimp",
                     "sendgrid", "brevo", "klaviyo", "mailerlite", "convertkit", "substack"],
                    "email"),
    **dict.fromkeys(["fb", "ig", "tw", "li", "x", "hn", "hackernews"], "social"),
    "yt": "video",
}
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "e_mail", "e mail", "newsletter", "mail"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_PATHNAME = 500
MAX_HOSTNAME = 255
MAX_UTM_VALUE = 200
CACHE_SIZE = 4096

# C0 controls and DEL never belong in a stored value (Postgres refuses NUL in text).
_CONTROL_CHARACTERS = dict.fromkeys([*range(0x20), 0x7F])
# Characters that no hostname has; urlsplit lets them through.
_NOT_IN_HOSTNAMES = frozenset(" \t\r\n\\/?#@%<>\"'`{}|^,;=!$&()*+~")
# Second-level labels under a country code (google.co.uk, yahoo.co.jp, google.com.br),
# so that the brand is the label before them.
_COUNTRY_SECOND_LEVELS = frozenset(
    "co com net org gov edu ac or ne go gob gouv ltd plc nic mil".split()
)
_PAID_MEDIUMS = frozenset({"ppc", "retargeting"})
_DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
_REFERRAL_MEDIUMS = frozenset({"referral", "app", "link"})


class PageParts(NamedTuple):
    """What the page URL says: hostname and path (None unless it is an http(s) URL) and
    its UTM parameters, keyed by their names (utm_source ...).
    """

    hostname: str | None
    pathname: str | None
    utm: dict[str, str]


def page_parts(page_url: str | None) -> PageParts:
    """The hostname (lower case), the path (no query or fragment, "/" when empty, at most
    500 characters) and the UTM values (stripped, at most 200 characters) of a page URL.
    """
    hostname, pathname, utm_items = _page_parts(page_url) if isinstance(page_url, str) else (
        None, None, ())
    # A new dict per call: the cached tuple must not be changed through a caller's dict.
    return PageParts(hostname, pathname, dict(utm_items))


@lru_cache(maxsize=CACHE_SIZE)
def _page_parts(page_url: str) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    stripped = page_url.strip()
    if stripped.startswith("/") and not stripped.startswith("//"):
        # A bare path, as server-side senders often send: no hostname, but its page and UTMs.
        try:
            parts = urlsplit(stripped)
        except ValueError:
            return None, None, ()
        return (None, parts.path.translate(_CONTROL_CHARACTERS)[:MAX_PATHNAME] or "/",
                _utm_of(parts.query))
    parts = _split_http_url(page_url)
    if parts is None:
        return None, None, ()
    hostname = _hostname_of(parts)
    if hostname is None:
        return None, None, ()
    pathname = parts.path.translate(_CONTROL_CHARACTERS)[:MAX_PATHNAME] or "/"
    return hostname, pathname, _utm_of(parts.query)


def referrer_domain(referrer: str | None, own_hostnames: set[str]) -> str | None:
    """The referring site's host, lower case and without a leading "www.", or None when
    there is no referrer, it is not an http(s) URL, or it is one of the site's own hosts.
    """
    if not isinstance(referrer, str):
        return None
    domain = _referrer_host(referrer)
    if domain is None:
        return None
    for own in own_hostnames:
        if own and _without_www(own.lower()) == domain:
            return None
    return domain


@lru_cache(maxsize=CACHE_SIZE)
def _referrer_host(referrer: str) -> str | None:
    parts = _split_http_url(referrer)
    hostname = _hostname_of(parts) if parts is not None else None
    return _without_www(hostname) if hostname else None


def channel(referrer_domain: str | None, utm: dict) -> str:
    """The visit's channel: Direct, Organic Search, Paid Search, Organic Social, Paid Social,
    Email, Referral, Affiliates, Display, Organic Video or Paid Other.

    The UTM source, when given, names the source; else the referrer does.
    """
    return _channel(referrer_domain or None, _lowered(utm.get("utm_source")),
                    _lowered(utm.get("utm_medium")), bool(utm.get("utm_campaign")))


@lru_cache(maxsize=CACHE_SIZE)
def _channel(domain: str | None, source: str, medium: str, has_campaign: bool) -> str:
    kind = _source_kind(source) if source else _host_kind(domain) if domain else None
    # GA4's order: paid traffic first, then what the medium says, then the source.
    if medium and ("cp" in medium or medium.startswith("paid") or medium in _PAID_MEDIUMS):
        if kind == "search":
            return "Paid Search"
        if kind == "social":
            return "Paid Social"
        return "Display" if medium in _DISPLAY_MEDIUMS else "Paid Other"
    if medium in _DISPLAY_MEDIUMS:
        return "Display"
    if medium in EMAIL_MEDIUMS or kind == "email":
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    if medium in _REFERRAL_MEDIUMS:
        return "Referral"
    if medium in SOCIAL_MEDIUMS or kind == "social":
        return "Organic Social"
    if "video" in medium or kind == "video":
        return "Organic Video"
    if medium == "organic" or kind == "search":
        return "Organic Search"
    # Direct is no referrer and no tag at all: a tagged link was followed from somewhere.
    return "Referral" if domain or source or medium or has_campaign else "Direct"


def _source_kind(source: str) -> str | None:
    """search, social, video or email for a utm_source: a name (google, fb, newsletter)
    or a host (facebook.com).
    """
    if source in SOURCE_NAMES:
        return SOURCE_NAMES[source]
    if "." in source:
        hostname = _without_www(source.split("/", 1)[0])
        return _host_kind(hostname)
    return _brand_kind(source)


def _host_kind(hostname: str) -> str | None:
    """search, social, video or email for a host; None for any other site.

    Known hosts first, the most specific suffix winning (mail.google.com is email,
    google.com search), then the brand: the label before the public suffix.
    """
    labels = hostname.split(".")
    for start in range(len(labels) - 1):
        kind = SOURCE_HOSTS.get(".".join(labels[start:]))
        if kind:
            return kind
    if labels[0].startswith(_FEDIVERSE_PREFIXES):  # mastodon.example.org, its own instance
        return "social"
    return _brand_kind(_brand_of(labels))


def _brand_kind(brand: str) -> str | None:
    if brand in SEARCH_BRANDS:
        return "search"
    if brand in SOCIAL_BRANDS or brand.startswith(_FEDIVERSE_PREFIXES):
        return "social"
    if brand in VIDEO_BRANDS:
        return "video"
    return None


def _brand_of(labels: list[str]) -> str:
    """Google for www.google.co.uk, google.de or google.com.br; the host's first label
    when it has one only.
    """
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _COUNTRY_SECOND_LEVELS:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def _split_http_url(url: str) -> SplitResult | None:
    """Urlsplit of an http(s) URL, or None for another scheme or a URL that does not parse."""
    url = url.strip()
    if not url[:8].lower().startswith(("http://", "https://")):
        return None
    try:
        return urlsplit(url)
    except ValueError:  # "http://[::1" and such
        return None


def _hostname_of(parts: SplitResult) -> str | None:
    """The lower-case hostname without a trailing dot, None when it is empty or not a name."""
    if "\\" in parts.netloc:  # browsers read a backslash as "/", urlsplit does not: no guess
        return None
    try:
        hostname = parts.hostname
    except ValueError:
        return None
    if not hostname:
        return None
    hostname = hostname.rstrip(".")
    if (not hostname or len(hostname) > MAX_HOSTNAME
            or not _NOT_IN_HOSTNAMES.isdisjoint(hostname)
            or hostname != hostname.translate(_CONTROL_CHARACTERS)):
        return None
    return hostname


def _utm_of(query: str) -> tuple[tuple[str, str], ...]:
    """The UTM parameters of a query string, each key's first non-blank value."""
    if "utm_" not in query.lower():
        return ()
    found: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False, max_num_fields=None):
        key = key.strip().lower()
        if key in UTM_KEYS and key not in found:
            value = value.translate(_CONTROL_CHARACTERS).strip()[:MAX_UTM_VALUE].strip()
            if value:
                found[key] = value
    return tuple(found.items())


def _without_www(hostname: str) -> str:
    return hostname[4:] if hostname.startswith("www.") else hostname


def _lowered(value: object) -> str:
    return value.strip().lower() if isinstance(value, str) else ""
