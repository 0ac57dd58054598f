"""Who sent a request, as enrichment needs it: the client's address, its User-Agent, and a
CDN's country when the operator trusts the proxies in front of us.
"""

from dataclasses import dataclass

from flask import current_app, request

# Country headers CDNs and edge platforms set; believed only behind trusted proxies, since
# anyone can send them.
COUNTRY_HEADERS = ("CF-IPCountry", "CloudFront-Viewer-Country", "X-Vercel-IP-Country",
                   "Fastly-Client-Country", "X-Country-Code")
MAX_USER_AGENT = 1000  # longer ones are cut: no parser gets a 10 KB header


@dataclass(frozen=True)
class ClientInfo:
    """The sending client: address (never stored), User-Agent, and a trusted country."""

    ip: str | None
    user_agent: str | None
    country: str | None = None


def client_of_request() -> ClientInfo:
    """The current request's client. remote_addr is the socket's peer unless
    TRUSTED_PROXIES is set, when ProxyFix has taken it from X-Forwarded-For: a client
    cannot pick its own address or country otherwise.
    """
    country = None
    if current_app.config.get("TRUSTED_PROXIES"):
        country = next((request.headers[name] for name in COUNTRY_HEADERS
                        if request.headers.get(name)), None)
    user_agent = request.headers.get("User-Agent") or None
    return ClientInfo(ip=request.remote_addr, country=country,
                      user_agent=user_agent[:MAX_USER_AGENT] if user_agent else None)
