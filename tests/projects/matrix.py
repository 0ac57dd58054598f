"""The world of the isolation matrix: two projects with their own people, events, keys,
share links, invitations and API tokens, every caller's credentials, what each caller may
know, and a snapshot of every table to tell what a request changed (and to undo it).

Project A (`alpha-shop`) and project B (`bravo-corp`) share nothing: every event name, page,
visitor, username, key name, token name and prefix is unique to its project, so a leak of
one into an answer about the other is a plain substring of the body.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import MetaData, text
from sqlalchemy.exc import SAWarning

from app.event_rows import event_row
from app.extensions import db
from app.track.store import insert_events
from tests.projects.conftest import API, Person

A, B = "alpha-shop", "bravo-corp"
A_NAME, B_NAME = "Alpha Shop", "Bravo Corp"

# Events sent through each project's ingestion key: (name, page, how many).
A_EVENTS = (("alpha_checkout", "/alpha-pricing", 3), ("alpha_search", "/alpha-pricing", 2),
            ("page_view", "/alpha-landing", 2))
B_EVENTS = (("bravo_purchase", "/bravo-vault", 4), ("page_view", "/bravo-welcome", 1))
# One event per project done by a signed-in member (recent events name them).
A_USER_EVENT, B_USER_EVENT = "alpha_signup", "bravo_signup"
A_TOTAL = sum(count for *_, count in A_EVENTS) + 1
A_FEATURES = {"alpha_checkout": 3, "alpha_search": 2, "page_view": 2, A_USER_EVENT: 1}
A_PAGE_VIEWS = {"/alpha-landing": 2}

# The people, by what they are in the matrix.
USERNAMES = {
    "root": "root_instance_admin",
    "owner": "alpha_owner_ann", "admin": "alpha_admin_abe", "viewer": "alpha_viewer_ava",
    "target": "alpha_target_tia",  # an A viewer whom the member endpoints change or remove
    "b_owner": "bravo_owner_bea", "outsider": "bravo_admin_bob", "b_viewer": "bravo_viewer_ben",
}

# The matrix's callers, in the order of the policy table's columns.
CALLERS = ("anon", "outsider", "viewer", "admin", "owner", "share_a", "share_b", "token_a",
           "token_b", "share_revoked", "token_revoked")

# What each caller may know, as groups of World.secrets. The slug of project A is in every
# request of the matrix, so it is no secret; B's slug is.
KNOWS = {
    "anon": set(),
    "outsider": {"b_project", "b_data", "b_people", "b_admin", "bob_tokens"},
    "viewer": {"a_project", "a_data", "a_people", "ava_tokens"},
    "admin": {"a_project", "a_data", "a_people", "a_admin", "abe_tokens"},
    "owner": {"a_project", "a_data", "a_people", "a_admin"},
    "share_a": {"a_project", "a_data", "share_a"},
    "share_b": {"b_project", "b_data", "share_b"},
    "token_a": {"a_project", "a_data", "a_people", "ava_tokens"},
    "token_b": {"b_project", "b_data", "b_people", "bea_tokens"},
    "share_revoked": {"share_revoked"},
    "token_revoked": {"abe_tokens"},
}

# Columns that reads may write (last use of a token or key): ignored when comparing.
VOLATILE = {"api_tokens": {"last_used_at"}, "ingest_keys": {"last_used_at"}}


@dataclass
class World:
    """Everything the matrix needs to know about the two projects."""

    app: object
    people: dict[str, Person] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # raw share links and tokens
    secrets: dict[str, set[str]] = field(default_factory=dict)
    snapshot: Tables | None = None

    def headers(self, caller: str) -> dict:
        """The credentials `caller` sends (none for `anon`)."""
        if caller == "anon":
            return {}
        if caller.startswith("share_"):
            return {"X-Ouroboard-Share": self.raw[caller]}
        if caller.startswith("token_"):
            return {"Authorization": f"Bearer {self.raw[caller]}"}
        return dict(self.people[caller].auth.headers)

    def forbidden(self, caller: str) -> set[str]:
        """Every secret string `caller` may not see."""
        known = set().union(*(self.secrets[group] for group in KNOWS[caller]))
        return set().union(*self.secrets.values()) - known


def add_secret(world: World, group: str, *values: str) -> None:
    world.secrets.setdefault(group, set()).update(values)


def ok(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(True))
    return response.get_json() if response.get_data() else {}


def join(world: World, who: str, inviter: Person, slug: str, role: str) -> Person:
    """Register `who` and let them accept an invitation to `slug` with `role`."""
    person = Person(world.app, USERNAMES[who])
    invitation = ok(inviter.post(f"/projects/{slug}/invitations", json={"role": role}), 201)
    ok(person.post(f"/invitations/{invitation['token']}/accept"), 200)
    world.people[who] = person
    return person


def send_events(app, raw_key: str, events: tuple, visitor: str, extras: dict) -> None:
    """Send each (name, page, count) through the ingestion key, as a website does."""
    batch = [{"name": name, "page_url": page, "anonymous_id": f"{visitor}-{n}", **extras}
             for name, page, count in events for n in range(count)]
    response = app.test_client().post(f"{API}/events", json={"events": batch},
                                      headers={"X-Ouroboard-Key": raw_key})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["accepted"] == len(batch)


def add_user_event(app, project_id: int, name: str, user_id: int) -> None:
    """An event done by a member (the key API takes anonymous visitors only)."""
    with app.app_context():
        insert_events([event_row(name, datetime.now(UTC), project_id=project_id,
                                 user_id=user_id, age_group="18-40", gender="Female",
                                 page_url=None)])
        db.session.commit()


def build_world(app) -> World:
    """Both projects through the real API, with every caller's credentials."""
    world = World(app=app)
    people = world.people
    people["root"] = Person(app, USERNAMES["root"])  # the first account owns `ouroboard`
    owner = people["owner"] = Person(app, USERNAMES["owner"])
    ok(owner.post("/projects", json={"name": A_NAME, "slug": A}), 201)
    join(world, "admin", owner, A, "admin")
    join(world, "viewer", owner, A, "viewer")
    join(world, "target", owner, A, "viewer")
    b_owner = people["b_owner"] = Person(app, USERNAMES["b_owner"])
    ok(b_owner.post("/projects", json={"name": B_NAME, "slug": B}), 201)
    join(world, "outsider", b_owner, B, "admin")
    join(world, "b_viewer", b_owner, B, "viewer")
    for who, person in people.items():
        world.ids[who] = person.id

    # Ingestion keys; A's spare key is the one the revoke endpoint revokes.
    keys = {}
    for name, by, slug in (("alpha-site-key", owner, A), ("alpha-spare-key", owner, A),
                           ("bravo-site-key", b_owner, B)):
        keys[name] = ok(by.post(f"/projects/{slug}/keys", json={"name": name}), 201)
        add_secret(world, "a_admin" if slug == A else "b_admin", name, keys[name]["prefix"])
    world.ids["a_spare_key"] = keys["alpha-spare-key"]["id"]
    world.ids["b_key"] = keys["bravo-site-key"]["id"]
    send_events(app, keys["alpha-site-key"]["key"], A_EVENTS, "alpha-visitor",
                {"referrer": "https://alpha-referrer.example", "properties": {
                    "plan": "alpha_plan_gold"}})
    send_events(app, keys["bravo-site-key"]["key"], B_EVENTS, "bravo-visitor",
                {"referrer": "https://bravo-referrer.example", "properties": {
                    "plan": "bravo_plan_platinum"}})
    with app.app_context():
        project_ids = dict(db.session.execute(text(
            "SELECT slug, id FROM projects WHERE slug IN (:a, :b)"), {"a": A, "b": B}).all())
    world.ids["a"], world.ids["b"] = project_ids[A], project_ids[B]
    add_user_event(app, world.ids["a"], A_USER_EVENT, world.ids["viewer"])
    add_user_event(app, world.ids["b"], B_USER_EVENT, world.ids["b_viewer"])
    add_secret(world, "a_project", A_NAME)
    add_secret(world, "a_data", "https://alpha-referrer.example", "alpha_plan_gold",
               *(name for name, *_ in A_EVENTS if name != "page_view"), A_USER_EVENT,
               *(page for _, page, _ in A_EVENTS))
    add_secret(world, "a_people", "alpha-visitor",
               *(USERNAMES[who] for who in ("owner", "admin", "viewer", "target")))
    add_secret(world, "b_project", B, B_NAME)
    add_secret(world, "b_data", "https://bravo-referrer.example", "bravo_plan_platinum",
               *(name for name, *_ in B_EVENTS if name != "page_view"), B_USER_EVENT,
               *(page for _, page, _ in B_EVENTS))
    add_secret(world, "b_people", "bravo-visitor",
               *(USERNAMES[who] for who in ("b_owner", "outsider", "b_viewer")))

    # Share links: A's reading link, the one the revoke endpoint revokes, a revoked one; B's.
    for name, by, slug, group in (("share_a", owner, A, "share_a"),
                                  ("a_target_link", owner, A, "a_admin"),
                                  ("share_revoked", owner, A, "share_revoked"),
                                  ("share_b", b_owner, B, "share_b")):
        link = ok(by.post(f"/projects/{slug}/share-links"), 201)
        world.raw[name], world.ids[name] = link["token"], link["id"]
        add_secret(world, group, link["prefix"])
        add_secret(world, "a_admin" if slug == A else "b_admin", link["prefix"])
    ok(owner.delete(f"/projects/{A}/share-links/{world.ids['share_revoked']}"), 204)

    # API tokens: each is its user's, so only that user (and the token) may know it.
    for name, who, slug, group in (("token_a", "viewer", A, "ava_tokens"),
                                   ("token_revoked", "admin", A, "abe_tokens"),
                                   ("tia_token", "target", A, "tia_tokens"),
                                   ("token_b", "b_owner", B, "bea_tokens"),
                                   ("bob_token", "outsider", B, "bob_tokens")):
        token_name = f"{USERNAMES[who]}-bi"
        token = ok(people[who].post("/tokens", json={"name": token_name, "projects": [slug]}),
                   201)
        world.raw[name], world.ids[name] = token["token"], token["id"]
        add_secret(world, group, token_name, token["prefix"])
    ok(people["admin"].delete(f"/tokens/{world.ids['token_revoked']}"), 204)

    # Open invitations; A's is the one the revoke endpoint revokes.
    world.ids["a_invitation"] = ok(owner.post(f"/projects/{A}/invitations",
                                              json={"role": "viewer"}), 201)["id"]
    world.ids["b_invitation"] = ok(b_owner.post(f"/projects/{B}/invitations",
                                                json={"role": "admin"}), 201)["id"]
    world.snapshot = Tables.read(app)
    return world


