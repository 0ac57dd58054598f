"""Analytics domain errors; app.errors maps them to HTTP statuses."""


class AnalyticsError(Exception):
    """A request the analytics service will not answer as asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooManyEventsToReadError(AnalyticsError):
    """A breakdown, page list or daily export that would read more raw events than allowed."""
