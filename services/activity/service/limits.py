"""A fixed-window counter per caller, in this process's memory.

Why in memory: counting in a table would add a write (and a hot row) to every event, the
thing this endpoint must keep cheap. The price is that each process counts alone, so with
N processes behind the gateway a caller may post up to N times the limit per minute; the
gateway's per-IP limit is the global bound, this one stops a single noisy client early.
"""

import math
import threading
import time
from collections.abc import Callable

from souk_kit.errors import RateLimitedError


class FixedWindowLimiter:
    def __init__(
        self, limit: int, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self._window = window_seconds
        self._clock = clock
        self._counts: dict[str, int] = {}
        self._window_start = clock()
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one request for `key`; 429 with `Retry-After` once it is over the limit."""
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self._window:
                # A new window forgets every caller at once, so memory never outgrows one window.
                self._window_start = now - (now - self._window_start) % self._window
                self._counts = {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
            retry_after = self._window - (now - self._window_start)
        if count > self.limit:
            raise RateLimitedError(
                "Too many events; slow down",
                headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
            )
