"""Opaque page cursors: the (time, id) of a page's last row, as URL-safe base64 text.

One codec for every keyset-paginated list: the service encodes the cursor it hands out,
the argument schema decodes the one a client sends back. A cursor is client input, so what
it decodes to is checked like any other argument: a time inside the dates the API accepts
(app.validators.within_span) and an id a database integer can hold.
"""

import base64
from datetime import UTC, datetime

from app.validators import SPAN_MESSAGE, within_span

# The largest id a 64-bit database integer holds; SQLite refuses larger ones with an error.
MAX_ROW_ID = 2**63 - 1
MAX_CURSOR_LENGTH = 200


def encode_cursor(occurred_at: datetime, row_id: int) -> str:
    """Return an opaque cursor naming the last row of a page."""
    raw = f"{occurred_at.astimezone(UTC).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int]:
    """Return the (aware time, id) a cursor names; raise ValueError for anything else.

    Bad base64 (binascii.Error) and bad UTF-8 (UnicodeDecodeError) are ValueErrors too, and
    so are a time outside the span and an id outside 0..MAX_ROW_ID.
    """
    if len(text) > MAX_CURSOR_LENGTH:
        raise ValueError("cursor too long")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    moment, row_id = raw.split("|")
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        raise ValueError("naive")
    if not within_span(parsed):
        raise ValueError(SPAN_MESSAGE)
    if not row_id.isascii() or not row_id.isdigit() or not 0 <= int(row_id) <= MAX_ROW_ID:
        raise ValueError("row id out of range")
    return parsed, int(row_id)
