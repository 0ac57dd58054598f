"""Request guards, strict JSON parsing and response headers shared by every route."""

import json
import re
from itertools import accumulate

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider

from app.errors import error_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_MIMETYPES = frozenset({"application/json"})

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# The deepest nesting of arrays and objects a JSON body may have. The deepest legitimate body
# (a batch of events whose properties nest 3 levels) is 7 deep; Python's parser recurses per
# level, so a body of 100,000 brackets would exhaust the stack before any schema saw it.
MAX_JSON_DEPTH = 32
# Strings (with their escapes) are cut out before brackets are counted: "[" in a string is text.
# An unterminated string runs to the end of the body (as the parser reads it), and the
# possessive repeat never backtracks: a pattern that had to find the closing quote retried
# from every later quote, quadratic in a body of escaped quotes (a 40 KB body cost 5 s).
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\[\s\S]?)*+(?:"|\Z)')
# Each byte's change to the nesting depth: +1 opens, -1 closes, 0 for everything else.
DEPTH_CHANGE = [0] * 256
DEPTH_CHANGE[ord("[")] = DEPTH_CHANGE[ord("{")] = 1
DEPTH_CHANGE[ord("]")] = DEPTH_CHANGE[ord("}")] = -1
NOT_BRACKETS = bytes(byte for byte in range(256) if not DEPTH_CHANGE[byte])
# Escapes that may decode to text no database will store: NUL, or half of a surrogate pair.
SUSPICIOUS_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def reject_constant(name: str):
    """NaN and Infinity are not JSON, though Python's parser accepts them."""
    raise ValueError(f"{name} is not valid JSON")


def json_depth(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest, without parsing it.

    Scanned at C speed: strings cut out, every byte but brackets deleted, a running sum
    taken. An unterminated string runs to the end of the body, as the parser would read it.
    """
    if b"\\" in body:
        outside_strings = JSON_STRING.sub(b"", body)
    else:
        # Without escapes a string ends at the next quote, so the text outside strings is
        # every other piece between quotes (an unterminated last string is left out, as
        # the pattern does): C speed, where the pattern took about 1 ms per 30 KB batch.
        outside_strings = b"".join(body.split(b'"')[::2])
    brackets = outside_strings.translate(None, NOT_BRACKETS)
    return max(accumulate(map(DEPTH_CHANGE.__getitem__, brackets)), default=0)


def nested_too_deep(body: bytes) -> bool:
    """Whether a JSON text nests past MAX_JSON_DEPTH; bodies with fewer opening brackets
    than that are answered without a scan.
    """
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    return json_depth(body) > MAX_JSON_DEPTH


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing the non-standard NaN/Infinity literals and nesting
    past MAX_JSON_DEPTH (as a ValueError, which Flask reports as malformed JSON).
    """

    def loads(self, s, **kwargs):
        """Parse JSON text, rejecting NaN, Infinity and too deep nesting."""
        kwargs.setdefault("parse_constant", reject_constant)
        raw = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else bytes(s)
        if nested_too_deep(raw):
            raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
        return json.loads(s, **kwargs)


def has_unstorable_text(value) -> bool:
    """True when a string anywhere in `value` holds NUL or an unpaired surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_unstorable_text(k) or has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_unstorable_text(item) for item in value)
    return False


def accepts_text_plain(view):
    """Mark a view whose JSON may arrive as text/plain (navigator.sendBeacon cannot set JSON)."""
    view.accepts_text_plain = True
    return view


def is_json_mimetype(mimetype: str) -> bool:
    """application/json and the application/*+json family."""
    return mimetype in JSON_MIMETYPES or (mimetype.startswith("application/")
                                          and mimetype.endswith("+json"))


def check_request_body() -> Response | None:
    """Reject a body the API cannot read before any view runs.

    A wrong content type is 415, and JSON nested past MAX_JSON_DEPTH (checked on the raw
    bytes, before the recursive parser runs) or that does not parse is 400, each with the
    common error shape, so views and schemas only ever see well-formed JSON.
    """
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return None
    body = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if not body.strip():
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    plain_allowed = request.mimetype == "text/plain" and getattr(view, "accepts_text_plain", False)
    if not (is_json_mimetype(request.mimetype) or plain_allowed):
        return error_response(415, "Unsupported content type: send application/json",
                              {"content_type": [request.mimetype or "missing"]})
    if nested_too_deep(body):
        return error_response(400, f"JSON body nested more than {MAX_JSON_DEPTH} levels deep")
    parsed = request.get_json(force=True, silent=True)
    if parsed is None and body.strip() != b"null":
        return error_response(400, "Malformed JSON body")
    # Only bodies with such escapes pay for the full walk.
    if SUSPICIOUS_ESCAPE.search(body) and has_unstorable_text(parsed):
        return error_response(400, "Text must not contain NUL characters or unpaired surrogates")
    return None


def add_security_headers(response: Response) -> Response:
    """Headers every response carries; HSTS only where the site is served over HTTPS."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if current_app.config.get("APP_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Register the guards on the application."""
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False  # keep documented field order in responses
    app.before_request(check_request_body)
    app.after_request(add_security_headers)
