"""One JSON value as text, the same on SQLite and Postgres: how an event property
(`property:<key>`) and a person trait (`person:<trait>`) are grouped and compared.

A string is itself; a number or boolean is its JSON text ("3", "2.5", "true"); null, an
object or an array is no value (NULL). The key is a bound parameter on both backends.
"""

from sqlalchemy import String, bindparam, case, cast, func, literal_column, null
from sqlalchemy.sql.expression import ColumnElement

from app.extensions import db

# JSON types that are no value: a property or trait is compared as one scalar.
NOT_SCALARS = {"object": null(), "array": null()}


def json_text(column: ColumnElement, key: str) -> ColumnElement:
    """The value under `key` of a JSON column as text (see the module's docstring).

    The type is read once per row (a simple CASE evaluates its operand once): JSON parsing
    is most of the cost on SQLite. SQLite's json_extract gives a boolean as 1 or 0, so
    booleans are spelled by their type; Postgres's ->> already gives the JSON text of a
    number or boolean, and NULL for a JSON null.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        # The key matches [A-Za-z0-9_.-]+ (the schemas check it), so quoting it suffices.
        path = bindparam(None, f'$."{key}"', type_=String)
        return case({**NOT_SCALARS, "true": literal_column("'true'"),
                     "false": literal_column("'false'")},
                    value=func.json_type(column, path),
                    else_=cast(func.json_extract(column, path), String))
    return case(NOT_SCALARS, value=func.jsonb_typeof(column[key]),
                else_=column[key].as_string())
