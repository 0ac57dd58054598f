"""What an identify call may carry: one schema for /api/v1/identify and every dialect."""

import marshmallow as ma
from marshmallow import validate

from app.validators import OptionalText, Properties


class IdentifySchema(ma.Schema):
    """Who someone is, the anonymous id they were known by, and their traits."""

    distinct_id = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=64),
        metadata={"description": "The person's id in your app (a user id); events whose "
                                 "anonymous_id is this value are theirs"})
    anonymous_id = OptionalText(64, metadata={
        "description": "The anonymous id they were known by before: its past and future "
                       "events count for this person from now on (an alias)"})
    traits = Properties(load_default=None, allow_none=True, metadata={
        "description": "Traits to set (a JSON object): `age` or `age_group` and `gender` "
                       "feed the demographic filters; any other is person:<trait>"})
    traits_once = Properties(load_default=None, allow_none=True, metadata={
        "description": "Traits set only where the person has none yet (PostHog's $set_once)"})


class IdentifyResultSchema(ma.Schema):
    """The outcome of an identify."""

    distinct_id = ma.fields.String(required=True, metadata={"description": "The person's id"})
    traits = ma.fields.Dict(required=True, metadata={"description": "All their traits now"})
    age_group = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The age group read from the traits, if any"})
    gender = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The gender read from the traits, if any"})
    events_restamped = ma.fields.Integer(required=True, metadata={
        "description": "Stored events whose age group or gender changed with this call"})
