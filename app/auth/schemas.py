"""Request and response schemas of the auth API."""

import re

import marshmallow as ma
from marshmallow import validate

from app.models import GENDERS
from app.validators import WholeValue

USERNAME_RULE = WholeValue(
    r"^[A-Za-z0-9_.-]{3,32}$",
    error="Username must be 3-32 characters of letters, digits, '_', '.' or '-'.",
)
PASSWORD_LENGTH = validate.Length(min=8, max=128,
                                  error="Password must be 8-128 characters.")


class WholeNumber(ma.fields.Integer):
    """An integer, or a string of digits as HTML forms send numbers; never 25.5 or true."""

    DIGITS = re.compile(r"\s*[+-]?\d{1,9}\s*")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid")
        if isinstance(value, str) and not self.DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class RegisterSchema(ma.Schema):
    """A new account. Age may be a numeric string, as HTML forms send it."""

    username = ma.fields.String(required=True, validate=USERNAME_RULE, metadata={
        "description": "3-32 letters, digits, '_', '.' or '-'; unique in any letter case"})
    password = ma.fields.String(required=True, load_only=True, validate=PASSWORD_LENGTH,
                                metadata={"description": "8-128 characters, not easy to guess "
                                          "(zxcvbn score 3 or more)"})
    age = WholeNumber(
        required=True,
        validate=validate.Range(min=1, max=120, error="Age must be between 1 and 120."),
        metadata={"description": "Age in years, 1-120; charts group users by it"},
    )
    gender = ma.fields.String(
        required=True,
        validate=validate.OneOf(GENDERS, error="Gender must be one of Male, Female, Other."),
        metadata={"description": "Male, Female or Other"},
    )
    invitation = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=128), metadata={
            "description": "An invitation token (obi_...): the account joins its project. "
                           "Required when REGISTRATION is invite"})


class LoginSchema(ma.Schema):
    """Credentials. Lengths are bounded so hashing cost stays bounded too."""

    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64),
                                metadata={"description": "Username, in any letter case"})
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(min=1, max=128),
                                metadata={"description": "The account's password"})


class ChangePasswordSchema(ma.Schema):
    """The current password, to prove it is the user, and the new one."""

    current_password = ma.fields.String(
        required=True, load_only=True, data_key="currentPassword",
        validate=validate.Length(min=1, max=128),
        metadata={"description": "The account's password now"})
    new_password = ma.fields.String(
        required=True, load_only=True, data_key="newPassword", validate=PASSWORD_LENGTH,
        metadata={"description": "8-128 characters, not easy to guess (zxcvbn score 3 or "
                  "more), different from the current one"})


class UserSchema(ma.Schema):
    """A user as the API shows it: never the password hash."""

    id = ma.fields.Integer(required=True, metadata={"description": "User id"})
    username = ma.fields.String(required=True,
                                metadata={"description": "Username as registered"})
    age = ma.fields.Integer(required=True, metadata={"description": "Age in years"})
    gender = ma.fields.String(required=True, metadata={"description": "Male, Female or Other"})


class SessionSchema(ma.Schema):
    """What register, login and a password change return: the user and a bearer token."""

    user = ma.fields.Nested(UserSchema, required=True,
                            metadata={"description": "The signed-in user"})
    token = ma.fields.String(required=True,
                             metadata={"description": "JWT for Authorization: Bearer"})


class MeSchema(ma.Schema):
    """The current user."""

    user = ma.fields.Nested(UserSchema, required=True,
                            metadata={"description": "The user the request is signed in as"})
    is_instance_admin = ma.fields.Boolean(
        required=True, data_key="isInstanceAdmin",
        metadata={"description": "Whether this is the instance's first account, its admin"})


class SessionStateSchema(ma.Schema):
    """Who the request is signed in as, if anyone: the answer of the session probe."""

    user = ma.fields.Nested(UserSchema, required=True, allow_none=True, metadata={
        "description": "The user the request is signed in as; null when it is not (no "
                       "token, or an expired, revoked or otherwise invalid one)"})


class MessageSchema(ma.Schema):
    """A short confirmation."""

    message = ma.fields.String(required=True, metadata={"description": "What was done"})


class DemoCredentialsSchema(ma.Schema):
    """The seeded demo login, shown on the sign-in page."""

    username = ma.fields.String(required=True, metadata={"description": "Demo username"})
    password = ma.fields.String(required=True, metadata={"description": "Demo password"})
