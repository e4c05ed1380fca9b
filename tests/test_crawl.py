"""The crawl's policies and per-repository logic without Beam, and its DoFn base with Beam."""

from __future__ import annotations

import random
import time

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from helpers import job_config, test_pipeline

from beam_pipeline.transforms._common import DEAD, ConcurrentGitHubDoFn, dead_letter


class _Doubler(ConcurrentGitHubDoFn):
    """Finishes elements in a random order, some with a dead letter."""

    def process_one(self, n: int):
        time.sleep(random.random() / 500)
        if n % 7 == 0:
            yield dead_letter("Test", "seven", str(n))
        yield 2 * n


def test_concurrent_dofn_emits_every_output_once_whatever_the_order(tmp_path):
    cfg = job_config("http://127.0.0.1:9", str(tmp_path), crawl_threads=8)
    n = 3000
    with test_pipeline() as p:
        out = p | beam.Create(range(n)) | beam.ParDo(_Doubler(cfg)).with_outputs(DEAD, main="main")
        assert_that(out.main, equal_to([2 * i for i in range(n)]), label="outputs")
        assert_that(out[DEAD] | beam.Map(lambda d: int(d.key)),
                    equal_to([i for i in range(n) if i % 7 == 0]), label="dead letters")


class _LateFuture:
    """A future that finishes between two looks at it (as real ones do, at any time)."""

    def __init__(self, value):
        self.value, self.looks = value, 0

    def done(self) -> bool:
        self.looks += 1
        return self.looks > 1

    def result(self):
        from collections import Counter

        return [self.value], Counter()


def test_concurrent_dofn_never_drops_a_future_that_finishes_while_it_looks(tmp_path):
    fn = _Doubler(job_config("http://127.0.0.1:9", str(tmp_path)))
    fn.start_bundle()
    finished = _LateFuture("x")
    finished.looks = 1
    fn._pending = [finished, _LateFuture("a"), _LateFuture("b")]
    first = list(fn._emit(block=False, drain=False, windowed=False))
    second = list(fn._emit(block=False, drain=False, windowed=False))
    assert first == ["x"] and sorted(second) == ["a", "b"] and fn._pending == []


# -------------------------------------------------------------------- policies

from beam_pipeline.crawl import (  # noqa: E402
    ARCHIVE,
    COMMIT,
    REUSE,
    RepoState,
    fetch_files,
    list_repository,
    plan_fetch,
    plan_pin,
    refused_state,
)
from beam_pipeline.records import FileEntry, PinnedRepo, Repo  # noqa: E402

PUSHED = "2024-05-01T10:00:00Z"


def _state(**kw) -> RepoState:
    base = dict(commit="c" * 40, etag=None, files=(FileEntry("a.py", "b" * 40, 3),),
                branch="main", pushed_at=PUSHED)
    base.update(kw)
    return RepoState(**base)


def test_plan_pin_reads_the_archive_of_new_repositories_and_of_a_new_default_branch():
    repo = Repo("o/r", default_branch="main", pushed_at=PUSHED)
    assert plan_pin(None, repo).action == ARCHIVE
    assert plan_pin(_state(branch="master"), repo).action == ARCHIVE
    assert plan_pin(None, repo).branch == "main"


def test_plan_pin_asks_nothing_when_nothing_was_pushed():
    repo = Repo("o/r", pushed_at=PUSHED)
    assert plan_pin(_state(), repo).action == REUSE
    assert plan_pin(_state(etag='"e"'), repo).action == REUSE
    assert plan_pin(_state(branch=""), repo).action == REUSE  # a state of an older version


def test_plan_pin_asks_for_the_commit_after_a_push_conditionally_when_it_can():
    repo = Repo("o/r", pushed_at="2024-06-01T00:00:00Z")
    assert plan_pin(_state(), repo) == plan_pin(_state(), repo)
    plan = plan_pin(_state(etag='"e"'), repo)
    assert (plan.action, plan.etag) == (COMMIT, '"e"')
    assert plan_pin(_state(), repo).etag is None
    # No pushed_at in the search item: never assume "unchanged".
    assert plan_pin(_state(pushed_at=""), Repo("o/r")).action == COMMIT


def test_refusals_are_remembered_until_the_next_push():
    repo = Repo("o/r", pushed_at=PUSHED)
    empty = refused_state(repo, "empty_repository", "Git Repository is empty.")
    assert empty is not None and empty.commit == "" and empty.notes == (
        ("empty_repository", "o/r", "Git Repository is empty."),)
    assert plan_pin(empty, repo).action == REUSE
    assert plan_pin(empty, Repo("o/r", pushed_at="2025-01-01T00:00:00Z")).action == ARCHIVE
    assert refused_state(repo, "not_found", "gone") is None  # maybe renamed: ask again
    assert refused_state(repo, "unavailable", "5xx") is None


def test_plan_fetch_prefers_one_archive_to_several_blobs_unless_it_failed():
    assert plan_fetch(0, False) == "none"
    assert plan_fetch(1, False) == "blobs"
    assert plan_fetch(2, False) == "archive"
    assert plan_fetch(50, True) == "blobs"


# ------------------------------------------- list_repository and fetch_files

import shutil  # noqa: E402

import pytest  # noqa: E402
from helpers import CORPUS  # noqa: E402

from beam_pipeline.crawl import load_state, save_state  # noqa: E402
from beam_pipeline.emulator import GitHubEmulator  # noqa: E402
from beam_pipeline.github import BlobCache, GitHubClient, git_blob_sha  # noqa: E402
from beam_pipeline.github.ratelimit import clear_registry  # noqa: E402

