"""The DVC post-step with the real git and dvc: commit, no-op rerun, change, restore.

Each dvc call costs ~0.5 s, so one test walks a whole lifecycle instead of
repeating the set-up for every property.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gcs_emulator import GcsEmulator, gcs_emulator  # noqa: F401  (fixture)

from beam_pipeline.snapshot import SnapshotError, commit_snapshot, find_tool

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

METADATA = {
    "query": "manim language:python",
    "counts": {"train": 3, "validation": 1, "test": 1},
    "beam_version": "2.77.0",
    "pipeline_version": "0.1.0",
    "run_time": "2025-01-01T00:00:00Z",
}
TAG = re.compile(r"^snapshot-\d{8}T\d{6}Z-[0-9a-f]{8}$")


@pytest.fixture
def git_env(tmp_path: Path) -> dict[str, str]:
    """No user or system git config: the fixed identity path, and nothing from the host."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _restore(
    repo: Path, dest: Path, env: dict[str, str], rev: str | None = None
) -> dict[str, bytes]:
    """Clone the dataset repository, check out ``rev``, dvc pull: the snapshot's files."""
    if not dest.exists():
        _git(repo.parent, env, "clone", "--quiet", str(repo), str(dest))
    if rev:
        _git(dest, env, "checkout", "--quiet", rev)
    subprocess.run(
        [find_tool("dvc"), "pull", "--quiet"], cwd=dest, env={**os.environ, **env}, check=True, timeout=120
    )
    return _tree(dest / "dataset")


FIRST = {
    "data/train-00000-of-00001.jsonl": b'{"input": "a", "output": "b"}\n',
    "data/train-00000-of-00001.parquet": bytes(range(256)) * 3,
    "README.md": b"---\npretty_name: x\n---\n# card\n",
    "plots/flavors.png": b"\x89PNG\r\n\x1a\nfake",
    "stats.json": b"{}\n",
}


def test_lifecycle_commit_rerun_change_restore(tmp_path: Path, git_env: dict[str, str]) -> None:
    source, repo, remote = tmp_path / "out" / "dataset", tmp_path / "repo", tmp_path / "remote"
    _write_tree(source, FIRST)

    # 1. first snapshot: repository created, committed, tagged, pushed
    first = commit_snapshot(str(source), str(repo), str(remote), metadata=METADATA, git_env=git_env)
    assert first.changed and first.pushed and first.commit
    assert first.tag and TAG.match(first.tag)
    assert first.remote == str(remote) and first.dataset_path == str(repo / "dataset")
    assert _tree(repo / "dataset") == FIRST
    assert any(remote.rglob("*.dir")), "the directory manifest was pushed"
    snapshot = json.loads((repo / "snapshot.json").read_text())
    assert snapshot["metadata"] == METADATA  # written as given
    assert snapshot["source_uri"] == str(source) and snapshot["dataset"]["nfiles"] == len(FIRST)
    message = _git(repo, git_env, "log", "-1", "--format=%B")
    assert "query: manim language:python" in message and "beam_version: 2.77.0" in message
    assert "counts: train=3, validation=1, test=1" in message
    assert _git(repo, git_env, "log", "-1", "--format=%an <%ae>").startswith("beam_pipeline")
    assert _git(repo, git_env, "status", "--porcelain") == ""
    snapshot_mtime = (repo / "snapshot.json").stat().st_mtime_ns

    # 2. identical rerun: no commit, no tag, snapshot.json untouched, push still runs
    again = commit_snapshot(
        str(source),
        str(repo),
        str(remote),
        metadata={**METADATA, "run_time": "later"},
        git_env=git_env,
    )
    assert not again.changed and again.pushed
    assert again.commit == first.commit and again.tag == first.tag
    assert _git(repo, git_env, "tag", "--list").split() == [first.tag]
    assert (repo / "snapshot.json").stat().st_mtime_ns == snapshot_mtime

    # 3. the dataset changes (one file edited, one removed, one added): a new snapshot
    (source / "stats.json").write_bytes(b'{"rows": 5}\n')
    (source / "plots" / "flavors.png").unlink()
    (source / "data" / "test-00000-of-00001.jsonl").write_bytes(b'{"input": "c"}\n')
    second = commit_snapshot(
        str(source), str(repo), str(remote), metadata=METADATA, git_env=git_env
    )
    assert second.changed and second.commit != first.commit
    assert second.tag and second.tag != first.tag
    assert sorted(_git(repo, git_env, "tag", "--list").split()) == sorted([first.tag, second.tag])
    assert _tree(repo / "dataset") == _tree(source), "the workspace mirrors the source exactly"
    assert not (repo / "dataset" / "plots").exists()

    # 4. restore both snapshots from git + the DVC remote alone
    clone = tmp_path / "clone"
    assert _restore(repo, clone, git_env) == _tree(source)
    assert _restore(repo, clone, git_env, first.tag) == FIRST


