"""Other analytics tools' ingestion APIs (Plausible, Umami, PostHog, Segment): each
translates its senders' requests into our events and identifies, and nothing more.
"""
