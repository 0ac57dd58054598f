"""What can go wrong when ingesting, as domain errors; app.errors maps them to HTTP."""


class IngestError(Exception):
    """A batch that cannot be taken, with a message and optional per-field details."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidBatch(IngestError):  # noqa: N818 - named for what the client sent
    """The body is not an event or a well-formed batch envelope."""


class InvalidEvent(IngestError):  # noqa: N818
    """A lone event (not a batch) failed validation."""


class BatchTooLarge(IngestError):  # noqa: N818
    """More events in one batch than the configured limit."""


class UnsupportedContentType(IngestError):  # noqa: N818
    """A body that is not JSON, from a sender that may only send JSON."""


class InvalidIngestKey(IngestError):  # noqa: N818
    """An ingestion key that is unknown or revoked."""


class StoreUnavailable(IngestError):  # noqa: N818
    """The database did not take the batch in time: retry after a pause."""


class UuidTaken(IngestError):  # noqa: N818
    """A uuid another sender's event already holds: its event is not shown to this one."""
