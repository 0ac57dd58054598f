"""Plausible's Events API, POST /api/event: what Plausible's script, plausible-tracker and
server-side senders post, in its long names (name, url, domain, referrer, props, revenue)
or the short ones the scripts use (n, u, d, r, p or m, $, h).

A site is found by its domain, as Plausible finds it: the active ingestion key whose
site_domain is the event's domain (the first of a comma-separated list that one holds).
No visitor id is sent, so the event's visitor is our cookieless daily hash of address and
User-Agent, as Plausible counts visitors.
"""

import json
from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask import Response, request

from app.blueprint import ApiBlueprint
from app.extensions import limiter
from app.request_guards import accepts_text_plain, nested_too_deep, reject_constant
from app.track.errors import InvalidEvent, InvalidIngestKey
from app.track.keys import InvalidSiteDomainError, find_key_by_site_domain, normalize_site_domain
from app.track.routes import ingest_limit
from app.track.sender import Sender, rate_limit_cost
from app.trackers.common import PAGEVIEW, event_name, ingest_events

plausible_bp = ApiBlueprint("plausible", __name__, url_prefix="/api",
                            description="Plausible's Events API: its script, plausible-tracker "
                                        "and server-side senders send here unchanged.")

# Plausible's script sends these to measure time on page and scroll depth; Plausible keeps
# them out of its events, and so do we (they would count as events named "engagement").
IGNORED_NAMES = frozenset({"engagement"})
# A site may list several domains ("a.com,b.com"); we look at this many at most.
MAX_DOMAINS = 10


