"""Purging a deleted project's events and rollup rows.

Deleting a project answers at once: its keys, invitations, share links and members go in
one short transaction and the project becomes a tombstone no request can name. Its rows
(millions, for a busy site) are deleted afterwards in batches of PURGE_BATCH_ROWS, each its
own transaction, so ingestion and reads of other projects wait at most one batch for the
write lock. A background thread of the worker that took the DELETE does it, and looks again
once every worker has forgotten the project's keys; `flask projects purge` finishes any
purge a stopped worker left (nothing can read those rows meanwhile: no reader can name a
tombstone).
"""

import logging
import threading
import time

from flask import Flask, current_app

from app.extensions import db
from app.projects import data
from app.track.keys import KEY_CACHE_SECONDS

log = logging.getLogger(__name__)

# Deleted projects' slugs start with this; a slug a request can name cannot.
DELETED_SLUG_PREFIX = "_deleted_"
PURGE_BATCH_ROWS = 20_000


def purge_project(project_id: int) -> int:
    """Delete every event and rollup row of the project, batch by batch; how many went."""
    total = 0
    while deleted := data.purge_batch(project_id, PURGE_BATCH_ROWS):
        total += deleted
    return total


def purge_deleted_projects() -> int:
    """Finish the purge of every deleted project; how many rows went."""
    return sum(purge_project(project_id)
               for project_id in data.tombstoned_project_ids(DELETED_SLUG_PREFIX))


def start_purge(project_id: int) -> threading.Thread | None:
    """Purge a project just deleted: inline when PURGE_DELETED_PROJECTS_INLINE (tests, so
    their assertions see the rows gone), else in a background thread, which is returned.
    """
    if current_app.config["PURGE_DELETED_PROJECTS_INLINE"]:
        purge_project(project_id)
        return None
    worker = threading.Thread(target=purge_in_background,
                              args=(current_app._get_current_object(), project_id,
                                    KEY_CACHE_SECONDS + 1),
                              name=f"purge-project-{project_id}", daemon=True)
    worker.start()
    return worker


def purge_in_background(app: Flask, project_id: int, late_key_seconds: float) -> None:
    """Purge now, then again once other workers can no longer take events with the
    project's keys (they remember a verified key for KEY_CACHE_SECONDS).
    """
    with app.app_context():
        try:
            purged = purge_project(project_id)
            time.sleep(late_key_seconds)
            purged += purge_project(project_id)
            log.info("purged deleted project %s: %s rows", project_id, purged)
        except Exception:  # a daemon thread has no one to raise to; the CLI finishes it
            log.exception("purging deleted project %s stopped; run `flask projects purge`",
                          project_id)
            db.session.rollback()
        finally:
            db.session.remove()
