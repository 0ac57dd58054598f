"""Request and response schemas of the projects API: projects, members and invitations.

Keys, share links and API tokens are in app.projects.credential_schemas.
"""

from functools import cache
from zoneinfo import available_timezones

import marshmallow as ma
from marshmallow import validate

from app.validators import WholeValue

ROLE_CHOICES = ("owner", "admin", "viewer")
INVITED_ROLES = ("admin", "viewer")
SLUG_RULE = WholeValue(r"^[a-z0-9-]{3,48}$",
                       error="Slugs are 3-48 characters of lowercase letters, digits and '-'.")
MAX_ID = 2**31 - 1


@cache
def known_time_zones() -> frozenset[str]:
    """Every IANA zone name this system knows (read once: listing them scans the disk)."""
    return frozenset(available_timezones())


class ProjectName(ma.fields.String):
    """1-100 characters, not only spaces; outer spaces are dropped.

    The sent value is bounded before trimming, as the published maxLength says: a
    101-character name with a leading space is refused, not cut to 100.
    """

    default_error_messages = {"length": "Names are 1-100 characters, not only spaces."}

    def __init__(self, **kwargs):
        super().__init__(metadata={"minLength": 1, "maxLength": 100,
                                   **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        sent = super()._deserialize(value, attr, data, **kwargs)
        name = sent.strip()
        if len(sent) > 100 or not name:
            raise self.make_error("length")
        return name


class TimeZone(ma.fields.String):
    """An IANA time zone name such as Europe/Paris."""

    default_error_messages = {"unknown": "Unknown time zone; use an IANA name like Europe/Paris."}

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if name not in known_time_zones():
            raise self.make_error("unknown")
        return name


class StrictBoolean(ma.fields.Boolean):
    """true or false only: never "yes", 1 or "true", so a switch is not flipped by accident."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def id_field(description: str, **kwargs) -> ma.fields.Integer:
    """A positive 32-bit id (strict: never "3" or 3.0)."""
    return ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": description}, **kwargs)


class ProjectSchema(ma.Schema):
    """A project as one of its members sees it."""

    slug = ma.fields.String(required=True, metadata={"description": "The project's id in URLs"})
    name = ma.fields.String(required=True, metadata={"description": "Display name"})
    timezone = ma.fields.String(required=True, metadata={
        "description": "IANA zone the dashboard opens in for this project"})
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLE_CHOICES), metadata={
        "description": "The caller's role: owner, admin or viewer"})
    is_self_tracking = ma.fields.Boolean(required=True, data_key="isSelfTracking", metadata={
        "description": "Whether this is the built-in project recording the dashboard's own use"})
    created_at = ma.fields.DateTime(required=True, data_key="createdAt",
                                    metadata={"description": "When the project was created"})
    public_sharing = ma.fields.Boolean(required=True, data_key="publicSharing", metadata={
        "description": "Whether anyone who knows the slug may read the project's analytics "
                       "without any credential (the seed clients' tokenless reads)"})
    sharing = ma.fields.Boolean(metadata={
        "description": "Whether an active share link exists (single-project answers only)"})


class ProjectListSchema(ma.Schema):
    """The caller's projects, the self-tracking project first."""

    projects = ma.fields.List(ma.fields.Nested(ProjectSchema), required=True,
                              metadata={"description": "Every project the caller is a member of"})


class ProjectCreateSchema(ma.Schema):
    """A new project; the caller becomes its owner."""

    name = ProjectName(required=True, metadata={"description": "Display name, 1-100 characters"})
    slug = ma.fields.String(load_default=None, validate=SLUG_RULE, metadata={
        "description": "3-48 of a-z, 0-9 and '-'; made from the name when absent"})
    timezone = TimeZone(load_default="UTC", metadata={
        "description": "IANA zone the dashboard opens in (default UTC)"})


class ProjectUpdateSchema(ma.Schema):
    """New settings; absent fields keep their value."""

    name = ProjectName(metadata={"description": "Display name, 1-100 characters"})
    timezone = TimeZone(metadata={"description": "IANA zone the dashboard opens in"})
    public_sharing = StrictBoolean(data_key="publicSharing", metadata={
        "description": "true: anyone who knows the slug may read the project's analytics "
                       "without a credential; false: only members, tokens and share links"})


class TransferSchema(ma.Schema):
    """Who becomes the owner."""

    user_id = id_field("A member's user id; they become owner, the caller admin",
                       required=True, data_key="userId")


class MemberSchema(ma.Schema):
    """A member of a project."""

    user_id = ma.fields.Integer(required=True, data_key="userId",
                                metadata={"description": "The member's user id"})
    username = ma.fields.String(required=True, metadata={"description": "The member's username"})
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLE_CHOICES),
                            metadata={"description": "owner, admin or viewer"})
    joined_at = ma.fields.DateTime(required=True, data_key="joinedAt",
                                   metadata={"description": "When they became a member"})


