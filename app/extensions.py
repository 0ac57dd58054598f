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
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
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


class VerifiedTokenCacheJWTManager(JWTManager):
    """flask-jwt-extended's JWTManager, remembering the claims of tokens it has verified.

    Each verification decodes the token three times (claims unverified, header, then
    claims with the signature checked), about a tenth of a /track request. A token is
    immutable: the same text, under the same secret, decoding options and CSRF value,
    verifies to the same claims, so a hit skips the decoding but still refuses a token
    whose exp has passed (that case and every failure take the library's path, which
    raises as before). The revocation check and the user lookup still run per request.
    """

    MAX_REMEMBERED = 4096

    def __init__(self, *args, **kwargs):
        self._verified: dict[tuple, dict] = {}
        super().__init__(*args, **kwargs)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None,
                                allow_expired: bool = False) -> dict:
        if self._decode_key_callback is not default_decode_key_callback:
            # The key depends on the token: nothing to remember it by.
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        audience = jwt_config.decode_audience
        key = (encoded_token, csrf_value, allow_expired, jwt_config.decode_key,
               tuple(jwt_config.decode_algorithms),
               tuple(audience) if isinstance(audience, list) else audience,
               jwt_config.decode_issuer, jwt_config.identity_claim_key, jwt_config.verify_sub)
        claims = self._verified.get(key)
        if claims is not None and (allow_expired or "exp" not in claims
                                   or claims["exp"] > time.time() - leeway_seconds()):
            return dict(claims)  # a copy: the request may add to its claims
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if len(self._verified) >= self.MAX_REMEMBERED:
            self._verified.clear()
        self._verified[key] = dict(claims)
        return claims


def leeway_seconds() -> float:
    """JWT_DECODE_LEEWAY in seconds, as PyJWT reads it."""
    leeway = jwt_config.leeway
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway)


jwt = VerifiedTokenCacheJWTManager()


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
