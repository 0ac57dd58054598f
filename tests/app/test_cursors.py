"""app.cursors: the one codec for recent-events page cursors (no database)."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.cursors import MAX_ROW_ID, decode_cursor, encode_cursor
from app.validators import SPAN_END, SPAN_START


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
    encoded("0001-01-01T00:00:00+14:00|1"),           # year 1: UTC would be year 0
    encoded("9999-12-31T23:59:59-14:00|1"),           # UTC would be year 10000
    encoded("1999-12-31T23:59:59+00:00|1"),           # just before the span
    encoded("2100-01-01T00:00:00+00:00|1"),           # the span's exclusive end
    encoded("2026-03-28T23:30:15+00:00|-1"),          # a negative id
    encoded(f"2026-03-28T23:30:15+00:00|{2**63}"),    # past any database integer
    encoded("2026-03-28T23:30:15+00:00|" + "9" * 5000),  # a number Python refuses to parse
    encoded("2026-03-28T23:30:15+00:00|\u0663"),      # a digit, but not an ASCII one
    encoded("2026-03-28T23:30:15+00:00|" + "1" * 200),  # longer than any cursor we hand out
])
def test_anything_else_is_a_value_error(cursor):
    with pytest.raises(ValueError):
        decode_cursor(cursor)


def test_a_utc_time_without_fraction_survives_the_round_trip():
    moment = datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 1)) == (moment, 1)


@pytest.mark.parametrize("moment", [SPAN_START, SPAN_END - timedelta(microseconds=1),
                                    datetime(2000, 1, 1, 9, tzinfo=timezone(-timedelta(hours=9)))])
def test_the_span_s_edges_and_the_largest_id_round_trip(moment):
    assert decode_cursor(encode_cursor(moment, MAX_ROW_ID)) == (moment, MAX_ROW_ID)
