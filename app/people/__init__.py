"""People: whom a project's senders identify, the ids they are known by, and their traits.

Shared below the domains, like app/web: ingestion stamps each new event with its person's
age group and gender (app.track.store), the tracker dialects and /api/v1/identify call
`service.identify`, and analytics reads the tables for person:<trait> filters.
"""
