"""PostHog's capture payloads in our terms: which key sent them, their messages, and each
message as our event plus the identify it asks for.

A PostHog event is `{event, distinct_id, properties, timestamp, uuid, $set, $set_once}`;
posthog-js puts the distinct id and the key (`token`) in `properties` instead. Bodies are
one event (`/capture/`), a list of events (`/e/`, posthog-js), or `{"batch": [...]}`
(`/batch/`, posthog-python), with the key as `api_key`/`token` or `Authorization: Bearer`.
"""

from datetime import UTC, datetime, timedelta

from flask import request

from app.trackers.common import PAGEVIEW, event_name, message_uuid
from app.trackers.posthog_delivery import Translation, fit_properties
from app.trackers.posthog_errors import MalformedBody

SOURCE = "posthog"
# Events that only change a person. PostHog stores them as events too, and so do we
# (named identify, set, set_once, create_alias): they mark when someone signed in.
PERSON_EVENTS = frozenset({"$identify", "$set", "$set_once", "$create_alias"})
# posthog-js sends "$direct" as the referrer of a visit that had none.
NO_REFERRER = "$direct"
# The key is public in a web page, but event properties are shown to every reader.
UNSTORED_PROPERTIES = ("token",)


def messages_of(body) -> tuple[list, bool]:
    """(the body's messages, whether it was one lone event)."""
    if isinstance(body, list):
        return body, False
    if isinstance(body, dict):
        if "batch" in body:
            if not isinstance(body["batch"], list):
                raise MalformedBody('"batch" must be a list of events')
            return body["batch"], False
        return [body], True
    raise MalformedBody('Body must be an event, a list of events or {"batch": [...]}')


def message_count(body) -> int:
    """How many messages a body carries (what the rate limit charges)."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and isinstance(body.get("batch"), list):
        return len(body["batch"])
    return 1


def raw_key_of(body) -> str | None:
    """The project API key: `Authorization: Bearer`, the body's `api_key` or `token`, or
    (posthog-js) the first event's `properties.token`.
    """
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return header[7:].strip()
    candidates = [body] if isinstance(body, dict) else []
    if isinstance(body, dict) and isinstance(body.get("batch"), list) and body["batch"]:
        candidates.append(body["batch"][0])
    if isinstance(body, list) and body:
        candidates.append(body[0])
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        properties = candidate.get("properties")
        for value in (candidate.get("api_key"), candidate.get("token"),
                      properties.get("token") if isinstance(properties, dict) else None):
            if isinstance(value, str) and value:
                return value
    return None


def sent_at_of(body) -> datetime | None:
    """The client's clock when it sent the body, for clock-skew correction: posthog-python's
    `sent_at`, or the `_` (milliseconds) posthog-js adds to every URL. None if unreadable.
    """
    if isinstance(body, dict) and isinstance(body.get("sent_at"), str):
        try:
            moment = datetime.fromisoformat(body["sent_at"].replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    millis = request.args.get("_", "")
    # ASCII digits ("²" is a digit to isdigit()), and at most 13 of them: milliseconds
    # before the year 2286, which every datetime can hold.
    if millis.isascii() and millis.isdigit() and len(millis) <= 13:
        return datetime.fromtimestamp(int(millis) / 1000, UTC)
    return None


def translate(project_id: int, messages: list, sent_at: datetime | None) -> Translation:
    """Each message as our event (and the identify it asks for), or a rejection."""
    translation = Translation()
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            translation.reject(index, "event", "each event must be a JSON object")
            continue
        properties = message.get("properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            translation.reject(index, "properties", "must be a JSON object")
            continue
        distinct_id = distinct_id_of(message, properties)
        if distinct_id is None:
            translation.reject(index, "distinct_id", "required (a string or number)")
            continue
        name = message.get("event")
        ours = PAGEVIEW if name == "$pageview" else event_name(name)
        if ours is None:
            translation.reject(index, "event", "required: a name with letters or digits")
            continue
        ask_identify(translation, index, name, distinct_id, message, properties)
        translation.add_event(index, our_event(project_id, ours, distinct_id, message,
                                               properties, sent_at))
    return translation


def distinct_id_of(message: dict, properties: dict) -> str | None:
    """The message's distinct id (top level, else posthog-js's `properties.distinct_id`),
    as text; None when it has none.
    """
    for value in (message.get("distinct_id"), message.get("$distinct_id"),
                  properties.get("distinct_id")):
        if isinstance(value, bool) or value is None or value == "":
            continue
        if isinstance(value, str | int | float):
            return str(value)
    return None


def ask_identify(translation: Translation, index: int, name: str, distinct_id: str,
                 message: dict, properties: dict) -> None:
    """The person changes a message asks for, as PostHog makes them: `$set`/`$set_once` on
    any event (top level or in properties), `$identify` linking `$anon_distinct_id`, and
    `$create_alias` linking `alias`. Events marked `$process_person_profile: false`
    (posthog-js's anonymous visitors) change no person unless they are person events.
    """
    if properties.get("$process_person_profile") is False and name not in PERSON_EVENTS:
        return
    traits = person_properties(message, properties, "$set")
    traits_once = person_properties(message, properties, "$set_once")
    linked = None
    if name == "$identify":
        linked = properties.get("$anon_distinct_id")
    elif name == "$create_alias":
        linked = properties.get("alias")
    linked = str(linked) if isinstance(linked, str | int) and linked != "" else None
    if traits or traits_once or linked:
        # $identify and $create_alias say who the sender is; $set alone only gives traits.
        translation.add_identify(index, distinct_id, traits, traits_once, anonymous_id=linked,
                                 identified=name in ("$identify", "$create_alias"))


def person_properties(message: dict, properties: dict, key: str) -> dict:
    """`$set` or `$set_once`, from the top level and from properties (top level wins)."""
    merged = {}
    for source in (properties.get(key), message.get(key)):
        if isinstance(source, dict):
            merged.update(source)
    return merged


def our_event(project_id: int, name: str, distinct_id: str, message: dict, properties: dict,
              sent_at: datetime | None) -> dict:
    """The /api/v1 event for one PostHog message."""
    referrer = text_or_none(properties.get("$referrer"))
    stored = {key: value for key, value in properties.items() if key not in UNSTORED_PROPERTIES}
    return {
        "name": name,
        "uuid": message_uuid(project_id, SOURCE, message.get("uuid")),
        "timestamp": timestamp_of(message, sent_at),
        "session_id": text_or_none(properties.get("$session_id")),
        "anonymous_id": distinct_id,
        "page_url": text_or_none(properties.get("$current_url")),
        "referrer": None if referrer == NO_REFERRER else referrer,
        "properties": fit_properties(stored) or None,
    }


def text_or_none(value) -> str | None:
    """A string property, or None for anything else (a page field is never guessed at)."""
    return value if isinstance(value, str) and value else None


def timestamp_of(message: dict, sent_at: datetime | None):
    """The message's `timestamp` as sent (validation parses it), or, for an older client
    that sends `offset` (milliseconds before sending), the send time less the offset.
    """
    if message.get("timestamp") is not None:
        return message["timestamp"]
    offset = message.get("offset")
    if isinstance(offset, int | float) and not isinstance(offset, bool) and \
            0 <= offset < 400 * 86_400_000:
        return ((sent_at or datetime.now(UTC)) - timedelta(milliseconds=offset)).isoformat()
    return None
