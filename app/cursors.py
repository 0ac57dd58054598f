"""Opaque page cursors: the (time, id) of a page's last row, as URL-safe base64 text.

One codec for every keyset-paginated list: the service encodes the cursor it hands out,
the argument schema decodes the one a client sends back.
"""

import base64
from datetime import UTC, datetime


def encode_cursor(occurred_at: datetime, row_id: int) -> str:
    """Return an opaque cursor naming the last row of a page."""
    raw = f"{occurred_at.astimezone(UTC).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int]:
    """Return the (aware time, id) a cursor names; raise ValueError for anything else.

    Bad base64 (binascii.Error) and bad UTF-8 (UnicodeDecodeError) are ValueErrors too.
    """
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    moment, row_id = raw.split("|")
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        raise ValueError("naive")
    return parsed, int(row_id)
