"""Event tracking: the seed /track endpoint, batched /events ingestion and ingestion keys."""
