"""Pacing under GitHub's secondary limits: the pacer alone, the emulator's enforcement,
and a paced crawl that never meets a secondary-limit answer."""

from __future__ import annotations

import threading
import time

import apache_beam as beam
import pytest
import requests
from apache_beam.testing.util import assert_that, equal_to
from helpers import job_config, test_pipeline

from beam_pipeline.emulator import FaultConfig, GitHubEmulator
from beam_pipeline.emulator.secondary import SecondaryLimitConfig, SecondaryLimiter
from beam_pipeline.github.ratelimit import Pacer, SecondaryLimits, clear_registry
from beam_pipeline.records import Repo
from beam_pipeline.transforms import FetchAndUploadRaw, ListPyFiles


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_registry()
    yield
    clear_registry()


def test_pacer_books_points_in_a_sliding_window():
    pacer = Pacer(SecondaryLimits(0, 3, 0.0, window_s=10.0, margin_s=0.5))
    assert [pacer.try_reserve(t) for t in (0.0, 1.0, 2.0)] == [0.0, 0.0, 0.0]
    assert pacer.try_reserve(3.0) == pytest.approx(7.5)  # the first point leaves at 10.5
    assert pacer.try_reserve(10.5) == 0.0
    pacer.cancel(10.5)  # a booked point that was not used is given back
    assert pacer.try_reserve(10.6) == 0.0


def test_a_point_counts_from_when_its_request_goes_out():
    """A request that waited for a concurrent place reaches GitHub late: its point
    must stay in the window from then, not from when the token was chosen."""
    now = [0.0]
    pacer = Pacer(SecondaryLimits(1, 2, 0.0, window_s=10.0, margin_s=0.0))
    assert pacer.try_reserve(0.0) == 0.0
    now[0] = 7.0  # waited 7 s for the place
    with pacer.slot(lambda: now[0]):
        pass
    assert pacer.try_reserve(7.0) == 0.0
    assert pacer.try_reserve(10.5) == pytest.approx(6.5)  # both points count from 7.0


def test_pacer_counts_server_time_when_requests_end():
    now = [0.0]
    pacer = Pacer(SecondaryLimits(0, 0, 1.0, window_s=10.0, margin_s=0.0))
    for start, end in ((0.0, 0.6), (1.0, 1.5)):
        now[0] = start
        assert pacer.try_reserve(start) == 0.0
        with pacer.slot(lambda: now[0]):
            now[0] = end
    # 1.1 s booked, 0.1 s too many: room when the first answer's 0.6 s leaves, at 10.6.
    assert pacer.try_reserve(2.0) == pytest.approx(8.6)
    assert pacer.try_reserve(10.6) == 0.0


def test_pacer_reckons_server_time_of_requests_under_way():
    """GitHub counts a request's time while it runs: requests under way must not let
    a burst overshoot the budget because none of them has ended yet."""
    now = [0.0]
    pacer = Pacer(SecondaryLimits(0, 0, 1.0, window_s=10.0, margin_s=0.0))
    for start in (0.0, 1.0):  # two answers of 0.3 s: 0.6 s booked, typical 0.3 s
        now[0] = start
        with pacer.slot(lambda: now[0]):
            now[0] = start + 0.3
    now[0] = 2.0
    with pacer.slot(lambda: now[0]):
        assert pacer.try_reserve(2.0) == 0.0  # 0.6 + one under way (0.3) < 1.0
        with pacer.slot(lambda: now[0]):
            assert pacer.try_reserve(2.0) > 0.0  # 0.6 + two under way (0.6) >= 1.0


def test_pacer_holds_concurrency_to_its_budget():
    pacer = Pacer(SecondaryLimits(3, 0, 0.0))
    gate = threading.Barrier(9, timeout=5)
    release = threading.Event()

    def request():
        gate.wait()
        with pacer.slot(time.monotonic):
            release.wait(0.05)

    threads = [threading.Thread(target=request) for _ in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert pacer.max_in_flight == 3


def test_emulator_limiter_refuses_over_each_limit():
    limiter = SecondaryLimiter(SecondaryLimitConfig(2, 4, 1.0, 10.0))
    assert limiter.enter("a", 0.0) is None and limiter.enter("a", 0.0) is None
    assert limiter.enter("a", 0.1) == 1  # a third at once
    limiter.leave("a", 0.2, 0.2)
    limiter.leave("a", 0.3, 0.9)
    assert limiter.enter("a", 1.0) == 10  # 1.1 s of server time, the oldest until 10.2
    assert limiter.enter("b", 1.0) is None  # per client
    assert limiter.enter("a", 10.5) is None
    assert limiter.refused == 2


# A scale GitHub would apply per minute, here per second so that the test is quick.
TIGHT = SecondaryLimitConfig(max_concurrent=4, points_per_window=12, server_s_per_window=0.4,
                             window_s=1.0)


def _emulator(**kw) -> GitHubEmulator:
    return GitHubEmulator(clones=40, secondary_limits=TIGHT, faults=FaultConfig(latency_ms=15), **kw)


def test_an_unpaced_burst_meets_secondary_limits():
    """The control: the emulator does say no to a client that does not pace itself."""
    with _emulator() as emu:
        names = [f"clone{i:05d}/manim-{r}" for i, r in enumerate(_bases(emu) * 4)][:24]
        statuses: list[int] = []

        def hit(name: str) -> None:
            r = requests.get(f"{emu.url}/repos/{name}/commits/main",
                             headers={"Authorization": "Bearer t"}, timeout=10)
            statuses.append(r.status_code)

        threads = [threading.Thread(target=hit, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        stats = emu.stats()
    assert 403 in statuses and stats["secondary_limited"] > 0


def _bases(emu: GitHubEmulator) -> list[str]:
    bases = sorted(r.full_name for r in emu.corpus.repos.values()
                   if r.status == "ok" and not r.fork and not r.snapshot.empty
                   and not r.full_name.startswith("clone"))
    return [b.split("/", 1)[1] for b in bases]


@pytest.mark.e2e
def test_a_paced_crawl_never_meets_a_secondary_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "one-token")
    with _emulator() as emu:
        repos = [Repo(r.full_name, default_branch=r.default_branch, pushed_at=r.pushed_at)
                 for r in emu.corpus.repos.values() if r.full_name.startswith("clone")]
        cfg = job_config(emu.url, str(tmp_path), crawl_threads=16,
                         max_concurrent_requests=TIGHT.max_concurrent,
                         max_requests_per_minute=TIGHT.points_per_window,
                         max_server_s_per_minute=TIGHT.server_s_per_window,
                         pacing_window_s=TIGHT.window_s)
        with test_pipeline() as p:
            pinned, dead_list = p | beam.Create(repos) | ListPyFiles(cfg)
            files, dead_fetch = pinned | FetchAndUploadRaw(cfg)
            assert_that(pinned | beam.Map(lambda pr: pr.repo.full_name),
                        equal_to([r.full_name for r in repos]), label="every repository")
            assert_that((dead_list, dead_fetch) | beam.Flatten(), equal_to([]), label="no dead")
        stats = emu.stats()
    assert stats["tarball"] == len(repos) == 40
    assert stats["secondary_limited"] == 0 and 403 not in stats["status"]
    assert 0 < stats["max_in_flight"] <= TIGHT.max_concurrent
