"""Primary rate limits: fixed windows per (token or client IP, resource).

A window opens with the first costly request and ends at an integer epoch
second (``x-ratelimit-reset``), rounded up so that a client which sleeps until
the advertised reset always finds a fresh window.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

__all__ = ["RateLimiter", "RateState"]


@dataclass(frozen=True)
class RateState:
    """What the ``x-ratelimit-*`` headers of one answer say."""

    resource: str
    limit: int
    remaining: int
    reset: int
    used: int

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": self.resource,
        }

    def as_json(self) -> dict[str, int | str]:
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "reset": self.reset,
            "resource": self.resource,
        }


class RateLimiter:
    """Thread-safe buckets; anonymous callers may get their own (lower) limits."""

    def __init__(
        self,
        limits: dict[str, int],
        windows: dict[str, float],
        anon_limits: dict[str, int] | None = None,
    ) -> None:
        self._limits = limits
        self._anon = anon_limits or limits
        self._windows = windows
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], list[int]] = {}  # -> [window_end, used]

    def _limit(self, who: str, resource: str) -> int:
        table = self._anon if who.startswith("ip:") else self._limits
        return table[resource]

    def _bucket(self, who: str, resource: str, now: float, create: bool) -> list[int]:
        bucket = self._buckets.get((who, resource))
        if bucket is None or now >= bucket[0]:
            bucket = [math.ceil(now + self._windows[resource]), 0]
            if create:
                self._buckets[(who, resource)] = bucket
        return bucket

    def _state(self, who: str, resource: str, bucket: list[int]) -> RateState:
        limit = self._limit(who, resource)
        return RateState(resource, limit, max(limit - bucket[1], 0), bucket[0], bucket[1])

    def peek(self, who: str, resource: str) -> RateState:
        """The current state, without spending anything (/rate_limit, 304s, faults)."""
        with self._lock:
            return self._state(who, resource, self._bucket(who, resource, time.time(), False))

    def consume(self, who: str, resource: str) -> tuple[bool, RateState]:
        """Spend one request; (False, state) when the window is used up."""
        with self._lock:
            bucket = self._bucket(who, resource, time.time(), True)
            if bucket[1] >= self._limit(who, resource):
                return False, self._state(who, resource, bucket)
            bucket[1] += 1
            return True, self._state(who, resource, bucket)
