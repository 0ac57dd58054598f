"""The ingestion fast path never disagrees with EventSchema, the authority."""

import marshmallow as ma
from hypothesis import given, settings
from hypothesis import strategies as st

from app.track.schemas import EventSchema
from app.track.validation import load_event_fast
from tests.track.test_ingest_properties import event_fields, json_value

schema = EventSchema()
typical = st.fixed_dictionaries({
    "name": st.sampled_from(["page_view", "Export CSV", "a:b/c", " bad", "x" * 101, ""]),
    "uuid": st.uuids().map(str) | st.uuids().map(lambda value: str(value).upper()) | st.none(),
    "timestamp": st.datetimes(timezones=st.none() | st.timezones()).map(
        lambda moment: moment.isoformat()) | st.sampled_from(
        ["2026-02-30T10:00:00Z", "2026-01-01T24:00:00", "2026-01-01", "2026-01-01T10:00Z"]),
}, optional={"session_id": st.text(max_size=70), "page_url": st.text(max_size=40),
             "properties": json_value, "anonymous_id": st.text(max_size=70)})


def compare(raw):
    fast = load_event_fast(raw)
    try:
        slow = schema.load(raw)
    except ma.ValidationError:
        assert fast is None, f"fast path accepted what the schema rejects: {raw!r}"
        return
    if fast is not None:
        assert fast == slow


@settings(max_examples=400, deadline=None)
@given(raw=typical)
def test_fast_path_matches_the_schema_on_typical_events(raw):
    compare(raw)


@settings(max_examples=300, deadline=None)
@given(raw=st.fixed_dictionaries({}, optional=event_fields))
def test_fast_path_matches_the_schema_on_arbitrary_events(raw):
    compare(raw)


def test_fast_path_takes_the_common_event():
    raw = {"name": "page_view", "uuid": "0b5f3e4e-9d7c-4c54-9a53-1f7f0c6a1b2c",
           "timestamp": "2026-11-01T10:00:00.123Z", "session_id": "s", "page_url": "/",
           "properties": {"a": 1}}
    assert load_event_fast(raw) == schema.load(raw)
