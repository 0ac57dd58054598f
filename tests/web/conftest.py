"""A writer of tiny MaxMind DB (MMDB) files, so that the GEOIP_DATABASE path is tested on a
file whose answers the test chose (no real GeoLite2 or DB-IP file ships with the suite).

The format (https://maxmind.github.io/MaxMind-DB/): a binary search tree over the address
bits, 16 zero bytes, a data section of typed values, then a marker and a metadata map.
"""

import ipaddress
import time
from pathlib import Path

import pytest

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
# Type numbers of the MMDB data section.
STRING, MAP, UINT16, UINT32, UINT64, ARRAY = 2, 7, 5, 6, 9, 11


class Typed:
    """An integer with the MMDB type it must be written as (metadata fields need exact ones)."""

    def __init__(self, type_number: int, value: int):
        self.type_number, self.value = type_number, value


def control(type_number: int, size: int) -> bytes:
    """The control byte(s): the type (extended types take a second byte) and the size."""
    first = (type_number << 5) if type_number <= 7 else 0
    extended = b"" if type_number <= 7 else bytes([type_number - 7])
    if size < 29:
        return bytes([first | size]) + extended
    if size < 285:
        return bytes([first | 29]) + extended + bytes([size - 29])
    return bytes([first | 30]) + extended + (size - 285).to_bytes(2, "big")


def encode(value) -> bytes:
    if isinstance(value, str):
        payload = value.encode()
        return control(STRING, len(payload)) + payload
    if isinstance(value, dict):
        return control(MAP, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, list):
        return control(ARRAY, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, Typed):
        payload = value.value.to_bytes((value.value.bit_length() + 7) // 8, "big")
        return control(value.type_number, len(payload)) + payload
    raise TypeError(value)


def network_bits(network: str, ip_version: int) -> str:
    """The network's prefix as a string of bits; IPv4 sits under ::/96 in an IPv6 tree."""
    parsed = ipaddress.ip_network(network)
    bits = format(int(parsed.network_address), f"0{parsed.max_prefixlen}b")[:parsed.prefixlen]
    return "0" * 96 + bits if parsed.version == 4 and ip_version == 6 else bits


def write_mmdb(path: Path, records: dict[str, dict], ip_version: int = 6,
               database_type: str = "GeoLite2-Country") -> Path:
    """An MMDB file (24-bit records) answering records[network] for each address in it."""
    nodes: list[list] = [[None, None]]  # each record: None (empty), ("node", i) or ("data", off)
    data = b""
    for network, record in records.items():
        offset, data = len(data), data + encode(record)
        bits, node = network_bits(network, ip_version), 0
        for bit in bits[:-1]:
            child = nodes[node][int(bit)]
            if child is None:
                nodes.append([None, None])
                child = nodes[node][int(bit)] = ("node", len(nodes) - 1)
            node = child[1]
        nodes[node][int(bits[-1])] = ("data", offset)
    node_count = len(nodes)

    def record_value(record) -> int:
        if record is None:
            return node_count
        kind, number = record
        return number if kind == "node" else node_count + 16 + number

    tree = b"".join(record_value(left).to_bytes(3, "big") + record_value(right).to_bytes(3, "big")
                    for left, right in nodes)
    metadata = {
        "binary_format_major_version": Typed(UINT16, 2),
        "binary_format_minor_version": Typed(UINT16, 0),
        "build_epoch": Typed(UINT64, int(time.time())),
        "database_type": database_type,
        "description": {"en": "Ouroboard test database"},
        "ip_version": Typed(UINT16, ip_version),
        "languages": ["en"],
        "node_count": Typed(UINT32, node_count),
        "record_size": Typed(UINT16, 24),
    }
    path.write_bytes(tree + bytes(16) + data + METADATA_MARKER + encode(metadata))
    return path


@pytest.fixture
def mmdb_file(tmp_path):
    """Writes an MMDB file in the test's directory: mmdb_file(records, **options) -> path."""
    def write(records: dict[str, dict], **options) -> Path:
        return write_mmdb(tmp_path / f"test-{len(list(tmp_path.iterdir()))}.mmdb", records,
                          **options)
    return write
