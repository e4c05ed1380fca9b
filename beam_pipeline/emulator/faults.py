"""Deterministic fault injection.

Semantics (the same for every switch): the emulator numbers the requests it
receives, 1, 2, 3, ... (API and download requests share one counter). Request
number ``n`` gets the fault ``kind`` when ``n % <kind>_every == 0`` — unless the
very same request (method + path + query) has already been faulted once.
So every distinct request fails **at most once** and a single retry always
succeeds, whatever the concurrency, while a sequential client sees exactly
the Nth, 2Nth, ... request fail. When several switches pick the same number the
first of ``KINDS`` wins.

Details: download requests (the archive host) only get cut / truncate / 5xx;
"truncate" on an answer without a body (302, 304) cuts the connection instead;
a faulted answer costs no rate limit but carries the current rate headers, so a
secondary-limit 403 never shows ``x-ratelimit-remaining: 0``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields

__all__ = ["KINDS", "FaultConfig", "FaultInjector"]

# Priority order; "download" requests (the codeload host) only get the first three.
KINDS = (
    "cut",
    "truncate",
    "error_5xx",
    "secondary",
    "secondary_no_retry_after",
    "malformed_json",
)
DOWNLOAD_KINDS = frozenset({"cut", "truncate", "error_5xx"})


@dataclass
class FaultConfig:
    """What can go wrong, and how often (0 = never).

    latency_ms: added before every answer.
    error_5xx_every: answer 502 / 500 (alternating) with a JSON body.
    cut_every: close the socket without any answer.
    truncate_every: send the full Content-Length, half the body, then close.
    secondary_every: 403 "secondary rate limit" with ``retry-after: 1``.
    secondary_no_retry_after: 403 "secondary rate limit" without ``retry-after``,
        every Nth request. ``True`` (or 1) together with ``secondary_every``
        instead drops ``retry-after`` from those answers.
    malformed_json_every: 200 with a body that is not valid JSON.
    """

    latency_ms: float = 0.0
    error_5xx_every: int = 0
    cut_every: int = 0
    truncate_every: int = 0
    secondary_every: int = 0
    secondary_no_retry_after: int = 0
    malformed_json_every: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must be >= 0")

    def every(self) -> dict[str, int]:
        """kind -> period, resolving the two readings of secondary_no_retry_after."""
        no_ra = int(self.secondary_no_retry_after)
        modifier = self.secondary_every > 0 and no_ra == 1
        return {
            "cut": self.cut_every,
            "truncate": self.truncate_every,
            "error_5xx": self.error_5xx_every,
            "secondary": 0 if modifier else self.secondary_every,
            "secondary_no_retry_after": self.secondary_every if modifier else no_ra,
            "malformed_json": self.malformed_json_every,
        }


class FaultInjector:
    """Numbers requests and decides, thread-safely, which one gets which fault."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._every = config.every()
        self._lock = threading.Lock()
        self._n = 0
        self._faulted: set[tuple[str, str]] = set()
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)

    def pick(self, method: str, target: str, download: bool) -> tuple[str | None, int]:
        """(fault kind or None, request number) for one incoming request."""
        with self._lock:
            self._n += 1
            n = self._n
            key = (method, target)
            if key in self._faulted:
                return None, n
            for kind in KINDS:
                every = self._every[kind]
                if every and n % every == 0 and (not download or kind in DOWNLOAD_KINDS):
                    self._faulted.add(key)
                    self.counts[kind] += 1
                    return kind, n
            return None, n
