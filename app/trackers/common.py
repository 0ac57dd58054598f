"""What every tracker dialect shares: who is sending (an ingestion key under the tool's
own name for it), names and ids translated into ours, and the one ingest path.

A dialect turns its payloads into events shaped like `POST /api/v1/events` items and
hands them to `ingest_events`, so validation, dedup, limits and storage are exactly ours.
"""

import re
import uuid

from app.track import validation
from app.track.command import IngestResult, ingest
from app.track.errors import InvalidIngestKey
from app.track.keys import find_active_key
from app.track.sender import Sender
from app.web.client import client_of_request

# Message ids that are not uuids (Segment's "ajs-next-…", a library's counter) become a
# uuid derived from the project and the id, so a retried message is stored once.
MESSAGE_ID_NAMESPACE = uuid.UUID("5b0f2c1e-8f7a-4d3e-9c61-0a1d7e4b9f23")
# Our event names: letters, digits, '_', '.', ':', '/', '-' and inner spaces (EVENT_NAME).
NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/ -]+")
NAME_MAX = 100
# The name our website figures count as a page view.
PAGEVIEW = "page_view"


def key_sender(raw_key) -> Sender:
    """The Sender holding this ingestion key; InvalidIngestKey (401) when it is none."""
    key = find_active_key(raw_key) if isinstance(raw_key, str) and raw_key else None
    if key is None:
        raise InvalidIngestKey("Invalid or revoked ingestion key")
    return Sender(key=key)


def message_uuid(project_id: int, source: str, message_id) -> str | None:
    """The event uuid for a tool's message id: the id itself when it is a uuid, else one
    derived from (source, project, id); None when the message has no id.
    """
    if message_id is None or message_id == "":
        return None
    text = str(message_id)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, f"{source}:{project_id}:{text}"))


def event_name(foreign_name) -> str | None:
    """Our name for a tool's event name: a leading '$' dropped (PostHog's own events),
    runs of other characters turned into '_', cut to 100 characters; None when nothing
    usable is left (the event is then rejected with the usual message).
    """
    if not isinstance(foreign_name, str):
        return None
    name = NAME_UNSAFE.sub("_", foreign_name.removeprefix("$")).strip(" ")[:NAME_MAX].strip(" ")
    return name or None


def ingest_events(sender: Sender, events: list[dict], *, sent_at=None, single=False
                  ) -> IngestResult:
    """Validate and store translated events exactly as /api/v1/events does."""
    batch = validation.EventBatch(raw_events=events, sent_at=sent_at, single=single)
    return ingest(batch, sender, client_of_request())
