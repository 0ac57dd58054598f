"""Website analytics at ingest: enrichment (sources, devices, places), visitors and visits."""
