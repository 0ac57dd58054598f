"""Demo data for Ouroboard.

    python seed.py              demo users and a year of their events, and the demo website
                                project `demo-site` with a year of its traffic (idempotent)
    python seed.py --if-empty   only when the database has no users yet (used by `make run`;
                                either way it prints the demo logins and the tracker link)
    python seed.py --reset      delete the demo users and their events first, then recreate
    python seed.py --events 10000000 --users 1000
                                bulk mode for benchmarks: that many events over 365 days by
                                user1..userN across 20 features, rollups built in the same pass
    python seed.py --events 10000000 --users 1000 --projects 5
                                the same, spread at random over the `ouroboard` project and
                                bench-1 .. bench-4 (created when missing); every bulk user
                                is a member of each, user1 their owner
    python seed.py --web-events 10000000
                                bulk website traffic for benchmarks: that many events of the
                                demo website's traffic model over the last 365 days, into
                                the project `bench-web` (user1 its owner), with its visits,
                                web rollups and visitor days

Demo logins are user1 ... userN, all with the password in config.Config.DEMO_PASSWORD.
The first run also creates the ingestion key "demo-site" and prints the demo page's URL;
outside production the key is kept in the instance folder, so later runs print it again
(`flask keys create NAME` makes another).

The demo itself lives in app/seeding/demo.py (the website's in app/seeding/web_demo.py); the
bulk loader in app/seeding/bulk.py.
"""

import argparse
import os
import sys

from app import create_app
from app.auth.service import hash_password
from app.compat.sharing import share_self_tracking_project
from app.seeding import data, demo, web_demo
from app.seeding.demo import DEFAULT_EXTRA_EVENTS, DEFAULT_USER_COUNT

# The project `seed.py --web-events N` loads website traffic into.
WEB_BENCH_SLUG = "bench-web"


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and seed accordingly; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=DEFAULT_USER_COUNT,
                        help=f"number of demo users (default {DEFAULT_USER_COUNT})")
    parser.add_argument("--extra-events", type=int, default=DEFAULT_EXTRA_EVENTS,
                        help="events drawn by popularity and season, before each feature, "
                             "age group, gender and month short of ten is topped up "
                             f"(default {DEFAULT_EXTRA_EVENTS})")
    parser.add_argument("--reset", action="store_true", help="delete the demo data first")
    parser.add_argument("--if-empty", action="store_true",
                        help="do nothing when the database already has users")
    parser.add_argument("--events", type=int, default=None,
                        help="bulk mode: load this many events (benchmarks)")
    parser.add_argument("--projects", type=int, default=1,
                        help="bulk mode: spread the events over `ouroboard` and bench-1 .. "
                             "bench-(N-1) (default 1: `ouroboard` only)")
    parser.add_argument("--web-events", type=int, default=None,
                        help="bulk mode: load this many website events into `bench-web` "
                             "(benchmarks)")
    args = parser.parse_args(argv)
    if args.web_events is not None:
        return bulk_web_main(args.web_events)
    if args.events is not None:
        return bulk_main(args.events, args.users, args.projects)
    if args.users < 9:
        parser.error("--users must be at least 9 (one per age group and gender)")
    if args.extra_events < 0:
        parser.error("--extra-events must not be negative")

    app = create_app()
    with app.app_context():
        if args.if_empty and data.user_count():
            print("seed: the database has users already, nothing added")
            demo_key = demo.kept_demo_key()
        else:
            if args.reset:
                demo.reset_demo_data(args.users)
            added_users = demo.seed_users(args.users, app.config["DEMO_PASSWORD"])
            added_events = demo.seed_events(demo.demo_users(args.users), args.extra_events)
            print(f"seed: added {added_users} demo users and {added_events:,} events "
                  f"({data.event_count():,} events in all)")
            if added_events == 0:
                print("seed: demo events were already present (--reset regenerates them)")
            added_web = web_demo.seed_web_demo(
                [username for username, _, _ in demo.demo_profiles(args.users)])
            print(f"seed: demo website project `{web_demo.WEB_DEMO_SLUG}`: "
                  + (f"added {added_web:,} events" if added_web else "already present"))
            demo_key = demo.ensure_demo_key()
        if share_self_tracking_project():  # the seed clients read analytics tokenless
            print("seed: public sharing (tokenless analytics) turned on for `ouroboard` "
                  "(development/demo only; Settings, Sharing, Public analytics turns it off)")
        demo_logins = len(demo.demo_users(args.users))
    if demo_logins:
        print(f"seed: demo logins: user1 ... user{demo_logins}, password "
              f"{app.config['DEMO_PASSWORD']!r}")
    if demo_key:
        port = os.environ.get("PORT", "8000")
        print(f"seed: tracker demo site: http://localhost:{port}/demo-site.html?key={demo_key}")
    return 0


def bulk_main(events: int, users: int, projects: int = 1) -> int:
    """Bulk mode: fast, in time order, with the rollups built in the same pass."""
    from app.seeding.bulk import bench_projects, bulk_load

    if events < 1 or users < 1 or projects < 1:
        print("seed: --events, --users and --projects must be positive", file=sys.stderr)
        return 2
    app = create_app()
    with app.app_context():
        result = bulk_load(events, users, hash_password(app.config["DEMO_PASSWORD"]),
                           project_ids=bench_projects(projects))
    print(f"seed: loaded {result['events']:,} events by {users:,} users into {projects} "
          f"project{'s' if projects > 1 else ''} in "
          f"{result['seconds']:.1f} s ({result['rate']:,.0f} events/s), "
          f"{result['rollup_rows']:,} rollup rows")
    return 0


def bulk_web_main(events: int) -> int:
    """Bulk website traffic: events and visits written directly, web rollups rebuilt."""
    import random
    from datetime import UTC, datetime, timedelta

    from app.seeding import web_data
    from app.seeding.web_bulk import load_web_traffic

    if events < 1:
        print("seed: --web-events must be positive", file=sys.stderr)
        return 2
    app = create_app()
    with app.app_context():
        owner = data.ensure_bulk_users(1, hash_password(app.config["DEMO_PASSWORD"]),
                                       random.Random(7))[0][0]
        project_id = web_data.ensure_project(WEB_BENCH_SLUG, "Bench website", "UTC")
        data.ensure_memberships([project_id], [owner], owner_id=owner)
        today = datetime.now(UTC).date()
        days = [today - timedelta(days=offset) for offset in range(365, 0, -1)]
        result = load_web_traffic(project_id, events, days)
    print(f"seed: loaded {result['events']:,} website events in {result['visits']:,} visits "
          f"into `{WEB_BENCH_SLUG}` in {result['seconds']:.1f} s "
          f"({result['rate']:,.0f} events/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
