"""The Segment endpoints' bodies and answers, as the OpenAPI document describes them.

Requests are read by app.trackers.posthog_body (they may be gzipped), so these schemas
document them rather than parse them.
"""

import marshmallow as ma

from app.track.schemas import RejectedEventSchema


class SegmentMessageSchema(ma.Schema):
    """One Segment message (track, page, screen, identify, alias or group)."""

    type = ma.fields.String(metadata={
        "description": "track, page, screen, identify, alias or group; required in a batch "
                       "(each single endpoint implies its own)"})
    userId = ma.fields.Raw(metadata={  # noqa: N815 - Segment's names
        "description": "The user's id (string or number, up to 64 characters); the person "
                       "when sent"})
    anonymousId = ma.fields.Raw(metadata={  # noqa: N815
        "description": "The visitor's anonymous id; the person when no userId is sent, "
                       "else linked to the user"})
    event = ma.fields.String(metadata={"description": "A track's event name"})
    name = ma.fields.String(metadata={
        "description": "A page's or screen's name, kept as properties.name"})
    category = ma.fields.String(metadata={
        "description": "A page's category, kept as properties.category"})
    properties = ma.fields.Dict(metadata={
        "description": "Event properties; a page's url and referrer (else context.page's) "
                       "become its page and referrer"})
    traits = ma.fields.Dict(metadata={"description": "An identify's traits to set"})
    previousId = ma.fields.Raw(metadata={  # noqa: N815
        "description": "An alias's previous id, linked to userId"})
    groupId = ma.fields.Raw(metadata={  # noqa: N815
        "description": "A group call's group (groups are taken and ignored)"})
    context = ma.fields.Dict(metadata={
        "description": "Context; context.page.url and .referrer are read for pages"})
    timestamp = ma.fields.String(metadata={
        "description": "When it happened (ISO 8601); corrected for the client's clock "
                       "with sentAt"})
    messageId = ma.fields.String(metadata={  # noqa: N815
        "description": "The message's id: a resent message is stored once"})
    sentAt = ma.fields.String(metadata={  # noqa: N815
        "description": "The client's clock when sending (ISO 8601)"})
    writeKey = ma.fields.String(metadata={  # noqa: N815
        "description": "The write key (an ingestion key), when not sent as Basic auth"})


class SegmentBatchSchema(ma.Schema):
    """A batch of Segment messages, as Segment's libraries send them to /v1/batch."""

    batch = ma.fields.List(ma.fields.Nested(SegmentMessageSchema), required=True, metadata={
        "description": "Up to 500 messages; invalid ones are rejected one by one"})
    sentAt = ma.fields.String(metadata={  # noqa: N815
        "description": "The client's clock when sending (ISO 8601), to correct skew"})
    context = ma.fields.Dict(metadata={
        "description": "Context merged into every message's own"})
    writeKey = ma.fields.String(metadata={  # noqa: N815
        "description": "The write key (an ingestion key), when not sent as Basic auth"})


class SegmentResultSchema(ma.Schema):
    """Segment's answer, with what Ouroboard did with each message."""

    success = ma.fields.Boolean(required=True, metadata={
        "description": "true, as Segment answers"})
    accepted = ma.fields.Integer(required=True, metadata={
        "description": "Newly stored events (identify, alias and group store none)"})
    duplicates = ma.fields.Integer(required=True, metadata={
        "description": "Events whose messageId was stored before"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedEventSchema), required=True, metadata={
        "description": "Messages not (wholly) taken, by their index in the batch, and why"})


class SegmentSettingsSchema(ma.Schema):
    """The settings analytics.js loads on start (from Segment's CDN, or from here when its
    cdnURL is this server): one destination, Segment.io, sending to this server.
    """

    integrations = ma.fields.Dict(required=True, metadata={
        "description": "Segment.io only, with apiKey (the write key), apiHost "
                       "(this server's /v1) and protocol"})
    plan = ma.fields.Dict(required=True, metadata={"description": "Tracking plan: none"})
    metrics = ma.fields.Dict(required=True, metadata={
        "description": "Library metrics: sampleRate 0, none are sent"})
    remotePlugins = ma.fields.List(ma.fields.Dict(), required=True, metadata={  # noqa: N815
        "description": "Always empty"})
    enabledMiddleware = ma.fields.Dict(required=True, metadata={  # noqa: N815
        "description": "Always empty"})
