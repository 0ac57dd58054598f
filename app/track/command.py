"""The ingest command: validate a batch, store it, report what happened.

The path of a batch, each module once: routes -> sender (who) -> validation (what) ->
this command -> store (insert, dedup, rollups, commit). Failures are domain errors
(app.track.errors); app.errors is the one place that turns them into HTTP answers.
"""

from dataclasses import dataclass, field

from app.metrics import record_events
from app.models import utcnow
from app.track import store
from app.track.errors import InvalidEvent
from app.track.sender import Sender
from app.track.validation import EventBatch, build_rows


@dataclass
class IngestResult:
    """What happened to a batch."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    stored: list[dict] = field(default_factory=list)


def ingest(batch: EventBatch, sender: Sender) -> IngestResult:
    """Validate, store in one transaction, commit, then announce what was stored.

    A lone event that fails validation raises InvalidEvent; in a batch, invalid events are
    listed in the result and the rest are stored.
    """
    received_at = utcnow()
    rows, rejected = build_rows(batch, sender, received_at)
    if batch.single and rejected:
        record_events(accepted=0, duplicates=0, rejected=1)
        raise InvalidEvent("Invalid event", details=rejected[0].get("details")
                           or {"_event": [rejected[0]["error"]]})
    stored = store.store_committed(rows)
    record_events(accepted=len(stored), duplicates=len(rows) - len(stored),
                  rejected=len(rejected))
    return IngestResult(
        accepted=len(stored),
        duplicates=len(rows) - len(stored),
        rejected=[{"index": item["index"], "error": item["error"]} for item in rejected],
        stored=stored,
    )
