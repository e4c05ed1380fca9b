"""Rate-limit parsing, backoff, the process-wide throttle, stats and the blob LRU (no HTTP)."""

from __future__ import annotations

import random
import threading

import pytest

from beam_pipeline.github import RequestStats, parse_rate_headers
from beam_pipeline.github.ratelimit import (
    RESET_SKEW_S,
    RateInfo,
    SharedThrottle,
    backoff_delay,
    clear_registry,
    parse_retry_after,
    secondary_delay,
    shared_throttle,
    token_fingerprint,
)


def test_parse_rate_headers():
    info = parse_rate_headers(
        {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "4987",
            "x-ratelimit-reset": "1700000000",
            "x-ratelimit-used": "13",
            "x-ratelimit-resource": "core",
        }
    )
    assert info == RateInfo(remaining=4987, limit=5000, reset=1700000000, used=13, resource="core")
    assert parse_rate_headers({}) is None  # GitHub Enterprise with rate limiting off
    assert parse_rate_headers({"x-ratelimit-remaining": "oops"}) is None
    assert parse_rate_headers({"x-ratelimit-remaining": "-3"}).remaining == 0


def test_parse_retry_after():
    assert parse_retry_after("120", now=0) == 120
    assert parse_retry_after(None, now=0) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == pytest.approx(10)
    assert parse_retry_after("garbage", now=0) is None


def test_backoff_has_full_jitter_and_a_cap():
    rng = random.Random(1)
    for attempt in range(12):
        delays = [backoff_delay(attempt, 1.0, 120.0, rng) for _ in range(50)]
        assert all(0 <= d <= min(120.0, 2**attempt) for d in delays)
    assert len({round(backoff_delay(5, 1.0, 120.0, rng), 6) for _ in range(20)}) > 10


def test_secondary_delay_is_at_least_the_floor_and_grows():
    rng = random.Random(2)
    assert secondary_delay(0, 60, 120, rng) == 60
    assert all(60 <= secondary_delay(1, 60, 600, rng) <= 120 for _ in range(50))
    assert all(60 <= secondary_delay(9, 60, 600, rng) <= 600 for _ in range(50))
    assert max(secondary_delay(3, 60, 600, rng) for _ in range(200)) > 200


def test_throttle_reserves_and_waits_for_reset():
    t = SharedThrottle()
    now = 1000.0
    assert t.try_acquire("core", now) == 0  # nothing known yet: go
    t.observe("core", RateInfo(remaining=2, limit=5000, reset=1100), now, None)
    assert t.try_acquire("core", now) == 0
    assert t.try_acquire("core", now) == 0
    assert t.try_acquire("core", now) == pytest.approx(100 + RESET_SKEW_S)  # both reserved
    assert t.try_acquire("search", now) == 0  # another resource, another bucket
    assert t.try_acquire("core", 1100 + RESET_SKEW_S) == 0  # after the reset: unknown, go


def test_throttle_ignores_late_answers_and_never_raises_remaining():
    t = SharedThrottle()
    t.observe("core", RateInfo(remaining=10, reset=2000), 1000, None)
    t.observe("core", RateInfo(remaining=12, reset=2000), 1000, None)  # older, out of order
    assert t.snapshot("core").remaining == 10
    t.observe("core", RateInfo(remaining=4999, reset=5600), 2500, None)  # next window
    assert t.snapshot("core").remaining == 4999
    t.observe("core", RateInfo(remaining=0, reset=2000), 2500, None)  # from the old window
    assert t.snapshot("core").remaining == 4999


def test_throttle_pause_holds_every_user_of_the_token():
    t = SharedThrottle()
    t.pause("core", 1060)
    assert t.try_acquire("core", 1000) == 60
    assert t.try_acquire("core", 1060) == 0


def test_throttle_paces_search_when_low():
    t = SharedThrottle()
    t.observe("search", RateInfo(remaining=3, limit=30, reset=1060), 1000, None)
    waits = []
    now = 1000.0
    for _ in range(3):
        w = t.try_acquire("search", now, pace=True)
        while w > 0:
            waits.append(w)
            now += w
            w = t.try_acquire("search", now, pace=True)
    assert len(waits) == 2  # the last three requests are spread over the minute
    assert now < 1000 + 60 + RESET_SKEW_S


def test_throttle_reservations_are_exact_under_threads():
    t = SharedThrottle()
    t.observe("core", RateInfo(remaining=500, reset=5000), 1000, None)
    granted = []

    def worker():
        for _ in range(200):
            if t.try_acquire("core", 1000) == 0:
                granted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(granted) == 500  # never more than the bucket holds


def test_registry_shares_by_base_url_and_token():
    clear_registry()
    a = shared_throttle("https://api.github.com/", "tok")
    assert shared_throttle("https://api.github.com", "tok") is a
    assert shared_throttle("https://api.github.com", "other") is not a
    assert shared_throttle("https://ghe.example/api/v3", "tok") is not a
    assert "tok" not in token_fingerprint("tok") and token_fingerprint(None) == "anonymous"
    clear_registry()


def test_request_stats_are_thread_safe():
    stats = RequestStats()

    def worker():
        for _ in range(1000):
            stats.count_request("blob")
            stats.count_retry("5xx")
            stats.add_wait(0.001)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    d = stats.as_dict()
    assert d["requests"] == {"blob": 4000} and d["retries"] == {"5xx": 4000}
    assert d["wait_s"] == pytest.approx(4.0)


def test_blob_cache_is_a_bounded_lru():
    from beam_pipeline.github import BlobCache

    cache = BlobCache(max_bytes=100, max_item_bytes=40)
    cache.put("a", b"x" * 40)
    cache.put("b", b"y" * 40)
    assert cache.get("a") == b"x" * 40  # "a" is now the most recent
    cache.put("c", b"z" * 40)  # over 100 bytes: the least recent ("b") goes
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.put("big", b"!" * 41)  # larger than one item may be: not kept
    assert cache.get("big") is None