# --- Every table, to see what a request changed and to undo it ------------------------------


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Table:
    """A table's name, its primary key columns and its other columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]


_layouts: dict[str, list[Table]] = {}


def layout(app) -> list[Table]:
    """Every table of the schema, parents before children (for inserts)."""
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if url not in _layouts:
        metadata = MetaData()
        with app.app_context(), warnings.catch_warnings():
            # The expression index on lower(username) is not reflected: no table needs it.
            warnings.simplefilter("ignore", SAWarning)
            metadata.reflect(bind=db.engine)
        _layouts[url] = [
            Table(table.name, tuple(column.name for column in table.primary_key.columns),
                  tuple(column.name for column in table.columns))
            for table in metadata.sorted_tables if table.name != "alembic_version"]
    return _layouts[url]


@dataclass
class Tables:
    """Every row of every table, by table and primary key."""

    rows: dict[str, dict[tuple, dict]]

    @classmethod
    def read(cls, app) -> Tables:
        rows = {}
        with app.app_context(), db.engine.connect() as conn:
            for table in layout(app):
                found = conn.execute(text(f"SELECT * FROM {quoted(table.name)}")).mappings()
                rows[table.name] = {tuple(row[column] for column in table.key): dict(row)
                                    for row in found}
        return cls(rows)

    def diff(self, after: Tables) -> Diff:
        """What changed from these rows to `after`'s (volatile columns aside)."""
        changes = {}
        for name, before_rows in self.rows.items():
            after_rows = after.rows[name]
            ignored = VOLATILE.get(name, set())

            def same(one: dict, other: dict, ignored=ignored) -> bool:
                return all(one[column] == other[column] for column in one
                           if column not in ignored)

            added = [after_rows[key] for key in after_rows.keys() - before_rows.keys()]
            removed = [before_rows[key] for key in before_rows.keys() - after_rows.keys()]
            changed = [(before_rows[key], after_rows[key])
                       for key in before_rows.keys() & after_rows.keys()
                       if not same(before_rows[key], after_rows[key])]
            if added or removed or changed:
                changes[name] = TableDiff(added, removed, changed)
        return Diff(changes)


