"""Browsers, operating systems, device types and bots from real User-Agents: app/web/devices.py."""

import time

import pytest
from crawlerdetect import CrawlerDetect

from app.web.devices import MAX_USER_AGENT, Device, device_of, is_crawler

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/124.0.0.0 Safari/537.36")

BROWSERS = {
    CHROME_WINDOWS: ("Chrome", "124", "Windows", "desktop"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36": ("Chrome", "124", "macOS", "desktop"),
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
    "Safari/537.36": ("Chrome", "124", "Linux", "desktop"),
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36": ("Chrome", "124", "Chrome OS", "desktop"),
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36": ("Chrome", "124", "Android", "mobile"),
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36": ("Chrome", "124", "Android", "mobile"),
    # An Android tablet says no "Mobile".
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36": ("Chrome", "124", "Android", "tablet"),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1": ("Chrome", "124", "iOS", "mobile"),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1": ("Safari", "17", "iOS", "mobile"),
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1": ("Safari", "17", "iOS", "tablet"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15": ("Safari", "17", "macOS", "desktop"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0":
        ("Firefox", "125", "Windows", "desktop"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0":
        ("Firefox", "125", "macOS", "desktop"),
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0":
        ("Firefox", "125", "Linux", "desktop"),
    "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0":
        ("Firefox", "125", "Android", "mobile"),
    "Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0":
        ("Firefox", "125", "Android", "tablet"),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15": ("Firefox", "125", "iOS", "mobile"),
    CHROME_WINDOWS + " Edg/124.0.2478.67": ("Edge", "124", "Windows", "desktop"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67": ("Edge", "124", "macOS", "desktop"),
    "Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36 EdgA/124.0.2478.62":
        ("Edge", "124", "Android", "mobile"),
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36":
        ("Samsung Internet", "24", "Android", "mobile"),
    CHROME_WINDOWS + " OPR/109.0.0.0": ("Opera", "109", "Windows", "desktop"),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Instagram 327.0.0.30.120": ("Instagram", "327", "iOS", "mobile"),
}

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.6367.60 Safari/537.36",
    "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 "
    "Safari/538.1",
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Wget/1.21.4",
    "Go-http-client/1.1",
    "okhttp/4.12.0",
]


@pytest.mark.parametrize("user_agent", list(BROWSERS), ids=range(len(BROWSERS)))
def test_browsers_their_versions_systems_and_device_types(user_agent):
    browser, version, os, device_type = BROWSERS[user_agent]
    assert device_of(user_agent) == Device(browser, version, os, device_type, False)


@pytest.mark.parametrize("user_agent", BOTS, ids=range(len(BOTS)))
def test_crawlers_headless_browsers_and_http_tools_are_bots_with_no_device_type(user_agent):
    device = device_of(user_agent)
    assert device.is_bot is True
    assert device.device_type is None


def test_googlebot_still_names_itself():
    device = device_of(BOTS[0])
    assert (device.browser, device.browser_version) == ("Googlebot", "2")


@pytest.mark.parametrize("user_agent", [None, "", "   ", 42, b"curl/8"])
def test_a_missing_user_agent_is_no_device_and_no_bot(user_agent):
    assert device_of(user_agent) == Device(None, None, None, None, False)


@pytest.mark.parametrize("user_agent", ["Mozilla/5.0", "x", "(((((", "\x00\x01", "\u00e9\u00e8"])
def test_an_unknown_user_agent_has_no_device_type(user_agent):
    device = device_of(user_agent)
    assert device.browser is None and device.os is None and device.device_type is None


def test_bot_detection_agrees_with_crawlerdetect():
    """The same rules as crawlerdetect's own matcher (ours runs them in Rust), on every
    User-Agent here and on the pattern that the Rust engine cannot run (a lookahead).
    """
    detector = CrawlerDetect()
    samples = [*BROWSERS, *BOTS, "YandexSearch/1.0 (iPhone)", "Mozilla/5.0 (compatible; "
               "YandexMetrika/2.0)", "Mozilla/5.0 (Linux; Android 13; cubot X30) "
               "AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", "Java/17.0.2",
               "Mozilla/5.0 Mozilla/5.0", "Safari/537.36"]
    headless = ("headless", "phantomjs", "lighthouse")
    for user_agent in samples:
        if not any(marker in user_agent.lower() for marker in headless):
            assert is_crawler(user_agent) == detector.is_crawler(user_agent), user_agent
    assert is_crawler("YandexSearch/1.0 (iPhone)") is False
    assert is_crawler("Mozilla/5.0 (compatible; YandexMetrika/2.0)") is True


@pytest.mark.parametrize("junk", [
    "Mozilla/5.0 " + "A" * 10_000,
    CHROME_WINDOWS + " " + "x/1.0 (a; b) " * 800,
    "(" * 10_000,
    "Mozilla/5.0 (" + "Chrome/1 " * 1200,
    "\U0001f600" * 10_000,
])
def test_a_10_kb_user_agent_costs_a_few_milliseconds_at_most(junk):
    device_of(CHROME_WINDOWS)  # the parsers are built on first use
    started = time.perf_counter()
    device_of(junk)
    assert time.perf_counter() - started < 0.02


def test_a_long_user_agent_is_read_up_to_1000_characters():
    padded = CHROME_WINDOWS + " " * (MAX_USER_AGENT - len(CHROME_WINDOWS))
    assert device_of(padded + "Googlebot/2.1") == device_of(CHROME_WINDOWS)
    assert device_of(CHROME_WINDOWS + " Googlebot/2.1").is_bot is True


def test_new_user_agents_parse_in_well_under_a_millisecond_and_repeats_are_cached():
    device_of(CHROME_WINDOWS)
    unseen = [f"{CHROME_WINDOWS} Build/{index}" for index in range(200)]
    started = time.perf_counter()
    for user_agent in unseen:
        device_of(user_agent)
    assert (time.perf_counter() - started) / len(unseen) < 0.001
    started = time.perf_counter()
    for user_agent in unseen:
        device_of(user_agent)
    assert (time.perf_counter() - started) / len(unseen) < 0.00005
