"""The PostHog endpoints' bodies and answers, as the OpenAPI document describes them.

Requests are read by app.trackers.posthog_body (they may be gzip, base64 or lz-string), so
these schemas document them rather than parse them.
"""

import marshmallow as ma

from app.track.schemas import RejectedEventSchema


class PostHogEventSchema(ma.Schema):
    """One PostHog event, as posthog-js, posthog-python and PostHog's capture API send it."""

    event = ma.fields.String(required=True, metadata={
        "description": "The event's name: $pageview becomes page_view; other leading $ "
                       "signs are dropped ($autocapture is autocapture)"})
    distinct_id = ma.fields.Raw(metadata={
        "description": "Who did it (string or number, up to 64 characters); posthog-js "
                       "sends it as properties.distinct_id. Required"})
    properties = ma.fields.Dict(metadata={
        "description": "Event properties, kept as sent (except `token`); $current_url, "
                       "$referrer and $session_id become the page, referrer and visit"})
    timestamp = ma.fields.String(metadata={
        "description": "When it happened (ISO 8601); corrected for the client's clock "
                       "with sent_at"})
    uuid = ma.fields.String(metadata={
        "description": "The event's id: a resent event with the same uuid is stored once"})
    set = ma.fields.Dict(data_key="$set", metadata={
        "description": "Traits to set on the person (also read from properties.$set)"})
    set_once = ma.fields.Dict(data_key="$set_once", metadata={
        "description": "Traits to set only where the person has none yet"})
    api_key = ma.fields.String(metadata={
        "description": "The project API key: an Ouroboard ingestion key (or `token`, "
                       "or properties.token, or Authorization: Bearer)"})


class PostHogBatchSchema(ma.Schema):
    """A batch of PostHog events, as posthog-python sends it to /batch/."""

    api_key = ma.fields.String(metadata={
        "description": "The project API key: an Ouroboard ingestion key"})
    batch = ma.fields.List(ma.fields.Nested(PostHogEventSchema), required=True, metadata={
        "description": "Up to 500 events; invalid ones are rejected one by one"})
    sent_at = ma.fields.String(metadata={
        "description": "The client's clock when sending (ISO 8601), to correct skew"})


class PostHogCaptureResultSchema(ma.Schema):
    """PostHog's answer to a capture, with what Ouroboard did with each event."""

    status = ma.fields.Integer(required=True, metadata={
        "description": "1, as PostHog answers"})
    accepted = ma.fields.Integer(required=True, metadata={
        "description": "Newly stored events"})
    duplicates = ma.fields.Integer(required=True, metadata={
        "description": "Events whose uuid was stored before"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedEventSchema), required=True, metadata={
        "description": "Events not (wholly) taken, by their index in the batch, and why"})


class PostHogFlagsSchema(ma.Schema):
    """The answer to posthog-js's and posthog-python's feature-flag and config requests:
    Ouroboard has no feature flags, session recording or surveys, so all are off.
    """

    flags = ma.fields.Dict(required=True, metadata={
        "description": "Flag details (flags v4): none"})
    featureFlags = ma.fields.Dict(required=True, metadata={  # noqa: N815 - PostHog's name
        "description": "Flag values: none"})
    featureFlagPayloads = ma.fields.Dict(required=True, metadata={  # noqa: N815
        "description": "Flag payloads: none"})
    errorsWhileComputingFlags = ma.fields.Boolean(required=True, metadata={  # noqa: N815
        "description": "Always false"})
    quotaLimited = ma.fields.List(ma.fields.String(), required=True, metadata={  # noqa: N815
        "description": "Always empty"})
    config = ma.fields.Dict(required=True, metadata={
        "description": "Client settings: autocapture stays as the client configured it"})
    supportedCompression = ma.fields.List(  # noqa: N815
        ma.fields.String(), required=True,
        metadata={"description": "Body encodings this server reads"})
    elementsChainAsString = ma.fields.Boolean(required=True, metadata={  # noqa: N815
        "description": "True: autocapture sends its elements as one string property, "
                       "which fits our property bounds better than nested lists"})
    sessionRecording = ma.fields.Boolean(required=True, metadata={  # noqa: N815
        "description": "False: no session recording"})
    surveys = ma.fields.Boolean(required=True, metadata={"description": "False: no surveys"})
    heatmaps = ma.fields.Boolean(required=True, metadata={"description": "False: no heatmaps"})
    siteApps = ma.fields.List(ma.fields.Dict(), required=True, metadata={  # noqa: N815
        "description": "Always empty"})