class JsonObjectOrText(ma.fields.Field):
    """A JSON object, or a string holding one (the scripts send props and revenue encoded)."""

    default_error_messages = {"invalid": "Must be a JSON object, or a string holding one."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            # The body's own guards (depth, NaN) do not see inside the encoded text.
            if nested_too_deep(value.encode("utf-8", "surrogatepass")):
                raise self.make_error("invalid")
            try:
                value = json.loads(value, parse_constant=reject_constant)
            except ValueError:
                raise self.make_error("invalid") from None
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return value


def long_or_short(long: str, short: str, doc: str, field=ma.fields.String, **options):
    """The same field under Plausible's long name and the scripts' short one."""
    return (field(allow_none=True, data_key=long, metadata={"description": doc}, **options),
            field(allow_none=True, data_key=short, metadata={
                "description": f"{doc} (the scripts' short name for {long})"}, **options))


class PlausibleEventSchema(ma.Schema):
    """An event as Plausible's Events API takes it; other fields the scripts send
    (w, i, v, sd, e) are accepted and ignored.
    """

    class Meta:
        """Fields the tools send that we do not use are ignored, not refused."""

        unknown = ma.EXCLUDE

    name, n = long_or_short("name", "n", "Event name; pageview is a page view")
    url, u = long_or_short("url", "u", "The page's full URL")
    domain, d = long_or_short("domain", "d", "The site's domain as configured in a key's "
                              "settings; several may be comma-separated; default: the URL's host")
    referrer, r = long_or_short("referrer", "r", "Where the visitor came from")
    props, p = long_or_short("props", "p", "Custom properties (JSON object, or encoded)",
                             field=JsonObjectOrText)
    meta, m = long_or_short("meta", "m", "Older name of props", field=JsonObjectOrText)
    revenue = JsonObjectOrText(allow_none=True, metadata={
        "description": "Revenue of the event: {amount, currency}, or encoded"})
    revenue_short = JsonObjectOrText(allow_none=True, data_key="$", metadata={
        "description": "The scripts' short name for revenue"})
    hash_mode = ma.fields.Raw(allow_none=True, data_key="h", metadata={
        "description": "1 when the site routes by URL fragment; ignored: the full URL is kept"})


def first(loaded: dict, *names: str):
    """The first of these fields that was given (long names win, as in Plausible)."""
    return next((loaded[name] for name in names if loaded.get(name) is not None), None)


def load_event(body) -> dict:
    """The body as PlausibleEventSchema loads it; InvalidEvent (400) otherwise."""
    if not isinstance(body, dict):
        raise InvalidEvent("Body must be a JSON object: {name, url, domain, ...}")
    try:
        loaded = PlausibleEventSchema().load(body)
    except ma.ValidationError as exc:
        raise InvalidEvent("Invalid event", details=exc.normalized_messages()) from None
    if not first(loaded, "name", "n"):
        raise InvalidEvent("Invalid event", details={"name": ["Missing data for required field."]})
    if not first(loaded, "url", "u"):
        raise InvalidEvent("Invalid event", details={"url": ["Missing data for required field."]})
    return loaded


def site_domains(loaded: dict) -> list[str]:
    """The event's domains, normalised, in order; without a domain, the URL's host."""
    given = first(loaded, "domain", "d") or first(loaded, "url", "u") or ""
    domains = []
    for text in given.split(",")[:MAX_DOMAINS]:
        try:
            domains.append(normalize_site_domain(text))
        except InvalidSiteDomainError:
            continue
    return domains


def site_sender(loaded: dict) -> Sender:
    """The Sender of the key holding the event's domain (the first one held).

    Plausible answers 202 even for a domain it does not know (with x-plausible-dropped: 1);
    we answer 401, as for an unknown key: the script ignores the answer either way, and a
    misconfigured site then shows a refusal in the browser and in server-side senders.
    """
    for domain in site_domains(loaded):
        key = find_key_by_site_domain(domain)
        if key is not None:
            return Sender(key=key)
    raise InvalidIngestKey("No ingestion key has this site domain: set it as a key's "
                           "Plausible domain in the project's settings",
                           details={"domain": [first(loaded, "domain", "d") or "missing"]})


def revenue_properties(revenue: dict | None) -> dict:
    """Revenue as two properties: our events have no revenue column, and as properties it
    can be broken down and filtered (property:revenue_currency). The amount is kept as the
    exact decimal text, as Plausible parses it to a decimal.
    """
    if revenue is None:
        return {}
    amount, currency = revenue.get("amount"), revenue.get("currency")
    try:
        if isinstance(amount, bool) or not isinstance(amount, str | int | float):
            raise InvalidOperation
        exact = Decimal(str(amount).strip())
        if not exact.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidEvent("Invalid event", details={
            "revenue": ["amount must be a number or a decimal string."]}) from None
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise InvalidEvent("Invalid event", details={
            "revenue": ["currency must be a 3-letter ISO 4217 code."]})
    return {"revenue_amount": str(exact), "revenue_currency": currency.upper()}


def our_event(loaded: dict) -> dict:
    """The event as POST /api/v1/events takes it."""
    name = first(loaded, "name", "n")
    properties = {**(first(loaded, "props", "p", "meta", "m") or {}),
                  **revenue_properties(first(loaded, "revenue", "revenue_short"))}
    return {"name": PAGEVIEW if name == "pageview" else event_name(name) or name,
            "page_url": first(loaded, "url", "u"), "referrer": first(loaded, "referrer", "r"),
            "properties": properties or None}


def record(body) -> None:
    """Validate and store one Plausible event (engagement events are dropped)."""
    loaded = load_event(body)
    sender = site_sender(loaded)
    if first(loaded, "name", "n") in IGNORED_NAMES:
        return
    ingest_events(sender, [our_event(loaded)], single=True)


def site_rate_limit_key() -> str:
    """The request's rate-limit bucket: the site its first domain names (else its URL's
    host), normalised as keys store it, so "X.com,1" and "https://x.com/2" draw on
    x.com's budget (no database lookup before the limit); the address when neither names
    a site.
    """
    body = request.get_json(force=True, silent=True)
    given = None
    if isinstance(body, dict):
        given = first(body, "domain", "d") or first(body, "url", "u")
    if isinstance(given, str) and given.strip():
        try:
            return "ingest-site:" + normalize_site_domain(given.split(",", 1)[0][:300])
        except InvalidSiteDomainError:
            pass
    return f"ingest-ip:{request.remote_addr}"


site_rate_limit = limiter.shared_limit(ingest_limit, scope="ingest", key_func=site_rate_limit_key,
                                       cost=rate_limit_cost)


@plausible_bp.route("/event", methods=["POST"])
@accepts_text_plain
@site_rate_limit
@plausible_bp.doc(
    requestBody={"required": True, "content": {
        media: {"schema": {"$ref": "#/components/schemas/PlausibleEvent"}}
        for media in ("application/json", "text/plain")}},
    responses={"202": {"description": "Stored (or, under INGEST_QUEUE=redis, queued), or an "
                                      "engagement event, which is not kept: the body is ok",
                       "content": {"text/plain": {"schema": {"type": "string"}}}}},
    security=[],
)
@plausible_bp.alt_response(400, description="Malformed JSON, or an invalid event")
@plausible_bp.alt_response(401, description="No active ingestion key has the event's domain")
@plausible_bp.alt_response(413, description="More than 1 MiB")
@plausible_bp.alt_response(429, description="Rate limit exceeded")
@plausible_bp.alt_response(503, description="Database unavailable; retry after Retry-After")
def plausible_event():
    """Record one Plausible event for the project whose key holds its domain; answers
    202 ok, as Plausible does.
    """
    record(request.get_json(force=True, silent=True))
    return Response("ok", status=202, mimetype="text/plain")


def register_doc_schemas(api) -> None:
    """The request body's schema, referenced by hand (text/plain bodies are JSON too)."""
    api.spec.components.schema("PlausibleEvent", schema=PlausibleEventSchema)
