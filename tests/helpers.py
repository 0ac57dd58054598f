"""Request builders shared by the ingestion tests, and a clock moved by hand."""

import uuid
from datetime import datetime


def iso(moment: datetime) -> str:
    return moment.isoformat()


def event(name="page_view", **fields) -> dict:
    return {"name": name, "uuid": str(uuid.uuid4()), **fields}


def post_events(client, body, headers=None, **kwargs):
    return client.post("/api/v1/events", json=body, headers=headers or {}, **kwargs)


class Clock:
    """Stands in for a cache's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
