"""Request ids and the JSON request log."""

import json
import logging

import pytest

from app.observability import JsonFormatter


def test_request_id_is_generated_and_echoed(client):
    response = client.get("/health")
    assert len(response.headers["X-Request-ID"]) == 32


def test_callers_request_id_is_kept(client):
    response = client.get("/health", headers={"X-Request-ID": "edge-7f3a.1"})
    assert response.headers["X-Request-ID"] == "edge-7f3a.1"


@pytest.mark.parametrize("forged", ["has space", "a" * 200, "quote\"", "semi;colon"])
def test_unacceptable_request_ids_are_replaced(client, forged):
    response = client.get("/health", headers={"X-Request-ID": forged})
    assert response.headers["X-Request-ID"] != forged
    assert len(response.headers["X-Request-ID"]) == 32


def test_one_json_log_line_per_request_with_user_and_timing(client, auth, caplog):
    auth.register()
    with caplog.at_level(logging.INFO, logger="ouroboard.access"):
        response = client.get("/api/v1/me", headers={**auth.headers, "X-Request-ID": "req-1"})
    records = [record for record in caplog.records if record.name == "ouroboard.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "req-1"
    assert line["user_id"] == str(response.get_json()["user"]["id"])
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/me", 200)
    assert line["duration_ms"] >= 0
    assert line["level"] == "info" and line["time"].endswith("+00:00")


def test_errors_are_logged_with_their_status(client, caplog):
    with caplog.at_level(logging.INFO, logger="ouroboard.access"):
        client.get("/api/v1/nope")
    (record,) = [record for record in caplog.records if record.name == "ouroboard.access"]
    assert json.loads(JsonFormatter().format(record))["status"] == 404


@pytest.mark.parametrize("path", ["/api/v1/invitations/obi_{secret}",
                                  "/api/v1/invitations/obi_{secret}/accept",
                                  "/share/obs_{secret}", "/invite/obi_{secret}"])
def test_secret_tokens_in_paths_never_reach_the_logs(client, caplog, path):
    secret = "Zq3-x_9" * 6
    with caplog.at_level(logging.INFO):
        client.open(path.format(secret=secret),
                    method="POST" if path.endswith("/accept") else "GET")
    logged = [JsonFormatter().format(record) for record in caplog.records]
    assert logged, "the request was not logged"
    assert not any(secret in line for line in logged)
    access = [json.loads(line) for line, record in zip(logged, caplog.records, strict=True)
              if record.name == "ouroboard.access"]
    # The path still says which kind of secret it held.
    assert access[0]["path"] == path.format(secret="").replace("_", "_…", 1)
