"""app/database.py: SQLite connection settings, and the ingest write queue (one writer at a
time across threads and processes)."""

import fcntl
import os
import threading
import time

from app import create_app
from app.database import WriteQueue


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    from sqlalchemy import text

    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/pragmas.db"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_turns_are_exclusive_between_threads(tmp_path):
    queue = WriteQueue(tmp_path / "db-ingest.lock")
    inside, overlaps = [0], [0]

    def writer():
        for _ in range(50):
            with queue.turn():
                inside[0] += 1
                if inside[0] > 1:
                    overlaps[0] += 1
                time.sleep(0.0005)
                inside[0] -= 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps[0] == 0


def test_turn_holds_the_file_lock_against_other_processes(tmp_path):
    path = tmp_path / "db-ingest.lock"
    queue = WriteQueue(path)
    other = os.open(path, os.O_RDWR | os.O_CREAT)  # another process's own open file
    try:
        with queue.turn():
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                acquired_while_held = True
            except BlockingIOError:
                acquired_while_held = False
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again after the turn
        fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)
    assert acquired_while_held is False


def test_file_databases_get_a_queue_and_memory_ones_do_not(make_app, database_url):
    app = make_app()
    has_queue = "ouroboard.sqlite_write_queue" in app.extensions
    assert has_queue == database_url.startswith("sqlite:///")
