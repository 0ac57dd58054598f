"""What can go wrong when identifying someone, as domain errors (app.errors maps them)."""

from app.track.errors import IngestError


class InvalidIdentify(IngestError):  # noqa: N818 - named for what the client sent
    """An identify call without a usable id, or with traits that are not a small object."""
