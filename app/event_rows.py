"""An event as the write path carries it: the columns of one new `events` row."""

import uuid as uuid_module
from datetime import datetime

# The columns of a visit every one of its events carries (its first event's values), as
# app.web.visits settles them while storing: last, so the store can append them to a row
# prepared before the visit was known.
VISIT_COLUMNS = ("visit_id", "referrer_domain", "channel", "utm_source", "utm_medium",
                 "utm_campaign", "utm_term", "utm_content", "browser", "browser_version",
                 "os", "device_type", "country")
# The event's own web columns, filled by app.web.enrich before storing.
WEB_COLUMNS = ("visitor_id", "hostname", "pathname", "is_bot")
# The events columns a new row is written with, in the order raw inserts use.
EVENT_COLUMNS = ("uuid", "project_id", "name", "user_id", "anonymous_id", "session_id",
                 "page_url", "referrer", "properties", "occurred_at", "received_at",
                 "age_group", "gender", *WEB_COLUMNS, *VISIT_COLUMNS)


def event_row(name: str, occurred_at: datetime, *, project_id: int,
              received_at: datetime | None = None, uuid: str | None = None,
              user_id: int | None = None,
              age_group: str | None = None, gender: str | None = None,
              anonymous_id: str | None = None, session_id: str | None = None,
              page_url: str | None = None, referrer: str | None = None,
              properties: dict | None = None) -> dict:
    """A new events row as a dict keyed by EVENT_COLUMNS.

    A missing uuid gets a random one, and a missing receipt time is the occurrence time.
    The user's age group and gender are copied in, so analytics never join users. The web
    columns start empty: app.web.enrich and the store fill them.
    """
    row = {
        "uuid": uuid or str(uuid_module.uuid4()),
        "project_id": project_id,
        "name": name,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "session_id": session_id,
        "page_url": page_url,
        "referrer": referrer,
        "properties": properties,
        "occurred_at": occurred_at,
        "received_at": occurred_at if received_at is None else received_at,
        "age_group": age_group,
        "gender": gender,
        "visitor_id": None,
        "hostname": None,
        "pathname": None,
        "is_bot": False,
    }
    row.update(dict.fromkeys(VISIT_COLUMNS))
    return row
