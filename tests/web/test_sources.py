"""Page URLs, referrers and channels: app/web/sources.py, hostile input included."""

import time

import pytest

from app.web.sources import PageParts, channel, page_parts, referrer_domain

NO_PARTS = PageParts(None, None, {})

HOSTILE_URLS = [
    "data:text/html,<script>alert(1)</script>",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)//https://example.com/",
    "http://[::1",
    "http://%zz/",
    "https://exa mple.com/",
    "http://",
    "https:///no-host",
    "http:/example.com/x",
    "//example.com/x",
    "example.com/pricing",
    "ftp://example.com/file",
    "file:///etc/passwd",
    "mailto:someone@example.com",
    "about:blank",
    "",
    "   ",
    "\x00\x01\x02",
    "http://a.com\\@evil.com/",
    "http://<script>/",
    "https://" + "a" * 300 + ".com/",
    "x" * 10_000,
    "http://" + "%" * 10_000,
    "https://[" + "1:" * 5000 + "]/",
    "h" * 5000 + "://x",
    "\U0001f600://\U0001f600",
]


@pytest.mark.parametrize("url", HOSTILE_URLS, ids=range(len(HOSTILE_URLS)))
def test_urls_that_are_no_http_page_give_no_parts(url):
    assert page_parts(url) == NO_PARTS


@pytest.mark.parametrize("value", [None, 5, b"https://example.com/", ["https://example.com/"]])
def test_non_strings_give_no_parts(value):
    assert page_parts(value) == NO_PARTS
    assert referrer_domain(value, set()) is None


def test_a_page_url_gives_its_lowercase_host_its_path_and_its_utm_values():
    parts = page_parts("HTTPS://Shop.Example.COM:8443/Pricing/Plans?utm_source=Google"
                       "&utm_medium=CPC&utm_campaign=Spring%20Sale&utm_term=+running+shoes+"
                       "&utm_content=banner_1&ref=abc#section")
    assert parts.hostname == "shop.example.com"
    assert parts.pathname == "/Pricing/Plans"
    # Values keep their case (campaign names are the sender's), stripped of spaces.
    assert parts.utm == {"utm_source": "Google", "utm_medium": "CPC",
                         "utm_campaign": "Spring Sale", "utm_term": "running shoes",
                         "utm_content": "banner_1"}


@pytest.mark.parametrize(("url", "hostname", "pathname"), [
    ("https://example.com", "example.com", "/"),
    ("https://example.com?utm_source=x", "example.com", "/"),
    ("https://example.com/#/spa/route", "example.com", "/"),
    ("  https://example.com/a  ", "example.com", "/a"),
    ("http://user:secret@www.example.com/login", "www.example.com", "/login"),
    ("http://example.com./x", "example.com", "/x"),
    ("http://[2001:db8::1]:8080/x", "2001:db8::1", "/x"),
    ("http://192.0.2.7/x", "192.0.2.7", "/x"),
    ("https://bücher.example/straße", "bücher.example", "/straße"),
    ("https://xn--bcher-kva.example/", "xn--bcher-kva.example", "/"),
    ("http://example.com:99999/bad-port-is-no-matter", "example.com", "/bad-port-is-no-matter"),
    ("https://example.com/a%20b/%zz", "example.com", "/a%20b/%zz"),
    ("https://example.com/a\x00b\x7fc", "example.com", "/abc"),
])
def test_hosts_and_paths(url, hostname, pathname):
    parts = page_parts(url)
    assert (parts.hostname, parts.pathname) == (hostname, pathname)


@pytest.mark.parametrize(("url", "pathname", "utm"), [
    ("/pricing?utm_source=news", "/pricing", {"utm_source": "news"}),
    ("/", "/", {}),
    ("/a#frag", "/a", {}),
    ("//evil.example/x", None, {}),  # protocol-relative: a host, not a path of ours
])
def test_a_bare_path_gives_its_path_and_utm_values_but_no_host(url, pathname, utm):
    parts = page_parts(url)
    assert (parts.hostname, parts.pathname, parts.utm) == (None, pathname, utm)


def test_paths_are_cut_to_500_characters_and_utm_values_to_200():
    parts = page_parts("https://example.com/" + "p" * 3000 + "?utm_source=" + "s" * 500
                       + "&utm_medium=%20email%20")
    assert parts.pathname == "/" + "p" * 499
    assert parts.utm == {"utm_source": "s" * 200, "utm_medium": "email"}