def test_gs_remote_and_gs_source_on_emulator(
    tmp_path: Path,
    git_env: dict[str, str],
    gcs_emulator: GcsEmulator,  # noqa: F811
) -> None:
    gcs_emulator.create_bucket("pipeline-out")
    gcs_emulator.create_bucket("dvc-bucket")
    for rel, data in FIRST.items():
        gcs_emulator.write("pipeline-out", f"run1/dataset/{rel}", data)
    repo = tmp_path / "repo"

    result = commit_snapshot(
        "gs://pipeline-out/run1/dataset",
        str(repo),
        "gs://dvc-bucket/dvc_store",
        metadata=METADATA,
        git_env=git_env,
    )
    assert result.changed and result.pushed and result.remote == "gs://dvc-bucket/dvc_store"
    assert _tree(repo / "dataset") == FIRST
    pushed = gcs_emulator.list("dvc-bucket", "dvc_store/")
    assert len(pushed) == len(FIRST) + 1  # every file plus the .dir manifest
    # The emulator endpoint is machine-local config, never committed.
    assert "127.0.0.1" not in (repo / ".dvc" / "config").read_text()
    assert gcs_emulator.endpoint in (repo / ".dvc" / "config.local").read_text()

    # A fresh clone knows only the committed config; gcsfs finds the emulator in the env.
    assert _restore(repo, tmp_path / "clone", git_env) == FIRST


def _repo_state(repo: Path, env: dict[str, str]) -> dict[str, bytes]:
    """Every file of the dataset repository and its content, but DVC's own .dvc/tmp;
    the git index by what it stages (git refreshes its stat cache on its own)."""
    if not repo.exists():
        return {}
    state = {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and not p.relative_to(repo).as_posix().startswith(".dvc/tmp/")
    }
    state[".git/index"] = _git(repo, env, "ls-files", "--stage").encode()
    return state


