"""Request and response schemas of a project's ingestion keys and share links, and of a
user's read-only API tokens.
"""

import marshmallow as ma
from marshmallow import validate

from app.projects.schemas import SLUG_RULE
from app.track.keys import InvalidSiteDomainError, normalize_site_domain

KEY_NAME = validate.Length(min=1, max=64, error="Names are 1-64 characters.")


class SiteDomain(ma.fields.String):
    """A site's host name as Plausible's data-domain gives it, stored normalised
    ("https://www.Example.com/" is "example.com"); null or "" is none.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        try:
            return normalize_site_domain(text[:300])
        except InvalidSiteDomainError:
            raise ma.ValidationError("Not a host name, e.g. example.com.") from None


SITE_DOMAIN_DESCRIPTION = ("The site's domain as Plausible's data-domain names it (example.com); "
                           "Plausible events naming it are this key's. Lowercased, without "
                           "scheme, port, path or www.; null for none")


class KeySchema(ma.Schema):
    """An ingestion key of a project (never the key itself: only its hash is stored)."""

    id = ma.fields.Integer(required=True, metadata={"description": "Key id"})
    name = ma.fields.String(required=True, metadata={"description": "Unique in its project"})
    prefix = ma.fields.String(required=True, metadata={
        "description": "The key's first 12 characters, to tell keys apart"})
    created_at = ma.fields.DateTime(required=True, data_key="createdAt",
                                    metadata={"description": "When it was made"})
    last_used_at = ma.fields.DateTime(required=True, allow_none=True, data_key="lastUsedAt",
                                      metadata={"description": "Its last use, to about 10 "
                                                "seconds; null if never used"})
    revoked_at = ma.fields.DateTime(required=True, allow_none=True, data_key="revokedAt",
                                    metadata={"description": "When it was revoked, or null"})
    allows_import = ma.fields.Boolean(required=True, data_key="allowsImport", metadata={
        "description": "Whether it may send events older than a week (importing history)"})
    site_domain = ma.fields.String(required=True, allow_none=True, data_key="siteDomain",
                                   metadata={"description": SITE_DOMAIN_DESCRIPTION})


class KeyListSchema(ma.Schema):
    """A project's ingestion keys, newest first, revoked ones included."""

    keys = ma.fields.List(ma.fields.Nested(KeySchema), required=True,
                          metadata={"description": "Every key of the project"})


class KeyCreateSchema(ma.Schema):
    """A new ingestion key."""

    name = ma.fields.String(required=True, validate=KEY_NAME,
                            metadata={"description": "1-64 characters, unique in the project"})
    allows_import = ma.fields.Boolean(load_default=False, data_key="allowsImport", metadata={
        "description": "Let it send events up to 400 days old (past charts change)"})
    site_domain = SiteDomain(load_default=None, allow_none=True, data_key="siteDomain",
                             metadata={"description": SITE_DOMAIN_DESCRIPTION})


class KeyUpdateSchema(ma.Schema):
    """A key's settings to change."""

    site_domain = SiteDomain(required=True, allow_none=True, data_key="siteDomain",
                             metadata={"description": SITE_DOMAIN_DESCRIPTION})


class CreatedKeySchema(KeySchema):
    """A new ingestion key with the key itself, shown this once."""

    key = ma.fields.String(required=True, metadata={
        "description": "The key (obk_...): send it as X-Ouroboard-Key"})


class ShareLinkSchema(ma.Schema):
    """An active share link (never its token: only its hash is stored)."""

    id = ma.fields.Integer(required=True, metadata={"description": "Share link id"})
    prefix = ma.fields.String(required=True, metadata={
        "description": "The token's first 12 characters"})
    created_at = ma.fields.DateTime(required=True, data_key="createdAt",
                                    metadata={"description": "When it was made"})


class ShareLinkListSchema(ma.Schema):
    """A project's active share links, newest first."""

    share_links = ma.fields.List(ma.fields.Nested(ShareLinkSchema), required=True,
                                 data_key="shareLinks",
                                 metadata={"description": "Every unrevoked share link"})


class CreatedShareLinkSchema(ShareLinkSchema):
    """A new share link with its token, shown this once."""

    token = ma.fields.String(required=True, metadata={
        "description": "obs_ + 43 characters; readers send it as X-Ouroboard-Share"})
    url = ma.fields.String(required=True, metadata={
        "description": "Dashboard path that opens the shared dashboard: /share/<token>"})


class SharedProjectRefSchema(ma.Schema):
    """The project a share link shows."""

    slug = ma.fields.String(required=True, metadata={"description": "The project's slug"})
    name = ma.fields.String(required=True, metadata={"description": "Display name"})
    timezone = ma.fields.String(required=True, metadata={
        "description": "IANA zone the dashboard opens in"})


class SharedProjectSchema(ma.Schema):
    """What a share link opens."""

    project = ma.fields.Nested(SharedProjectRefSchema, required=True,
                               metadata={"description": "The shared project"})


class ApiTokenSchema(ma.Schema):
    """A read-only API token of the caller (never the token: only its hash is stored)."""

    id = ma.fields.Integer(required=True, metadata={"description": "Token id"})
    name = ma.fields.String(required=True, metadata={"description": "What it is for"})
    prefix = ma.fields.String(required=True, metadata={
        "description": "The token's first 12 characters"})
    projects = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Slugs of the projects it may read"})
    created_at = ma.fields.DateTime(required=True, data_key="createdAt",
                                    metadata={"description": "When it was made"})
    last_used_at = ma.fields.DateTime(required=True, allow_none=True, data_key="lastUsedAt",
                                      metadata={"description": "Its last use, to about a "
                                                "minute; null if never used"})


class ApiTokenListSchema(ma.Schema):
    """The caller's active API tokens, newest first."""

    tokens = ma.fields.List(ma.fields.Nested(ApiTokenSchema), required=True,
                            metadata={"description": "Every unrevoked token"})


class ApiTokenCreateSchema(ma.Schema):
    """A new read-only API token."""

    name = ma.fields.String(required=True, validate=KEY_NAME,
                            metadata={"description": "1-64 characters: what it is for"})
    projects = ma.fields.List(
        ma.fields.String(validate=SLUG_RULE), required=True,
        validate=validate.Length(min=1, max=50, error="Name 1-50 projects."),
        metadata={"description": "Slugs of 1-50 projects the caller is a member of"})


class CreatedApiTokenSchema(ApiTokenSchema):
    """A new API token with the token itself, shown this once."""

    token = ma.fields.String(required=True, metadata={
        "description": "obt_ + 43 characters: send it as Authorization: Bearer"})