def test_utm_keys_first_non_blank_value_wins_and_other_parameters_are_ignored():
    parts = page_parts("https://example.com/?utm_source=&utm_source=%20%20&utm_source=news"
                       "&utm_source=later&UTM_MEDIUM=email&utm_id=7&utm_sourcex=no&gclid=1"
                       "&utm_campaign=%00%01")
    assert parts.utm == {"utm_source": "news", "utm_medium": "email"}


def test_the_returned_utm_dict_is_the_callers_own():
    url = "https://example.com/?utm_source=news"
    page_parts(url).utm["utm_source"] = "changed"
    assert page_parts(url).utm == {"utm_source": "news"}


def test_a_10_kb_url_is_parsed_quickly():
    url = "https://example.com/" + "a/" * 2500 + "?" + "&".join(f"k{i}=v" for i in range(900))
    started = time.perf_counter()
    parts = page_parts(url + "&utm_source=x")
    assert time.perf_counter() - started < 0.05
    assert parts.hostname == "example.com"
    assert parts.utm == {"utm_source": "x"}


@pytest.mark.parametrize(("referrer", "domain"), [
    ("https://www.google.com/", "google.com"),
    ("https://WWW.Google.CO.UK/search?q=x", "google.co.uk"),
    ("http://news.ycombinator.com/item?id=1", "news.ycombinator.com"),
    ("https://user:pass@blog.example.org:8080/post", "blog.example.org"),
    ("https://www2.example.net/", "www2.example.net"),
    ("https://t.co/abc", "t.co"),
    ("https://bing.com.", "bing.com"),
])
def test_referrer_domain_is_the_lowercase_host_without_www(referrer, domain):
    assert referrer_domain(referrer, {"example.com"}) == domain


@pytest.mark.parametrize("referrer", HOSTILE_URLS + [
    "android-app://com.google.android.gm/", "null", "about:srcdoc"])
def test_malformed_or_non_http_referrers_have_no_domain(referrer):
    assert referrer_domain(referrer, {"example.com"}) is None


@pytest.mark.parametrize(("referrer", "own"), [
    ("https://example.com/pricing", {"example.com"}),
    ("https://www.example.com/pricing", {"example.com"}),
    ("https://example.com/pricing", {"www.example.com"}),
    ("https://EXAMPLE.com/", {"Example.COM"}),
    ("https://docs.example.com/", {"example.com", "docs.example.com"}),
])
def test_the_sites_own_hosts_are_no_referrer(referrer, own):
    assert referrer_domain(referrer, own) is None


def test_another_subdomain_of_the_site_is_a_referrer():
    assert referrer_domain("https://blog.example.com/", {"example.com"}) == "blog.example.com"
    assert referrer_domain("https://example.com/", set()) == "example.com"
    assert referrer_domain("https://example.com/", {""}) == "example.com"


@pytest.mark.parametrize(("domain", "expected"), [
    (None, "Direct"),
    ("", "Direct"),
    ("google.com", "Organic Search"),
    ("google.de", "Organic Search"),
    ("google.co.uk", "Organic Search"),
    ("google.com.br", "Organic Search"),
    ("bing.com", "Organic Search"),
    ("duckduckgo.com", "Organic Search"),
    ("search.yahoo.co.jp", "Organic Search"),
    ("yandex.ru", "Organic Search"),
    ("baidu.com", "Organic Search"),
    ("ecosia.org", "Organic Search"),
    ("qwant.com", "Organic Search"),
    ("search.brave.com", "Organic Search"),
    ("startpage.com", "Organic Search"),
    ("facebook.com", "Organic Social"),
    ("l.facebook.com", "Organic Social"),
    ("m.facebook.com", "Organic Social"),
    ("instagram.com", "Organic Social"),
    ("t.co", "Organic Social"),
    ("x.com", "Organic Social"),
    ("twitter.com", "Organic Social"),
    ("linkedin.com", "Organic Social"),
    ("lnkd.in", "Organic Social"),
    ("old.reddit.com", "Organic Social"),
    ("pinterest.co.uk", "Organic Social"),
    ("tiktok.com", "Organic Social"),
    ("mastodon.social", "Organic Social"),
    ("fosstodon.org", "Organic Social"),
    ("mastodon.example.org", "Organic Social"),
    ("news.ycombinator.com", "Organic Social"),
    ("youtube.com", "Organic Video"),
    ("m.youtube.com", "Organic Video"),
    ("youtu.be", "Organic Video"),
    ("vimeo.com", "Organic Video"),
    ("mail.google.com", "Email"),
    ("outlook.live.com", "Email"),
    ("mail.yahoo.com", "Email"),
    ("docs.google.com", "Referral"),
    ("brave.com", "Referral"),
    ("example.org", "Referral"),
    ("googleblog.example.com", "Referral"),
    ("localhost", "Referral"),
    ("2001:db8::1", "Referral"),
])
def test_channel_of_a_referrer_alone(domain, expected):
    assert channel(domain, {}) == expected


