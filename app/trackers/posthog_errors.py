"""What can go wrong reading a tracker library's body (PostHog's and Segment's), as domain
errors: app.errors maps them to HTTP like the ingest errors they extend.
"""

from app.track.errors import IngestError


class MalformedBody(IngestError):  # noqa: N818 - named for what the client sent
    """A body that does not decompress, decode or parse, or is not the tool's shape (400)."""


class InflatedBodyTooLarge(IngestError):  # noqa: N818
    """A compressed body that inflates past MAX_CONTENT_LENGTH (413, as a plain one would)."""


class UnsupportedEncoding(IngestError):  # noqa: N818
    """A Content-Encoding we do not decode (415)."""
