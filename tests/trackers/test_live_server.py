"""The live-server fixture the client-library tests stand on."""

import json
import urllib.request


def test_live_url_serves_the_app_under_test(live_url, ingest_key):
    _, raw_key = ingest_key
    request = urllib.request.Request(  # noqa: S310 - our own http:// URL
        f"{live_url}/api/v1/events", method="POST",
        data=json.dumps({"name": "signup", "anonymous_id": "v1"}).encode(),
        headers={"Content-Type": "application/json", "X-Ouroboard-Key": raw_key})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 202
        assert json.loads(response.read())["accepted"] == 1
