"""A small per-application map whose entries expire: what a worker remembers for a while."""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

from app.extensions import per_app


class TtlCache:
    """A thread-safe map that forgets each entry `seconds` after it was put.

    `clock` tells the time in seconds (time.monotonic unless a test passes its own).
    Expired entries are not swept: they are replaced when the key is put again.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[Hashable, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """Return the value put under `key`, or None when there is none or it has expired."""
        entry = self._entries.get(key)
        if entry is not None and entry[1] > self.clock():
            return entry[0]
        return None

    def get_or_load(self, key: Hashable, load: Callable[[], Any | None],
                    stale_if: tuple[type[BaseException], ...] = (),
                    stale_seconds: float = 0.0) -> Any | None:
        """Return the unexpired value under `key`, else what load() returns (put unless None).

        When load() raises one of `stale_if` (the database is down), a value that expired
        less than `stale_seconds` ago is returned instead of the error: what was last known
        beats refusing everyone while nothing can change it anyway.
        """
        value = self.get(key)
        if value is None:
            try:
                value = load()
            except stale_if:
                stale = self._entries.get(key)
                if stale is None or stale[1] + stale_seconds <= self.clock():
                    raise
                return stale[0]
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        """Remember `value` under `key` for `seconds` from now."""
        with self._lock:
            self._entries[key] = (value, self.clock() + self.seconds)

    def clear(self) -> None:
        """Forget every entry at once."""
        with self._lock:
            self._entries.clear()


def app_cache(name: str, seconds: float, app: Flask | None = None) -> TtlCache:
    """Return the app's cache called `name`, created on first use."""
    return per_app(app or current_app, name, lambda: TtlCache(seconds))
