"""The issue's yardstick, measured on the same machine in the same run: a minimal Flask app
under the same gunicorn settings that only parses a batch and inserts it with executemany
(POST /events), or inserts one row per request (POST /track), into a fresh SQLite file.

No authentication, validation, rollups, rate limits, logging or metrics: the distance
between it and Ouroboard is what those cost.
"""

import os
import sqlite3
import threading
import uuid

from flask import Flask, request

app = Flask(__name__)
DATABASE = os.environ.get("REFERENCE_DATABASE", "/tmp/ouroboard-reference.db")  # noqa: S108
local = threading.local()


def prepare(path: str) -> None:
    """Create the database before any worker starts. Two workers switching a new file to
    WAL at once can fail with "database is locked" whatever the busy timeout, which cost
    a bench run one 500 on /track."""
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA journal_mode = WAL")
        database.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                         "uuid TEXT UNIQUE NOT NULL, name TEXT NOT NULL, occurred_at TEXT)")
    database.close()


def connection() -> sqlite3.Connection:
    current = getattr(local, "connection", None)
    if current is None:
        current = local.connection = sqlite3.connect(DATABASE, timeout=30,
                                                     isolation_level=None)
        current.execute("PRAGMA synchronous = NORMAL")
    return current


@app.post("/api/v1/events")
def events():
    batch = request.get_json(force=True)["events"]
    database = connection()
    database.execute("BEGIN IMMEDIATE")
    database.executemany("INSERT INTO events (uuid, name, occurred_at) VALUES (?, ?, ?)",
                         [(event["uuid"], event["name"], event["timestamp"])
                          for event in batch])
    database.execute("COMMIT")
    return {"accepted": len(batch), "duplicates": 0, "rejected": []}, 202


@app.post("/api/v1/track")
def track():
    click = request.get_json(force=True)
    database = connection()
    database.execute("INSERT INTO events (uuid, name) VALUES (?, ?)",
                     (str(uuid.uuid4()), click["feature_name"]))
    return {"feature_name": click["feature_name"]}, 201


@app.get("/health")
def health():
    return {"status": "ok"}