GALLERY = "manimtutor/manim-scene-gallery"
LIMITS = dict(max_file_bytes=1 << 20, max_archive_bytes=64 << 20)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_registry()
    yield
    clear_registry()


def _py_files(root, full_name: str) -> dict[str, str]:
    base = root / "repos" / full_name
    return {p.relative_to(base).as_posix(): git_blob_sha(p.read_bytes())
            for p in base.rglob("*.py")}


def _repo(emu: GitHubEmulator, full_name: str) -> Repo:
    rec = emu.corpus.get(full_name)
    return Repo(full_name, default_branch=rec.default_branch, pushed_at=rec.pushed_at)


def _list(emu, repo, previous=None, **kw):
    client = GitHubClient(emu.url, ("a-token",), backoff_base_s=0.01)
    with client, client.meter() as cost:
        listing = list_repository(client, repo, previous, **{**LIMITS, **kw})
    return listing, dict(cost), client


def test_a_new_repository_costs_one_request_the_archive_of_its_branch():
    with GitHubEmulator() as emu:
        repo = _repo(emu, GALLERY)
        listing, cost, _ = _list(emu, repo)
        stats = emu.stats()
    assert listing.source == "archive" and not listing.unchanged
    assert listing.commit == emu.corpus.get(GALLERY).commit
    assert {f.path: f.blob for f in listing.files} == _py_files(CORPUS, GALLERY)
    assert set(listing.fetched) == {f.blob for f in listing.files}
    assert all(git_blob_sha(data) == blob for blob, data in listing.fetched.items())
    assert cost == {"core": 1, "downloads": 1}
    assert (stats["tarball"], stats["codeload"], stats["commit"], stats["tree"]) == (1, 1, 0, 0)


def test_an_archive_without_the_commit_header_costs_one_commit_request_more():
    with GitHubEmulator(archive_commit_header=False) as emu:
        listing, cost, _ = _list(emu, _repo(emu, GALLERY))
        commit = emu.corpus.get(GALLERY).commit
        stats = emu.stats()
    assert listing.commit == commit and listing.source == "archive"
    assert cost == {"core": 2, "downloads": 1}
    assert stats["commit"] == 1  # by the short sha of the archive's top folder


def test_an_oversized_archive_falls_back_to_a_truncated_tree_and_blobs(tmp_path):
    with GitHubEmulator(truncate_trees_over=2) as emu:
        repo = _repo(emu, GALLERY)
        listing, cost, _ = _list(emu, repo, max_archive_bytes=300)
        assert listing.source == "tree" and listing.archive_failed
        assert listing.commit == emu.corpus.get(GALLERY).commit
        assert {f.path: f.blob for f in listing.files} == _py_files(CORPUS, GALLERY)
        assert [n[0] for n in listing.notes] == ["archive_too_large"]
        pinned = PinnedRepo(repo, listing.commit, listing.files, fetched=listing.fetched,
                            archive_failed=True)
        client = GitHubClient(emu.url, ("a-token",))
        with client:
            out = fetch_files(client, pinned, str(tmp_path), BlobCache(1 << 20), **LIMITS)
        stats = emu.stats()
    assert out.failed == []
    assert set(out.files) == {f.path for f in listing.files}
    blobs = {f.path: f.blob for f in listing.files}
    for path, stored in out.files.items():  # a claim check of the copy in raw/
        data = (tmp_path / "raw" / GALLERY / path).read_bytes()
        assert (stored.path, stored.blob, stored.size) == (path, blobs[path], len(data))
        assert git_blob_sha(data) == blobs[path] and stored.encoding == "utf-8"
    assert stats["tree"] > 2  # the truncated root, then its subtrees one by one
    assert stats["blob"] == len(listing.files) - len(listing.fetched)
    assert stats["tarball"] == 1  # the failed archive is not asked for again


def test_after_a_push_the_commit_decides_and_a_304_is_free(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    with GitHubEmulator(root=corpus) as emu:
        repo = _repo(emu, GALLERY)
        first, _, _ = _list(emu, repo)
        state = first.state(repo)
        assert state.etag is None and state.pushed_at == repo.pushed_at
        # A push to another branch: pushed_at moves, the default branch does not.
        pushed = Repo(GALLERY, pushed_at="2030-01-01T00:00:00Z")
        again, cost, _ = _list(emu, pushed, state)
        assert again.unchanged and again.commit == first.commit and again.etag
        assert cost == {"core": 1}
        # With the ETag that answer gave, asking again after the next push is a free 304.
        known = again.state(repo)  # recorded at the old pushed_at: the search shows a newer one
        assert known.etag == again.etag
        third, cost, _ = _list(emu, pushed, known)
        assert third.unchanged and cost == {"not_modified": 1}
        # A new commit on the default branch: its archive, by sha, and only then.
        (corpus / "repos" / GALLERY / "gallery" / "basics.py").write_bytes(b"from manim import *\n")
        emu.reload()
        moved = _repo(emu, GALLERY)
        assert moved.pushed_at != repo.pushed_at  # the emulator's pushed_at follows the content
        fourth, cost, _ = _list(emu, moved, state)
        assert fourth.source == "archive" and fourth.commit == emu.corpus.get(GALLERY).commit
        assert fourth.commit != first.commit
        assert cost == {"core": 2, "downloads": 1}


def test_state_round_trip_keeps_notes_branch_and_pushed_at(tmp_path):
    state = _state(notes=(("unsafe_path", "o/r/'../x.py'", "parent reference"),), etag='"e"')
    save_state(str(tmp_path), "o/r", state)
    assert load_state(str(tmp_path), "o/r") == state
