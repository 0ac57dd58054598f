"""The daily salt: one per UTC day shared by every process, deleted after 48 hours."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import VisitSalt
from app.web.salt import SaltCache, salt_cache, visitor_hash


def stored_days():
    return [row.day for row in db.session.execute(select(VisitSalt).order_by(VisitSalt.day))
            .scalars()]


def test_each_day_has_its_own_salt_and_older_ones_are_deleted(app):
    with app.app_context():
        first, second = SaltCache(), SaltCache()  # two processes
        monday = first.salt_for(date(2026, 11, 30))
        assert second.salt_for(date(2026, 11, 30)) == monday  # they agree on the day's salt
        tuesday = first.salt_for(date(2026, 12, 1))
        assert tuesday != monday and len(tuesday) == 32
        assert stored_days() == [date(2026, 11, 30), date(2026, 12, 1)]
        first.salt_for(date(2026, 12, 2))
        # Monday's salt is gone 48 hours after Monday began: its hashes are unlinkable.
        assert stored_days() == [date(2026, 12, 1), date(2026, 12, 2)]


def test_the_hash_depends_on_project_address_and_browser_and_changes_with_the_salt(app):
    with app.test_request_context():
        one = visitor_hash(1, "81.2.69.160", "Firefox")
        assert visitor_hash(1, "81.2.69.160", "Firefox") == one
        assert len({one, visitor_hash(2, "81.2.69.160", "Firefox"),
                    visitor_hash(1, "81.2.69.161", "Firefox"),
                    visitor_hash(1, "81.2.69.160", "Chrome")}) == 4
        cache = salt_cache(app)
        cache.day, cache.salt = cache.day, b"x" * 32  # another day's salt
        assert visitor_hash(1, "81.2.69.160", "Firefox") != one
        assert "81.2.69.160" not in one
