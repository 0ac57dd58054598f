"""The bare extension objects; `create_app` binds them to an application."""

import inspect
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_caching import Cache
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.errors import ErrorSchema

# Named constraints keep migrations identical on SQLite and Postgres.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()


class OuroboardApi(Api):
    """flask-smorest's Api documenting our error shape instead of its own, and describing
    each blueprint's operations in the OpenAPI document when the document is first read.

    Describing them costs about 0.13 s per application (schema conversion and deep copies),
    three quarters of create_app: every test builds an app, and few read the document.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        self._spec = None
        self._undocumented: list[tuple] = []  # (blueprint, app, name, parameters)
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The OpenAPI document of the last app initialized, with every registered
        blueprint's operations in it.
        """
        if self._undocumented:
            with self._documenting:
                while self._undocumented:
                    blueprint, app, name, parameters = self._undocumented[0]
                    blueprint.register_views_in_doc(self, app, self._spec, name=name,
                                                    parameters=parameters)
                    self._spec.tag({"name": name, "description": blueprint.description})
                    # Removed once described: a reader that finds the list empty without
                    # taking the lock must find the document complete.
                    self._undocumented.pop(0)
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        # init_app sets a new document for a new app: what was pending was the old app's.
        self._undocumented = []
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register the blueprint with the app now, and in the document when it is read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, self._app, name, parameters))


class DocumentedSchemasPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, describing each schema in the OpenAPI document with
    its class docstring, as flask-smorest describes operations with their views'.
    """

    def schema_helper(self, name, definition, schema=None, **kwargs):
        """The schema's JSON Schema, with the class docstring as its description."""
        json_schema = super().schema_helper(name, definition, schema=schema, **kwargs)
        if json_schema is not None and schema is not None:
            docstring = inspect.getdoc(schema if isinstance(schema, type) else type(schema))
            if docstring:
                json_schema.setdefault("description", docstring)
        return json_schema


class SweepingMemoryStorage(MemoryStorage):
    """limits' memory storage, sweeping expired counters at most once a second.

    The stock one starts a 10 ms timer thread on nearly every hit to drop expired keys,
    which cost each ingest request more than the limit check itself. Reads already ignore
    an expired counter, so sweeping less often changes no decision, only when memory of
    stale keys is freed. Used when Redis is not configured: "ouroboard-memory://".
    """

    STORAGE_SCHEME = ["ouroboard-memory"]
    SWEEP_SECONDS = 1.0
    next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides a private hook
        now = time.monotonic()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            super()._MemoryStorage__schedule_expiry()


api = OuroboardApi()
cors = CORS()
limiter = Limiter(key_func=get_remote_address)
cache = Cache()

Kept = TypeVar("Kept")


def per_app(app: Flask, name: str, create: Callable[[], Kept]) -> Kept:
    """The object kept in app.extensions[name], created on first use.

    Per application, not per module: each test app has its own database. Two threads may
    both create one; setdefault keeps the first, so every caller gets the same object.
    """
    kept = app.extensions.get(name)
    if kept is None:
        kept = app.extensions.setdefault(name, create())
    return kept
