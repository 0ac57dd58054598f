"""app.cursors: the one codec for recent-events page cursors (no database)."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.cursors import decode_cursor, encode_cursor


def test_a_cursor_names_its_row_in_utc_and_round_trips():
    moment = datetime(2026, 3, 29, 1, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    cursor = encode_cursor(moment, 4711)
    # URL-safe base64 of "<UTC ISO time>|<id>", without padding.
    text = "2026-03-28T23:30:15.250000+00:00|4711"
    assert cursor == base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    assert "=" not in cursor
    decoded_moment, decoded_id = decode_cursor(cursor)
    assert decoded_moment == moment and decoded_moment.utcoffset() == timedelta(0)
    assert decoded_id == 4711


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not-a-cursor",                                   # decodes to bytes that are not UTF-8
    "%%%",                                            # no base64 letters: decodes to nothing
    encoded("2026-03-28T23:30:15+00:00"),             # no id
    encoded("2026-03-28T23:30:15+00:00|1|2"),         # too many parts
    encoded("2026-03-28T23:30:15|1"),                 # naive time
    encoded("yesterday|1"),                           # not a time
    encoded("2026-03-28T23:30:15+00:00|one"),         # not an id
])
def test_anything_else_is_a_value_error(cursor):
    with pytest.raises(ValueError):
        decode_cursor(cursor)


def test_a_utc_time_without_fraction_survives_the_round_trip():
    moment = datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 1)) == (moment, 1)
