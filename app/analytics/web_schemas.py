"""Arguments and answers of the website analytics endpoints (/analytics/web/...)."""

import marshmallow as ma
from marshmallow import validate

from app.analytics.responses import cached_flag
from app.analytics.schemas import AnalyticsFilterSchema, limit_field
from app.web.tables import VISIT_DIMENSIONS

WEB_BREAKDOWNS = (*VISIT_DIMENSIONS, "page")


class WebBreakdownArgsSchema(AnalyticsFilterSchema):
    """The filters, what to break down by and how many values to show."""

    by = ma.fields.String(required=True, validate=validate.OneOf(WEB_BREAKDOWNS), metadata={
        "description": "page (counts page views) or a visit dimension (counts visits): "
                       + ", ".join(VISIT_DIMENSIONS)})
    limit = limit_field(10, 100, "values")


class WebFiguresSchema(ma.Schema):
    """The website cards of one period (bots left out)."""

    visitors = ma.fields.Integer(required=True, metadata={
        "description": "Distinct visitors with an event in the period"})
    visits = ma.fields.Integer(required=True, metadata={
        "description": "Visits that started in the period"})
    pageviews = ma.fields.Integer(required=True, metadata={
        "description": "page_view events in the period"})
    viewsPerVisit = ma.fields.Float(required=True, metadata={  # noqa: N815 - API names
        "description": "Page views of those visits per visit, 2 decimals; 0 without visits"})
    bounceRate = ma.fields.Float(required=True, metadata={  # noqa: N815
        "description": "Percent of those visits with one page view and no other event, "
                       "0-100, 1 decimal"})
    visitDuration = ma.fields.Integer(required=True, metadata={  # noqa: N815
        "description": "Mean length of those visits in whole seconds"})


def change_of(figure: str) -> ma.fields.Float:
    """Return the change field of one card."""
    return ma.fields.Float(required=True, allow_none=True, metadata={
        "description": f"{figure}: change in %, 1 decimal; null when the previous period's "
                       "was 0"})


class WebChangeSchema(ma.Schema):
    """Each card's change against the previous period."""

    visitors = change_of("Visitors")
    visits = change_of("Visits")
    pageviews = change_of("Page views")
    viewsPerVisit = change_of("Views per visit")  # noqa: N815
    bounceRate = change_of("Bounce rate")  # noqa: N815
    visitDuration = change_of("Visit duration")  # noqa: N815


class WebSummarySchema(ma.Schema):
    """The website cards of the range and of the period of equal length before it."""

    current = ma.fields.Nested(WebFiguresSchema, required=True,
                               metadata={"description": "The range's figures"})
    previous = ma.fields.Nested(WebFiguresSchema, required=True, metadata={
        "description": "The same figures for the period of equal length just before"})
    change = ma.fields.Nested(WebChangeSchema, required=True,
                              metadata={"description": "Change against the previous period"})
    botEvents = ma.fields.Integer(required=True, metadata={  # noqa: N815
        "description": "Events of crawlers and headless browsers in the range (left out of "
                       "every figure; not filtered)"})
    webTraffic = ma.fields.Boolean(required=True, metadata={  # noqa: N815
        "description": "Whether the project has ever had a page view (events from the "
                       "website tracker)"})
    cached = cached_flag()


class WebBreakdownRowSchema(ma.Schema):
    """One value and its count."""

    value = ma.fields.String(required=True, allow_none=True, metadata={
        "description": 'The value; null where the visit has none (filter it as "(none)")'})
    count = ma.fields.Integer(required=True, metadata={
        "description": "Visits (page views for pages)"})
    percentage = ma.fields.Float(required=True, metadata={
        "description": "count / total * 100, 1 decimal"})
    visitors = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "Distinct visitors; null when the answer comes from the rollups "
                       "(no filter)"})


class WebBreakdownSchema(ma.Schema):
    """The top values of a visit dimension, or the top pages."""

    by = ma.fields.String(required=True, metadata={"description": "The dimension, as asked"})
    metric = ma.fields.String(required=True, metadata={
        "description": "What count counts: visits, or pageviews for pages"})
    rows = ma.fields.List(ma.fields.Nested(WebBreakdownRowSchema), required=True, metadata={
        "description": "Highest count first, then by value; null (none) last among equals"})
    total = ma.fields.Integer(required=True, metadata={
        "description": "The count over every value (visits, or page views of pages with a "
                       "path)"})
    cached = cached_flag()