class MemberListSchema(ma.Schema):
    """A project's members: the owner, then admins, then viewers."""

    members = ma.fields.List(ma.fields.Nested(MemberSchema), required=True,
                             metadata={"description": "Every member of the project"})


class RoleChangeSchema(ma.Schema):
    """A member's new role (the owner's changes only by a transfer)."""

    role = ma.fields.String(required=True, validate=validate.OneOf(
        INVITED_ROLES, error="Role must be admin or viewer."),
        metadata={"description": "admin or viewer"})


class InvitationCreateSchema(ma.Schema):
    """An invitation to make: the role it gives and how long it stays valid."""

    role = ma.fields.String(required=True, validate=validate.OneOf(
        INVITED_ROLES, error="Role must be admin or viewer."),
        metadata={"description": "admin or viewer"})
    expires_in_days = ma.fields.Integer(
        strict=True, load_default=7, data_key="expiresInDays",
        validate=validate.Range(min=1, max=30, error="expiresInDays must be 1-30."),
        metadata={"description": "Days until it expires, 1-30 (default 7)"})


class InvitationFieldsSchema(ma.Schema):
    """What every view of an invitation shows (never its token)."""

    id = ma.fields.Integer(required=True, metadata={"description": "Invitation id"})
    role = ma.fields.String(required=True, metadata={"description": "admin or viewer"})
    created_at = ma.fields.DateTime(required=True, data_key="createdAt",
                                    metadata={"description": "When it was made"})
    expires_at = ma.fields.DateTime(required=True, data_key="expiresAt",
                                    metadata={"description": "When it stops being valid"})


class InvitationSchema(InvitationFieldsSchema):
    """An invitation as the project's admins see it (never its token)."""

    created_by = ma.fields.String(required=True, allow_none=True, data_key="createdBy",
                                  metadata={"description": "Who made it (null once deleted)"})
    status = ma.fields.String(required=True, validate=validate.OneOf(
        ("pending", "accepted", "revoked", "expired")),
        metadata={"description": "pending, accepted, revoked or expired"})


class InvitationListSchema(ma.Schema):
    """A project's invitations, newest first."""

    invitations = ma.fields.List(ma.fields.Nested(InvitationSchema), required=True,
                                 metadata={"description": "Every invitation, used or not"})


class CreatedInvitationSchema(InvitationFieldsSchema):
    """A new invitation with its token, shown this once (only its hash is stored)."""

    token = ma.fields.String(required=True, metadata={"description": "obi_ + 43 characters"})
    accept_url = ma.fields.String(required=True, data_key="acceptUrl", metadata={
        "description": "Dashboard path that accepts it: /invite/<token>"})


class ProjectRefSchema(ma.Schema):
    """A project named to someone who is not (yet) a member."""

    slug = ma.fields.String(required=True, metadata={"description": "The project's slug"})
    name = ma.fields.String(required=True, metadata={"description": "Display name"})


class InvitationPreviewSchema(ma.Schema):
    """What an open invitation offers, shown before accepting it."""

    project = ma.fields.Nested(ProjectRefSchema, required=True,
                               metadata={"description": "The project it invites to"})
    role = ma.fields.String(required=True, metadata={"description": "admin or viewer"})
    expires_at = ma.fields.DateTime(required=True, data_key="expiresAt",
                                    metadata={"description": "When it stops being valid"})


class RegistrationSchema(ma.Schema):
    """Who may create an account here."""

    mode = ma.fields.String(required=True, validate=validate.OneOf(("open", "invite", "closed")),
                            metadata={"description": "open (anyone), invite (with an "
                                      "invitation) or closed (nobody)"})
    first_account = ma.fields.Boolean(required=True, data_key="firstAccount", metadata={
        "description": "No account exists yet: the first may always register and becomes "
                       "the instance admin"})
