"""GitHubClient against the project's GitHub emulator: whole crawls, faults, limits."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from beam_pipeline.emulator import FaultConfig, GitHubEmulator
from beam_pipeline.github import (
    ArchiveError,
    BadCredentials,
    GitHubClient,
    GitHubError,
    MalformedResponse,
    NotModified,
    unsafe_path_reason,
)
from beam_pipeline.github.ratelimit import clear_registry

TOKEN = "ghp_EMULATORTESTTOKEN0123456789abcdefghij"
BUDGET = 64 << 20


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_registry()
    yield
    clear_registry()


class FakeTime:
    """Waits cost no real time (the faults' retry-after and backoff are still counted)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def clock(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds


def client_for(emu: GitHubEmulator, fake_time: bool = True, **kw: Any) -> GitHubClient:
    ft = FakeTime()
    kw.setdefault("backoff_base_s", 0.01)
    kw.setdefault("max_backoff_s", 0.05)
    kw.setdefault("secondary_floor_s", 0.05)
    kw.setdefault("timeout", 5.0)
    if fake_time:
        kw.update(sleep=ft.sleep, clock=ft.clock)
    return GitHubClient(emu.url, kw.pop("tokens", (TOKEN,)), **kw)


def crawl(client: GitHubClient) -> dict[str, Any]:
    """What the pipeline does per repository, condensed, plus the fallback's listing
    to compare with: the archive of the default branch (its header names the commit),
    the tree of that commit and one blob. The outcome of each repository."""
    out: dict[str, Any] = {}
    for item in client.search_repositories("manim"):
        name = item["full_name"]
        try:
            with client.iter_tarball(name, item["default_branch"], want=lambda p, s: p.endswith(".py"),
                                     max_archive_bytes=BUDGET, max_member_bytes=1 << 20) as members:
                files = {m.path: m.data for m in members}
            sha = members.commit
            assert sha and members.short_sha and sha.startswith(members.short_sha)
            tree = client.list_tree(name, sha)
            py = {e.path: e.sha for e in tree if e.path.endswith(".py")}
            first = min(py, default=None)
            if first is not None:
                assert client.get_blob(name, py[first]) == files[first]
            out[name] = (sha, sorted(files), sorted(py))
        except GitHubError as exc:
            out[name] = exc.reason
    return out


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    with GitHubEmulator() as emu:
        client = client_for(emu)
        result = crawl(client)
        assert emu.stats()["auth_on_codeload"] == 0
    return result


def test_sample_corpus_crawl(baseline):
    assert len(baseline) >= 8
    assert baseline["takedown/manim-dmca-example"] == "legal_takedown"
    assert baseline["tosblock/manim-blocked-example"] == "blocked"
    assert baseline["emptyorg/manim-empty-project"] == "empty_repository"
    assert "calendartools/zmanim-tools" in baseline  # search matches substrings; filtering is later
    assert "forkuser/manim-scene-gallery" not in baseline  # forks are excluded by default
    ok = [v for v in baseline.values() if isinstance(v, tuple)]
    assert ok and all(v[1] == v[2] for v in ok)  # the archive lists what the tree lists


@pytest.mark.parametrize(
    ("faults", "cause"),
    [
        (FaultConfig(error_5xx_every=5), "5xx"),
        (FaultConfig(cut_every=5), "connection"),
        (FaultConfig(truncate_every=5), "truncated"),
        (FaultConfig(secondary_every=3), "secondary"),
        (FaultConfig(secondary_no_retry_after=3), "secondary"),
        (FaultConfig(malformed_json_every=5), "malformed"),
    ],
    ids=["5xx", "cut", "truncate", "secondary", "secondary_no_retry_after", "malformed_json"],
)  # periods prime to 4: a repository costs 4 requests, and downloads get fewer kinds of fault
def test_each_fault_is_retried_and_the_crawl_is_complete(baseline, faults, cause):
    with GitHubEmulator(faults=faults) as emu:
        client = client_for(emu)
        assert crawl(client) == baseline
        injected = sum(emu.stats()["faults"].values())
    assert injected > 5
    assert client.stats.retries.get(cause, 0) >= 3, client.stats.as_dict()


def test_full_search_of_2500_clones_reads_each_once_and_waits_for_the_search_limit():
    with GitHubEmulator(clones=2500, search_limit=30, rate_window_s=1.0) as emu:
        expected = requests.get(f"{emu.url}/search/repositories", params={"q": "manim", "per_page": 1},
                                timeout=5).json()["total_count"]
        client = client_for(emu, fake_time=False)
        names = [item["full_name"] for item in client.search_repositories("manim")]
        status = emu.stats()["status"]
    assert expected > 2500
    assert len(names) == len(set(names)) == expected
    assert client.search_warnings == []
    assert client.stats.requests["search"] > 30  # more than one window's worth...
    assert client.stats.wait_s > 0  # ...so it had to wait for the reset
    assert 403 not in status  # and it waited before GitHub had to say no


def test_primary_limit_is_waited_out_with_real_time():
    with GitHubEmulator(core_limit=8, rate_window_s=1.0) as emu:
        client = client_for(emu, fake_time=False)
        started = time.monotonic()
        for _ in range(12):
            assert client.pin_commit("gridlab/manim-local-imports", "main")[0]
        elapsed = time.monotonic() - started
        status = emu.stats()["status"]
    assert 403 not in status
    assert client.stats.wait_s > 0 and elapsed < 5


def test_truncated_trees_are_listed_completely():
    name = "manimtutor/manim-scene-gallery"
    with GitHubEmulator() as emu:
        client = client_for(emu)
        sha, _ = client.pin_commit(name, "main")
        full = client.list_tree(name, sha)
    with GitHubEmulator(truncate_trees_over=2) as emu:
        client = client_for(emu)
        assert client.list_tree(name, sha) == full
    assert len(full) > 2
    assert client.stats.event("trees_truncated") == 1
    assert client.stats.requests["tree"] > 2


def test_ghe_prefix_without_rate_headers():
    with GitHubEmulator(api_prefix="/api/v3", ghe_no_rate_limit=True) as emu:
        assert emu.url.endswith("/api/v3")
        client = client_for(emu)
        assert client.rate_limit() is None
        sha, _ = client.pin_commit("pkgdev/manim-packaged", "develop")
        assert client.list_tree("pkgdev/manim-packaged", sha)
        assert client._credentials[0].throttle.snapshot("core").remaining is None


def test_rate_limit_endpoint_and_headers_are_tracked():
    with GitHubEmulator(core_limit=100) as emu:
        client = client_for(emu)
        client.pin_commit("pkgdev/manim-packaged", "develop")
        limits = client.rate_limit()
        assert limits["resources"]["core"]["remaining"] == 99
        assert client._credentials[0].throttle.snapshot("core").remaining == 99


def test_etag_makes_a_re_pin_free():
    name = "gridlab/manim-local-imports"
    with GitHubEmulator() as emu:
        client = client_for(emu)
        sha, etag = client.pin_commit(name, "main")
        assert etag
        with pytest.raises(NotModified):
            client.pin_commit(name, "main", etag)
        assert client.pin_commit(name, "main", '"some-older-etag"')[0] == sha
        assert emu.stats()["not_modified"] == 1
    assert client.stats.not_modified == 1


def test_tarball_authorization_stays_on_the_api_host():
    name = "gridlab/manim-local-imports"
    with GitHubEmulator() as emu:
        client = client_for(emu)
        sha, _ = client.pin_commit(name, "main")
        with client.iter_tarball(name, sha, want=lambda p, s: True, max_archive_bytes=BUDGET,
                                 max_member_bytes=1 << 20) as members:
            files = list(members)
        stats = emu.stats()
    assert files
    assert stats["codeload"] == 1 and stats["tarball"] == 1
    assert stats["auth_on_codeload"] == 0
    assert client.stats.requests["tarball"] == 1


def test_renamed_repo_is_followed():
    old, new = "mixedcase/manim-mixed-experiments", "mixedcase/manim-dual-flavor"
    with GitHubEmulator() as emu:
        client = client_for(emu)

        def archive(name: str) -> tuple[str | None, dict[str, bytes]]:
            with client.iter_tarball(name, "main", want=lambda p, s: True, max_archive_bytes=BUDGET,
                                     max_member_bytes=1 << 20) as members:
                return members.commit, {m.path: m.data for m in members} | {}

        assert client.pin_commit(old, "main") == client.pin_commit(new, "main")  # 301, followed
        commit, files = archive(old)
        assert files and (commit, files) == archive(new)


def test_bad_credentials_are_not_retried():
    with GitHubEmulator(valid_tokens={"the-good-token"}) as emu:
        client = client_for(emu, tokens=("a-revoked-token",))
        with pytest.raises(BadCredentials):
            client.rate_limit()
        assert emu.stats()["total"] == 1


def test_hostile_corpus():
    with GitHubEmulator(hostile=True) as emu:
        client = client_for(emu)
        items = list(client.search_repositories("manim"))  # bad items pass through for dead-lettering
        assert any(not isinstance(i.get("full_name"), str) for i in items)

        sha, _ = client.pin_commit("hostile/tar-escape", "main")
        reader = client.iter_tarball("hostile/tar-escape", sha, want=lambda p, s: True,
                                     max_archive_bytes=BUDGET, max_member_bytes=1 << 20)
        got = []
        with pytest.raises(ArchiveError, match="budget"):  # huge.py declares 1 TiB
            for m in reader:
                got.append(m.path)
        assert got == ["ok.py"]
        reasons = {s.reason for s in reader.skipped}
        assert reasons >= {"absolute", "parent_reference", "link", "device", "fifo", "special_mode"}

        sha, _ = client.pin_commit("hostile/gzip-bomb", "main")
        started = time.monotonic()
        with pytest.raises(ArchiveError):
            list(client.iter_tarball("hostile/gzip-bomb", sha, want=lambda p, s: True,
                                     max_archive_bytes=BUDGET, max_member_bytes=1 << 20))
        assert time.monotonic() - started < 5

        sha, _ = client.pin_commit("hostile/evil-paths", "main")
        paths = [e.path for e in client.list_tree("hostile/evil-paths", sha)]
        assert "ok.py" in paths
        assert sum(unsafe_path_reason(p) is not None for p in paths) >= 4

        with pytest.raises(ArchiveError):  # its archive is corrupt: the tree API lists it
            list(client.iter_tarball("hostile/evil-paths", "main", want=lambda p, s: True,
                                     max_archive_bytes=BUDGET, max_member_bytes=1 << 20))

        for call in (
            lambda: list(client.iter_tarball("hostile/bad-api", "main", want=lambda p, s: True,
                                             max_archive_bytes=BUDGET, max_member_bytes=1 << 20)),
            lambda: client.pin_commit("hostile/bad-api", "main"),
            lambda: client.list_tree("hostile/bad-api", "0" * 40),
            lambda: client.get_blob("hostile/bad-api", "0" * 40),
        ):
            with pytest.raises(MalformedResponse):
                call()
