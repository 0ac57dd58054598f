"""The bodies PostHog's and Segment's libraries send, decoded into JSON, and the ingest rate
limit those routes share with /api/v1 (Segment's routes use this module too).

posthog-js gzips (`?compression=gzip-js`, sent as text/plain), or posts a form whose `data`
field is base64 (`compression=base64`) or, in older versions, lz-string (`lz64`);
posthog-python and segment-analytics-python gzip with `Content-Encoding: gzip`. These
routes live outside /api/, where app.request_guards does not read bodies, so every decoded
body is held here to the same bounds as a plain one there: MAX_CONTENT_LENGTH once
inflated (a decompression bomb stops at the limit), the JSON nesting guard, and no NUL or
lone surrogate. Anything that does not decode is a 400, never a 5xx.
"""

import base64
import binascii
import json
import zlib
from collections.abc import Callable
from urllib.parse import parse_qs

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from app.extensions import limiter
from app.request_guards import (
    MAX_JSON_DEPTH,
    SUSPICIOUS_ESCAPE,
    has_unstorable_text,
    nested_too_deep,
    reject_constant,
)
from app.track.errors import IngestError
from app.track.routes import ingest_limit
from app.track.sender import key_rate_limit_key
from app.trackers.posthog_errors import InflatedBodyTooLarge, MalformedBody, UnsupportedEncoding
from app.trackers.posthog_lz import LzStringError, LzStringTooLong, decompress_from_base64

GZIP_MAGIC = b"\x1f\x8b"
FORM_MIMETYPE = "application/x-www-form-urlencoded"
# zlib's window bits: 31 reads gzip only; 47 reads a zlib or a gzip header (HTTP deflate).
GZIP_WBITS = 31
ZLIB_OR_GZIP_WBITS = 47
# A posthog-js form holds `data` and perhaps `compression`; a few more are tolerated.
MAX_FORM_FIELDS = 8
# lz-string is decoded in Python, about 0.7 s per MiB; the old posthog-js versions that
# send it post batches of a few kilobytes, so a quarter of the body limit is plenty.
MAX_LZ64_CHARS = 256 * 1024


def request_json():
    """The request's body as JSON, decoded once per request (the rate limit reads it
    before the view). Raises MalformedBody, InflatedBodyTooLarge, UnsupportedEncoding, or
    Werkzeug's 413 for a body past MAX_CONTENT_LENGTH as sent.
    """
    if "tracker_body" not in g:
        try:
            g.tracker_body = (decode_body(), None)
        except (IngestError, HTTPException) as error:
            g.tracker_body = (None, error)
    body, error = g.tracker_body
    if error is not None:
        raise error
    return body


