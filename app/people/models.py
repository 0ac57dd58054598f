"""The people tables' models: declared beside app/people, re-exported by app.models (which
imports this module last, so they are in the metadata wherever the models are).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models import BigId, JSONDocument, UTCDateTime, utcnow


class Person(db.Model):
    """Someone a project's senders identified, with the traits they gave (PostHog's person,
    Segment's user). Its age group and gender, read from the traits, are copied onto every
    event of its distinct ids, so the demographic filters and rollups count them.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True)
    traits: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False, default=dict)
    age_group: Mapped[str | None] = mapped_column(String(8))
    gender: Mapped[str | None] = mapped_column(String(16))
    # Named by an identify as who the sender is (not only given traits, as PostHog's $set
    # does): such a person is never merged into another.
    is_identified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PersonDistinctId(db.Model):
    """One id a sender knows a person by (its user id, or an anonymous id aliased to it):
    events whose anonymous_id is this value are that person's.
    """

    __tablename__ = "person_distinct_ids"

    project_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    distinct_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True)
