"""URL converters for the path parameters of the projects API, documented with the same
rules in the OpenAPI document: a path that breaks them is not routed (404), and generated
clients and the fuzz tests know the rules.
"""

from flask import Flask
from werkzeug.routing import BaseConverter

SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{1,46}[a-z0-9]"
# Invitation and share secrets: a kind prefix, then secrets.token_urlsafe(32) (43 chars).
SECRET_PATTERN = r"ob[is]_[A-Za-z0-9_-]{20,100}"  # noqa: S105 - a pattern, not a secret


class SlugConverter(BaseConverter):
    """A project slug: 3-48 of a-z, 0-9 and inner hyphens (deleted projects' slugs, which
    start with an underscore, never match).
    """

    regex = SLUG_PATTERN


class SecretConverter(BaseConverter):
    """An invitation or share-link secret as the API hands it out."""

    regex = SECRET_PATTERN


def slug_parameter_schema(_converter) -> dict:
    """The OpenAPI schema of a slug in a path."""
    return {"type": "string", "pattern": f"^{SLUG_PATTERN}$", "minLength": 3, "maxLength": 48}


def secret_parameter_schema(_converter) -> dict:
    """The OpenAPI schema of a secret in a path."""
    return {"type": "string", "pattern": f"^{SECRET_PATTERN}$", "minLength": 24,
            "maxLength": 104}


def init_app(app: Flask, api) -> None:
    """Register the converters with Flask and with the OpenAPI document."""
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["secret"] = SecretConverter
    api.register_converter(SlugConverter, slug_parameter_schema)
    api.register_converter(SecretConverter, secret_parameter_schema)
