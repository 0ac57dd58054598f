"""Enrichment at ingest: the web columns of each event, from its page, its referrer and
the client that sent it. Runs before the write turn (no lock held); the visit-level values
are settled later by app.web.visits, while storing.
"""

from flask import current_app

from app.web.client import ClientInfo
from app.web.devices import device_of
from app.web.geo import country_of
from app.web.salt import visitor_hash
from app.web.sources import channel, page_parts, referrer_domain


def visitor_of(row: dict, client: ClientInfo) -> str:
    """The visitor: the signed-in user, else the sender's anonymous id, else a keyed hash
    of the client (the tracker's data-no-storage mode, or a server-side sender).
    """
    if row["user_id"] is not None:
        return f"u:{row['user_id']}"
    if row["anonymous_id"]:
        return f"a:{row['anonymous_id']}"
    return visitor_hash(row["project_id"], client.ip, client.user_agent)


def enrich_rows(rows: list[dict], client: ClientInfo) -> None:
    """Fill the web columns of rows built by app.event_rows.event_row, in place.

    Device and country are per request (one client); page and source per event. The
    source, device and country columns hold this event's own values until the store puts
    its visit's there. With WEB_ENRICHMENT off, rows are left as they are.
    """
    if not current_app.config["WEB_ENRICHMENT"] or not rows:
        return
    device = device_of(client.user_agent)
    country = country_of(client.ip, client.country)
    hashed: dict[int, str] = {}  # one hash per project for the whole request
    for row in rows:
        page = page_parts(row["page_url"])
        domain = referrer_domain(row["referrer"], {page.hostname} if page.hostname else set())
        row.update(page.utm)
        if row["user_id"] is None and not row["anonymous_id"]:
            project_id = row["project_id"]
            if project_id not in hashed:
                hashed[project_id] = visitor_of(row, client)
            row["visitor_id"] = hashed[project_id]
        else:
            row["visitor_id"] = visitor_of(row, client)
        row["hostname"] = page.hostname
        row["pathname"] = page.pathname
        row["referrer_domain"] = domain
        row["channel"] = channel(domain, page.utm)
        row["browser"] = device.browser
        row["browser_version"] = device.browser_version
        row["os"] = device.os
        row["device_type"] = device.device_type
        row["country"] = country
        row["is_bot"] = device.is_bot