def test_a_failed_push_leaves_the_repository_as_it_was(tmp_path: Path, git_env: dict[str, str]) -> None:
    source, repo = tmp_path / "dataset", tmp_path / "repo"
    _write_tree(source, FIRST)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the remote's parent folder should be")
    bad = blocker / "store"

    # No repository yet: none afterwards.
    with pytest.raises(SnapshotError, match="nothing committed.*as it was"):
        commit_snapshot(str(source), str(repo), str(bad), metadata=METADATA, git_env=git_env)
    assert not repo.exists()

    good = tmp_path / "remote"
    first = commit_snapshot(str(source), str(repo), str(good), metadata=METADATA, git_env=git_env)
    assert first.changed and first.pushed and first.pushed_files == len(FIRST) + 1
    assert set(first.committed) >= {"dataset.dvc", "snapshot.json", ".dvc/config"}
    before = _repo_state(repo, git_env)
    head = _git(repo, git_env, "rev-parse", "HEAD")

    # New data and a remote that cannot be written; then the same data, same failure:
    # the repository (remote configuration, index, refs, tags, workspace, cache) is
    # exactly as it was each time, and nothing was committed.
    changed = {**FIRST, "stats.json": b'{"rows": 2}\n', "data/new.jsonl": b"{}\n"}
    _write_tree(source, changed)
    for remote in (bad, Path("/proc/nope")):
        with pytest.raises(SnapshotError, match="nothing committed") as info:
            commit_snapshot(str(source), str(repo), str(remote), metadata=METADATA, git_env=git_env)
        assert str(repo) in str(info.value)
        assert _repo_state(repo, git_env) == before
        assert _git(repo, git_env, "rev-parse", "HEAD") == head
        assert len(_git(repo, git_env, "tag", "--list").split()) == 1
        assert _git(repo, git_env, "status", "--porcelain") == ""

    # A rerun with a good remote takes the snapshot; nothing of the failures remains.
    second = commit_snapshot(str(source), str(repo), str(good), metadata=METADATA, git_env=git_env)
    assert second.changed and second.pushed_files == 2  # new stats.json and the manifest (new.jsonl = old stats.json)
    assert _restore(repo, tmp_path / "clone", git_env) == changed
    assert "/proc/nope" not in (repo / ".dvc" / "config").read_text()

    # A new remote URL with the same data: the config change is committed, untagged.
    moved = tmp_path / "moved"
    result = commit_snapshot(str(source), str(repo), str(moved), metadata=METADATA, git_env=git_env)
    assert result.pushed and not result.changed and result.remote == str(moved)
    assert result.committed == (".dvc/config",) and result.tag is None
    assert str(moved) in (repo / ".dvc" / "config").read_text()
    assert _git(repo, git_env, "status", "--porcelain") == ""
    assert len(_git(repo, git_env, "tag", "--list").split()) == 2
    assert any(moved.rglob("*.dir"))
    again = commit_snapshot(str(source), str(repo), str(moved), metadata=METADATA, git_env=git_env)
    assert again.committed == () and again.pushed_files == 0 and again.commit == result.commit


def test_missing_tools_are_reported(tmp_path: Path, monkeypatch) -> None:
    # An interpreter in a folder without git or dvc, and a PATH without them either.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    source = tmp_path / "dataset"
    _write_tree(source, FIRST)
    empty = tmp_path / "bin"
    empty.mkdir()
    with pytest.raises(SnapshotError, match="git is not installed"):
        commit_snapshot(str(source), str(tmp_path / "r"), str(tmp_path / "s"), metadata={},
                        git_env={"PATH": str(empty)})  # fmt: skip
    (empty / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    with pytest.raises(SnapshotError, match="dvc is not installed"):
        commit_snapshot(str(source), str(tmp_path / "r"), str(tmp_path / "s"), metadata={},
                        git_env={"PATH": str(empty)})  # fmt: skip


def test_metadata_with_a_token_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "dataset"
    _write_tree(source, FIRST)
    token = "ghp_" + "A1b2" * 9
    with pytest.raises(SnapshotError, match="looks like a GitHub token") as info:
        commit_snapshot(str(source), str(tmp_path / "repo"), str(tmp_path / "remote"),
                        metadata={"run": {"auth": f"token {token}"}})  # fmt: skip
    assert token not in str(info.value)
    assert not (tmp_path / "repo").exists()


def test_tools_are_found_next_to_the_interpreter_first(tmp_path: Path, monkeypatch) -> None:
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "dvc").write_text("#!/bin/sh\n")
    (venv_bin / "dvc").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    assert find_tool("dvc", path="/usr/bin:/bin") == str(venv_bin / "dvc")
    (venv_bin / "dvc").chmod(0o644)  # not executable: not a tool
    assert find_tool("dvc", path=str(tmp_path)) is None
    assert find_tool("git") == shutil.which("git")  # else PATH
