"""Property test: whatever a client sends, /events answers 2xx or 4xx and stores what it says."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_leaf = st.none() | st.booleans() | st.integers(-2**53, 2**53) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=70), inner, max_size=4),
                          max_leaves=12)

now = datetime.now(UTC)
timestamps = st.one_of(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
                 timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    st.datetimes(min_value=(now - timedelta(days=420)).replace(tzinfo=None),
                 max_value=(now + timedelta(days=2)).replace(tzinfo=None),
                 timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    st.text(max_size=20), st.integers(), st.none(),
)
names = st.one_of(st.sampled_from(["page_view", "date_filter", "Export CSV", "a:b/c"]),
                  st.text(max_size=110), st.integers(), st.none())
uuids = st.one_of(st.uuids().map(str), st.sampled_from([
    "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"]),
    st.text(max_size=40), st.none())

event_fields = {
    "name": names, "uuid": uuids, "timestamp": timestamps,
    "session_id": st.one_of(st.text(max_size=70), st.integers()),
    "anonymous_id": st.text(max_size=70), "page_url": st.text(max_size=50),
    "referrer": st.text(max_size=50), "properties": json_value, "surprise": json_value,
}
events = st.fixed_dictionaries({}, optional=event_fields) | json_value
payloads = st.one_of(
    events,
    st.fixed_dictionaries({"events": st.lists(events, max_size=12)},
                          optional={"sent_at": timestamps, "other": json_value}),
    st.fixed_dictionaries({"events": json_value}),
)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=payloads)
def test_any_payload_is_answered_and_counted_honestly(client, auth, user, stored, payload):
    before = stored.count()
    response = client.post("/api/v1/events", json=payload, headers=auth.headers)
    assert 200 <= response.status_code < 500, (response.status_code, response.get_data())
    stored_now = stored.count() - before
    if response.status_code < 300:
        body = response.get_json()
        assert stored_now == body["accepted"]
        sent = len(payload["events"]) if isinstance(payload, dict) and \
            isinstance(payload.get("events"), list) else 1
        assert body["accepted"] + body["duplicates"] + len(body["rejected"]) == sent
    else:
        assert stored_now == 0
        assert response.get_json()["error"]
