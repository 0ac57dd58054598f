"""Whole epoch seconds of a UTCDateTime column in SQL, the same on both backends: raw
time buckets, visit durations and the web rebuild all floor a moment this one way, as
ingestion does in Python.
"""

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


def sqlite_epoch_seconds(column_sql: str) -> str:
    """Whole epoch seconds of a UTCDateTime column on SQLite, as SQL text.

    strftime('%s') rounds the fraction to milliseconds first, so 23:59:59.9999 would read
    as the next second (its event in the next hour's bucket, a visit of a microsecond
    across a second 0 seconds long). The stored text has its whole seconds in its first
    19 characters, so the fraction is cut off instead.
    """
    return f"CAST(strftime('%s', substr({column_sql}, 1, 19)) AS INTEGER)"


def epoch_seconds_sql(column_sql: str, dialect: str) -> str:
    """Whole epoch seconds of a UTCDateTime column, as SQL text for the dialect."""
    if dialect == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column_sql})) AS BIGINT)"
    return sqlite_epoch_seconds(column_sql)


class epoch_seconds(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Whole epoch seconds (floored) of a UTCDateTime column, on either backend."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    return sqlite_epoch_seconds(compiler.process(list(element.clauses)[0], **kw))


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgres(element, compiler, **kw):
    return epoch_seconds_sql(compiler.process(list(element.clauses)[0], **kw), "postgresql")