def decode_body():
    """Decompress and decode this request's body, then parse it as JSON."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    compression = (request.args.get("compression") or "").strip().lower()
    raw = inflated(raw, compression, limit)
    if request.mimetype == FORM_MIMETYPE or raw.startswith(b"data="):
        return parsed_json(form_payload(raw, compression, limit), limit)
    if compression in ("lz64", "base64"):
        return parsed_json(decoded_text(ascii_text(raw), compression, limit), limit)
    return parsed_json(raw, limit)


def inflated(raw: bytes, compression: str, limit: int) -> bytes:
    """The body with its compression undone: Content-Encoding gzip or deflate, posthog-js's
    gzip-js, or gzip's magic bytes (some proxies drop the header).
    """
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip") or compression in ("gzip", "gzip-js") \
            or raw.startswith(GZIP_MAGIC):
        return decompressed(raw, GZIP_WBITS, limit)
    if encoding == "deflate":
        return decompressed(raw, ZLIB_OR_GZIP_WBITS, limit)
    if encoding not in ("", "identity"):
        raise UnsupportedEncoding(f"Unsupported Content-Encoding {encoding!r}: send gzip, "
                                  "deflate or none")
    return raw


def decompressed(raw: bytes, wbits: int, limit: int) -> bytes:
    """Inflate at most `limit` bytes; more is InflatedBodyTooLarge, a broken or cut stream
    MalformedBody.
    """
    inflater = zlib.decompressobj(wbits)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise MalformedBody("Body is not valid gzip or deflate data") from None
    if len(body) > limit:
        raise InflatedBodyTooLarge(f"Body is larger than {limit} bytes once decompressed")
    if not inflater.eof:
        raise MalformedBody("Compressed body is truncated")
    return body


def ascii_text(raw: bytes) -> str:
    """A body that must be ASCII (form fields, base64), as text."""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedBody("Encoded body must be ASCII text") from None


def form_payload(raw: bytes, compression: str, limit: int) -> str:
    """The JSON text of a posthog-js form body: its `data` field, decoded as the form's
    (or the query's) `compression` says.
    """
    try:
        fields = parse_qs(ascii_text(raw), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise MalformedBody("Malformed form body") from None
    if not fields.get("data"):
        raise MalformedBody("Form body has no data field")
    compression = (fields.get("compression") or [compression])[0].strip().lower()
    return decoded_text(fields["data"][0], compression, limit)


def decoded_text(data: str, compression: str, limit: int) -> str:
    """A posthog-js `data` value as JSON text: lz-string, base64, or JSON as it is. A form
    turns '+' into a space when the client did not escape it; base64 has no spaces.
    """
    data = data.strip().replace(" ", "+")
    if compression == "lz64":
        if len(data) > MAX_LZ64_CHARS:
            raise InflatedBodyTooLarge(f"An lz64 body holds at most {MAX_LZ64_CHARS} characters")
        try:
            return decompress_from_base64(data, limit)
        except LzStringTooLong:
            raise InflatedBodyTooLarge(f"Body is larger than {limit} bytes once "
                                       "decompressed") from None
        except LzStringError as error:
            raise MalformedBody(f"Malformed lz64 body: {error}") from None
    if compression != "base64" and data[:1] in ("{", "["):
        return data
    try:
        decoded = base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
        return decoded.decode("utf-8")
    except (binascii.Error, ValueError):
        raise MalformedBody("Malformed base64 body") from None


def parsed_json(text: str | bytes, limit: int):
    """Parse JSON under /api/v1's bounds: the size, the nesting depth, standard literals,
    and text a database can store.
    """
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if len(raw) > limit:
        raise InflatedBodyTooLarge(f"Body is larger than {limit} bytes once decoded")
    if nested_too_deep(raw):
        raise MalformedBody(f"JSON body nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        parsed = json.loads(raw, parse_constant=reject_constant)
    except ValueError:
        raise MalformedBody("Malformed JSON body") from None
    if SUSPICIOUS_ESCAPE.search(raw) and has_unstorable_text(parsed):
        raise MalformedBody("Text must not contain NUL characters or unpaired surrogates")
    return parsed


def ingest_rate_limit_by(raw_key_of: Callable[[object], str | None],
                         messages_in: Callable[[object], int]):
    """The ingest rate limit of /api/v1 (one budget per ingestion key, charged per event)
    for a tracker route: `raw_key_of(body)` names the key the body carries, and
    `messages_in(body)` what the request costs. A body that does not decode is charged once
    to the sender's address; the view then reports why it does not decode.
    """

    def bucket() -> str:
        try:
            raw_key = raw_key_of(request_json())
        except (IngestError, HTTPException):
            raw_key = None
        return key_rate_limit_key(raw_key) if raw_key else f"ingest-ip:{request.remote_addr}"

    def cost() -> int:
        try:
            count = messages_in(request_json())
        except (IngestError, HTTPException):
            count = 1
        return max(1, min(count, current_app.config["INGEST_MAX_BATCH_EVENTS"] + 1))

    return limiter.shared_limit(ingest_limit, scope="ingest", key_func=bucket, cost=cost)
