"""What the PostHog and Segment dialects share once a body is translated (Segment's routes
use this module too): a Translation holds our events (each with the index of the message
it came from), the identify calls the messages ask for, merged per person, and the
messages refused; deliver() applies the identifies, stores the events through the one
ingest path, and reports rejections by the tool's own message index.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import marshmallow as ma
from flask import current_app

from app.extensions import per_app
from app.people.errors import InvalidIdentify
from app.people.service import identify
from app.track.errors import InvalidEvent
from app.track.sender import Sender
from app.track.validation import properties_field
from app.trackers.common import ingest_events
from app.validators import PROPERTY_KEY_MAX_LENGTH

# How long, and for how many pairs, a worker remembers that an anonymous id is linked to a
# person: Segment's analytics.js sends both ids with every event after an identify, and
# one identify transaction per request would double the writes for nothing.
LINK_MEMORY_SECONDS = 600
LINK_MEMORY_PAIRS = 10_000


@dataclass
class PersonUpdate:
    """One identify() call, merged from every message of a request that asks for it."""

    distinct_id: str
    anonymous_id: str | None
    # Whether a message names distinct_id as who the sender is (a sign-in), not only traits.
    identified: bool = False
    traits: dict = field(default_factory=dict)
    traits_once: dict = field(default_factory=dict)
    indexes: list[int] = field(default_factory=list)


@dataclass
class Translation:
    """A tool's messages in our terms, with where each part came from."""

    events: list[dict] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    updates: dict[tuple, PersonUpdate] = field(default_factory=dict)
    # Message index -> (field, message): why that message is not (wholly) taken.
    rejected: dict[int, tuple[str, str]] = field(default_factory=dict)

    def add_event(self, index: int, event: dict) -> None:
        """Store `event`, which message `index` carried."""
        self.events.append(event)
        self.origins.append(index)

    def add_identify(self, index: int, distinct_id: str, traits: dict | None = None,
                     traits_once: dict | None = None, anonymous_id: str | None = None,
                     identified: bool = False) -> None:
        """Ask for identify(): the later message's traits win, the earlier's set-once ones."""
        if anonymous_id == distinct_id:
            anonymous_id = None
        update = self.updates.setdefault((distinct_id, anonymous_id),
                                         PersonUpdate(distinct_id, anonymous_id))
        update.identified = update.identified or identified
        update.traits.update(traits or {})
        for name, value in (traits_once or {}).items():
            update.traits_once.setdefault(name, value)
        update.indexes.append(index)

    def reject(self, index: int, field_name: str, message: str) -> None:
        """Refuse message `index` (its first reason is the one reported)."""
        self.rejected.setdefault(index, (field_name, message))


def deliver(sender: Sender, translation: Translation, *, sent_at=None,
            single: bool = False) -> dict:
    """Apply the identifies, then store the events; what was accepted, duplicated and
    rejected (by message index). A lone message that is refused raises instead (a 400).
    """
    if single and translation.rejected:
        field_name, message = next(iter(translation.rejected.values()))
        raise InvalidEvent(f"Invalid event: {field_name}: {message}",
                           details={field_name: [message]})
    for update in translation.updates.values():
        try:
            apply_update(sender.project_id, update)
        except InvalidIdentify as error:
            if single:
                raise
            for index in update.indexes:
                translation.reject(index, "identify", describe(error))
    accepted = duplicates = 0
    if translation.events:
        result = ingest_events(sender, translation.events, sent_at=sent_at, single=single)
        accepted, duplicates = result.accepted, result.duplicates
        for item in result.rejected:
            translation.reject(translation.origins[item["index"]], "event", item["error"])
    rejected = [{"index": index, "error": f"{field_name}: {message}"}
                for index, (field_name, message) in sorted(translation.rejected.items())]
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}


def describe(error: InvalidIdentify) -> str:
    """The identify error in one line, its field messages included."""
    details = "; ".join(f"{name}: {' '.join(map(str, messages))}"
                        for name, messages in (error.details or {}).items())
    return f"{error.message} ({details})" if details else error.message


def apply_update(project_id: int, update: PersonUpdate) -> None:
    """identify() for a merged update; a link already made lately is not made again."""
    link_only = not update.traits and not update.traits_once
    if link_only and update.anonymous_id is None:
        return  # nothing to set: the person is made when they have traits or an alias
    pair = (project_id, update.distinct_id, update.anonymous_id)
    links = per_app(current_app, "tracker_recent_links", RecentLinks)
    if link_only and links.seen(pair):
        return
    identify(project_id, update.distinct_id, update.traits or None,
             anonymous_id=update.anonymous_id, traits_once=update.traits_once or None,
             identified=update.identified)
    if update.anonymous_id is not None:
        links.add(pair)


class RecentLinks:
    """The (project, person, anonymous id) links this worker made lately, bounded in time
    and in number, so a steady stream of identified events costs no identify each.
    """

    def __init__(self):
        self._pairs: OrderedDict[tuple, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, pair: tuple) -> bool:
        """Whether `pair` was linked within LINK_MEMORY_SECONDS."""
        with self._lock:
            linked_at = self._pairs.get(pair)
            return linked_at is not None and time.monotonic() - linked_at < LINK_MEMORY_SECONDS

    def add(self, pair: tuple) -> None:
        """Remember `pair` as linked now, forgetting the oldest past LINK_MEMORY_PAIRS."""
        with self._lock:
            self._pairs[pair] = time.monotonic()
            self._pairs.move_to_end(pair)
            while len(self._pairs) > LINK_MEMORY_PAIRS:
                self._pairs.popitem(last=False)


def fit_properties(properties: dict) -> dict:
    """`properties` within our bounds, shedding the tool's own `$` keys only if needed:
    first those holding objects or lists or with over-long names, then the others, largest
    first. The sender's own keys are never dropped; if they alone do not fit, validation
    refuses the event as it would ours.
    """
    if fits(properties):
        return properties
    kept = {key: value for key, value in properties.items()
            if not (key.startswith("$") and (isinstance(value, dict | list)
                                              or len(key) > PROPERTY_KEY_MAX_LENGTH))}
    tool_keys = sorted((key for key in kept if key.startswith("$")),
                       key=lambda key: len(str(kept[key])), reverse=True)
    for key in tool_keys:
        if fits(kept):
            break
        del kept[key]
    return kept


def fits(properties: dict) -> bool:
    """Whether /api/v1 would take these properties (size, depth, key lengths)."""
    try:
        properties_field.deserialize(properties)
    except ma.ValidationError:
        return False
    return True
