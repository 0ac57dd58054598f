"""The website filters on every analytics endpoint and the export: applied (alone and
composed, "(none)" for a missing value), bots left out, bad values refused with a JSON
400, cache keys that tell filters apart, the raw-read budget, and one project's web
events never in another's answers.
"""

import csv
import io
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.analytics.test_export_cache_live import StreamReader, parse_frame
from tests.analytics.web_traffic import BOTS, BROWSERS, Stored, make_site, user_id

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(hours=3)
RANGE = {"startDate": (NOW - timedelta(days=1)).date().isoformat(),
         "endDate": (NOW + timedelta(days=1)).date().isoformat()}
IPHONE = BROWSERS[2]
ENDPOINTS = ("/analytics", "/analytics/summary", "/analytics/timeseries",
             "/analytics/breakdown?by=feature", "/analytics/breakdown?by=gender",
             "/analytics/top-pages", "/analytics/recent", "/analytics/export.csv",
             "/analytics/export.csv?kind=daily", "/analytics/web/summary",
             "/analytics/web/breakdown?by=country", "/analytics/web/breakdown?by=page")


def event(name, minutes, page=None, **fields):
    return {"name": name, "uuid": str(uuid.uuid4()),
            "timestamp": (START + timedelta(minutes=minutes)).isoformat(),
            **({"page_url": page} if page else {}), **fields}


