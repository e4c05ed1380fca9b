"""Secondary rate limits, enforced as GitHub documents them, per token (or client IP).

GitHub answers 403 "You have exceeded a secondary rate limit" to a client that
has more than 100 requests in flight, spends more than 900 points (a GET is
one) or more than 90 s of server time (GitHub suggests estimating it by the
response time) in a minute. This enforces the three over a sliding window so
that a test can show a paced crawler never meets the answer.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

__all__ = ["SecondaryLimitConfig", "SecondaryLimiter"]


@dataclass(frozen=True)
class SecondaryLimitConfig:
    """The limits (0 turns one off) and the window they apply to."""

    max_concurrent: int = 100
    points_per_window: int = 900
    server_s_per_window: float = 90.0
    window_s: float = 60.0

    @classmethod
    def parse(cls, text: str) -> SecondaryLimitConfig:
        """``CONCURRENT,POINTS,SERVER_S,WINDOW_S`` (the emulator's command line)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise ValueError(f"expected CONCURRENT,POINTS,SERVER_S,WINDOW_S, got {text!r}")
        return cls(int(parts[0]), int(parts[1]), float(parts[2]), float(parts[3]))


class _Client:
    __slots__ = ("in_flight", "points", "server", "server_total")

    def __init__(self) -> None:
        self.in_flight = 0
        self.points: deque[float] = deque()
        self.server: deque[tuple[float, float]] = deque()
        self.server_total = 0.0


class SecondaryLimiter:
    """Thread-safe: ``enter`` when a request arrives, ``leave`` before it is answered."""

    def __init__(self, config: SecondaryLimitConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._clients: dict[str, _Client] = {}
        self.refused = 0
        self.max_in_flight = 0

    def _expire(self, c: _Client, now: float) -> None:
        start = now - self.config.window_s
        while c.points and c.points[0] <= start:
            c.points.popleft()
        while c.server and c.server[0][0] <= start:
            c.server_total -= c.server.popleft()[1]

    def enter(self, who: str, now: float) -> int | None:
        """Admit a request (None) or refuse it, returning the retry-after seconds."""
        cfg = self.config
        with self._lock:
            c = self._clients.setdefault(who, _Client())
            self._expire(c, now)
            c.points.append(now)  # a refused request is spent too
            wait = 0.0
            if cfg.max_concurrent and c.in_flight >= cfg.max_concurrent:
                wait = 1.0
            if cfg.points_per_window and len(c.points) > cfg.points_per_window:
                wait = max(wait, c.points[-cfg.points_per_window - 1] + cfg.window_s - now)
            if cfg.server_s_per_window and c.server_total > cfg.server_s_per_window:
                wait = max(wait, c.server[0][0] + cfg.window_s - now)
            if wait > 0:
                self.refused += 1
                return max(1, math.ceil(wait))
            c.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, c.in_flight)
            return None

    def leave(self, who: str, now: float, server_s: float) -> None:
        with self._lock:
            c = self._clients[who]
            c.in_flight -= 1
            c.server.append((now, server_s))
            c.server_total += server_s
