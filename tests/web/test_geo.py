"""Countries from a CDN header, an operator's MMDB file or the built-in data: app/web/geo.py."""

import logging
import time

import pytest
from flask import Flask

from app.web.geo import country_of

# Who holds these addresses is public record (the registries' allocations), so the
# built-in data must agree.
PUBLIC = {
    "8.8.8.8": "US",  # Google DNS
    "9.9.9.9": "US",  # Quad9
    "2001:4860:4860::8888": "US",  # Google DNS over IPv6
    "193.99.144.80": "DE",  # heise.de
    "85.214.0.1": "DE",  # Strato
    "2a01:4f8::1": "DE",  # Hetzner
    "80.67.169.12": "FR",  # FDN's resolver
    "212.27.48.10": "FR",  # Free
    "2a01:e0a::1": "FR",  # Free
    "133.242.0.1": "JP",  # Sakura Internet
    "202.12.27.33": "JP",  # the M root server, WIDE
    "2001:200::1": "JP",  # WIDE
}

NOT_PUBLIC = [
    "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.20",
    "100.64.0.1",  # carrier-grade NAT
    "127.0.0.1", "127.8.8.8", "169.254.10.1", "0.0.0.0", "0.1.2.3",  # noqa: S104 - data
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1",  # documentation, benchmarks
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
    "2001:db8::1", "2002:c000:0204::1", "64:ff9b::808:808", "100::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:192.168.0.1",
]

MALFORMED = [
    None, "", "   ", "garbage", "8.8.8", "8.8.8.8.8", "256.1.1.1", "08.8.8.8", "8.8.8.8:443",
    "[2001:4860:4860::8888]", "2001:4860:4860::8888::1", "http://8.8.8.8/", "8.8.8.8, 1.1.1.1",
    "1" * 10_000, "\x00", "８.８.８.８", 134744072, b"8.8.8.8",
]


@pytest.mark.parametrize("ip", list(PUBLIC))
def test_public_addresses_have_their_registered_country(ip):
    assert country_of(ip, None, database_path=None) == PUBLIC[ip]


def test_an_ipv4_mapped_ipv6_address_is_its_ipv4_address():
    assert country_of("::ffff:8.8.8.8", None, database_path=None) == "US"
    assert country_of("::FFFF:193.99.144.80", None, database_path=None) == "DE"


def test_spaces_around_an_address_do_not_matter():
    assert country_of(" 8.8.8.8\n", None, database_path=None) == "US"


@pytest.mark.parametrize("ip", NOT_PUBLIC)
def test_private_loopback_link_local_reserved_and_multicast_addresses_are_unknown(ip):
    assert country_of(ip, None, database_path=None) is None


@pytest.mark.parametrize("ip", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_addresses_are_unknown(ip):
    assert country_of(ip, None, database_path=None) is None


@pytest.mark.parametrize(("header", "expected"), [
    ("DE", "DE"), ("fr", "FR"), (" jp ", "JP"),
    # Cloudflare's "unknown" and "Tor", and the ISO code for no country: the address decides.
    ("XX", "US"), ("T1", "US"), ("zz", "US"),
    ("", "US"), ("D", "US"), ("DEU", "US"), ("D1", "US"), ("É1", "US"), ("ÄÖ", "US"),
    ("\x00\x00", "US"), (None, "US"), (49, "US"),
])
def test_a_valid_header_country_wins_over_the_address(header, expected):
    assert country_of("8.8.8.8", header, database_path=None) == expected


def test_the_header_country_counts_even_without_a_usable_address():
    assert country_of("10.0.0.1", "de", database_path=None) == "DE"
    assert country_of(None, "CH", database_path=None) == "CH"
    assert country_of("garbage", "XX", database_path=None) is None


def test_an_operators_mmdb_file_is_read_country_and_city_formats(mmdb_file):
    path = mmdb_file({
        "8.8.8.0/24": {"country": {"iso_code": "NZ", "names": {"en": "New Zealand"}}},
        "193.99.144.0/24": {"city": {"names": {"en": "Hanover"}},
                            "country": {"iso_code": "de"},
                            "registered_country": {"iso_code": "NL"}},
        # Anycast networks in GeoLite2 have a registered country only.
        "1.0.16.0/24": {"registered_country": {"iso_code": "AU"}},
        "2001:4860::/32": {"country": {"iso_code": "CA"}},
        "5.5.5.0/24": {"country": {"names": {"en": "Nowhere"}}},
        "6.6.6.0/24": {"country": {"iso_code": "EUR"}},
        "7.7.7.0/24": "not a map",
    }, database_type="GeoLite2-City")
    path = str(path)
    assert country_of("8.8.8.8", None, database_path=path) == "NZ"
    assert country_of("193.99.144.80", None, database_path=path) == "DE"
    assert country_of("1.0.16.1", None, database_path=path) == "AU"
    assert country_of("2001:4860:4860::8888", None, database_path=path) == "CA"
    assert country_of("::ffff:8.8.8.8", None, database_path=path) == "NZ"
    # Not in the file: unknown, even where the built-in data would know.
    assert country_of("9.9.9.9", None, database_path=path) is None
    assert country_of("5.5.5.5", None, database_path=path) is None
    assert country_of("6.6.6.6", None, database_path=path) is None
    assert country_of("7.7.7.7", None, database_path=path) is None
    assert country_of("10.0.0.1", None, database_path=path) is None
    assert country_of("8.8.8.8", "JP", database_path=path) == "JP"


def test_an_ipv4_only_mmdb_file_answers_ipv6_addresses_with_unknown(mmdb_file):
    path = str(mmdb_file({"8.8.8.0/24": {"country": {"iso_code": "NZ"}}}, ip_version=4))
    assert country_of("8.8.8.8", None, database_path=path) == "NZ"
    assert country_of("2001:4860:4860::8888", None, database_path=path) is None


def test_the_app_config_names_the_mmdb_file(mmdb_file):
    app = Flask(__name__)
    app.config["GEOIP_DATABASE"] = str(mmdb_file({"8.8.8.0/24": {"country": {"iso_code": "NZ"}}}))
    with app.app_context():
        assert country_of("8.8.8.8", None) == "NZ"
    app.config["GEOIP_DATABASE"] = None
    with app.app_context():
        assert country_of("8.8.8.8", None) == "US"
    # Outside an app (a script), the built-in data.
    assert country_of("8.8.8.8", None) == "US"


@pytest.mark.parametrize("content", [None, b"", b"not an mmdb file at all" * 100])
def test_an_unreadable_mmdb_file_is_logged_and_the_built_in_data_used(tmp_path, caplog, content):
    path = tmp_path / "GeoLite2-Country.mmdb"
    if content is not None:
        path.write_bytes(content)
    with caplog.at_level(logging.ERROR, logger="app.web.geo"):
        assert country_of("8.8.8.8", None, database_path=str(path)) == "US"
        assert country_of("193.99.144.80", None, database_path=str(path)) == "DE"
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1  # once per file, not once per event
    assert str(path) in messages[0]


def test_lookups_are_fast_and_cached():
    addresses = [f"{first}.{second}.{third}.77" for first in (31, 46, 62, 81, 91, 176, 185)
                 for second in range(0, 250, 25) for third in range(0, 250, 50)]
    started = time.perf_counter()
    for ip in addresses:
        country_of(ip, None, database_path=None)
    assert (time.perf_counter() - started) / len(addresses) < 0.0005
    started = time.perf_counter()
    for ip in addresses:
        country_of(ip, None, database_path=None)
    assert (time.perf_counter() - started) / len(addresses) < 0.00005
