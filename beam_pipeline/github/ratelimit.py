"""Rate-limit bookkeeping shared by every client of a process.

GitHub counts requests per token (or per IP when anonymous) and per resource
(``core``, ``search``, ...). Beam runs many DoFn instances in threads of one
worker; if each kept its own view, all of them would run into the wall at once
and collect 403s. So the state lives in a module-level registry keyed by
``(base_url, token fingerprint)``: when one thread learns that a bucket is empty,
every thread using that token waits for the reset.

GitHub also has secondary limits, documented as at most 100 concurrent
requests, 900 points a minute for REST endpoints (a GET costs one point) and
90 s of server time a minute, which it enforces with 403s and long waits. A
:class:`Pacer` per token keeps a worker process under them instead: it holds a
request back until it fits in the sliding window, rather than provoking a 403.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = [
    "RESET_SKEW_S",
    "Pacer",
    "RateInfo",
    "SecondaryLimits",
    "SharedThrottle",
    "backoff_delay",
    "parse_http_date",
    "parse_rate_headers",
    "parse_retry_after",
    "secondary_delay",
    "shared_pacer",
    "shared_rotation",
    "shared_throttle",
]

RESET_SKEW_S = 1.0  # GitHub's reset second is inclusive; clocks drift a little
CLOCK_SKEW_TOLERANCE_S = 5.0  # beyond this, trust the server's Date header for resets


@dataclass(frozen=True)
class RateInfo:
    """The ``x-ratelimit-*`` headers of one response."""

    remaining: int
    limit: int | None = None
    reset: float | None = None  # epoch seconds, server clock
    used: int | None = None
    resource: str | None = None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def parse_rate_headers(headers: Mapping[str, str]) -> RateInfo | None:
    """Read the rate headers; None when absent (GitHub Enterprise with limits off)."""
    remaining = _int(headers.get("x-ratelimit-remaining"))
    if remaining is None:
        return None
    resource = headers.get("x-ratelimit-resource")
    return RateInfo(
        remaining=max(0, remaining),
        limit=_int(headers.get("x-ratelimit-limit")),
        reset=_int(headers.get("x-ratelimit-reset")),
        used=_int(headers.get("x-ratelimit-used")),
        resource=resource.strip() if resource else None,
    )


def parse_http_date(value: str | None) -> float | None:
    """An HTTP date (``Date``, ``Retry-After``) as epoch seconds, None if unreadable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` in seconds from now: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = parse_http_date(value)
    return None if when is None else max(0.0, when - now)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter (AWS style): spreads retrying threads apart."""
    return rng.uniform(0.0, min(cap, base * (2 ** min(attempt, 32))))


def secondary_delay(attempt: int, floor: float, cap: float, rng: random.Random) -> float:
    """Secondary-limit wait without ``retry-after``: at least ``floor``, doubling, jittered.

    GitHub asks for "at least one minute" and then exponentially more while the
    limit persists; jitter keeps threads from coming back in lockstep.
    """
    ceiling = max(floor, min(max(cap, floor), floor * (2 ** min(attempt, 32))))
    return rng.uniform(floor, ceiling)


@dataclass
class _Bucket:
    remaining: int | None = None  # None: unknown, so go ahead
    limit: int | None = None
    reset_at: float | None = None  # local clock, skew included
    paused_until: float = 0.0  # secondary limit or unknown-reset primary limit
    next_slot: float = 0.0  # proactive pacing


class SharedThrottle:
    """What is known about one token's buckets; one lock, held for microseconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, resource: str) -> _Bucket:
        bucket = self._buckets.get(resource)
        if bucket is None:
            bucket = self._buckets[resource] = _Bucket()
        return bucket

    def try_acquire(self, resource: str, now: float, *, pace: bool = False) -> float:
        """Reserve one request now (returns 0.0) or say how long to wait first.

        Reserving decrements ``remaining`` before the request is sent, so that
        concurrent threads do not all spend the last request of a window.
        """
        with self._lock:
            b = self._bucket(resource)
            wait = max(0.0, b.paused_until - now)
            if b.remaining is not None and b.remaining <= 0:
                if b.reset_at is not None and b.reset_at > now:
                    wait = max(wait, b.reset_at - now)
                else:  # the window has passed (or never had a reset): unknown again
                    b.remaining = None
            interval = 0.0
            if (
                pace
                and b.remaining is not None
                and b.reset_at is not None
                and b.reset_at > now
                and b.remaining <= _low_water(b.limit)
            ):
                interval = (b.reset_at - now) / max(1, b.remaining)
                wait = max(wait, b.next_slot - now)
            if wait > 0:
                return wait
            if b.remaining is not None:
                b.remaining -= 1
            if interval:
                b.next_slot = now + interval
            return 0.0

    def observe(self, resource: str, info: RateInfo, now: float, server_now: float | None) -> None:
        """Merge a response's headers. Out-of-order answers never raise ``remaining``."""
        reset_at = None
        if info.reset is not None:
            reset_at = float(info.reset)
            if server_now is not None and abs(server_now - now) > CLOCK_SKEW_TOLERANCE_S:
                reset_at = now + (reset_at - server_now)  # this host's clock is off
            reset_at += RESET_SKEW_S
        with self._lock:
            b = self._bucket(resource)
            if info.limit is not None:
                b.limit = info.limit
            if reset_at is not None and b.reset_at is not None and reset_at < b.reset_at - 0.5:
                return  # a late answer from the previous window says nothing about this one
            new_window = reset_at is not None and (b.reset_at is None or reset_at > b.reset_at + 0.5)
            if new_window or b.remaining is None:
                b.remaining = info.remaining
            else:
                b.remaining = min(b.remaining, info.remaining)
            if new_window:
                b.reset_at = reset_at
                b.next_slot = 0.0

    def pause(self, resource: str, until: float) -> None:
        """Hold every thread of this token off ``resource`` until ``until`` (local clock)."""
        with self._lock:
            b = self._bucket(resource)
            b.paused_until = max(b.paused_until, until)

    def snapshot(self, resource: str) -> _Bucket:
        """A copy, for tests and diagnostics."""
        with self._lock:
            b = self._bucket(resource)
            return _Bucket(b.remaining, b.limit, b.reset_at, b.paused_until, b.next_slot)


def _low_water(limit: int | None) -> int:
    """Below this many requests left, spread the rest evenly until the reset."""
    return max(2, (limit or 10) // 5)


@dataclass(frozen=True)
class SecondaryLimits:
    """GitHub's secondary limits as this process paces them, per token; 0 turns one off.

    GitHub applies them per user across every process using the token, so a
    job running several worker processes on one token gives each a share (see
    README, "Concurrency budget").
    """

    max_concurrent: int = 100
    points_per_window: int = 900
    server_s_per_window: float = 90.0
    window_s: float = 60.0
    # Our clock starts a request a little before GitHub's does: a point is kept
    # in the window this much longer than GitHub keeps it.
    margin_s: float = 1.0

    @property
    def active(self) -> bool:
        return bool(self.max_concurrent or self.points_per_window or self.server_s_per_window)


NO_PACING = SecondaryLimits(0, 0, 0.0)


class Pacer:
    """Secondary-limit pacing of one token, shared by every thread of a process.

    ``try_reserve`` books one point in the sliding window (or says how long to
    wait for room); ``slot`` holds one of the concurrent-request places for the
    duration of a request and books its server time (GitHub suggests estimating
    it by the response time) when the request is answered. Requests under way
    have not booked theirs yet, but GitHub is already counting it: each is
    reckoned at the typical duration of recent requests until it ends. A point
    is booked when a token is chosen, but the request may then wait for a
    concurrent place: ``slot`` moves the thread's point to when it really goes
    out, as that is when GitHub counts it.
    """

    def __init__(self, limits: SecondaryLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._points: deque[float] = deque()  # start times of requests in the window
        self._server: deque[tuple[float, float]] = deque()  # (answered at, seconds)
        self._server_total = 0.0
        self._slots = threading.BoundedSemaphore(limits.max_concurrent) if limits.max_concurrent else None
        self.max_in_flight = 0
        self._in_flight = 0
        self._typical_s = 0.0  # moving average of request durations
        self._booked = threading.local()  # this thread's point not yet sent

    def _expire(self, now: float) -> None:
        keep = self.limits.window_s + self.limits.margin_s
        while self._points and self._points[0] <= now - keep:
            self._points.popleft()
        while self._server and self._server[0][0] <= now - keep:
            self._server_total -= self._server.popleft()[1]

    def try_reserve(self, now: float) -> float:
        """Book a point now (returns 0.0), or return how long to wait for room."""
        lim = self.limits
        with self._lock:
            self._expire(now)
            keep = lim.window_s + lim.margin_s
            wait = 0.0
            if lim.points_per_window and len(self._points) >= lim.points_per_window:
                wait = self._points[len(self._points) - lim.points_per_window] + keep - now
            if lim.server_s_per_window:
                pending = self._in_flight * self._typical_s
                if self._server_total + pending >= lim.server_s_per_window:
                    if self._server:
                        frees = self._server_frees_at(lim.server_s_per_window - pending) + keep - now
                    else:  # only requests under way: room comes as they end
                        frees = self._typical_s
                    wait = max(wait, frees)
            if wait > 0:
                return max(wait, 0.001)
            self._points.append(now)
            self._booked.at = now
            return 0.0

    def _server_frees_at(self, budget: float) -> float:
        """When the oldest answers that must expire for the total to drop under budget were booked."""
        excess, freed = self._server_total - budget, 0.0
        for answered_at, seconds in self._server:
            freed += seconds
            if freed > excess:
                return answered_at
        return self._server[-1][0] if self._server else 0.0

    def cancel(self, booked_at: float) -> None:
        """Give back a point booked at ``booked_at`` that was not used."""
        self._booked.at = None
        with self._lock:
            try:
                self._points.remove(booked_at)
            except ValueError:
                pass

    @contextmanager
    def slot(self, clock) -> Iterator[None]:
        """One of the concurrent places for a request; its duration counts as server time."""
        if self._slots is not None:
            self._slots.acquire()
        booked, self._booked.at = getattr(self._booked, "at", None), None
        with self._lock:
            if booked is not None:
                sent = clock()
                if sent > booked:
                    try:
                        self._points.remove(booked)
                    except ValueError:
                        pass  # expired meanwhile: book it anew all the same
                    self._points.append(sent)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        started = clock()
        try:
            yield
        finally:
            ended = clock()
            with self._lock:
                self._in_flight -= 1
                if self.limits.server_s_per_window:
                    seconds = max(0.0, ended - started)
                    self._server.append((ended, seconds))
                    self._server_total += seconds
                    if self._typical_s == 0.0:
                        self._typical_s = seconds
                    else:
                        self._typical_s += 0.2 * (seconds - self._typical_s)
            if self._slots is not None:
                self._slots.release()


_REGISTRY: dict[tuple[str, str], SharedThrottle] = {}
_PACERS: dict[tuple[str, str], Pacer] = {}
_REGISTRY_LOCK = threading.Lock()


def token_fingerprint(token: str | None) -> str:
    """A short, irreversible id for a token: safe to keep in memory and logs."""
    if not token:
        return "anonymous"
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def shared_throttle(base_url: str, token: str | None) -> SharedThrottle:
    """The process-wide throttle of a (base URL, token) pair."""
    key = (base_url.rstrip("/"), token_fingerprint(token))
    with _REGISTRY_LOCK:
        throttle = _REGISTRY.get(key)
        if throttle is None:
            throttle = _REGISTRY[key] = SharedThrottle()
        return throttle


def shared_pacer(base_url: str, token: str | None, limits: SecondaryLimits) -> Pacer:
    """The process-wide pacer of a (base URL, token) pair; new limits replace old ones."""
    key = (base_url.rstrip("/"), token_fingerprint(token))
    with _REGISTRY_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None or pacer.limits != limits:
            pacer = _PACERS[key] = Pacer(limits)
        return pacer


class Rotation:
    """Whose turn it is among several tokens: one counter for every client of a process,
    so that threads with a client each still spread their requests over the tokens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0

    def take(self, n: int) -> int:
        with self._lock:
            turn = self._next % max(1, n)
            self._next = turn + 1
            return turn


_ROTATIONS: dict[tuple[str, ...], Rotation] = {}


def shared_rotation(base_url: str, tokens: tuple[str | None, ...]) -> Rotation:
    """The process-wide rotation over one set of tokens of one API."""
    key = (base_url.rstrip("/"), *(token_fingerprint(t) for t in tokens))
    with _REGISTRY_LOCK:
        return _ROTATIONS.setdefault(key, Rotation())


def clear_registry() -> None:
    """Forget all shared state (tests reuse ports and tokens)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
        _PACERS.clear()
        _ROTATIONS.clear()
