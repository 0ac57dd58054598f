"""app.ttl_cache: entries expire after their time, clear forgets at once, one cache per app."""

import pytest
from flask import Flask

from app.ttl_cache import TtlCache, app_cache


class Clock:
    """A clock moved by hand."""

    def __init__(self):
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_entry_is_served_until_its_seconds_have_passed():
    clock = Clock()
    cache = TtlCache(10.0, clock=clock)
    cache.put("k", "v")
    clock.now += 9.99
    assert cache.get("k") == "v"
    clock.now += 0.01
    assert cache.get("k") is None


def test_putting_again_starts_the_time_again():
    clock = Clock()
    cache = TtlCache(10.0, clock=clock)
    cache.put("k", "old")
    clock.now += 8
    cache.put("k", "new")
    clock.now += 8
    assert cache.get("k") == "new"
    clock.now += 2
    assert cache.get("k") is None


def test_unknown_key_is_none():
    cache = TtlCache(10.0, clock=Clock())
    cache.put("k", "v")
    assert cache.get("other") is None


def test_clear_forgets_every_unexpired_entry():
    cache = TtlCache(10.0, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.clear()
    assert (cache.get("a"), cache.get("b")) == (None, None)


def test_default_clock_is_monotonic_time():
    cache = TtlCache(60.0)
    cache.put("k", "v")
    assert cache.get("k") == "v"
    instant = TtlCache(0.0)
    instant.put("k", "v")
    assert instant.get("k") is None


def test_app_cache_is_one_per_application_and_name():
    first, second = Flask("first"), Flask("second")
    cache = app_cache("test.cache", 5.0, first)
    assert app_cache("test.cache", 99.0, first) is cache
    assert first.extensions["test.cache"] is cache
    assert app_cache("test.cache", 5.0, second) is not cache
    assert app_cache("test.other", 5.0, first) is not cache


def test_app_cache_uses_the_current_application():
    app = Flask("current")
    with app.app_context():
        cache = app_cache("test.cache", 5.0)
    assert app.extensions["test.cache"] is cache


def test_get_or_load_loads_once_per_window_and_never_remembers_none():
    clock = Clock()
    cache = TtlCache(10.0, clock=clock)
    loads = []

    def load():
        loads.append(clock.now)
        return f"loaded at {clock.now}"

    assert cache.get_or_load("k", load) == "loaded at 500.0"
    clock.now += 9
    assert cache.get_or_load("k", load) == "loaded at 500.0"
    clock.now += 1
    assert cache.get_or_load("k", load) == "loaded at 510.0"
    assert loads == [500.0, 510.0]
    assert cache.get_or_load("missing", lambda: None) is None
    assert cache.get_or_load("missing", lambda: "found") == "found"


def test_a_load_that_fails_falls_back_to_a_recently_expired_value_only():
    now = [0.0]
    cache = TtlCache(10, clock=lambda: now[0])

    def failing():
        raise ConnectionError("database down")

    cache.put("key", "remembered")
    now[0] = 15  # expired 5 s ago
    assert cache.get_or_load("key", failing, stale_if=(ConnectionError,),
                             stale_seconds=30) == "remembered"
    with pytest.raises(ConnectionError):  # not one of the errors it may hide
        cache.get_or_load("key", failing, stale_if=(KeyError,), stale_seconds=30)
    now[0] = 41  # expired 31 s ago: too old to stand in
    with pytest.raises(ConnectionError):
        cache.get_or_load("key", failing, stale_if=(ConnectionError,), stale_seconds=30)
    with pytest.raises(ConnectionError):  # never known
        cache.get_or_load("other", failing, stale_if=(ConnectionError,), stale_seconds=30)
    cache.put("key", "fresh")
    cache.clear()
    now[0] = 52
    with pytest.raises(ConnectionError):  # forgotten on purpose (a revocation): gone
        cache.get_or_load("key", failing, stale_if=(ConnectionError,), stale_seconds=30)
