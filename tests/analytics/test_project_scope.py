"""Every analytics answer is scoped to one project: the one asked for with `project=<slug>`,
if the reader may read it (a member, the project's share link, or an API token for it), else
404; without `project`, the reader's default. Nothing of another project appears in any
body, and the live stream hears only its own project's ingests."""

import secrets
import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, ApiTokenProject, Membership, Project, ShareLink, User
from app.projects.access import API_TOKEN_PREFIX, SHARE_PREFIX, hash_secret
from app.track.keys import create_key

# Each project's events carry names no other project has, so a leak shows in any body.
NAMES = {"shop": ("shop_checkout", "shop_view"), "blog": ("blog_read",)}
ENDPOINTS = ("/api/v1/analytics", "/api/v1/analytics/summary",
             "/api/v1/analytics/timeseries", "/api/v1/analytics/breakdown?by=feature",
             "/api/v1/analytics/top-pages", "/api/v1/analytics/recent",
             "/api/v1/analytics/export.csv?kind=events", "/api/v1/analytics/export.csv?kind=daily")


def make_project(app, slug: str, member_roles: dict[int, str]) -> tuple[int, str]:
    """A project with members, and a raw ingestion key sending to it."""
    with app.app_context():
        project = Project(slug=slug, name=slug.title())
        db.session.add(project)
        db.session.flush()
        for user_id, role in member_roles.items():
            db.session.add(Membership(project_id=project.id, user_id=user_id, role=role))
        db.session.commit()
        _, raw_key = create_key(project.id, f"{slug}-site")
        return project.id, raw_key


def send(client, raw_key: str, names: tuple[str, ...], count: int = 3,
         extra: dict | None = None) -> None:
    events = [{"name": name, "page_url": f"/{name}", "anonymous_id": f"v-{name}-{n}",
               **(extra or {})} for name in names for n in range(count)]
    # A page view on a page named after the project's first event, for the page lists.
    events.append({"name": "page_view", "page_url": f"/{names[0]}", "anonymous_id": "v"})
    response = client.post("/api/v1/events", json={"events": events},
                           headers={"X-Ouroboard-Key": raw_key})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["accepted"] == len(events)


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


@pytest.fixture
def two_projects(app, client, auth):
    """`owner` (first account: owner of ouroboard) owns shop; `reader` reads blog only."""
    assert auth.register(username="owner").status_code == 201
    owner_headers = dict(auth.headers)
    assert auth.register(username="reader").status_code == 201
    reader_headers = dict(auth.headers)
    owner, reader = user_id(app, "owner"), user_id(app, "reader")
    shop_id, shop_key = make_project(app, "shop", {owner: "owner"})
    blog_id, blog_key = make_project(app, "blog", {owner: "admin", reader: "viewer"})
    send(client, shop_key, NAMES["shop"])
    send(client, blog_key, NAMES["blog"])
    return {"owner": owner_headers, "reader": reader_headers,
            "ids": {"shop": shop_id, "blog": blog_id}, "keys": {"shop": shop_key}}



def body_text(response) -> str:
    return response.get_data(as_text=True)


def assert_only(response, slug: str) -> None:
    """The body names none of another project's events, and (where the answer lists
    names or pages) this project's."""
    assert response.status_code == 200, body_text(response)
    text = body_text(response)
    for other, names in NAMES.items():
        if other != slug:
            assert not any(name in text for name in names), (other, text[:300])
    if not response.request.path.endswith(("/summary", "/timeseries")):
        assert NAMES[slug][0] in text, text[:300]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_answers_for_the_project_asked_only(client, two_projects, endpoint):
    joiner = "&" if "?" in endpoint else "?"
    for slug in ("shop", "blog"):
        response = client.get(f"{endpoint}{joiner}project={slug}",
                              headers=two_projects["owner"])
        assert_only(response, slug)


def test_counts_are_exact_per_project(client, two_projects):
    totals = {}
    for slug in ("shop", "blog", "ouroboard"):
        response = client.get(f"/api/v1/analytics/summary?project={slug}",
                              headers=two_projects["owner"])
        assert response.status_code == 200
        totals[slug] = response.get_json()["totalEvents"]
    assert totals == {"shop": 7, "blog": 4, "ouroboard": 0}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_non_member_gets_404_for_another_project_and_an_unknown_one(client, two_projects,
                                                                      endpoint):
    joiner = "&" if "?" in endpoint else "?"
    for slug in ("shop", "no-such-project"):
        response = client.get(f"{endpoint}{joiner}project={slug}",
                              headers=two_projects["reader"])
        assert response.status_code == 404, body_text(response)
        assert "shop_checkout" not in body_text(response)
        assert response.get_json()["error"] == f"No project {slug!r}"


