"""Field validators shared by every domain's schemas: names, bounded text, properties and
the span every date the API reads must lie in.
"""

import json
import math
from datetime import UTC, date, datetime

import marshmallow as ma
from marshmallow import validate


class WholeValue(validate.Regexp):
    """A regex the whole value must match.

    Patterns are written ^...$ so the OpenAPI document carries them in a form JSON Schema
    tools understand; matching with fullmatch keeps Python's `$` from admitting a trailing
    newline.
    """

    def __call__(self, value):
        """The value when the whole of it matches; otherwise a ValidationError."""
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


EVENT_NAME = WholeValue(
    r"^[A-Za-z0-9_.:/-](?:[A-Za-z0-9_.:/ -]{0,98}[A-Za-z0-9_.:/-])?$",
    error="Event names are 1-100 characters of letters, digits, '_', '.', ':', '/', '-' "
          "and inner spaces.",
)
# Every date and datetime the API reads (range bounds, page cursors) lies in these years.
# Range arithmetic on them (the previous period, a zone's offset, the day after) then stays
# far inside datetime's years 1-9999, and every stored event fits: ingestion keeps 400 days.
SPAN_FIRST_DAY = date(2000, 1, 1)
SPAN_LAST_DAY = date(2099, 12, 31)
SPAN_START = datetime(2000, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive
SPAN_MESSAGE = (f"Dates must lie between {SPAN_FIRST_DAY.isoformat()} and "
                f"{SPAN_LAST_DAY.isoformat()}.")


def within_span(value: date | datetime) -> bool:
    """Whether a date, a naive local datetime or an aware instant lies in the span.

    Dates and naive datetimes are judged by their calendar day (no zone is applied, so
    nothing can overflow); aware instants are compared as instants.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        return SPAN_START <= value < SPAN_END
    day = value.date() if isinstance(value, datetime) else value
    return SPAN_FIRST_DAY <= day <= SPAN_LAST_DAY


PROPERTIES_MAX_BYTES = 8 * 1024
PROPERTIES_MAX_DEPTH = 3
PROPERTY_KEY_MAX_LENGTH = 64


class Properties(ma.fields.Dict):
    """A JSON object of at most 8 KiB, keys of at most 64 characters, nested 3 levels deep."""

    default_error_messages = {
        "too_large": f"Properties must serialise to at most {PROPERTIES_MAX_BYTES} bytes.",
        "too_deep": f"Properties may nest at most {PROPERTIES_MAX_DEPTH} levels.",
        "long_key": f"Property keys must be 1-{PROPERTY_KEY_MAX_LENGTH} characters.",
        "not_finite": "Property numbers must be finite.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        properties = super()._deserialize(value, attr, data, **kwargs)
        # Encoding every event's properties to measure them cost ingestion a tenth of its
        # time; the walk that checks them also bounds their size, and only a bound past the
        # limit is measured exactly.
        if self._check(properties, depth=1) > PROPERTIES_MAX_BYTES:
            encoded = json.dumps(properties, separators=(",", ":"), ensure_ascii=False)
            if len(encoded.encode("utf-8")) > PROPERTIES_MAX_BYTES:
                raise self.make_error("too_large")
        return properties

    def _check(self, value, depth: int) -> int:
        """Check the value; return an upper bound of its compact JSON's size in UTF-8
        bytes (a character encodes to at most 6 bytes: the escape of a control character, or
        4 of UTF-8).
        """
        if isinstance(value, dict | list) and depth > PROPERTIES_MAX_DEPTH:
            raise self.make_error("too_deep")
        if isinstance(value, dict):
            size = 2
            for key, item in value.items():
                if not 1 <= len(key) <= PROPERTY_KEY_MAX_LENGTH:
                    raise self.make_error("long_key")
                size += 6 * len(key) + 4 + self._check(item, depth + 1)  # "", : and ,
            return size
        if isinstance(value, list):
            return 2 + sum(self._check(item, depth + 1) + 1 for item in value)
        if isinstance(value, str):
            return 2 + 6 * len(value)
        if isinstance(value, bool) or value is None:
            return 5
        if isinstance(value, int):
            return value.bit_length() // 3 + 2  # digits, and a sign
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.make_error("not_finite")
            return 32  # repr of a double is at most 24 characters
        return PROPERTIES_MAX_BYTES + 1  # not from JSON: measure it exactly


class OptionalText(ma.fields.String):
    """An optional string of bounded length; an empty one means absent."""

    default_error_messages = {"too_long": "Longer than maximum length {max_length}."}

    def __init__(self, max_length: int, **kwargs):
        super().__init__(allow_none=True, load_default=None, **kwargs)
        self.max_length = max_length
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max_length:
            raise self.make_error("too_long", max_length=self.max_length)
        return text or None
