"""Identify: set a person's traits and link the ids they are known by, the way PostHog
does; and stamp each new event with its person's age group and gender.

An event is a person's when it has no user id and its anonymous_id is one of the person's
distinct ids. Demographics live on the events (the rollups are keyed by them), so an
identify that changes them restamps the person's stored events and moves their rollup
counts in the same transaction: past anonymous events then count for that person.
"""

import json

import marshmallow as ma
from flask import current_app

from app.database import ingest_write_turn
from app.extensions import db
from app.models import utcnow
from app.people import data
from app.people.errors import InvalidIdentify
from app.people.schemas import IdentifySchema
from app.people.traits import demographics
from app.signals import people_changed
from app.validators import PROPERTIES_MAX_BYTES

identify_schema = IdentifySchema()
# A person's merged traits stay within twice one call's bound.
TRAITS_MAX_BYTES = 2 * PROPERTIES_MAX_BYTES
# The ids one person may be known by: an identify restamps the events of all of them, and
# reads them with one bound parameter each.
MAX_IDS_PER_PERSON = 1000


def identify_from_body(project_id: int, body) -> dict:
    """identify() with the fields of a POST /api/v1/identify body (a field we do not know
    is refused, as /events refuses one).
    """
    if not isinstance(body, dict):
        raise InvalidIdentify('Body must be an object such as {"distinct_id": "user-1"}')
    fields = {name: value for name, value in body.items() if name != "key"}
    unknown = sorted(set(fields) - set(identify_schema.fields))
    if unknown:
        raise InvalidIdentify("Invalid identify",
                              details={name: ["Unknown field."] for name in unknown})
    return identify(project_id, fields.get("distinct_id"), fields.get("traits"),
                    anonymous_id=fields.get("anonymous_id"),
                    traits_once=fields.get("traits_once"))


def identify(project_id: int, distinct_id, traits=None, *, anonymous_id=None,
             traits_once=None, identified: bool = True) -> dict:
    """Set traits on the person known as `distinct_id` (creating them), and make
    `anonymous_id` one of their ids. If that id already was someone else's anonymous
    person, the two become one (their traits under this person's). Commits; returns what
    IdentifyResultSchema describes. Raises InvalidIdentify for bad input.
    """
    try:
        call = identify_schema.load({"distinct_id": distinct_id, "anonymous_id": anonymous_id,
                                     "traits": traits, "traits_once": traits_once})
    except ma.ValidationError as error:
        raise InvalidIdentify("Invalid identify", details=error.normalized_messages()) from None
    with ingest_write_turn():
        try:
            result = identify_in_transaction(project_id, call, identified)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    people_changed.send(current_app._get_current_object(), project_id=project_id)
    return result


def identify_in_transaction(project_id: int, call: dict, identified: bool) -> dict:
    """The identify's reads and writes, uncommitted."""
    distinct_id, anonymous_id = call["distinct_id"], call["anonymous_id"]
    named = [distinct_id] + ([anonymous_id] if anonymous_id and anonymous_id != distinct_id
                             else [])
    # Every id the people involved are known by, locked in one sorted call (two calls could
    # deadlock against a batch holding one of the later ids).
    data.lock_ids(project_id, data.ids_with_their_people(project_id, named))
    now = utcnow()
    found = data.people_of_ids(project_id, named)
    person, other = found.get(distinct_id), found.get(anonymous_id) if len(named) > 1 else None
    if other is not None and other.is_identified and (person is None or other.id != person.id):
        # The anonymous id is someone identified before (a shared device): as PostHog
        # does, it stays theirs, and nobody is merged.
        named, other = [distinct_id], None
    before = (person.age_group, person.gender) if person is not None else (None, None)
    linked, traits = True, {}
    if person is None and other is not None:
        # An anonymous person is identified: they keep their id and traits.
        person, other = other, None
        before = (person.age_group, person.gender)
        link(project_id, person.id, [distinct_id])
    elif person is None:
        person = data.PersonRow(data.create_person(project_id, now), {}, None, None, False)
        link(project_id, person.id, named)
    elif len(named) > 1 and other is None:
        link(project_id, person.id, [anonymous_id])
    elif other is not None and other.id != person.id:
        if len(data.ids_of(person.id)) + len(data.ids_of(other.id)) > MAX_IDS_PER_PERSON:
            raise too_many_ids()
        traits.update(other.traits)
        data.merge_into(person.id, other.id)
    else:
        linked = False
    traits.update(person.traits)
    for key, value in (call["traits_once"] or {}).items():
        traits.setdefault(key, value)
    traits.update(call["traits"] or {})
    if len(json.dumps(traits, separators=(",", ":"), ensure_ascii=False).encode()) > \
            TRAITS_MAX_BYTES:
        raise InvalidIdentify(f"A person's traits may hold at most {TRAITS_MAX_BYTES} bytes",
                              details={"traits": ["Too large once merged."]})
    age_group, gender = demographics(traits)
    data.save_person(person.id, traits, age_group, gender, person.is_identified or identified,
                     now)
    restamped = 0
    if linked or (age_group, gender) != before:
        # Only new ids or new demographics can leave an event stamped otherwise.
        ids = data.ids_of(person.id)
        data.lock_ids(project_id, ids)  # ids linked meanwhile by others, if any
        restamped = data.restamp(project_id, ids, age_group, gender)
    return {"distinct_id": distinct_id, "traits": traits, "age_group": age_group,
            "gender": gender, "events_restamped": restamped}


def too_many_ids() -> InvalidIdentify:
    """The refusal of one id too many for a person."""
    return InvalidIdentify(f"A person has at most {MAX_IDS_PER_PERSON} ids",
                           details={"anonymous_id": ["This person has too many ids already."]})


def link(project_id: int, person_id: int, ids: list[str]) -> None:
    """Make the ids the person's, within MAX_IDS_PER_PERSON."""
    if len(data.ids_of(person_id)) + len(ids) > MAX_IDS_PER_PERSON:
        raise too_many_ids()
    data.link_ids(project_id, person_id, ids)


def stamp_rows(rows: list[dict]) -> bool:
    """Give each new event of a known person that person's age group and gender; whether
    any row changed. Runs in the write transaction, after the visitor locks are held.
    """
    wanted: dict[int, set[str]] = {}
    for row in rows:
        if row["anonymous_id"] is not None and row["user_id"] is None:
            wanted.setdefault(row["project_id"], set()).add(row["anonymous_id"])
    if not wanted:
        return False
    if not current_app.config["WEB_ENRICHMENT"]:
        # Otherwise app.web.visits.settle holds these visitors' locks already.
        for project_id, ids in wanted.items():
            data.lock_ids(project_id, sorted(ids))
    known = {(project_id, distinct_id): values
             for project_id, ids in wanted.items()
             for distinct_id, values in data.demographics_of_ids(project_id, list(ids)).items()}
    changed = False
    for row in rows:
        values = known.get((row["project_id"], row["anonymous_id"]))
        if values is not None and row["user_id"] is None and \
                (row["age_group"], row["gender"]) != values:
            row["age_group"], row["gender"] = values
            changed = True
    return changed
