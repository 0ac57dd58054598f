"""Devices: browser, browser major version, OS, device type and bot-ness from a User-Agent.

ua-parser (its builtin rules, run by its Rust accelerator ua-parser-rs when installed) names
the browser, OS and device; crawlerdetect's patterns and ua-parser's "Spider" device tell
bots. Results are cached by User-Agent.
"""

import re
from functools import lru_cache
from typing import NamedTuple

import ua_parser
import ua_parser_rs
from crawlerdetect.providers.crawlers import data as crawler_patterns
from crawlerdetect.providers.exclusions import data as exclusion_patterns

# Longer User-Agents are cut before parsing: real ones are a few hundred characters, and
# parsing stays linear-time and bounded (a 10 KB header costs about a millisecond).
MAX_USER_AGENT = 1000
CACHE_SIZE = 4096

BROWSER_NAMES = {
    "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome", "Chromium": "Chrome",
    "Chrome Mobile WebView": "Android WebView",
    "Firefox Mobile": "Firefox", "Firefox iOS": "Firefox", "Firefox Beta": "Firefox",
    "Mobile Safari": "Safari", "Mobile Safari UI/WKWebView": "Safari",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera", "Opera Touch": "Opera", "Opera GX": "Opera",
    "IE": "Internet Explorer", "IE Mobile": "Internet Explorer",
    "Yandex Browser": "Yandex Browser", "UC Browser": "UC Browser",
    "DuckDuckGo Mobile": "DuckDuckGo",
}
OS_NAMES = {
    "Mac OS X": "macOS",
    # Distributions are one "Linux", as browsers report them inconsistently anyway.
    **dict.fromkeys(["Ubuntu", "Debian", "Fedora", "Linux Mint", "Arch Linux", "openSUSE",
                     "Red Hat", "CentOS", "Gentoo", "Mandriva", "Slackware", "Kubuntu",
                     "Xubuntu", "Lubuntu", "elementary OS"], "Linux"),
}
_MAX_NAME = 64
_MAX_VERSION = 16
# Automation that sends a browser's User-Agent with a telltale word in it.
_HEADLESS_MARKERS = ("headless", "phantomjs", "lighthouse", "puppeteer", "selenium")
_TABLET_MARKERS = ("ipad", "tablet", "kindle", "silk/", "playbook")
_MOBILE_MARKERS = ("mobi", "iphone", "ipod", "windows phone", "blackberry", "kaios",
                   "opera mini")


class Device(NamedTuple):
    """What a User-Agent says. device_type is "desktop", "mobile", "tablet" or None (no or
    unknown User-Agent, or a bot).
    """

    browser: str | None
    browser_version: str | None
    os: str | None
    device_type: str | None
    is_bot: bool


NO_DEVICE = Device(None, None, None, None, False)


def load_rules() -> None:
    """Build the parsers now (about half a second) rather than on the first User-Agent."""
    _parser()
    _crawler_matchers()


def device_of(user_agent: str | None) -> Device:
    """The browser, major version, OS, device type and bot-ness of a User-Agent.

    A missing or blank User-Agent is no bot (nothing says it is; many privacy tools and
    server-side senders send none) and no device: all None, is_bot False.
    """
    if not isinstance(user_agent, str):
        return NO_DEVICE
    return _device_of(user_agent[:MAX_USER_AGENT].strip())


@lru_cache(maxsize=CACHE_SIZE)
def _device_of(user_agent: str) -> Device:
    if not user_agent:
        return NO_DEVICE
    parsed = _parser().parse(user_agent)
    device_family = parsed.device.family if parsed.device else None
    is_bot = device_family == "Spider" or is_crawler(user_agent)
    agent = parsed.user_agent
    browser = _named(agent.family, BROWSER_NAMES) if agent else None
    os = _named(parsed.os.family, OS_NAMES) if parsed.os else None
    version = agent.major[:_MAX_VERSION] if agent and agent.major and browser else None
    return Device(browser, version, os,
                  None if is_bot else _device_type(user_agent, browser, os, device_family),
                  is_bot)


