"""Segment's HTTP Tracking API messages in our terms: which write key sent them, and each
message as our event or identify.

A message is `{type, userId, anonymousId, event, name, properties, traits, context,
timestamp, messageId, sentAt}`. The person is the userId, else the anonymousId; when a
message has both, the anonymous id is linked to the user (an alias, PostHog's way), so the
visitor's earlier anonymous events count for them.
"""

from datetime import UTC, datetime

from flask import request

from app.trackers.common import PAGEVIEW, event_name, message_uuid
from app.trackers.posthog_delivery import Translation, fit_properties
from app.trackers.posthog_errors import MalformedBody

SOURCE = "segment"
# A screen view is one event name, as a page view is: the screen's name goes into its
# properties (as PostHog's $screen_name does), so screens break down by `property:name`
# instead of each becoming an event name of its own.
SCREEN = "screen"
EVENT_TYPES = frozenset({"track", "page", "screen"})


def messages_of(body, kind: str) -> tuple[list, bool]:
    """(the body's messages, whether it was one message). `kind` is the path's type,
    or "batch", where each message names its own type.
    """
    if not isinstance(body, dict):
        raise MalformedBody("Body must be a JSON object")
    if kind != "batch":
        return [{**body, "type": kind}], True
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise MalformedBody('"batch" must be a list of messages')
    shared_context = body.get("context")
    if isinstance(shared_context, dict):
        # Segment merges a batch's context into each message's own.
        batch = [{**message, "context": {**shared_context, **(message.get("context") or {})}}
                 if isinstance(message, dict) and isinstance(message.get("context") or {}, dict)
                 else message for message in batch]
    return batch, False


def message_count(body) -> int:
    """How many messages a body carries (what the rate limit charges)."""
    if isinstance(body, dict) and isinstance(body.get("batch"), list):
        return len(body["batch"])
    return 1


def raw_key_of(body) -> str | None:
    """The write key: the Basic auth user name (Segment's libraries), else the body's
    `writeKey` (analytics.js), else the first message's.
    """
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username:
        return auth.username
    if not isinstance(body, dict):
        return None
    batch = body.get("batch")
    first = batch[0] if isinstance(batch, list) and batch else None
    for value in (body.get("writeKey"), first.get("writeKey") if isinstance(first, dict)
                  else None):
        if isinstance(value, str) and value:
            return value
    return None


def sent_at_of(body, messages: list) -> datetime | None:
    """The client's clock when sending, for clock-skew correction: the body's `sentAt`,
    else the latest of the messages' own (they went out together). None if unreadable.
    """
    candidates = [body.get("sentAt")] if isinstance(body, dict) else []
    if not candidates or candidates[0] is None:
        candidates = [message.get("sentAt") for message in messages if isinstance(message, dict)]
    moments = [moment for moment in map(parsed_time, candidates) if moment is not None]
    return max(moments) if moments else None


def parsed_time(value) -> datetime | None:
    """An ISO 8601 time as an aware datetime; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def translate(project_id: int, messages: list) -> Translation:
    """Each message as our event or identify (group is taken and ignored: we have no
    groups), or a rejection.
    """
    translation = Translation()
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            translation.reject(index, "message", "each message must be a JSON object")
            continue
        kind = message.get("type") if isinstance(message.get("type"), str) else None
        user_id, anonymous_id = id_text(message.get("userId")), id_text(message.get("anonymousId"))
        if kind == "alias":
            previous_id = id_text(message.get("previousId"))
            if user_id is None or previous_id is None:
                translation.reject(index, "userId", "alias needs userId and previousId")
            else:
                translation.add_identify(index, user_id, anonymous_id=previous_id,
                                         identified=True)
            continue
        if kind == "group":
            continue
        if kind not in EVENT_TYPES and kind != "identify":
            translation.reject(index, "type", "must be track, page, screen, identify, alias "
                                              "or group")
            continue
        if user_id is None and anonymous_id is None:
            translation.reject(index, "userId", "userId or anonymousId is required")
            continue
        add_message(translation, project_id, index, message, user_id, anonymous_id)
    return translation


def id_text(value) -> str | None:
    """A user or anonymous id as text (Segment accepts numbers); None when absent."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    return str(value) if isinstance(value, str | int | float) else None


def add_message(translation: Translation, project_id: int, index: int, message: dict,
                user_id: str | None, anonymous_id: str | None) -> None:
    """An identify, or an event (whose two ids, when both are sent, are linked)."""
    person = user_id or anonymous_id
    linked = anonymous_id if user_id else None
    if message["type"] == "identify":
        traits = message.get("traits")
        if traits is not None and not isinstance(traits, dict):
            translation.reject(index, "traits", "must be a JSON object")
            return
        # A userId is who the sender is; traits for an anonymousId only describe a visitor.
        translation.add_identify(index, person, traits, anonymous_id=linked,
                                 identified=user_id is not None)
        return
    event = our_event(project_id, message, person)
    if isinstance(event, tuple):
        translation.reject(index, *event)
        return
    if linked:
        translation.add_identify(index, person, anonymous_id=linked, identified=True)
    translation.add_event(index, event)


def our_event(project_id: int, message: dict, person: str) -> dict | tuple[str, str]:
    """The /api/v1 event for a track, page or screen message; (field, why) if it has none."""
    properties = message.get("properties")
    properties = {} if properties is None else properties
    context = message.get("context") if isinstance(message.get("context"), dict) else {}
    page = context.get("page") if isinstance(context.get("page"), dict) else {}
    if not isinstance(properties, dict):
        return "properties", "must be a JSON object"
    kind, page_url, referrer = message["type"], None, None
    if kind == "track":
        name = event_name(message.get("event"))
        if name is None:
            return "event", "required: a name with letters or digits"
    else:
        name = PAGEVIEW if kind == "page" else SCREEN
        properties = {**named(message), **properties}
    if kind == "page":
        page_url = text_or_none(properties.get("url")) or text_or_none(page.get("url"))
        referrer = text_or_none(properties.get("referrer")) or text_or_none(page.get("referrer"))
    return {
        "name": name,
        "uuid": message_uuid(project_id, SOURCE, message.get("messageId")),
        "timestamp": message.get("timestamp") or message.get("originalTimestamp"),
        "session_id": None,
        "anonymous_id": person,
        "page_url": page_url,
        "referrer": referrer,
        "properties": fit_properties(properties) or None,
    }


def named(message: dict) -> dict:
    """A page's or screen's `name` and `category`, as properties (where sent)."""
    return {key: message[key] for key in ("name", "category")
            if isinstance(message.get(key), str) and message[key]}


def text_or_none(value) -> str | None:
    """A string field, or None for anything else."""
    return value if isinstance(value, str) and value else None
