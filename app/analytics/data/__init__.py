"""Every analytics query, written once in SQLAlchemy Core for SQLite and Postgres.

Counting happens in SQL; Python only ever sees aggregated rows (at most one per UTC bucket,
feature or value) or a bounded page of events. Filter values are bound parameters; the
columns a query may group by come from an allowlist.

- clauses: the tables, WHERE conditions and SQL expressions the queries share (website
  filters from web_clauses, person:<trait> filters and breakdown values from person_clauses);
- rollup_counts: counts, series and unique people from the rollup tables (plus raw slivers
  at a range's edges), split as app.analytics.ranges says;
- events: reads of raw events: first and last event, breakdowns by any column or property,
  top pages, the newest events, the export and the live stream's id watermark.
"""
