"""Person traits as SQL: the `person:<trait>` filters on raw events, and each event's
trait value for a `person:<trait>` breakdown.

An event is a person's when it has no user id and its anonymous_id is one of the person's
distinct ids in the same project. A trait is read as text on both backends: a string as
it is, a number or boolean as its JSON text ("3", "2.5", "true"); null, an object or an
array counts as no value. Every lookup names the project twice (the ids and the people),
and every key and value is a bound parameter.
"""

from sqlalchemy import String, and_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from app.analytics.data.json_text import json_text
from app.analytics.periods import Filters
from app.models import Event, Person, PersonDistinctId

events = Event.__table__
people = Person.__table__
distinct_ids = PersonDistinctId.__table__


def trait_text(key: str) -> ColumnElement:
    """A person's trait as text (app.analytics.data.json_text), NULL when they have none."""
    return json_text(people.c.traits, key)


class unindexed(FunctionElement):  # noqa: N801 - reads like the SQL it renders
    """A text column's value, written so that no index serves a condition on it.

    A person filter then reads the events of the range (the raw-read budget counts
    those) and probes the matching ids, hashed once. Looked up by anonymous id instead,
    it would read every event of every matching person ever (the planners guess the
    trait matches few people), unbounded by the range: at 200k events, 111 ms instead of
    45 ms for one plan's people over 30 days on Postgres.
    """

    type = String()
    inherit_cache = True


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    # SQLite's documented way to keep a term off an index: a unary plus.
    return f"+{compiler.process(list(element.clauses)[0], **kw)}"


@compiles(unindexed, "postgresql")
def _unindexed_postgres(element, compiler, **kw):
    return f"({compiler.process(list(element.clauses)[0], **kw)} || '')"


def people_ids(project_id: int) -> Select:
    """The distinct ids of the project's people, joined to their person (both sides held
    to the project, so no other project's person can match).
    """
    return (select(distinct_ids.c.distinct_id)
            .select_from(distinct_ids.join(people, people.c.id == distinct_ids.c.person_id))
            .where(distinct_ids.c.project_id == project_id, people.c.project_id == project_id))


def ids_with_trait(project_id: int, key: str, value: str | None) -> Select:
    """Distinct ids whose person has the trait value (any value, for None)."""
    trait = trait_text(key)
    return people_ids(project_id).where(trait.is_not(None) if value is None
                                        else trait == value)


def person_conditions(filters: Filters) -> list[ColumnElement]:
    """One condition on raw events per person filter: the event is a person's whose trait
    has the value; for None ("(none)"), it is no one's, or its person lacks the trait.
    """
    clauses: list[ColumnElement] = []
    anonymous_id = unindexed(events.c.anonymous_id)
    for key, value in filters.person:
        ids = ids_with_trait(filters.project_id, key, value)
        if value is None:
            # Spelled out: NOT over a NULL anonymous id would be NULL, not true.
            clauses.append(or_(events.c.user_id.is_not(None), events.c.anonymous_id.is_(None),
                               anonymous_id.not_in(ids)))
        else:
            clauses.append(and_(events.c.user_id.is_(None), anonymous_id.in_(ids)))
    return clauses


def events_with_trait(project_id: int, key: str):
    """(events outer-joined to each one's person's trait, the trait value column): the
    value is NULL for an event with a user id, no person, or a person without the trait.
    """
    traits = people_ids(project_id).add_columns(trait_text(key).label("value")) \
        .subquery("person_traits")
    joined = events.outerjoin(traits, and_(traits.c.distinct_id == events.c.anonymous_id,
                                           events.c.user_id.is_(None)))
    return joined, traits.c.value
