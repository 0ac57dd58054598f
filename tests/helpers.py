"""Request builders shared by the ingestion tests, what they stored, and a clock moved by
hand."""

import uuid
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Person, PersonDistinctId
from app.rollups.tables import daily as daily_rollup


def iso(moment: datetime) -> str:
    return moment.isoformat()


def event(name="page_view", **fields) -> dict:
    return {"name": name, "uuid": str(uuid.uuid4()), **fields}


def post_events(client, body, headers=None, **kwargs):
    return client.post("/api/v1/events", json=body, headers=headers or {}, **kwargs)


def stored_counts(app) -> tuple[int, int, int]:
    """Rows, distinct uuids, and what the daily rollup counts."""
    with app.app_context():
        events = db.session.execute(select(func.count()).select_from(Event)).scalar()
        distinct = db.session.execute(select(func.count(func.distinct(Event.uuid)))).scalar()
        rolled_up = db.session.execute(select(func.sum(daily_rollup.c.events))).scalar() or 0
        return events, distinct, rolled_up


class Clock:
    """Stands in for a cache's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stored_events(app) -> list[Event]:
    """Every stored event in id order, detached from the session."""
    with app.app_context():
        events = list(db.session.execute(select(Event).order_by(Event.id)).scalars())
        db.session.expunge_all()
        return events


def people_by_id(app, project_id) -> dict[str, dict]:
    """Each distinct id of the project's people, with the traits of its person."""
    with app.app_context():
        rows = db.session.execute(
            select(PersonDistinctId.distinct_id, Person.id, Person.traits)
            .join(Person, Person.id == PersonDistinctId.person_id)
            .where(PersonDistinctId.project_id == project_id)).all()
        return {distinct_id: {"person": person_id, "traits": traits}
                for distinct_id, person_id, traits in rows}