@pytest.mark.parametrize(("utm", "domain", "expected"), [
    ({"utm_source": "google", "utm_medium": "cpc"}, None, "Paid Search"),
    ({"utm_source": "Google", "utm_medium": "PPC"}, "google.com", "Paid Search"),
    ({"utm_medium": "paidsearch"}, "bing.com", "Paid Search"),
    ({"utm_source": "facebook", "utm_medium": "paid_social"}, None, "Paid Social"),
    ({"utm_source": "ig", "utm_medium": "cpc"}, "instagram.com", "Paid Social"),
    ({"utm_source": "linkedin.com", "utm_medium": "retargeting"}, None, "Paid Social"),
    ({"utm_source": "partner", "utm_medium": "cpc"}, None, "Paid Other"),
    ({"utm_source": "youtube", "utm_medium": "cpv"}, None, "Paid Other"),
    ({"utm_source": "adnetwork", "utm_medium": "cpm"}, None, "Display"),
    ({"utm_medium": "banner"}, "example.org", "Display"),
    ({"utm_source": "newsletter"}, None, "Email"),
    ({"utm_source": "mailchimp", "utm_medium": "whatever"}, None, "Email"),
    ({"utm_medium": "email", "utm_source": "google"}, None, "Email"),
    ({"utm_medium": "E-Mail"}, None, "Email"),
    ({"utm_medium": "newsletter", "utm_campaign": "may"}, None, "Email"),
    ({"utm_medium": "affiliate", "utm_source": "partner"}, None, "Affiliates"),
    ({"utm_medium": "referral", "utm_source": "google"}, None, "Referral"),
    ({"utm_medium": "social", "utm_source": "partner"}, None, "Organic Social"),
    ({"utm_source": "fb"}, None, "Organic Social"),
    ({"utm_source": "reddit.com"}, None, "Organic Social"),
    ({"utm_source": "youtube"}, None, "Organic Video"),
    ({"utm_medium": "video"}, None, "Organic Video"),
    ({"utm_medium": "organic", "utm_source": "some-engine"}, None, "Organic Search"),
    ({"utm_source": "bing"}, None, "Organic Search"),
    # The UTM source names the source when given; the referrer does otherwise.
    ({"utm_source": "partner"}, "google.com", "Referral"),
    ({"utm_source": "google"}, "example.org", "Organic Search"),
    ({"utm_campaign": "spring"}, "google.com", "Organic Search"),
    ({"utm_campaign": "spring"}, None, "Referral"),
    ({"utm_source": "  "}, None, "Direct"),
    ({"utm_source": None, "utm_medium": 7}, None, "Direct"),
    ({}, None, "Direct"),
])
def test_channel_with_utm_values(utm, domain, expected):
    assert channel(domain, utm) == expected


def test_page_referrer_and_channel_together():
    page = page_parts("https://www.example.com/blog/post?utm_source=twitter&utm_medium=social")
    domain = referrer_domain("https://t.co/xyz", {page.hostname})
    assert (domain, channel(domain, page.utm)) == ("t.co", "Organic Social")
    inner = referrer_domain("https://example.com/", {page.hostname})
    assert (inner, channel(inner, {})) == (None, "Direct")


def test_enrichment_of_a_new_url_costs_well_under_a_millisecond():
    urls = [f"https://example.com/p/{i}?utm_source=google&utm_medium=cpc" for i in range(500)]
    started = time.perf_counter()
    for index, url in enumerate(urls):
        page = page_parts(url)
        domain = referrer_domain(f"https://www.google.com/search?q={index}", {page.hostname})
        channel(domain, page.utm)
    assert (time.perf_counter() - started) / len(urls) < 0.001
