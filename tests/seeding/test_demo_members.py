"""The demo accounts are members of the self-tracking project: user1 its owner (the first
account of an instance), the others viewers, so every demo login sees the dashboard."""

from sqlalchemy import select

from app.extensions import db
from app.models import Membership, User
from app.projects.builtin import self_tracking_project_id
from app.seeding import demo as seed


def roles_by_username(app) -> dict[str, str]:
    with app.app_context():
        project_id = self_tracking_project_id()
        return dict(db.session.execute(
            select(User.username, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project_id)).all())


def test_demo_accounts_join_the_self_tracking_project_with_user1_as_owner(app, client):
    with app.app_context():
        seed.seed_users(5, app.config["DEMO_PASSWORD"])
        seed.seed_events(seed.demo_users(5), 50)
        admin = db.session.execute(select(User.username).where(User.is_instance_admin)).all()
    assert roles_by_username(app) == {"user1": "owner", "user2": "viewer", "user3": "viewer",
                                      "user4": "viewer", "user5": "viewer"}
    assert admin == [("user1",)]
    login = client.post("/api/v1/login", json={"username": "user2",
                                               "password": app.config["DEMO_PASSWORD"]})
    assert login.status_code == 200
    bars = client.get("/api/v1/analytics", headers={
        "Authorization": f"Bearer {login.get_json()['token']}"})
    assert bars.status_code == 200
    assert sum(item["count"] for item in bars.get_json()["barChartData"]) > 0


def test_an_existing_owner_keeps_the_project_when_the_demo_is_seeded(app, auth):
    assert auth.register(username="founder").status_code == 201
    with app.app_context():
        seed.seed_users(3, app.config["DEMO_PASSWORD"])
    roles = roles_by_username(app)
    assert roles["founder"] == "owner"
    assert {roles["user1"], roles["user2"], roles["user3"]} == {"viewer"}
