"""An event as the write path carries it: the columns of one new `events` row."""

import uuid as uuid_module
from datetime import datetime

# The events columns a new row is written with, in the order raw inserts use.
EVENT_COLUMNS = ("uuid", "project_id", "name", "user_id", "anonymous_id", "session_id",
                 "page_url", "referrer", "properties", "occurred_at", "received_at",
                 "age_group", "gender")


def event_row(name: str, occurred_at: datetime, *, project_id: int,
              received_at: datetime | None = None, uuid: str | None = None,
              user_id: int | None = None,
              age_group: str | None = None, gender: str | None = None,
              anonymous_id: str | None = None, session_id: str | None = None,
              page_url: str | None = None, referrer: str | None = None,
              properties: dict | None = None) -> dict:
    """A new events row as a dict keyed by EVENT_COLUMNS.

    A missing uuid gets a random one, and a missing receipt time is the occurrence time.
    The user's age group and gender are copied in, so analytics never join users.
    """
    return {
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
    }
