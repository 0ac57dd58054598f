"""Countries: the ISO 3166-1 alpha-2 code of a client, from a CDN's header, an operator's MMDB
file (GEOIP_DATABASE: GeoLite2 or DB-IP Lite, Country or City) or, without one, the
IP-to-country data built into the iptocc package (the registries' allocations, refreshed
with each release), so that a fresh install works offline.
"""

import ipaddress
import logging
from bisect import bisect_right
from functools import lru_cache

import iptocc
import maxminddb
from flask import current_app, has_app_context

logger = logging.getLogger(__name__)

CACHE_SIZE = 8192
# Cloudflare's "unknown" and "Tor", and the ISO code for an unknown country.
_NOT_COUNTRIES = frozenset({"XX", "T1", "ZZ"})
_MAX_ADDRESS = 64  # the longest IPv6 text with a zone id is well under this
_FROM_APP = object()


def _ranges(*networks: str) -> tuple[tuple[int, int], ...]:
    """Sorted (first, last) address numbers of the networks."""
    return tuple(sorted((int(network.network_address), int(network.broadcast_address))
                        for network in map(ipaddress.ip_network, networks)))


# Not a client on the public internet: the IANA special-purpose blocks (private, shared,
# loopback, link-local, documentation, benchmarking, 6to4 relay), multicast and reserved.
# Ranges rather than ipaddress's is_private & co., which cost about 20 µs per address.
_NOT_PUBLIC_IPV4 = _ranges(
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
)
_NOT_PUBLIC_IPV4_STARTS = [first for first, _ in _NOT_PUBLIC_IPV4]
# Clients have global unicast IPv6 addresses (2000::/3), except the IETF protocol
# (Teredo included), 6to4 and documentation blocks; ::1, fc00::/7, fe80::/10 and ff00::/8
# all lie outside it.
_GLOBAL_UNICAST_IPV6 = _ranges("2000::/3")[0]
_NOT_PUBLIC_IPV6 = _ranges("2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20")


def country_of(ip: str | None, header_country: str | None,
               database_path: str | None | object = _FROM_APP) -> str | None:
    """The client's country code, upper case, or None when unknown.

    A header country (the caller passes it only when it trusts the proxy that set it) wins
    when it is two letters A-Z and names a country. Else the address: private, loopback,
    link-local, reserved and malformed ones are unknown. database_path is the MMDB file to
    read; by default the app's GEOIP_DATABASE, and None means the built-in data.
    """
    from_header = _header_country(header_country)
    if from_header:
        return from_header
    if not isinstance(ip, str) or len(ip) > _MAX_ADDRESS:
        return None
    if database_path is _FROM_APP:
        database_path = current_app.config.get("GEOIP_DATABASE") if has_app_context() else None
    return _country_of_address(ip.strip(), database_path or None)


def _header_country(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha() or code in _NOT_COUNTRIES:
        return None
    return code


@lru_cache(maxsize=CACHE_SIZE)
def _country_of_address(ip: str, database_path: str | None) -> str | None:
    address = public_address(ip)
    if address is None:
        return None
    reader = _reader(database_path) if database_path else None
    code = _from_mmdb(reader, address) if reader else iptocc.country_code(str(address))
    return code.upper() if isinstance(code, str) and len(code) == 2 and code.isalpha() else None


def public_address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, IPv4-mapped IPv6 unwrapped, when it is a public one; else None."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:  # fe80::1%eth0: link-local by definition
            return None
        address = address.ipv4_mapped or address
    number = int(address)
    if isinstance(address, ipaddress.IPv4Address):
        index = bisect_right(_NOT_PUBLIC_IPV4_STARTS, number) - 1
        return address if index < 0 or number > _NOT_PUBLIC_IPV4[index][1] else None
    if not _GLOBAL_UNICAST_IPV6[0] <= number <= _GLOBAL_UNICAST_IPV6[1]:
        return None
    return None if any(low <= number <= high for low, high in _NOT_PUBLIC_IPV6) else address


def _from_mmdb(reader: maxminddb.Reader,
               address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """country.iso_code, as GeoLite2 and DB-IP Lite (Country and City) both have it; the
    registered country for the few networks (anycast, satellite) that have no country.
    """
    try:
        record = reader.get(address)
    except ValueError:  # an IPv6 address in an IPv4-only database
        return None
    if not isinstance(record, dict):
        return None
    for key in ("country", "registered_country"):
        place = record.get(key)
        if isinstance(place, dict) and place.get("iso_code"):
            return place["iso_code"]
    return None


@lru_cache(maxsize=4)
def _reader(database_path: str) -> maxminddb.Reader | None:
    """The MMDB file, opened once per path; None (logged once) when it cannot be read, so
    that events are still stored, with the built-in data's countries.
    """
    try:
        return maxminddb.open_database(database_path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
        logger.error("GEOIP_DATABASE %s cannot be read (%s); using the built-in data",
                     database_path, error)
        return None
