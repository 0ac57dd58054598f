"""Domain errors raised by the database binding (app/database.py), kept free of imports so
that app/errors.py can map them to statuses without an import cycle.
"""


class StatementTimeoutError(Exception):
    """A read ran past its statement timeout and the database cancelled it.

    Raised in place of the driver's cancel error (Postgres QueryCanceled, SQLite
    "interrupted"), so nothing above the database layer needs to know either.
    """

    message = "The query took too long and was cancelled; narrow the filters or retry shortly"
