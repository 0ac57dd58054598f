"""The website filters every analytics endpoint and the export take: names, rules and how
they become Filters.web.

Each is an exact match on the value the dashboard shows; NO_VALUE_TEXT ("(none)") asks for
a missing value. Visit-level ones (source, device, country, entry and exit page, hostname)
match an event's copy of its visit's values; `page` matches the event's own path.
"""

import marshmallow as ma
from marshmallow import validate

from app.validators import WholeValue

# What a filter value says for "the value is missing".
NO_VALUE_TEXT = "(none)"
DEVICE_TYPES = ("desktop", "mobile", "tablet")

# name -> (the longest value, what it matches). Lengths follow the stored columns (a
# browser version is "<browser> <major>").
FREE_TEXT_FILTERS = {
    "channel": (32, "Channel, e.g. Organic Search"),
    "referrer": (255, "Referrer domain, without www."),
    "utm_source": (200, "utm_source of the visit's first page"),
    "utm_medium": (200, "utm_medium of the visit's first page"),
    "utm_campaign": (200, "utm_campaign of the visit's first page"),
    "utm_term": (200, "utm_term of the visit's first page"),
    "utm_content": (200, "utm_content of the visit's first page"),
    "browser": (64, "Browser, e.g. Firefox"),
    "browser_version": (81, "Browser and major version, e.g. Chrome 120"),
    "os": (64, "Operating system, e.g. macOS"),
    "page": (500, "Path of the page the event happened on, e.g. /pricing"),
    "entry_page": (500, "Path of the first page of the event's visit"),
    "exit_page": (500, "Path of the last page of the event's visit"),
    "hostname": (255, "Host name of the page, e.g. www.example.com"),
}
WEB_FILTER_NAMES = (*FREE_TEXT_FILTERS, "device", "country")
NONE_HINT = f'; "{NO_VALUE_TEXT}" for none'


def free_text(longest: int, what: str) -> ma.fields.String:
    """An optional exact-match filter of 1 to `longest` printable characters."""
    longest = max(longest, len(NO_VALUE_TEXT))
    # Not nullable in the document: a query parameter is a string or absent, never null.
    return ma.fields.String(
        load_default=None, allow_none=False,
        validate=WholeValue(rf"^[^\x00-\x1f\x7f]{{1,{longest}}}$",
                            error=f"Use 1-{longest} characters, none of them control "
                                  "characters."),
        metadata={"description": what + NONE_HINT})


class WebFilterSchema(ma.Schema):
    """The website filters (mixed into every analytics endpoint's arguments)."""

    channel = free_text(*FREE_TEXT_FILTERS["channel"])
    referrer = free_text(*FREE_TEXT_FILTERS["referrer"])
    utm_source = free_text(*FREE_TEXT_FILTERS["utm_source"])
    utm_medium = free_text(*FREE_TEXT_FILTERS["utm_medium"])
    utm_campaign = free_text(*FREE_TEXT_FILTERS["utm_campaign"])
    utm_term = free_text(*FREE_TEXT_FILTERS["utm_term"])
    utm_content = free_text(*FREE_TEXT_FILTERS["utm_content"])
    browser = free_text(*FREE_TEXT_FILTERS["browser"])
    browser_version = free_text(*FREE_TEXT_FILTERS["browser_version"])
    os = free_text(*FREE_TEXT_FILTERS["os"])
    device = ma.fields.String(load_default=None, allow_none=False,
                              validate=validate.OneOf((*DEVICE_TYPES, NO_VALUE_TEXT)),
                              metadata={"description": "desktop, mobile or tablet" + NONE_HINT})
    country = ma.fields.String(load_default=None, allow_none=False,
                               validate=WholeValue(r"^([A-Z]{2}|\(none\))$",
                                                   error="Use an ISO 3166 code such as DE, "
                                                         f"or {NO_VALUE_TEXT}."),
                               metadata={"description": "ISO 3166-1 alpha-2 country code, "
                                                        "e.g. DE" + NONE_HINT})
    page = free_text(*FREE_TEXT_FILTERS["page"])
    entry_page = free_text(*FREE_TEXT_FILTERS["entry_page"])
    exit_page = free_text(*FREE_TEXT_FILTERS["exit_page"])
    hostname = free_text(*FREE_TEXT_FILTERS["hostname"])


def pop_web_filters(data: dict) -> tuple[tuple[str, str | None], ...]:
    """Take the website filters out of loaded arguments as Filters.web: the given ones,
    sorted by name, "(none)" turned into None.
    """
    given = ((name, data.pop(name, None)) for name in WEB_FILTER_NAMES)
    return tuple(sorted((name, None if value == NO_VALUE_TEXT else value)
                        for name, value in given if value is not None))
