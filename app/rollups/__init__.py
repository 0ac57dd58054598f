"""Rollup tables: counts kept current at ingest, declared once in definition.py."""