def test_without_project_the_default_is_ouroboard_for_its_members_else_the_first(
        app, client, two_projects):
    owner_bars = client.get("/api/v1/analytics", headers=two_projects["owner"]).get_json()
    assert owner_bars["barChartData"] == []  # ouroboard: nothing tracked in it yet
    # `reader` joined ouroboard on registering (development mode); once they leave it,
    # their default is their first other project, blog.
    with app.app_context():
        db.session.execute(Membership.__table__.delete().where(
            Membership.user_id == user_id(app, "reader"),
            Membership.project_id != two_projects["ids"]["blog"]))
        db.session.commit()
    reader_bars = client.get("/api/v1/analytics", headers=two_projects["reader"]).get_json()
    assert {item["feature"] for item in reader_bars["barChartData"]} == {"blog_read",
                                                                         "page_view"}


def test_a_member_removed_is_refused_at_once(app, client, two_projects):
    assert client.get("/api/v1/analytics?project=blog",
                      headers=two_projects["reader"]).status_code == 200
    with app.app_context():
        db.session.execute(Membership.__table__.delete().where(
            Membership.user_id == user_id(app, "reader"),
            Membership.project_id == two_projects["ids"]["blog"]))
        db.session.commit()
    assert client.get("/api/v1/analytics?project=blog",
                      headers=two_projects["reader"]).status_code == 404


def add_share_link(app, project_id: int) -> tuple[int, str]:
    raw = SHARE_PREFIX + secrets.token_urlsafe(32)
    with app.app_context():
        link = ShareLink(project_id=project_id, token_hash=hash_secret(raw),
                         token_prefix=raw[:12])
        db.session.add(link)
        db.session.commit()
        return link.id, raw


def test_a_share_link_reads_its_project_only_without_people_or_export(app, client,
                                                                       two_projects):
    link_id, raw = add_share_link(app, two_projects["ids"]["shop"])
    shared = {"X-Ouroboard-Share": raw}
    bars = client.get("/api/v1/analytics", headers=shared)
    assert_only(bars, "shop")
    send(client, two_projects["keys"]["shop"], ("shop_private",), 1,
         extra={"page_url": "/shop_private?email=a@b.example#x",
                "properties": {"email": "a@b.example"}})
    recent = client.get("/api/v1/analytics/recent", headers=shared).get_json()["events"]
    assert recent and all(event["username"] is None and event["userId"] is None
                          and event["anonymousId"] is None and event["ageGroup"] is None
                          and event["gender"] is None and event["properties"] is None
                          for event in recent)
    assert "/shop_private" in [event["pageUrl"] for event in recent]
    owner_view = client.get("/api/v1/analytics/recent?project=shop",
                            headers=two_projects["owner"]).get_data(as_text=True)
    assert "a@b.example" in owner_view  # members see everything
    assert "a@b.example" not in client.get("/api/v1/analytics/recent",
                                           headers=shared).get_data(as_text=True)
    assert client.get("/api/v1/analytics?project=blog", headers=shared).status_code == 404
    assert client.get("/api/v1/analytics?project=shop", headers=shared).status_code == 200
    export = client.get("/api/v1/analytics/export.csv", headers=shared)
    assert export.status_code == 403
    assert "export" in export.get_json()["error"]
    # Ingestion is not a reader's: a share link cannot send events.
    assert client.post("/api/v1/events", json={"name": "spoof"},
                       headers=shared).status_code == 401
    with app.app_context():
        db.session.execute(ShareLink.__table__.update().where(ShareLink.id == link_id)
                           .values(revoked_at=db.func.now()))
        db.session.commit()
    revoked = client.get("/api/v1/analytics", headers=shared)
    assert revoked.status_code == 401
    assert "revoked" in revoked.get_json()["error"]


def add_api_token(app, owner: int, project_ids: list[int]) -> tuple[int, str]:
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with app.app_context():
        token = ApiToken(user_id=owner, name="bi", token_hash=hash_secret(raw),
                         token_prefix=raw[:12])
        db.session.add(token)
        db.session.flush()
        db.session.add_all(ApiTokenProject(token_id=token.id, project_id=project_id)
                           for project_id in project_ids)
        db.session.commit()
        return token.id, raw