def send(client, key, events, user_agent, address):
    response = client.post("/api/v1/events", json={"events": events},
                           headers={"X-Ouroboard-Key": key, "User-Agent": user_agent},
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 202, response.get_json()


@pytest.fixture
def shop(app, client, auth):
    """Project shop: A (no anonymous id, desktop, a private address) reads /pricing from
    Google and clicks; B (anonymous, an iPhone in a public place) lands on / from a
    spring campaign and reads /docs; Googlebot reads /pricing. Project blog: C reads
    /other-only, from Germany's Heise address, on a mobile.
    """
    assert auth.register(username="shopowner").status_code == 201
    headers = dict(auth.headers)
    shop_id, shop_key = make_site(app, "shop", user_id(app, "shopowner"))
    assert auth.register(username="blogowner").status_code == 201
    _, blog_key = make_site(app, "blog", user_id(app, "blogowner"))
    send(client, shop_key, [
        event("page_view", 0, "https://shop.example.com/pricing",
              referrer="https://www.google.com/search?q=shop"),
        event("click", 1, "https://shop.example.com/pricing")], BROWSERS[0], "10.0.0.1")
    send(client, shop_key, [
        event("page_view", 5, "https://shop.example.com/?utm_source=news&utm_campaign=spring",
              anonymous_id="b"),
        event("page_view", 7, "https://shop.example.com/docs", anonymous_id="b")],
        IPHONE, "8.8.8.8")
    send(client, shop_key, [event("page_view", 9, "https://shop.example.com/pricing")],
         BOTS[0], "66.249.66.1")
    send(client, blog_key, [event("page_view", 3, "https://blog.example.org/other-only",
                                  anonymous_id="c")], IPHONE, "193.99.144.80")
    stored = Stored.read(app, shop_id)
    humans = [row for row in stored.events if not row.is_bot]
    a_rows = [row for row in humans if row.anonymous_id is None]
    b_rows = [row for row in humans if row.anonymous_id == "b"]
    assert len(a_rows) == 2 and len(b_rows) == 2 and len(stored.events) == 5
    assert a_rows[0].country is None and b_rows[0].country  # private vs public address
    return {"headers": headers, "a": a_rows, "b": b_rows, "country": b_rows[0].country,
            "browser_version": f"{b_rows[0].browser} {b_rows[0].browser_version}",
            "blog_headers": dict(auth.headers)}


def get(client, headers, path, **params):
    """GET a path (which may carry arguments of its own) in shop over RANGE."""
    path, _, own = path.partition("?")
    own_params = dict(part.split("=") for part in own.split("&")) if own else {}
    return client.get(f"/api/v1{path}", headers=headers, query_string={
        "project": "shop", **RANGE, **own_params, **params})


def answers(client, shop, **params) -> dict:
    """Each endpoint's answer, reduced to the events it counted."""
    def body(path, **more):
        response = get(client, shop["headers"], path, **params, **more)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        response.get_data()
        response.close()  # gives an export's slot back
        return response

    bars = {bar["feature"]: bar["count"]
            for bar in body("/analytics").get_json()["barChartData"]}
    summary = body("/analytics/summary").get_json()
    series = body("/analytics/timeseries", granularity="hour").get_json()["series"]
    features = body("/analytics/breakdown", by="feature").get_json()["items"]
    genders = body("/analytics/breakdown", by="gender").get_json()["items"]
    pages = body("/analytics/top-pages").get_json()["pages"]
    recent = body("/analytics/recent").get_json()["events"]
    exported = list(csv.DictReader(io.StringIO(body("/analytics/export.csv")
                                               .get_data(as_text=True))))
    daily = list(csv.DictReader(io.StringIO(body("/analytics/export.csv", kind="daily")
                                            .get_data(as_text=True))))
    web = body("/analytics/web/summary").get_json()["current"]
    return {"bars": bars, "total": summary["totalEvents"],
            "people": summary["uniqueUsers"], "series": sum(p["count"] for p in series),
            "features": {item["value"]: item["count"] for item in features},
            "genders": sum(item["count"] for item in genders),
            "pages": {page["pageUrl"]: page["views"] for page in pages},
            "recent": sorted(item["uuid"] for item in recent),
            "exported": sorted(row["uuid"] for row in exported),
            "daily": {row["feature"]: int(row["count"]) for row in daily},
            "web": (web["visitors"], web["visits"], web["pageviews"])}


def expected(rows) -> dict:
    names = Counter(row.name for row in rows)
    visitors = {row.visitor_id for row in rows}
    return {"bars": dict(names), "total": len(rows),
            "people": len({row.anonymous_id for row in rows if row.anonymous_id}),
            "series": len(rows), "features": dict(names), "genders": len(rows),
            "pages": dict(Counter(row.page_url for row in rows if row.name == "page_view")),
            "recent": sorted(row.uuid for row in rows),
            "exported": sorted(row.uuid for row in rows), "daily": dict(names),
            "web": (len(visitors), len({row.visit_id for row in rows}),
                    names["page_view"])}


def test_every_endpoint_and_the_export_apply_website_filters(client, shop):
    a, b = shop["a"], shop["b"]
    cases = [
        ({}, a + b),  # no filter: everything but the bot
        ({"device": "mobile"}, b),
        ({"device": "desktop"}, a),
        ({"page": "/pricing"}, a),
        ({"page": "/docs"}, b[1:]),
        ({"country": shop["country"]}, b),
        ({"country": "(none)"}, a),
        ({"referrer": "google.com"}, a),
        ({"channel": "Organic Search"}, a),
        ({"utm_campaign": "spring"}, b),
        ({"utm_campaign": "(none)"}, a),
        ({"entry_page": "/"}, b),
        ({"exit_page": "/pricing"}, a),
        ({"browser_version": shop["browser_version"]}, b),
        ({"hostname": "shop.example.com"}, a + b),
        ({"utm_source": "news", "device": "mobile", "os": b[0].os}, b),
        ({"utm_campaign": "spring", "device": "desktop"}, []),
        ({"country": "(none)", "page": "/docs"}, []),
    ]
    assert (a[0].device_type, b[0].device_type, a[0].channel) == ("desktop", "mobile",
                                                                   "Organic Search")
    for params, rows in cases:
        assert answers(client, shop, **params) == expected(rows), params


def test_a_feature_and_a_website_filter_compose(client, shop):
    got = answers(client, shop, page="/pricing", feature="click")
    assert got["bars"] == {"page_view": 1, "click": 1}  # the bars ignore the feature
    assert (got["total"], got["features"], got["web"]) == (1, {"click": 1}, (1, 1, 0))


def test_bots_count_only_as_bot_events(client, shop):
    response = get(client, shop["headers"], "/analytics/web/summary")
    assert response.get_json()["botEvents"] == 1
    response = get(client, shop["headers"], "/analytics/web/summary", device="mobile")
    assert response.get_json()["botEvents"] == 1  # the bot count is never filtered


BAD_VALUES = [
    {"country": "de"}, {"country": "DEU"}, {"country": ""}, {"device": "phone"},
    {"device": "Mobile"}, {"page": ""}, {"page": "/" + "x" * 500},
    {"referrer": "a\x00b"}, {"hostname": "a\nb"}, {"utm_source": "x" * 201},
    {"browser_version": "\x7f"}, {"channel": "c" * 33}, {"os": ""},
    {"entry_page": "\t/"}, {"utm_campaign_": "spring"}, {"Country": "DE"},
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_bad_filter_values_are_a_json_400_everywhere(client, shop, path):
    for params in BAD_VALUES:
        response = get(client, shop["headers"], path, **params)
        response.close()
        assert response.status_code == 400, (path, params)
        assert response.get_json()["error"], (path, params)


@pytest.mark.parametrize("by", ["sources", "", "page_url", "feature", "PAGE"])
def test_a_web_breakdown_by_anything_else_is_400(client, shop, by):
    response = get(client, shop["headers"], "/analytics/web/breakdown", by=by)
    assert response.status_code == 400
    assert "by" in response.get_json()["details"]


def test_another_projects_web_events_never_show(client, shop):
    headers, blog = shop["headers"], shop["blog_headers"]
    for by in ("page", "country", "entry_page", "hostname", "device"):
        rows = get(client, headers, "/analytics/web/breakdown", by=by).get_json()["rows"]
        values = {row["value"] for row in rows}
        assert "/other-only" not in values and "blog.example.org" not in values
    shop_answer = get(client, headers, "/analytics/web/summary").get_json()
    assert shop_answer["current"]["visitors"] == 2
    blog_answer = client.get("/api/v1/analytics/web/summary",
                             query_string={"project": "blog", **RANGE}, headers=blog)
    assert blog_answer.get_json()["current"] == {
        "visitors": 1, "visits": 1, "pageviews": 1, "viewsPerVisit": 1.0,
        "bounceRate": 100.0, "visitDuration": 0}
    blog_pages = client.get("/api/v1/analytics/web/breakdown", headers=blog,
                            query_string={"project": "blog", "by": "page", **RANGE})
    assert [row["value"] for row in blog_pages.get_json()["rows"]] == ["/other-only"]
    for path in ("/analytics/web/summary", "/analytics/web/breakdown?by=page"):
        # A member of shop only reads no blog, and the other way round.
        assert get(client, headers, path, project="blog").status_code == 404
        assert get(client, blog, path, project="shop").status_code == 404


def test_cached_answers_are_keyed_by_the_website_filters(client, shop):
    first = get(client, shop["headers"], "/analytics/web/summary", device="mobile")
    again = get(client, shop["headers"], "/analytics/web/summary", device="mobile")
    other = get(client, shop["headers"], "/analytics/web/summary", device="desktop")
    assert (first.get_json()["cached"], again.get_json()["cached"]) == (False, True)
    assert other.get_json()["cached"] is False
    assert first.get_json()["current"]["pageviews"] == 2
    assert other.get_json()["current"]["pageviews"] == 1
    bars = get(client, shop["headers"], "/analytics", country="(none)")
    assert bars.headers["X-Cache"] == "miss"
    assert {bar["feature"] for bar in bars.get_json()["barChartData"]} == {"page_view",
                                                                         "click"}


@pytest.mark.parametrize("path", ["/analytics", "/analytics/summary",
                                  "/analytics/timeseries", "/analytics/web/summary",
                                  "/analytics/web/breakdown?by=device",
                                  "/analytics/breakdown?by=gender"])
def test_filtered_answers_keep_to_the_raw_read_budget(app, client, shop, path):
    app.config["RAW_READ_MAX_EVENTS"] = 3
    refused = get(client, shop["headers"], path, device="mobile")
    assert refused.status_code == 400
    assert "at most 3 are read per request" in refused.get_json()["error"]
    # Without a filter the rollups answer, whatever the budget.
    assert get(client, shop["headers"], path).status_code == 200


def test_a_web_summary_without_page_views_or_data(app, client, shop):
    assert get(client, shop["headers"], "/analytics/web/summary").get_json()["webTraffic"]
    empty = client.get("/api/v1/analytics/web/summary", headers=shop["headers"],
                       query_string={"project": "shop", "startDate": "2001-01-01",
                                     "endDate": "2001-01-31"}).get_json()
    assert empty["current"] == empty["previous"] == {
        "visitors": 0, "visits": 0, "pageviews": 0, "viewsPerVisit": 0.0, "bounceRate": 0.0,
        "visitDuration": 0}
    assert empty["change"] == dict.fromkeys(empty["current"])
    assert empty["botEvents"] == 0
    _, key = make_site(app, "app", user_id(app, "shopowner"))
    send(client, key, [event("signup", 1, anonymous_id="z")], BROWSERS[0], "8.8.8.8")
    answer = client.get("/api/v1/analytics/web/summary", headers=shop["headers"],
                        query_string={"project": "app"}).get_json()
    assert answer["webTraffic"] is False
    assert answer["current"]["visits"] == 1 and answer["current"]["pageviews"] == 0
    breakdown = client.get("/api/v1/analytics/web/breakdown", headers=shop["headers"],
                           query_string={"project": "app", "by": "page"}).get_json()
    assert (breakdown["rows"], breakdown["total"], breakdown["metric"]) == ([], 0,
                                                                          "pageviews")


def test_a_live_total_with_a_website_filter(app, client, shop):
    path = f"/api/v1/analytics/stream?project=shop&device=mobile&startDate={RANGE['startDate']}"
    stream = StreamReader(app.test_client(), shop["headers"], path)
    assert stream.response_status()[0] == 200
    hello = stream.next(2, timeout=5)[1]
    assert json.loads(parse_frame(hello)["data"]) == {"total": 2}  # B's two page views
    stream.stop()
    app.config["RAW_READ_MAX_EVENTS"] = 3  # four human events to read
    refused = client.get(path, headers=shop["headers"])
    assert refused.status_code == 400
    assert "at most 3 are read per request" in refused.get_json()["error"]
