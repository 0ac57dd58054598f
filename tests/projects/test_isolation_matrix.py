"""The isolation matrix: every endpoint of project A against every kind of caller, with the
exact status from one table, no secret of another project (or of a role above the
caller's) in any body, error bodies and CSV included, and the stored rows changed exactly
as a successful write should (and not at all otherwise).

Then: revoked invitations, share links and tokens, and removed members, are refused by
the very next request, with the analytics answers already cached, on two workers at once,
with and without Redis.

The world (tests/projects/matrix.py) is built once per database through the real API;
each case starts from it again (what a write changed is undone from a snapshot of every
table). Sessions send their bearer JWT.
"""

import csv
import io
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from app.projects.access import hash_secret
from tests.conftest import DATABASE_KINDS
from tests.projects.conftest import API, Person
from tests.projects.matrix import (
    A_FEATURES,
    A_NAME,
    A_PAGE_VIEWS,
    A_TOTAL,
    A_USER_EVENT,
    CALLERS,
    USERNAMES,
    A,
    B,
    Diff,
    Tables,
    World,
    build_world,
    restore,
)
from tests.projects.matrix import ok as expect_status

# --- The policy ------------------------------------------------------------------------------
# One row per endpoint of project A, one column per caller (matrix.CALLERS):
#   anon     no credentials            share_a  a share link of A
#   outs     signed in, not in A       share_b  a share link of B
#            (an admin of B)           tok_a    a read-only API token for A (the viewer's)
#   view     A's viewer                tok_b    a token for B (B's owner's)
#   admn     A's admin                 shr_x    A's revoked share link
#   ownr     A's owner                 tok_x    A's revoked token (the admin's)
# Non-members get 404, never 403; too low a role gets 403; share links and tokens read
# analytics only (401 anywhere else); a share link cannot export (403); tokens are their
# user's own (another user's token is 404, whatever their role in the project).
POLICY = {
    #                      anon  outs  view  admn  ownr  shr_a shr_b tok_a tok_b shr_x tok_x
    "analytics":          (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "summary":            (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "timeseries":         (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "breakdown":          (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "top_pages":          (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "recent":             (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "export_events":      (401,  404,  200,  200,  200,  403,  404,  200,  404,  401,  401),
    "export_daily":       (401,  404,  200,  200,  200,  403,  404,  200,  404,  401,  401),
    "stream":             (401,  404,  200,  200,  200,  200,  404,  200,  404,  401,  401),
    "shared_project":     (401,  401,  401,  401,  401,  200,  200,  401,  401,  401,  401),
    "projects_list":      (401,  200,  200,  200,  200,  401,  401,  401,  401,  401,  401),
    "project_get":        (401,  404,  200,  200,  200,  401,  401,  401,  401,  401,  401),
    "project_update":     (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "project_delete":     (401,  404,  403,  403,  204,  401,  401,  401,  401,  401,  401),
    "project_transfer":   (401,  404,  403,  403,  200,  401,  401,  401,  401,  401,  401),
    "project_leave":      (401,  404,  204,  204,  409,  401,  401,  401,  401,  401,  401),
    "members_list":       (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "member_role":        (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "member_remove":      (401,  404,  403,  204,  204,  401,  401,  401,  401,  401,  401),
    "invitation_create":  (401,  404,  403,  201,  201,  401,  401,  401,  401,  401,  401),
    "invitations_list":   (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "invitation_revoke":  (401,  404,  403,  204,  204,  401,  401,  401,  401,  401,  401),
    "keys_list":          (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "key_create":         (401,  404,  403,  201,  201,  401,  401,  401,  401,  401,  401),
    "key_revoke":         (401,  404,  403,  204,  204,  401,  401,  401,  401,  401,  401),
    "key_update":         (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "share_links_list":   (401,  404,  403,  200,  200,  401,  401,  401,  401,  401,  401),
    "share_link_create":  (401,  404,  403,  201,  201,  401,  401,  401,  401,  401,  401),
    "share_link_revoke":  (401,  404,  403,  204,  204,  401,  401,  401,  401,  401,  401),
    "tokens_list":        (401,  200,  200,  200,  200,  401,  401,  401,  401,  401,  401),
    "token_create":       (401,  404,  201,  201,  201,  401,  401,  401,  401,  401,  401),
    "token_revoke":       (401,  404,  204,  404,  404,  401,  401,  401,  401,  401,  401),
}


# --- What each endpoint is, what a success answers and what it changes ------------------------


@dataclass(frozen=True)
class Endpoint:
    """`path` is formatted with {slug} (A's) and World.ids; `answer` checks a 2xx body and
    `effect` the rows a successful write changed (a write with no `effect` changes nothing).
    """

    method: str
    path: str
    body: Callable[[World], dict] | None = None
    answer: Callable[[World, str, object], None] | None = None
    effect: Callable[[World, str, Diff, object], None] | None = None


def json_of(response):
    return response.get_json()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.text)))


def answers_features(world, caller, response):
    bars = {bar["feature"]: bar["count"] for bar in json_of(response)["barChartData"]}
    assert bars == A_FEATURES


def answers_total(world, caller, response):
    assert json_of(response)["totalEvents"] == A_TOTAL


def answers_series(world, caller, response):
    assert sum(point["count"] for point in json_of(response)["series"]) == A_TOTAL


def answers_pages(world, caller, response):
    items = {item["value"]: item["count"] for item in json_of(response)["items"]}
    assert items == {"/alpha-pricing": 5, "/alpha-landing": 2, None: 1}  # None: the signup


def answers_page_views(world, caller, response):
    assert {page["pageUrl"]: page["views"] for page in json_of(response)["pages"]} == \
        A_PAGE_VIEWS


def answers_recent(world, caller, response):
    events = json_of(response)["events"]
    assert Counter(event["name"] for event in events) == A_FEATURES
    signup = next(event for event in events if event["name"] == A_USER_EVENT)
    if caller == "share_a":  # a share link shows what happened, never who did it
        assert all(event["username"] is None and event["userId"] is None
                   and event["anonymousId"] is None for event in events)
    else:
        assert signup["username"] == USERNAMES["viewer"]


def answers_events_csv(world, caller, response):
    assert response.mimetype == "text/csv"
    assert Counter(row["name"] for row in csv_rows(response)) == A_FEATURES


def answers_daily_csv(world, caller, response):
    counts = Counter()
    for row in csv_rows(response):
        counts[row["feature"]] += int(row["count"])
    assert counts == A_FEATURES


def answers_hello(world, caller, response):
    assert f'event: hello\ndata: {{"total":{A_TOTAL}}}' in response.text


def answers_shared(world, caller, response):
    slug, name = (A, A_NAME) if caller == "share_a" else (B, "Bravo Corp")
    assert json_of(response) == {"project": {"slug": slug, "name": name, "timezone": "UTC"}}


def answers_projects(world, caller, response):
    slugs = [project["slug"] for project in json_of(response)["projects"]]
    assert slugs == ["ouroboard", B if caller == "outsider" else A]


CALLER_ROLE = {"viewer": "viewer", "admin": "admin", "owner": "owner"}


def answers_project(world, caller, response):
    body = json_of(response)
    assert (body["slug"], body["name"], body["role"]) == (A, A_NAME, CALLER_ROLE[caller])


def answers_members(world, caller, response):
    members = {member["username"]: member["role"] for member in json_of(response)["members"]}
    assert members == {USERNAMES["owner"]: "owner", USERNAMES["admin"]: "admin",
                       USERNAMES["viewer"]: "viewer", USERNAMES["target"]: "viewer"}


def answers_invitations(world, caller, response):
    invitations = json_of(response)["invitations"]
    assert Counter(item["status"] for item in invitations) == {"accepted": 3, "pending": 1}
    assert {item["createdBy"] for item in invitations} == {USERNAMES["owner"]}


def answers_keys(world, caller, response):
    assert {key["name"] for key in json_of(response)["keys"]} == {"alpha-site-key",
                                                                   "alpha-spare-key"}


def answers_share_links(world, caller, response):
    assert {link["id"] for link in json_of(response)["shareLinks"]} == {
        world.ids["share_a"], world.ids["a_target_link"]}


OWN_TOKENS = {"outsider": [f"{USERNAMES['outsider']}-bi"], "viewer": [f"{USERNAMES['viewer']}-bi"],
              "admin": [], "owner": []}  # the admin's only token is revoked


def answers_tokens(world, caller, response):
    assert [token["name"] for token in json_of(response)["tokens"]] == OWN_TOKENS[caller]


# Effects of successful writes: {table: (added, removed, changed)} and the rows' content.


def only(diff: Diff, counts: dict) -> None:
    assert diff.counts() == counts, diff.counts()


def renames(world, caller, diff, response):
    only(diff, {"projects": (0, 0, 1)})
    assert diff.changed_columns("projects") == [{"name": (A_NAME, "Alpha Renamed")}]
    assert json_of(response)["name"] == "Alpha Renamed"


def deletes_project(world, caller, diff, response):
    project_id = world.ids["a"]
    assert diff.changed_columns("projects") == [
        {"slug": (A, f"_deleted_{project_id}"), "name": (A_NAME, "(deleted)")}]
    for table, changes in diff.tables.items():
        assert not changes.added, table
        if table != "projects":
            assert not changes.changed, table
            # Everything removed was A's: B and the self-tracking project keep every row.
            assert {row["project_id"] for row in changes.removed} == {project_id}, table
    after = Tables.read(world.app)
    for table, rows in after.rows.items():
        if table != "projects" and rows and "project_id" in next(iter(rows.values())):
            assert all(row["project_id"] != project_id for row in rows.values()), table
    assert {"events", "memberships", "ingest_keys", "share_links", "invitations",
            "api_token_projects"} <= set(diff.tables)
    assert len(diff.tables["events"].removed) == A_TOTAL


def transfers(world, caller, diff, response):
    only(diff, {"memberships": (0, 0, 2)})
    roles = {before["user_id"]: (before["role"], after["role"])
             for before, after in diff.tables["memberships"].changed}
    assert roles == {world.ids["owner"]: ("owner", "admin"),
                     world.ids["target"]: ("viewer", "owner")}


def leaves(world, caller, diff, response):
    # The membership ends, and with it the project's place in the caller's API tokens.
    only(diff, {"memberships": (0, 1, 0), "api_token_projects": (0, 1, 0)})
    (membership,) = diff.tables["memberships"].removed
    assert (membership["project_id"], membership["user_id"]) == (world.ids["a"],
                                                                 world.ids[caller])
    (scope,) = diff.tables["api_token_projects"].removed
    token = "token_a" if caller == "viewer" else "token_revoked"
    assert (scope["token_id"], scope["project_id"]) == (world.ids[token], world.ids["a"])


def promotes(world, caller, diff, response):
    only(diff, {"memberships": (0, 0, 1)})
    ((before, after),) = diff.tables["memberships"].changed
    assert (before["user_id"], before["role"], after["role"]) == (world.ids["target"],
                                                                  "viewer", "admin")
    assert json_of(response)["role"] == "admin"


def removes_member(world, caller, diff, response):
    only(diff, {"memberships": (0, 1, 0), "api_token_projects": (0, 1, 0)})
    (membership,) = diff.tables["memberships"].removed
    assert (membership["project_id"], membership["user_id"]) == (world.ids["a"],
                                                                 world.ids["target"])
    (scope,) = diff.tables["api_token_projects"].removed
    assert scope["token_id"] == world.ids["tia_token"]


def invites(world, caller, diff, response):
    only(diff, {"invitations": (1, 0, 0)})
    (row,) = diff.tables["invitations"].added
    body = json_of(response)
    assert (row["project_id"], row["role"], row["created_by"], row["token_hash"]) == (
        world.ids["a"], "viewer", world.ids[caller], hash_secret(body["token"]))


def revokes(table: str, target: str) -> Callable:
    def effect(world, caller, diff, response):
        only(diff, {table: (0, 0, 1)})
        ((before, after),) = diff.tables[table].changed
        assert before["id"] == world.ids[target]
        assert before["revoked_at"] is None and after["revoked_at"] is not None
        assert set(diff.changed_columns(table)[0]) == {"revoked_at"}

    return effect


def creates_key(world, caller, diff, response):
    only(diff, {"ingest_keys": (1, 0, 0)})
    (row,) = diff.tables["ingest_keys"].added
    body = json_of(response)
    assert (row["project_id"], row["name"], row["key_prefix"], row["key_hash"]) == (
        world.ids["a"], "matrix-key", body["key"][:12], hash_secret(body["key"]))


def sets_site_domain(world, caller, diff, response):
    only(diff, {"ingest_keys": (0, 0, 1)})
    ((before, after),) = diff.tables["ingest_keys"].changed
    assert before["id"] == world.ids["a_spare_key"]
    assert (before["site_domain"], after["site_domain"]) == (None, "matrix.example")
    assert set(diff.changed_columns("ingest_keys")[0]) == {"site_domain"}


def creates_share_link(world, caller, diff, response):
    only(diff, {"share_links": (1, 0, 0)})
    (row,) = diff.tables["share_links"].added
    body = json_of(response)
    assert (row["project_id"], row["token_hash"]) == (world.ids["a"], hash_secret(body["token"]))


def creates_token(world, caller, diff, response):
    only(diff, {"api_tokens": (1, 0, 0), "api_token_projects": (1, 0, 0)})
    (token,) = diff.tables["api_tokens"].added
    (scope,) = diff.tables["api_token_projects"].added
    body = json_of(response)
    assert (token["user_id"], token["name"], token["token_hash"]) == (
        world.ids[caller], "matrix-token", hash_secret(body["token"]))
    assert (scope["token_id"], scope["project_id"]) == (token["id"], world.ids["a"])
    assert body["projects"] == [A]


ENDPOINTS = {
    "analytics": Endpoint("GET", f"/analytics?project={A}", answer=answers_features),
    "summary": Endpoint("GET", f"/analytics/summary?project={A}", answer=answers_total),
    "timeseries": Endpoint("GET", f"/analytics/timeseries?project={A}",
                           answer=answers_series),
    "breakdown": Endpoint("GET", f"/analytics/breakdown?by=page_url&project={A}",
                          answer=answers_pages),
    "top_pages": Endpoint("GET", f"/analytics/top-pages?project={A}",
                          answer=answers_page_views),
    "recent": Endpoint("GET", f"/analytics/recent?project={A}", answer=answers_recent),
    "export_events": Endpoint("GET", f"/analytics/export.csv?kind=events&project={A}",
                              answer=answers_events_csv),
    "export_daily": Endpoint("GET", f"/analytics/export.csv?kind=daily&project={A}",
                             answer=answers_daily_csv),
    "stream": Endpoint("GET", f"/analytics/stream?project={A}", answer=answers_hello),
    "shared_project": Endpoint("GET", "/share", answer=answers_shared),
    "projects_list": Endpoint("GET", "/projects", answer=answers_projects),
    "project_get": Endpoint("GET", "/projects/{slug}", answer=answers_project),
    "project_update": Endpoint("PATCH", "/projects/{slug}",
                               body=lambda world: {"name": "Alpha Renamed"}, effect=renames),
    "project_delete": Endpoint("DELETE", "/projects/{slug}", effect=deletes_project),
    "project_transfer": Endpoint("POST", "/projects/{slug}/transfer",
                                 body=lambda world: {"userId": world.ids["target"]},
                                 effect=transfers),
    "project_leave": Endpoint("POST", "/projects/{slug}/leave", effect=leaves),
    "members_list": Endpoint("GET", "/projects/{slug}/members", answer=answers_members),
    "member_role": Endpoint("PATCH", "/projects/{slug}/members/{target}",
                            body=lambda world: {"role": "admin"}, effect=promotes),
    "member_remove": Endpoint("DELETE", "/projects/{slug}/members/{target}",
                              effect=removes_member),
    "invitation_create": Endpoint("POST", "/projects/{slug}/invitations",
                                  body=lambda world: {"role": "viewer"}, effect=invites),
    "invitations_list": Endpoint("GET", "/projects/{slug}/invitations",
                                 answer=answers_invitations),
    "invitation_revoke": Endpoint("DELETE", "/projects/{slug}/invitations/{a_invitation}",
                                  effect=revokes("invitations", "a_invitation")),
    "keys_list": Endpoint("GET", "/projects/{slug}/keys", answer=answers_keys),
    "key_create": Endpoint("POST", "/projects/{slug}/keys",
                           body=lambda world: {"name": "matrix-key"}, effect=creates_key),
    "key_revoke": Endpoint("DELETE", "/projects/{slug}/keys/{a_spare_key}",
                           effect=revokes("ingest_keys", "a_spare_key")),
    "key_update": Endpoint("PATCH", "/projects/{slug}/keys/{a_spare_key}",
                           body=lambda world: {"siteDomain": "matrix.example"},
                           effect=sets_site_domain),
    "share_links_list": Endpoint("GET", "/projects/{slug}/share-links",
                                 answer=answers_share_links),
    "share_link_create": Endpoint("POST", "/projects/{slug}/share-links",
                                  effect=creates_share_link),
    "share_link_revoke": Endpoint("DELETE", "/projects/{slug}/share-links/{a_target_link}",
                                  effect=revokes("share_links", "a_target_link")),
    "tokens_list": Endpoint("GET", "/tokens", answer=answers_tokens),
    "token_create": Endpoint("POST", "/tokens",
                             body=lambda world: {"name": "matrix-token", "projects": [A]},
                             effect=creates_token),
    "token_revoke": Endpoint("DELETE", "/tokens/{token_a}",
                             effect=revokes("api_tokens", "token_a")),
}
assert set(ENDPOINTS) == set(POLICY)

CASES = [pytest.param(endpoint, caller, status, id=f"{endpoint}-{caller}-{status}")
         for endpoint, row in POLICY.items()
         for caller, status in zip(CALLERS, row, strict=True)]


# --- The world, once per database ---------------------------------------------------------


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def world(request, tmp_path_factory):
    """Both projects on a database of the parametrized kind, built once for the module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("matrix") / "matrix.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = create_engine(url)
        tables = [name for name in inspect(engine).get_table_names()
                  if name != "alembic_version"]
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_DIR": tmp_path_factory.mktemp("matrix-instance"),
                      "RATELIMIT_KEY_PREFIX": f"matrix-{uuid.uuid4().hex}"})
    yield build_world(app)
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@dataclass
class Answer:
    """A response with its whole text (a stream's up to its hello frame) and what was sent."""

    response: object
    text: str
    sent: str

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self):
        return self.response.headers

    @property
    def mimetype(self) -> str:
        return self.response.mimetype

    def get_json(self):
        return json.loads(self.text)


def read_stream_or_body(response) -> str:
    """The body; of an open event stream, the frames up to the hello (then it is closed)."""
    if response.mimetype != "text/event-stream":
        return response.get_data(as_text=True)
    frames = []
    for frame in response.response:
        frames.append(frame.decode() if isinstance(frame, bytes) else frame)
        if "event: hello" in frames[-1]:
            break
    response.close()
    return "".join(frames)


def send(world: World, endpoint: Endpoint, caller: str) -> Answer:
    """Send the endpoint's request as `caller`."""
    path = API + endpoint.path.format(slug=A, **world.ids)
    body = endpoint.body(world) if endpoint.body else None
    response = world.app.test_client().open(path, method=endpoint.method, json=body,
                                            headers=world.headers(caller), buffered=False)
    return Answer(response, read_stream_or_body(response), sent=f"{path} {body}")


def assert_tells_nothing_more(world: World, caller: str, response) -> None:
    """No secret the caller may not know in the body or a header (case-insensitive), but
    for what the request itself named.
    """
    seen = (response.text + "\n" + "\n".join(f"{name}: {value}" for name, value
                                             in response.headers.items())).lower()
    leaked = sorted(secret for secret in world.forbidden(caller)
                    if secret.lower() in seen and secret.lower() not in response.sent.lower())
    assert not leaked, (leaked, response.text[:500])


@pytest.mark.parametrize("endpoint, caller, status", CASES)
def test_matrix(world, endpoint, caller, status):
    restore(world.app, world.snapshot)  # undo what an earlier case wrote
    spec = ENDPOINTS[endpoint]
    response = send(world, spec, caller)
    assert response.status_code == status, response.text[:500]
    assert_tells_nothing_more(world, caller, response)
    if status >= 400:
        assert set(json_of(response)) == {"error"} and json_of(response)["error"]
    diff = world.snapshot.diff(Tables.read(world.app))
    if status < 300 and spec.effect is not None:
        spec.effect(world, caller, diff, response)
    else:
        assert diff.counts() == {}, diff.counts()  # a read, or a refused write: no change
    if status < 300 and spec.answer is not None:
        spec.answer(world, caller, response)


# --- Cookie sessions: the same policy, and no write without the CSRF header -----------------
WRITES = [name for name, spec in ENDPOINTS.items() if spec.method != "GET"]
COOKIE_CASES = [pytest.param(endpoint, caller, csrf, id=f"{endpoint}-{caller}-"
                             f"{'csrf' if csrf else 'no-csrf'}")
                for endpoint in WRITES for caller in ("viewer", "admin", "owner")
                for csrf in (True, False)]


@pytest.mark.parametrize("endpoint, caller, csrf", COOKIE_CASES)
def test_cookie_sessions_write_as_the_table_says_only_with_the_csrf_header(
        world, endpoint, caller, csrf):
    restore(world.app, world.snapshot)
    spec = ENDPOINTS[endpoint]
    person = world.people[caller]  # its client holds the session cookie since registering
    path = API + spec.path.format(slug=A, **world.ids)
    response = person.client.open(path, method=spec.method,
                                  json=spec.body(world) if spec.body else None,
                                  headers=person.auth.csrf_headers() if csrf else {})
    answer = Answer(response, response.get_data(as_text=True), sent=path)
    status = POLICY[endpoint][CALLERS.index(caller)] if csrf else 401
    assert answer.status_code == status, answer.text
    if not csrf:
        assert "CSRF" in answer.get_json()["error"]
    assert_tells_nothing_more(world, caller, answer)
    diff = world.snapshot.diff(Tables.read(world.app))
    if status < 300 and spec.effect is not None:
        spec.effect(world, caller, diff, answer)
    else:
        assert diff.counts() == {}, diff.counts()


# --- Ids of the other project under one's own slug ------------------------------------------
# A member of A who names B's objects through A's endpoints (and B's admin who names A's
# through B's) gets 404, changes nothing and learns nothing.
FOREIGN_IDS = [
    ("owner", "DELETE", "/projects/{slug}/keys/{b_key}", None),
    ("owner", "DELETE", "/projects/{slug}/share-links/{share_b}", None),
    ("owner", "DELETE", "/projects/{slug}/invitations/{b_invitation}", None),
    ("owner", "PATCH", "/projects/{slug}/members/{b_viewer}", {"role": "admin"}),
    ("owner", "DELETE", "/projects/{slug}/members/{b_viewer}", None),
    ("owner", "POST", "/projects/{slug}/transfer", {"userId": "b_owner"}),
    ("owner", "DELETE", "/tokens/{token_b}", None),
    ("owner", "POST", "/tokens", {"name": "both", "projects": [A, B]}),
    ("outsider", "DELETE", f"/projects/{B}/keys/{{a_spare_key}}", None),
    ("outsider", "DELETE", f"/projects/{B}/share-links/{{share_a}}", None),
    ("outsider", "DELETE", f"/projects/{B}/invitations/{{a_invitation}}", None),
    ("outsider", "PATCH", f"/projects/{B}/members/{{viewer}}", {"role": "admin"}),
    ("outsider", "DELETE", f"/projects/{B}/members/{{target}}", None),
    ("outsider", "DELETE", "/tokens/{token_a}", None),
]


@pytest.mark.parametrize("caller, method, path, body", FOREIGN_IDS,
                         ids=[f"{caller}-{method}-{path}" for caller, method, path, _ in
                              FOREIGN_IDS])
def test_ids_of_the_other_project_are_404(world, caller, method, path, body):
    restore(world.app, world.snapshot)
    if body and body.get("userId"):
        body = {"userId": world.ids[body["userId"]]}
    spec = Endpoint(method, path, body=(lambda _: body) if body else None)
    response = send(world, spec, caller)
    assert response.status_code == 404, response.text
    assert set(json_of(response)) == {"error"}
    assert_tells_nothing_more(world, caller, response)
    assert world.snapshot.diff(Tables.read(world.app)).counts() == {}


# --- Revocation takes effect with the very next request ---------------------------------------
# Two app instances on one database stand for two workers; with Redis they share the
# analytics answer cache. Each credential first reads twice on each worker, so the answer
# it would get next is a cache hit; then it is revoked through worker one, and worker two
# (then worker one) refuses the very next request.

TEAM = "revocable"


@pytest.fixture(params=["memory-cache", "redis-cache"])
def workers(request, make_app):
    overrides = {}
    if request.param == "redis-cache":
        url = request.getfixturevalue("redis_url")
        overrides = {"REDIS_URL": url, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url,
                     "CACHE_DEFAULT_TIMEOUT": 300, "RATELIMIT_STORAGE_URI": url,
                     "CACHE_KEY_PREFIX": f"matrix-{uuid.uuid4().hex}:"}
    return make_app(**overrides), make_app(**overrides)


@dataclass
class Team:
    owner: Person
    member: Person
    share: dict
    token: dict  # the member's, for TEAM


@pytest.fixture
def team(workers):
    app = workers[0]
    Person(app, "rev_root")
    owner = Person(app, "rev_owner")
    expect_status(owner.post("/projects", json={"name": "Revocable", "slug": TEAM}), 201)
    member = Person(app, "rev_member")
    invitation = expect_status(owner.post(f"/projects/{TEAM}/invitations",
                                          json={"role": "admin"}), 201)
    expect_status(member.post(f"/invitations/{invitation['token']}/accept"), 200)
    key = expect_status(owner.post(f"/projects/{TEAM}/keys", json={"name": "rev-site"}), 201)
    sent = app.test_client().post(f"{API}/events", headers={"X-Ouroboard-Key": key["key"]},
                                  json={"events": [{"name": "rev_event", "anonymous_id": "v"}]})
    assert sent.status_code == 202
    share = expect_status(owner.post(f"/projects/{TEAM}/share-links"), 201)
    token = expect_status(member.post("/tokens", json={"name": "rev", "projects": [TEAM]}), 201)
    return Team(owner, member, share, token)


SHARE = "share"
TOKEN = "token"
MEMBER = "member"


def credentials(team: Team, kind: str) -> dict:
    if kind == SHARE:
        return {"X-Ouroboard-Share": team.share["token"]}
    if kind == TOKEN:
        return {"Authorization": f"Bearer {team.token['token']}"}
    return dict(team.member.auth.headers)


def warm(workers, headers: dict) -> None:
    """Read twice on each worker: the second answer comes from the cache."""
    for app in workers:
        client = app.test_client()
        for path in (f"/analytics?project={TEAM}", f"/analytics/summary?project={TEAM}"):
            first = client.get(API + path, headers=headers)
            again = client.get(API + path, headers=headers)
            assert first.status_code == again.status_code == 200, first.get_json()
        assert again.get_json()["cached"] is True
        assert client.get(f"{API}/analytics?project={TEAM}",
                          headers=headers).headers["X-Cache"] == "hit"


def refused(workers, headers: dict, status: int) -> None:
    """Every analytics answer, on worker two then worker one, is `status` now."""
    for app in reversed(workers):
        client = app.test_client()
        for path in ("/analytics", "/analytics/summary", "/analytics/recent",
                     "/analytics/export.csv", "/analytics/stream"):
            response = client.get(f"{API}{path}?project={TEAM}", headers=headers,
                                  buffered=False)
            body = read_stream_or_body(response)
            assert response.status_code == status, (path, body)
            assert "rev_event" not in body


@pytest.mark.parametrize("kind", [SHARE, TOKEN])
def test_a_revoked_share_link_or_token_is_refused_at_once(workers, team, kind):
    headers = credentials(team, kind)
    warm(workers, headers)
    if kind == SHARE:
        expect_status(team.owner.delete(f"/projects/{TEAM}/share-links/{team.share['id']}"), 204)
    else:
        expect_status(team.member.delete(f"/tokens/{team.token['id']}"), 204)
    refused(workers, headers, 401)
    if kind == SHARE:
        for app in workers:
            assert app.test_client().get(f"{API}/share", headers=headers).status_code == 401
    # The project's members still read (the refusal is the credential's, not a broken cache).
    warm(workers, dict(team.owner.auth.headers))


@pytest.mark.parametrize("how", ["removed", "left"])
def test_a_member_who_is_removed_or_leaves_is_refused_at_once(workers, team, how):
    for kind in (MEMBER, TOKEN):
        warm(workers, credentials(team, kind))
    if how == "removed":
        expect_status(team.owner.delete(f"/projects/{TEAM}/members/{team.member.id}"), 204)
    else:
        expect_status(team.member.post(f"/projects/{TEAM}/leave"), 204)
    refused(workers, credentials(team, MEMBER), 404)
    refused(workers, credentials(team, TOKEN), 404)  # their token reads no more than they do
    for app in workers:
        client = app.test_client()
        for path in (f"/projects/{TEAM}", f"/projects/{TEAM}/keys"):
            response = client.get(API + path, headers=credentials(team, MEMBER))
            assert response.status_code == 404, response.get_json()
    assert TEAM not in team.member.get("/projects").get_data(as_text=True)


def test_a_demoted_admin_loses_admin_rights_at_once(workers, team):
    for app in workers:
        assert app.test_client().get(f"{API}/projects/{TEAM}/keys",
                                     headers=credentials(team, MEMBER)).status_code == 200
    expect_status(team.owner.patch(f"/projects/{TEAM}/members/{team.member.id}",
                                   json={"role": "viewer"}), 200)
    for app in reversed(workers):
        client = app.test_client()
        assert client.get(f"{API}/projects/{TEAM}/keys",
                          headers=credentials(team, MEMBER)).status_code == 403
        created = client.post(f"{API}/projects/{TEAM}/share-links",
                              headers=credentials(team, MEMBER))
        assert created.status_code == 403
    warm(workers, credentials(team, MEMBER))  # still a viewer


def test_a_deleted_projects_credentials_are_refused_at_once(workers, team):
    for kind in (SHARE, TOKEN, MEMBER):
        warm(workers, credentials(team, kind))
    expect_status(team.owner.delete(f"/projects/{TEAM}"), 204)
    refused(workers, credentials(team, SHARE), 401)
    refused(workers, credentials(team, TOKEN), 404)
    refused(workers, credentials(team, MEMBER), 404)
    refused(workers, dict(team.owner.auth.headers), 404)


def test_a_revoked_invitation_is_refused_at_once(workers, team):
    invitation = expect_status(team.owner.post(f"/projects/{TEAM}/invitations",
                                               json={"role": "viewer"}), 201)
    path = f"{API}/invitations/{invitation['token']}"
    for app in workers:
        for _ in range(2):
            assert app.test_client().get(path).status_code == 200
    expect_status(team.owner.delete(f"/projects/{TEAM}/invitations/{invitation['id']}"), 204)
    newcomer = Person(workers[1], "rev_newcomer")
    for app in reversed(workers):
        preview = app.test_client().get(path)
        assert preview.status_code == 404 and TEAM not in preview.get_data(as_text=True)
    accepted = newcomer.post(f"/invitations/{invitation['token']}/accept")
    assert accepted.status_code == 404 and TEAM not in accepted.get_data(as_text=True)
    registered = workers[1].test_client().post(f"{API}/register", json={
        "username": "rev_late", "password": "correct horse battery", "age": 30,
        "gender": "Other", "invitation": invitation["token"]})
    assert registered.status_code == 404
    members = expect_status(team.owner.get(f"/projects/{TEAM}/members"), 200)["members"]
    assert {member["username"] for member in members} == {"rev_owner", "rev_member"}
    expect_status(workers[0].test_client().get(f"{API}/analytics?project={TEAM}",
                                               headers=newcomer.auth.headers), 404)
