"""Registrations that race: on an empty instance exactly one becomes the first account
(instance admin, owner of `ouroboard`) and, when registration is closed, the others are
refused and not stored; one invitation admits exactly one account; one person accepting
several invitations to a project at once becomes one member, without a 500."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invitation, Membership, User
from tests.projects.conftest import API, Person

RACERS = 6


def register_at_once(app, names: list[str], invitation: str | None = None) -> dict:
    """POST /register for every name from its own thread, released together."""
    barrier = threading.Barrier(len(names))
    answers: dict = {}

    def register(name: str) -> None:
        body = {"username": name, "password": "correct horse battery", "age": 30,
                "gender": "Female"}
        if invitation is not None:
            body["invitation"] = invitation
        client = app.test_client()
        barrier.wait()
        response = client.post(f"{API}/register", json=body)
        answers[name] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=register, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def stored_users(app) -> list[tuple[str, bool]]:
    with app.app_context():
        return db.session.execute(
            select(User.username, User.is_instance_admin).order_by(User.id)).all()


@pytest.mark.parametrize("mode", ["closed", "invite", "open"])
def test_racing_first_registrations_make_exactly_one_first_account(make_app, mode):
    app = make_app(REGISTRATION=mode, NEW_ACCOUNTS_JOIN_SELF_TRACKING=False)
    answers = register_at_once(app, [f"racer{n}" for n in range(RACERS)])
    statuses = sorted(status for status, _ in answers.values())
    users = stored_users(app)
    assert [admin for _, admin in users].count(True) == 1
    winner = next(name for name, admin in users if admin)
    assert answers[winner][0] == 201
    if mode == "open":
        assert statuses == [201] * RACERS and len(users) == RACERS
    else:
        # The others lost the race for the first account: refused, and not stored.
        assert statuses == [201] + [403] * (RACERS - 1), answers
        assert len(users) == 1
        assert all("Registration" in body["error"] for status, body in answers.values()
                   if status == 403)
    with app.app_context():
        owners = db.session.execute(select(Membership.user_id).where(
            Membership.role == "owner")).scalars().all()
    assert len(owners) == 1


def test_one_invitation_admits_exactly_one_of_many_racing_registrations(make_app):
    app = make_app(REGISTRATION="invite", NEW_ACCOUNTS_JOIN_SELF_TRACKING=False)
    root = Person(app, "root")
    token = root.post("/projects/ouroboard/invitations",
                      json={"role": "viewer"}).get_json()["token"]
    answers = register_at_once(app, [f"invitee{n}" for n in range(RACERS)], token)
    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [201] + [404] * (RACERS - 1), answers
    users = stored_users(app)
    assert len(users) == 2  # root and the one invitee
    with app.app_context():
        members = db.session.execute(select(func.count()).select_from(Membership)).scalar()
        accepted = db.session.execute(select(Invitation.accepted_by)).scalars().all()
    assert members == 2
    assert len(accepted) == 1 and accepted[0] is not None


def test_accepting_several_invitations_to_one_project_at_once_makes_one_member(app):
    Person(app, "root")
    owner = Person(app, "olivia")
    assert owner.post("/projects", json={"name": "Acme", "slug": "acme"}).status_code == 201
    tokens = [owner.post("/projects/acme/invitations", json={"role": "viewer"})
              .get_json()["token"] for _ in range(4)]
    joiner = Person(app, "joiner")
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def accept(token: str) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(f"{API}/invitations/{token}/accept",
                                    headers=joiner.auth.headers).status_code)

    threads = [threading.Thread(target=accept, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(tokens)
    members = owner.get("/projects/acme/members").get_json()["members"]
    assert [member["username"] for member in members].count("joiner") == 1


def test_a_claim_that_loses_to_a_later_account_is_refused_not_raised(app):
    """The interleaving of the race, made deterministic: on Postgres a later id can commit
    its claim before an earlier id's row is visible to it. The earlier account's claim then
    meets the unique index (during the UPDATE on Postgres) and must lose quietly."""
    from app.auth.service import hash_password
    from app.projects.data import claim_instance_admin

    with app.app_context():
        early, late = (User(username=name, password_hash=hash_password("x" * 12), age=30,
                            gender="Other") for name in ("early", "late"))
        db.session.add_all([early, late])
        db.session.commit()
        late.is_instance_admin = True
        db.session.commit()
        assert claim_instance_admin(early.id) is False
        assert stored_users(app) == [("early", False), ("late", True)]