@dataclass
class TableDiff:
    added: list[dict]
    removed: list[dict]
    changed: list[tuple[dict, dict]]


@dataclass
class Diff:
    """Rows added, removed and changed, by table (only tables with a difference)."""

    tables: dict[str, TableDiff]

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """{table: (added, removed, changed)}: the shape of a change at a glance."""
        return {name: (len(d.added), len(d.removed), len(d.changed))
                for name, d in self.tables.items()}

    def changed_columns(self, table: str) -> list[dict]:
        """{column: (before, after)} of each changed row of `table`."""
        return [{column: (before[column], after[column]) for column in before
                 if before[column] != after[column]
                 and column not in VOLATILE.get(table, set())}
                for before, after in self.tables[table].changed]


def bind_value(value, dialect: str):
    """A value read raw, ready to be written back raw (JSON documents on Postgres)."""
    if dialect == "postgresql" and isinstance(value, dict | list):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def restore(app, target: Tables) -> None:
    """Put every table back to `target`'s rows: delete what was added, insert what was
    removed, and write back what changed. Nothing happens when nothing differs.
    """
    current = Tables.read(app)
    diff = current.diff(target)
    if not diff.tables:
        return
    tables = layout(app)
    with app.app_context(), db.engine.begin() as conn:
        dialect = conn.dialect.name

        def where(table: Table) -> str:
            return " AND ".join(f"{quoted(column)} = :k{i}" for i, column in
                                enumerate(table.key))

        def key_params(table: Table, row: dict) -> dict:
            return {f"k{i}": row[column] for i, column in enumerate(table.key)}

        def params(table: Table, row: dict) -> dict:
            return {f"c{i}": bind_value(row[column], dialect)
                    for i, column in enumerate(table.columns)}

        for table in reversed(tables):
            for row in diff.tables.get(table.name, TableDiff([], [], [])).removed:
                conn.execute(text(f"DELETE FROM {quoted(table.name)} WHERE {where(table)}"),
                             key_params(table, row))
        inserted = False
        for table in tables:
            changes = diff.tables.get(table.name)
            if changes is None:
                continue
            names = ", ".join(quoted(column) for column in table.columns)
            values = ", ".join(f":c{i}" for i in range(len(table.columns)))
            for row in changes.added:
                conn.execute(text(f"INSERT INTO {quoted(table.name)} ({names}) "
                                  f"VALUES ({values})"), params(table, row))
                inserted = True
            assignments = ", ".join(f"{quoted(column)} = :c{i}"
                                    for i, column in enumerate(table.columns))
            for _, row in changes.changed:
                conn.execute(text(f"UPDATE {quoted(table.name)} SET {assignments} "
                                  f"WHERE {where(table)}"),
                             {**params(table, row), **key_params(table, row)})
        if inserted and dialect == "postgresql":
            # Rows written back with their ids: the sequences must not hand those out again
            # (a TRUNCATE ... RESTART IDENTITY by another test resets them).
            for table in tables:
                if table.key == ("id",):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence(:name, 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {quoted(table.name)}), false)"),
                        {"name": table.name})