def test_an_api_token_reads_its_projects_only_and_is_refused_once_revoked(app, client,
                                                                           two_projects):
    owner = user_id(app, "owner")
    token_id, raw = add_api_token(app, owner, [two_projects["ids"]["shop"]])
    bearer = {"Authorization": f"Bearer {raw}"}
    assert_only(client.get("/api/v1/analytics?project=shop", headers=bearer), "shop")
    assert_only(client.get("/api/v1/analytics", headers=bearer), "shop")
    assert client.get("/api/v1/analytics?project=blog", headers=bearer).status_code == 404
    # Read-only: a token is no session, so it cannot track or manage anything.
    assert client.post("/api/v1/track", json={"feature_name": "x"},
                       headers=bearer).status_code == 401
    with app.app_context():
        assert db.session.get(ApiToken, token_id).last_used_at is not None
        db.session.execute(ApiToken.__table__.update().where(ApiToken.id == token_id)
                           .values(revoked_at=db.func.now()))
        db.session.commit()
    assert client.get("/api/v1/analytics?project=shop", headers=bearer).status_code == 401


def test_an_api_token_stops_reading_a_project_its_owner_left(app, client, two_projects):
    reader = user_id(app, "reader")
    _, raw = add_api_token(app, reader, [two_projects["ids"]["blog"]])
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/analytics?project=blog", headers=bearer).status_code == 200
    with app.app_context():
        db.session.execute(Membership.__table__.delete().where(
            Membership.user_id == reader,
            Membership.project_id == two_projects["ids"]["blog"]))
        db.session.commit()
    assert client.get("/api/v1/analytics?project=blog", headers=bearer).status_code == 404


@pytest.mark.parametrize("header", [{"X-Ouroboard-Share": "obs_forged"},
                                   {"X-Ouroboard-Share": "x" * 5000},
                                   {"Authorization": "Bearer obt_forged"},
                                   {"Authorization": "Bearer obt_" + "y" * 5000}])
def test_forged_credentials_get_401(client, two_projects, header):
    response = client.get("/api/v1/analytics", headers=header)
    assert response.status_code == 401
    assert response.get_json()["error"]


def test_a_live_stream_hears_its_own_project_only(app, client, two_projects):
    shop_key = None
    with app.app_context():
        _, shop_key = create_key(two_projects["ids"]["shop"], "shop-live")
        _, blog_key = create_key(two_projects["ids"]["blog"], "blog-live")
    stream = client.get("/api/v1/analytics/stream?project=blog",
                        headers=two_projects["owner"], buffered=False)
    assert stream.status_code == 200
    frames = iter(stream.response)
    assert b"retry" in next(frames)
    assert b"hello" in next(frames)

    def send_both():
        send(app.test_client(), shop_key, ("shop_checkout",), 1)
        send(app.test_client(), blog_key, ("blog_read",), 1)

    sender = threading.Thread(target=send_both)
    sender.start()
    frame = next(frames)
    while b"event: events" not in frame:
        frame = next(frames)
    sender.join()
    stream.close()
    assert b"blog_read" in frame
    assert b"shop_checkout" not in frame


@pytest.mark.parametrize("revoke", ["remove_member", "revoke_share_link", "revoke_token"])
def test_an_open_live_stream_ends_once_its_access_is_revoked(app, client, two_projects,
                                                             revoke):
    # Without the check the stream would run to its end of life: keep that short, so a
    # regression fails by its assertion rather than by hanging.
    app.config.update(LIVE_MAX_SECONDS=3, LIVE_HEARTBEAT_SECONDS=1)
    reader = user_id(app, "reader")
    blog = two_projects["ids"]["blog"]
    if revoke == "revoke_share_link":
        credential_id, raw = add_share_link(app, blog)
        headers = {"X-Ouroboard-Share": raw}
    elif revoke == "revoke_token":
        credential_id, raw = add_api_token(app, reader, [blog])
        headers = {"Authorization": f"Bearer {raw}"}
    else:
        headers = two_projects["reader"]
    with app.app_context():
        _, blog_key = create_key(blog, "blog-revoked-live")
    stream = client.get("/api/v1/analytics/stream?project=blog", headers=headers,
                        buffered=False)
    assert stream.status_code == 200
    frames = iter(stream.response)
    assert b"hello" in next(frames) + next(frames)
    with app.app_context():
        if revoke == "remove_member":
            db.session.execute(Membership.__table__.delete().where(
                Membership.user_id == reader, Membership.project_id == blog))
        elif revoke == "revoke_share_link":
            db.session.execute(ShareLink.__table__.update().where(
                ShareLink.id == credential_id).values(revoked_at=db.func.now()))
        else:
            db.session.execute(ApiToken.__table__.update().where(
                ApiToken.id == credential_id).values(revoked_at=db.func.now()))
        db.session.commit()
    send(app.test_client(), blog_key, ("blog_after_revoke",), 1)
    rest = b"".join(frames)  # the stream ends instead of telling of the new event
    stream.close()
    assert b"blog_after_revoke" not in rest
    assert b"event: events" not in rest