def _named(family: str, names: dict[str, str]) -> str | None:
    """The friendly name of a ua-parser family; None for its "Other" (unknown)."""
    if family == "Other":
        return None
    return names.get(family, family)[:_MAX_NAME]


def _device_type(user_agent: str, browser: str | None, os: str | None,
                 device_family: str | None) -> str | None:
    """"tablet" for iPads and Android tablets (Android without "Mobile"), "mobile" for phones,
    "desktop" for other browsers; None when neither browser nor OS is known.
    """
    lowered = user_agent.lower()
    if device_family == "iPad" or any(marker in lowered for marker in _TABLET_MARKERS):
        return "tablet"
    if device_family == "iPhone" or any(marker in lowered for marker in _MOBILE_MARKERS):
        return "mobile"
    if os == "Android":
        return "tablet" if device_family != "Generic Smartphone" else "mobile"
    if os == "iOS":
        return "mobile"
    if browser is None and os is None:
        return None
    return "desktop"


def is_crawler(user_agent: str) -> bool:
    """Whether crawlerdetect's rules call this User-Agent a bot, or it names a headless or
    automated browser.

    crawlerdetect's own matcher runs its 1,400 patterns as one Python regex: 0.5 ms for a
    browser's User-Agent and 100 ms or more for 1,000 characters of junk. The same patterns
    run here in ua-parser-rs's linear-time Rust matcher (1-50 µs); the rare pattern that it
    cannot compile (a lookahead) stays a Python regex.
    """
    lowered = user_agent.lower()
    if any(marker in lowered for marker in _HEADLESS_MARKERS):
        return True
    matchers = _crawler_matchers()
    # As crawlerdetect does: browser tokens (Mozilla/5.0, Safari/537.36 ...) go first, so
    # that only what is left can match a crawler pattern.
    agent = matchers.exclusions.sub("", user_agent)
    if not agent:
        return False
    return (matchers.rust.extract(agent) is not None
            or any(pattern.search(agent) for pattern in matchers.python))


class _CrawlerMatchers(NamedTuple):
    exclusions: re.Pattern
    rust: ua_parser_rs.DeviceExtractor
    python: tuple[re.Pattern, ...]


# Syntax of Python's re that Rust's regex lacks: look-around and back-references.
_PYTHON_ONLY_SYNTAX = re.compile(r"\(\?<?[=!]|\\[1-9]")


@lru_cache(maxsize=1)
def _crawler_matchers() -> _CrawlerMatchers:
    rust_patterns = [pattern for pattern in crawler_patterns
                     if not _PYTHON_ONLY_SYNTAX.search(pattern)]
    try:
        rust = _rust_matcher(rust_patterns)
    except ValueError:  # other syntax it lacks, in a later crawlerdetect: sort one by one
        rust_patterns = [pattern for pattern in rust_patterns if _compiles_in_rust(pattern)]
        rust = _rust_matcher(rust_patterns)
    in_rust = set(rust_patterns)
    return _CrawlerMatchers(
        re.compile("|".join(exclusion_patterns), re.IGNORECASE),
        rust,
        tuple(re.compile(pattern, re.IGNORECASE)
              for pattern in crawler_patterns if pattern not in in_rust),
    )


def _rust_matcher(patterns: list[str]) -> ua_parser_rs.DeviceExtractor:
    """One case-insensitive matcher for all the patterns: extract() is None when none match."""
    return ua_parser_rs.DeviceExtractor([(pattern, "i", "bot", None, None)
                                         for pattern in patterns])


def _compiles_in_rust(pattern: str) -> bool:
    try:
        _rust_matcher([pattern])
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1)
def _parser() -> ua_parser.Parser:
    """ua-parser's builtin rules on its best resolver (ua-parser-rs), without its own cache:
    _device_of caches whole results.
    """
    return ua_parser.Parser(ua_parser.BestAvailableResolver(ua_parser.load_lazy_builtins()))
