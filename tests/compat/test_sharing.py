"""Public sharing of `ouroboard` in development and demo mode only, so the seed clients'
tokenless analytics work against `make run`.
"""

import pytest

from app.compat.sharing import share_self_tracking_project
from app.projects import data as project_data
from app.projects.builtin import self_tracking_project_id


def shared_after_seeding(app) -> tuple[bool, bool, bool]:
    """(made a link, made another on a second run, the project is shared)."""
    with app.app_context():
        first, second = share_self_tracking_project(), share_self_tracking_project()
        return first, second, project_data.is_shared(self_tracking_project_id())


@pytest.mark.parametrize("env, demo_mode, expected", [
    ("development", None, (True, False, True)),
    ("production", "1", (True, False, True)),
    ("production", None, (False, False, False)),
    ("testing", None, (False, False, False)),
])
def test_only_development_and_demo_share_ouroboard(make_app, monkeypatch, env, demo_mode,
                                                   expected):
    if demo_mode:
        monkeypatch.setenv("DEMO_MODE", demo_mode)
    else:
        monkeypatch.delenv("DEMO_MODE", raising=False)
    assert shared_after_seeding(make_app(APP_ENV=env)) == expected


def test_the_seed_client_reads_ouroboard_tokenless_after_seeding(make_app, monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    app = make_app(APP_ENV="development")
    client = app.test_client()
    with app.app_context():
        self_tracking_project_id()  # made by a migration (the Postgres tests empty tables)
    assert client.get("/api/compat/insightloop/ouroboard/analytics").status_code == 401
    shared_after_seeding(app)
    response = client.get("/api/compat/insightloop/ouroboard/analytics")
    assert response.status_code == 200
    assert response.get_json() == {"barChart": {}, "lineChart": {}}
