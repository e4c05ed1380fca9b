"""Thread-safe request counters, shared by the clients of one worker."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["RequestStats"]


class RequestStats:
    """Counts what a crawl cost, so runs can be compared and limits explained.

    Endpoints: search, commit, tree, blob, tarball, rate_limit.
    Retry causes: 5xx, connection, truncated, malformed, primary, secondary.
    What the rate limit saw: ``rate_limited`` counts the answers GitHub charges
    against a resource's primary limit (every answer but a 304 and /rate_limit),
    ``not_modified`` the free 304s and ``downloads`` the archives fetched from
    the download host (which costs no API request of its own).
    One lock guards everything: the counters are touched once per HTTP request,
    which is far slower than the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._retries: Counter[str] = Counter()
        self._events: Counter[str] = Counter()
        self._charged: Counter[str] = Counter()
        self._wait_s = 0.0

    def count_request(self, endpoint: str) -> None:
        with self._lock:
            self._requests[endpoint] += 1

    def count_charged(self, resource: str) -> None:
        """An answer GitHub counts against ``resource``'s primary limit."""
        with self._lock:
            self._charged[resource] += 1

    def count_retry(self, cause: str) -> None:
        with self._lock:
            self._retries[cause] += 1

    def count(self, event: str, n: int = 1) -> None:
        """Other events: not_modified, blob_cache_hits, trees_truncated, ..."""
        with self._lock:
            self._events[event] += n

    def add_wait(self, seconds: float) -> None:
        with self._lock:
            self._wait_s += max(0.0, seconds)

    @property
    def requests(self) -> dict[str, int]:
        with self._lock:
            return dict(self._requests)

    @property
    def retries(self) -> dict[str, int]:
        with self._lock:
            return dict(self._retries)

    @property
    def not_modified(self) -> int:
        return self.event("not_modified")

    @property
    def rate_limited(self) -> dict[str, int]:
        with self._lock:
            return dict(self._charged)

    @property
    def downloads(self) -> int:
        return self.event("downloads")

    @property
    def wait_s(self) -> float:
        with self._lock:
            return self._wait_s

    def event(self, name: str) -> int:
        with self._lock:
            return self._events[name]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot, e.g. for run/summary.json."""
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "retries": dict(sorted(self._retries.items())),
                "not_modified": self._events["not_modified"],
                "rate_limited": dict(sorted(self._charged.items())),
                "downloads": self._events["downloads"],
                "events": {k: v for k, v in sorted(self._events.items())
                           if k not in ("not_modified", "downloads")},
                "wait_s": round(self._wait_s, 3),
            }

    def __repr__(self) -> str:
        return f"RequestStats({self.as_dict()!r})"
