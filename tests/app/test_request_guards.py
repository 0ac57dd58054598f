"""app/request_guards.py: security headers on every response, and request bodies refused
before any view runs (size, content type, malformed JSON, text no database can store)."""

import json
import random
import time

import pytest

from app.request_guards import MAX_JSON_DEPTH, json_depth
from tests.helpers import event, post_events


def test_security_headers_on_api_and_pages(spa_client):
    for path in ("/api/v1/me", "/"):
        headers = spa_client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers


def test_body_over_one_mebibyte_is_413(client, auth, user, stored):
    batch = {"events": [event("a", properties={"blob": "x" * 7000}) for _ in range(160)]}
    assert len(json.dumps(batch)) > 1024 * 1024
    response = post_events(client, batch, auth.headers)
    assert response.status_code == 413
    assert stored.count() == 0


def test_body_that_is_not_json_is_400(client, auth, user, stored):
    response = client.post("/api/v1/events", data="{name: page_view}",
                           content_type="application/json", headers=auth.headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Malformed JSON body"}
    assert stored.count() == 0


@pytest.mark.parametrize("body", ['{"name": "a", "properties": {"x": NaN}}',
                                  '{"name": "a", "properties": {"x": Infinity}}',
                                  '{"name": "a", "session_id": "nul\\u0000byte"}',
                                  '{"name": "a", "properties": {"x": "\\ud800"}}'])
def test_values_no_database_can_store_are_400(client, auth, user, stored, body):
    response = client.post("/api/v1/events", data=body, content_type="application/json",
                           headers=auth.headers)
    assert response.status_code == 400
    assert stored.count() == 0


def test_text_plain_without_key_is_415(client, auth, user, stored):
    response = client.post("/api/v1/events", data=json.dumps(event("a")),
                           content_type="text/plain", headers=auth.headers)
    assert response.status_code == 415
    assert stored.count() == 0


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/html"])
def test_other_content_types_are_415_even_with_key(client, ingest_key, stored, content_type):
    response = client.post("/api/v1/events", data=json.dumps(event("a")),
                           content_type=content_type, headers={"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 415
    assert stored.count() == 0


def nested(depth: int, leaf: str = "1") -> str:
    """A JSON text of `depth` nested arrays around `leaf`."""
    return "[" * depth + leaf + "]" * depth


DEEP_BODIES = {
    "arrays": nested(50_000),
    "objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "unclosed": "[" * 50_000,
    "in an event": json.dumps({"name": "a", "properties": {"x": 1}}).replace(
        "1}", nested(MAX_JSON_DEPTH) + "}"),
}


@pytest.mark.parametrize("path", ["/api/v1/login", "/api/v1/register", "/api/v1/events",
                                  "/api/v1/track"])
@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_json_nested_too_deep_is_400_before_parsing(client, auth, user, stored, path, body):
    response = client.post(path, data=body, content_type="application/json",
                           headers=auth.headers)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": f"JSON body nested more than {MAX_JSON_DEPTH} levels deep"}
    assert stored.count() == 0


def test_a_deep_beacon_body_is_400(client, ingest_key, stored):
    response = client.post("/api/v1/events", data=nested(100_000), content_type="text/plain",
                           headers={"X-Ouroboard-Key": ingest_key})
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]
    assert stored.count() == 0


def test_brackets_inside_strings_do_not_count(client, auth, user, stored):
    text = '[{"\\"' * 200  # brackets, braces and escaped quotes, all inside one string
    response = post_events(client, event("a", properties={"note": text}), auth.headers)
    assert response.status_code == 202
    assert stored.all()[0].properties == {"note": text}


def test_nesting_up_to_the_limit_reaches_the_view(client, auth, user, stored):
    # MAX_JSON_DEPTH levels parse; the batch schema then refuses the array as an envelope.
    response = client.post("/api/v1/events", data=nested(MAX_JSON_DEPTH),
                           content_type="application/json", headers=auth.headers)
    assert response.status_code == 400
    assert "nested" not in response.get_json()["error"]


@pytest.mark.parametrize(("text", "depth"), [
    (b"", 0), (b"1", 0), (b"[]", 1), (b'{"a": [[], {}]}', 3),
    (b'["[[[[", "]]]", {"b": "\\"[{"}]', 2),
    (nested(40).encode(), 40), (b"[" * 40 + b"]" * 40 + b"[[]]", 40),
    (b'"unterminated [[[' + b"[" * 40, 0),  # the parser reads it all as one string
    (b"[" * 40 + b'"unterminated', 40),
])
def test_json_depth_ignores_brackets_in_strings(text, depth):
    assert json_depth(text) == depth


def test_json_depth_scan_stays_linear_on_escaped_quotes():
    # An unterminated string of escaped quotes made the old pattern retry from every quote:
    # 40 KB took about 5 s. A whole MiB must now scan in well under a second.
    body = b"[" * 33 + b'"' + b'\\"' * (512 * 1024)
    started = time.perf_counter()
    assert json_depth(body) == 33
    assert time.perf_counter() - started < 0.5


def test_the_json_provider_refuses_deep_nesting_as_a_value_error(app):
    # Views that parse bodies themselves (get_json(silent=True)) then see None, never a
    # RecursionError.
    with pytest.raises(ValueError, match="nested"):
        app.json.loads(nested(MAX_JSON_DEPTH + 1))
    assert app.json.loads(nested(MAX_JSON_DEPTH)) is not None


def test_the_depth_scan_without_escapes_agrees_with_the_string_pattern():
    """Bodies without a backslash take a split on quotes instead of the pattern; both must
    see the same brackets outside strings, unterminated strings included.
    """
    from itertools import accumulate

    from app.request_guards import DEPTH_CHANGE, JSON_STRING, NOT_BRACKETS

    def by_pattern(body: bytes) -> int:
        brackets = JSON_STRING.sub(b"", body).translate(None, NOT_BRACKETS)
        return max(accumulate(map(DEPTH_CHANGE.__getitem__, brackets)), default=0)

    rng = random.Random(1203)
    pieces = [b"[", b"]", b"{", b"}", b'"', b"a", b",", b":", b" "]
    deepest = 0
    for _ in range(20_000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        assert json_depth(body) == by_pattern(body), body
        deepest = max(deepest, json_depth(body))
    assert deepest >= 5
    in_strings = json.dumps({"events": [{"name": "x", "page_url": "[" * 40}] * 3}).encode()
    assert json_depth(in_strings) == 3
