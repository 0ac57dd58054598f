"""The person filters every analytics endpoint and the export take: `person:<trait>=<value>`
query parameters, one per trait, and how they become Filters.person.

The parameter is named like the breakdown (`by=person:<trait>`), and like the website
filters it is an exact match on the value the breakdown shows, with NO_VALUE_TEXT
("(none)") asking for events of no person or of a person without the trait. A trait is
compared as text: a string as it is, a number or boolean as its JSON text (`3`, `2.5`,
`true`); null, objects and arrays are no value. See app.analytics.data.person_clauses.
"""

import re

import marshmallow as ma

from app.analytics.web_filters import NO_VALUE_TEXT

PERSON_PREFIX = "person:"
# The same keys as property:<key>.
TRAIT_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
TRAIT_KEY_TEXT = "1-64 letters, digits, '_', '.', '-'"
TRAIT_VALUE = re.compile(r"[^\x00-\x1f\x7f]{1,500}\Z")
MAX_PERSON_FILTERS = 5
# The one documented parameter standing for every person:<trait> one.
DOCUMENTED_NAME = "person:<trait>"


class PersonTraitFilters(ma.fields.Field):
    """Every `person:<trait>` parameter given, gathered by PersonFilterSchema into one
    {trait: value} mapping, loaded as sorted (trait, value) pairs, "(none)" as None.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return tuple(sorted((key, None if text == NO_VALUE_TEXT else text)
                            for key, text in value.items()))


def checked(key: str, value) -> None:
    """Refuse a bad trait key or value, naming the parameter."""
    name = PERSON_PREFIX + key
    if not TRAIT_KEY.match(key):
        raise ma.ValidationError(f"Use person:<trait> with a trait of {TRAIT_KEY_TEXT}.", name)
    if not isinstance(value, str) or not TRAIT_VALUE.match(value):
        raise ma.ValidationError("Use 1-500 characters, none of them control characters.",
                                 name)


class PersonFilterSchema(ma.Schema):
    """The person filters (mixed into every analytics endpoint's arguments)."""

    person = PersonTraitFilters(
        data_key=DOCUMENTED_NAME, load_default=(),
        metadata={"type": "string", "description": (
            "Person filter, one parameter per trait, e.g. `person:plan=pro`: only events "
            "of a person (an event without a user id whose anonymous id is one of the "
            "person's ids) whose trait has this value. The trait is "
            f"{TRAIT_KEY_TEXT}; at most {MAX_PERSON_FILTERS}. Numbers and booleans compare "
            "as their JSON text (`3`, `2.5`, `true`); objects, arrays and null are no "
            f'value. "{NO_VALUE_TEXT}": events of no person, or of one without the trait')})

    @ma.pre_load
    def gather_person_filters(self, data, **_kwargs):
        """Move every person:<trait> parameter under the one person field."""
        names = [name for name in data if isinstance(name, str)
                 and name.startswith(PERSON_PREFIX)]
        if not names:
            return data
        if len(names) > MAX_PERSON_FILTERS:
            raise ma.ValidationError(f"At most {MAX_PERSON_FILTERS} person filters.",
                                     DOCUMENTED_NAME)
        rest = {name: data[name] for name in data if name not in names}
        person = {}
        for name in names:
            key = name.removeprefix(PERSON_PREFIX)
            checked(key, data[name])
            person[key] = data[name]
        return {**rest, DOCUMENTED_NAME: person}
