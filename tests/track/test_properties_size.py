"""The 8 KiB properties limit is exact, though most properties are never encoded to check
it: the checking walk bounds their size, and only a bound past the limit is measured.
"""

import json
import random

import marshmallow as ma
import pytest

from app.validators import PROPERTIES_MAX_BYTES, Properties

field = Properties()


def encoded_size(properties: dict) -> int:
    return len(json.dumps(properties, separators=(",", ":"), ensure_ascii=False).encode())


def padded_to(size: int, filler: str) -> dict:
    """Properties whose compact JSON is exactly `size` bytes, padded with `filler`."""
    base = encoded_size({"pad": "", "tail": ""})
    unit = encoded_size({"p": filler}) - encoded_size({"p": ""})
    repeats = (size - base) // unit
    properties = {"pad": filler * repeats, "tail": "a" * (size - base - repeats * unit)}
    assert encoded_size(properties) == size
    return properties


@pytest.mark.parametrize("filler", ["a", "\n", "\x01", "é", "😀", '"'])
def test_exactly_the_limit_is_accepted_and_one_byte_more_refused(filler):
    at_limit = padded_to(PROPERTIES_MAX_BYTES, filler)
    assert field.deserialize(at_limit) == at_limit
    over = {**at_limit, "tail": at_limit["tail"] + "a"}
    with pytest.raises(ma.ValidationError, match="at most 8192 bytes"):
        field.deserialize(over)


def random_value(rng: random.Random, depth: int):
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        return {random_text(rng, 6) or "k": random_value(rng, depth + 1)
                for _ in range(rng.randint(0, 4))}
    if depth < 3 and roll < 0.3:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.55:
        return random_text(rng, rng.randint(0, 400 if rng.random() < 0.7 else 3000))
    if roll < 0.65:
        return rng.random() * 10 ** rng.randint(-300, 300)
    if roll < 0.75:
        return rng.randint(-10 ** rng.randint(0, 300), 10 ** rng.randint(0, 300))
    return rng.choice([True, False, None])


def random_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice('az"\\\n\x01\x7fé😀\u2028') for _ in range(length))


def test_random_properties_are_refused_exactly_when_their_encoding_is_too_large():
    rng = random.Random(20261203)
    refused = accepted = 0
    for _ in range(3000):
        properties = {random_text(rng, rng.randint(1, 12)) or "k": random_value(rng, 2)
                      for _ in range(rng.randint(0, 8))}
        properties = {key[:64]: value for key, value in properties.items()}
        try:
            field.deserialize(properties)
            accepted += 1
            assert encoded_size(properties) <= PROPERTIES_MAX_BYTES
        except ma.ValidationError as exc:
            assert "at most 8192 bytes" in str(exc)  # nothing else is wrong with them
            assert encoded_size(properties) > PROPERTIES_MAX_BYTES
            refused += 1
    assert accepted > 100 and refused > 100  # both sides of the limit were tried
