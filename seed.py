"""Demo data for Ouroboard.

    python seed.py              create the demo users (idempotent)
    python seed.py --if-empty   only when the database has no users yet (used by `make run`)
    python seed.py --reset      delete the demo users first, then create them again

Demo logins are user1 ... userN, all with the password in config.Config.DEMO_PASSWORD.
The first run also creates the ingestion key "demo-site" and prints the demo page's URL
(the key is shown only then; `flask keys create NAME` makes another).
"""

import argparse
import os
import random
import sys

from sqlalchemy import delete, func, select

from app import create_app
from app.auth.service import hash_password
from app.extensions import db
from app.models import GENDERS, IngestKey, User
from app.track.keys import create_key

RANDOM_SEED = 20261122
DEFAULT_USER_COUNT = 30
DEMO_KEY_NAME = "demo-site"
# Age ranges per filter group: <18, 18-40 and >40 (the group boundaries 17/18/40/41 included).
AGE_RANGES = ((13, 17), (18, 40), (41, 75))


def demo_profiles(count: int) -> list[tuple[str, int, str]]:
    """Deterministic (username, age, gender) triples covering every age group and gender."""
    rng = random.Random(RANDOM_SEED)
    profiles = []
    for index in range(count):
        # Walk age groups and genders together so every pairing appears in the first nine.
        low, high = AGE_RANGES[index % len(AGE_RANGES)]
        gender = GENDERS[(index // len(AGE_RANGES)) % len(GENDERS)]
        profiles.append((f"user{index + 1}", rng.randint(low, high), gender))
    return profiles


def seed_users(count: int, password: str) -> int:
    """Create missing demo users; return how many were added."""
    existing = {name.lower() for name in db.session.execute(select(User.username)).scalars()}
    # One hash for all demo accounts: they share a documented password anyway.
    shared_hash = hash_password(password)
    added = 0
    for username, age, gender in demo_profiles(count):
        if username.lower() in existing:
            continue
        db.session.add(User(username=username, password_hash=shared_hash, age=age, gender=gender))
        added += 1
    db.session.commit()
    return added


def ensure_demo_key() -> str | None:
    """Create the demo site's ingestion key once; return the raw key when just created."""
    if db.session.execute(select(IngestKey.id).where(IngestKey.name == DEMO_KEY_NAME)).first():
        return None
    _, raw_key = create_key(DEMO_KEY_NAME)
    return raw_key


def reset_demo_users(count: int) -> None:
    """Remove the demo accounts (user1..userN) only; registered users stay."""
    names = [username for username, _, _ in demo_profiles(count)]
    db.session.execute(delete(User).where(User.username.in_(names)))
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=DEFAULT_USER_COUNT,
                        help=f"number of demo users (default {DEFAULT_USER_COUNT})")
    parser.add_argument("--reset", action="store_true", help="delete the demo data first")
    parser.add_argument("--if-empty", action="store_true",
                        help="do nothing when the database already has users")
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")

    app = create_app()
    with app.app_context():
        if args.if_empty and db.session.execute(select(func.count(User.id))).scalar_one():
            print("seed: database already has users, nothing to do")
            return 0
        if args.reset:
            reset_demo_users(args.users)
        added = seed_users(args.users, app.config["DEMO_PASSWORD"])
        total = db.session.execute(select(func.count(User.id))).scalar_one()
        demo_key = ensure_demo_key()
    print(f"seed: added {added} demo users ({total} users in all); "
          f"log in as user1 .. user{args.users} with password {app.config['DEMO_PASSWORD']!r}")
    if demo_key:
        port = os.environ.get("PORT", "8000")
        print(f"seed: tracker demo site: http://localhost:{port}/demo-site.html?key={demo_key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
