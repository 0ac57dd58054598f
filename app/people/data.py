"""Every SQL statement about people: their ids and traits, the demographics ingestion
stamps on new events, and the restamp of a person's stored events and rollup rows when an
identify changes their age group or gender.

Rollup statements are derived from app.rollups.definition (constants of ours); every value
is a bound parameter.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, text, update

from app.extensions import db
from app.models import NO_VALUE, Person, PersonDistinctId
from app.rollups import definition
from app.rollups.data import select_keys, upsert_clause
from app.rollups.definition import Measure, Rollup
from app.web.data import lock_visitors

people = Person.__table__
distinct_ids = PersonDistinctId.__table__


@dataclass
class PersonRow:
    """A stored person as identify reads it."""

    id: int
    traits: dict
    age_group: str | None
    gender: str | None
    is_identified: bool


def lock_ids(project_id: int, ids: list[str]) -> None:
    """On Postgres, hold the visitor locks of these ids (as "a:<id>") until commit: the
    same locks ingestion takes before it stamps and stores a visitor's events, so an
    identify and a batch of the same person's events never interleave.
    """
    lock_visitors({(project_id, f"a:{distinct_id}") for distinct_id in ids})


def people_of_ids(project_id: int, ids: list[str]) -> dict[str, PersonRow]:
    """{distinct id: its person} for the ids that have one."""
    rows = db.session.execute(
        select(distinct_ids.c.distinct_id, people.c.id, people.c.traits, people.c.age_group,
               people.c.gender, people.c.is_identified)
        .join(people, people.c.id == distinct_ids.c.person_id)
        .where(distinct_ids.c.project_id == project_id, distinct_ids.c.distinct_id.in_(ids)))
    return {row.distinct_id: PersonRow(row.id, row.traits or {}, row.age_group, row.gender,
                                       row.is_identified) for row in rows}


def ids_with_their_people(project_id: int, ids: list[str]) -> list[str]:
    """These ids, and every other id of the people they belong to."""
    owners = select(distinct_ids.c.person_id).where(
        distinct_ids.c.project_id == project_id, distinct_ids.c.distinct_id.in_(ids))
    known = db.session.execute(select(distinct_ids.c.distinct_id).where(
        distinct_ids.c.person_id.in_(owners))).scalars()
    return sorted({*ids, *known})


def create_person(project_id: int, now: datetime) -> int:
    """A new person without traits; their id."""
    return db.session.execute(
        insert(people).values(project_id=project_id, traits={}, created_at=now, updated_at=now)
        .returning(people.c.id)).scalar_one()


def add_person(project_id: int, distinct_id: str, traits: dict, age_group: str | None,
               gender: str | None, now: datetime) -> None:
    """A new, identified person known by one id (the demo's signed-up visitors)."""
    person_id = db.session.execute(
        insert(people).values(project_id=project_id, traits=traits, age_group=age_group,
                              gender=gender, is_identified=True, created_at=now,
                              updated_at=now)
        .returning(people.c.id)).scalar_one()
    link_ids(project_id, person_id, [distinct_id])


def link_ids(project_id: int, person_id: int, ids: list[str]) -> None:
    """Make these ids (known to belong to nobody) the person's."""
    if ids:
        db.session.execute(insert(distinct_ids), [
            {"project_id": project_id, "distinct_id": distinct_id, "person_id": person_id}
            for distinct_id in ids])


def merge_into(person_id: int, merged_id: int) -> None:
    """Move every id of `merged_id` to `person_id`, then delete `merged_id`."""
    db.session.execute(update(distinct_ids).where(distinct_ids.c.person_id == merged_id)
                       .values(person_id=person_id))
    db.session.execute(delete(people).where(people.c.id == merged_id))


def save_person(person_id: int, traits: dict, age_group: str | None, gender: str | None,
                is_identified: bool, now: datetime) -> None:
    """Store the person's traits, the demographics read from them, and whether they were
    identified.
    """
    db.session.execute(update(people).where(people.c.id == person_id).values(
        traits=traits, age_group=age_group, gender=gender, is_identified=is_identified,
        updated_at=now))


def ids_of(person_id: int) -> list[str]:
    """Every id the person is known by."""
    return list(db.session.execute(select(distinct_ids.c.distinct_id).where(
        distinct_ids.c.person_id == person_id)).scalars())


def demographics_of_ids(project_id: int, ids: list[str]
                        ) -> dict[str, tuple[str | None, str | None]]:
    """{distinct id: (age group, gender)} for ids whose person has either."""
    rows = db.session.execute(
        select(distinct_ids.c.distinct_id, people.c.age_group, people.c.gender)
        .join(people, people.c.id == distinct_ids.c.person_id)
        .where(distinct_ids.c.project_id == project_id, distinct_ids.c.distinct_id.in_(ids),
               (people.c.age_group.is_not(None)) | (people.c.gender.is_not(None))))
    return {row.distinct_id: (row.age_group, row.gender) for row in rows}


# The person's events whose stamped demographics differ from the new ones. Events with a
# user id are a dashboard account's: their demographics come from the account, not here.
RESTAMPED = ("project_id = :project AND anonymous_id IN :ids AND user_id IS NULL "
             "AND (COALESCE(age_group, :none) <> :age_key "
             "OR COALESCE(gender, :none) <> :gender_key)")


def restamp(project_id: int, ids: list[str], age_group: str | None, gender: str | None
            ) -> int:
    """Give every stored event of these ids the new age group and gender, and move their
    counts in every rollup from the old keys to the new ones; how many events changed.
    """
    params = {"project": project_id, "ids": ids, "none": NO_VALUE,
              "age_key": age_group or NO_VALUE, "gender_key": gender or NO_VALUE}
    dialect = db.session.get_bind().dialect.name
    source = f"(SELECT * FROM events WHERE {RESTAMPED}) AS affected"  # noqa: S608
    for rollup in definition.ROLLUPS:
        statement = text(select_keys(rollup, dialect, source)).bindparams(
            bindparam("ids", expanding=True))
        old_rows = [tuple(row) for row in db.session.execute(statement, params)]
        if old_rows:
            move_rollup_rows(rollup, old_rows, params["age_key"], params["gender_key"])
    changed = db.session.execute(
        text(f"UPDATE events SET age_group = :age_group, gender = :gender "  # noqa: S608
             f"WHERE {RESTAMPED}").bindparams(bindparam("ids", expanding=True)),
        {**params, "age_group": age_group, "gender": gender})
    return changed.rowcount


def move_rollup_rows(rollup: Rollup, old_rows: list[tuple], age_key: str, gender_key: str
                     ) -> None:
    """Take `old_rows` ((*key, count) or keys) off their keys and add them under the new
    age group and gender. A count that reaches zero leaves no row behind.
    """
    columns = rollup.key_columns
    match = " AND ".join(f"{column} = :k{index}" for index, column in enumerate(columns))
    counted = rollup.measure is Measure.EVENTS
    keys_of = [{f"k{index}": value for index, value in enumerate(row[:len(columns)])}
               | ({"n": row[-1]} if counted else {}) for row in old_rows]
    table = rollup.table
    if counted:
        db.session.execute(text(f"UPDATE {table} SET events = events - :n "  # noqa: S608
                                f"WHERE {match}"), keys_of)
        db.session.execute(text(f"DELETE FROM {table} WHERE {match} "  # noqa: S608
                                f"AND events <= 0"), keys_of)
    else:
        db.session.execute(text(f"DELETE FROM {table} WHERE {match}"), keys_of)  # noqa: S608
    age_at, gender_at = columns.index("age_group"), columns.index("gender")
    new_keys = [{**keys, f"k{age_at}": age_key, f"k{gender_at}": gender_key} for keys in keys_of]
    values = ", ".join([*(f":k{index}" for index in range(len(columns))),
                        *([":n"] if counted else [])])
    db.session.execute(text(
        f"INSERT INTO {table} ({', '.join(rollup.columns)}) "  # noqa: S608 - constants
        f"VALUES ({values}) {upsert_clause(rollup)}"), new_keys)
