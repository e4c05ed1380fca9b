"""Pure helpers of the pipeline core: paths, storage, crawl state, options, report."""

from __future__ import annotations

import json
import os

import pytest

from beam_pipeline import storage
from beam_pipeline.crawl import BadItem, RepoState, load_state, repo_from_item, save_state
from beam_pipeline.records import FileEntry
from beam_pipeline.safepath import UnsafePath, check_full_name, check_repo_path
from beam_pipeline.tokens import read_tokens, redact


@pytest.mark.parametrize(
    "path",
    ["../x.py", "a/../../x.py", "/etc/passwd.py", "a//b.py", "./a.py", "a/\x00.py",
     "a\\..\\b.py", "scene\u202egnp.py", "x\n.py", "", "a/./b.py"],
)
def test_unsafe_paths_are_refused(path):
    with pytest.raises(UnsafePath):
        check_repo_path(path)


@pytest.mark.parametrize(
    "path",
    ["a.py", "pkg/sub/mod.py", "scènes/intro.py", "a b/c-d_e.py", "caf\u0065\u0301.py",
     "x" * 252 + ".py"],
)
def test_ordinary_paths_pass(path):
    assert check_repo_path(path) == path


@pytest.mark.parametrize("name", ["../etc", "a/..", "a/b/c", "a", "-a/b", "a/b\x00", "а/b", 5, None])
def test_bad_repository_names(name):
    with pytest.raises(UnsafePath):
        check_full_name(name)


def test_repo_from_item_validates_types():
    item = {"full_name": "o/r", "id": 3, "default_branch": "dev",
            "license": {"spdx_id": "MIT"}, "stargazers_count": 4}
    repo = repo_from_item(item)
    assert (repo.owner, repo.name, repo.license, repo.default_branch, repo.stars) == (
        "o", "r", "MIT", "dev", 4)
    assert repo_from_item({"full_name": "o/r", "license": {"spdx_id": "NOASSERTION"}}).license is None
    for bad in ({"full_name": "o/r", "id": "3"}, {"id": 1}, [], {"full_name": "o/r", "license": 7},
                {"full_name": "o/r", "default_branch": "../x"}):
        with pytest.raises((BadItem, UnsafePath)):
            repo_from_item(bad)


def test_atomic_write_and_idempotence(tmp_path):
    target = str(tmp_path / "a" / "b.json")
    assert storage.write_if_changed(target, b"one")
    mtime = os.stat(target).st_mtime_ns
    assert not storage.write_if_changed(target, b"one")
    assert os.stat(target).st_mtime_ns == mtime
    assert storage.write_if_changed(target, b"two")
    assert storage.read_bytes(target) == b"two"
    assert storage.read_bytes(str(tmp_path / "missing")) is None
    assert storage.list_files(str(tmp_path)) == [target]
    assert not [p for p in os.listdir(tmp_path / "a") if storage.TMP_MARKER in p]


def test_crawl_state_round_trip(tmp_path):
    state = RepoState("c" * 40, '"etag"', (FileEntry("a/b.py", "d" * 40, 12),))
    save_state(str(tmp_path), "o/r", state)
    assert load_state(str(tmp_path), "o/r") == state
    # A corrupt or hostile state file is ignored, never trusted.
    path = tmp_path / "state" / "repos" / "o" / "r.json"
    path.write_text(json.dumps({"commit": "x", "files": [["../../x.py", "b", 1]]}))
    assert load_state(str(tmp_path), "o/r") is None
    path.write_text("{not json")
    assert load_state(str(tmp_path), "o/r") is None


def test_tokens_are_read_from_env_and_redacted(monkeypatch):
    monkeypatch.setenv("MY_TOKENS", "ghp_" + "a" * 36 + ", ghp_" + "b" * 36)
    tokens = read_tokens("MY_TOKENS")
    assert len(tokens) == 2
    text = f"failed with {tokens[0]} and github_pat_{'x' * 30}"
    assert "ghp_" not in redact(text, tokens) and "github_pat_" not in redact(text)


def test_cli_rejects_bad_flags(capsys):
    from beam_pipeline.cli import main

    assert main(["--no_such_flag=1"]) == 2
    assert "unknown flag" in capsys.readouterr().err
    assert main(["--split_ratios=0.5,0.5,0.5", "--skip_dvc"]) == 2
    assert main(["--created_from=yesterday", "--skip_dvc"]) == 2
    err = capsys.readouterr().err
    assert "--created_from: expected a date" in err and "Traceback" not in err


def test_progress_counts_work_of_helper_threads_once():
    import threading

    from beam_pipeline import metrics

    before = metrics.progress_snapshot().get("unit_test_items", 0)
    box = {}

    def worker():
        with metrics.buffered() as counts:
            metrics.count("unit_test_items", 3)
        box["counts"] = counts

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert box["counts"] == {"unit_test_items": 3}
    metrics.report_buffered(box["counts"])  # what the bundle thread does
    assert metrics.progress_snapshot()["unit_test_items"] - before == 3
