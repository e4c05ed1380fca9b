"""The whole job as a user runs it: the CLI, the bundled emulator, real git and dvc."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import corpus_bytes

from beam_pipeline.snapshot import find_tool
from beam_pipeline.sourcetext import decode_source

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(find_tool("dvc") is None, reason="dvc missing")]


def _run_cli(cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "beam_pipeline", "--runner=DirectRunner",
           "--github_api_url=emulator", "--output", "out", "--dvc_repo", "dsrepo",
           "--dvc_remote", str(cwd / "remote"), *extra]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MANIM_DATASET_PROGRESS_S": "0"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("e2e")
    proc = _run_cli(cwd)
    return cwd, proc


def test_report_and_summary(first_run, expected):
    cwd, proc = first_run
    assert "== Manim dataset run ==" in proc.stdout
    summary = json.loads((cwd / "out/run/summary.json").read_text())
    reachable = {k: v for k, v in expected["repos"].items()
                 if v["in_default_search"] and v["status"] == "ok"}
    n_manim = sum(len(v["manim"]) for v in reachable.values())
    assert summary["repos_found"] == sum(v["in_default_search"] for v in expected["repos"].values())
    assert summary["files_manim"] == n_manim
    assert summary["files_listed"] == sum(len(v["manim"]) + len(v["non_manim"]) for v in reachable.values())
    assert summary["skipped_by_reason"]["empty_repository"] == 1
    assert summary["skipped_by_reason"]["legal_takedown"] == 1
    assert summary["skipped_by_reason"]["blocked"] == 1
    assert summary["dvc"]["changed"] and len(summary["dvc"]["commit"]) == 40
    # One rate-limited request per repository: the archive of its default branch.
    assert summary["github_rate_limited"]["core"] == summary["repos_found"]
    assert summary["github_downloads"] == summary["repos_listed"]
    assert summary["github_per_repository"]["core"] == {
        "mean": 1.0, "max": 1, "repos": summary["repos_found"]}
    assert set(summary["timings"]) >= {"startup_s", "pipeline_s", "snapshot_s", "steps_s"}
    assert "time by stage" in proc.stdout and "rate-limited" in proc.stdout
    # Every dead letter has a reason and lands in run/errors/.
    errors = [json.loads(x) for f in sorted((cwd / "out/run/errors").glob("errors-*.jsonl"))
              for x in f.read_text().splitlines()]
    assert len(errors) == summary["dead_letters"]
    assert all(e["reason"] and e["stage"] for e in errors)


def test_raw_is_complete_and_byte_exact(first_run, expected):
    cwd, _ = first_run
    raw = cwd / "out" / "raw"
    got = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    want = set()
    for name, repo in expected["repos"].items():
        if repo["status"] == "ok" and repo["in_default_search"]:
            want |= {f"{name}/{path}" for path in [*repo["manim"], *repo["non_manim"]]}
    assert got == want
    for key in want:
        owner, repo, path = key.split("/", 2)
        assert (raw / key).read_bytes() == corpus_bytes(f"{owner}/{repo}", path), key


def test_exactly_the_manim_files_are_processed(first_run, expected):
    cwd, _ = first_run
    processed = cwd / "out" / "processed"
    got = {p.relative_to(processed).as_posix()[: -len(".json")] for p in processed.rglob("*.json")}
    want = {f"{name}/{path}" for name, repo in expected["repos"].items()
            if repo["status"] == "ok" and repo["in_default_search"] for path in repo["manim"]}
    assert got == want
    assert not any("zmanim" in k for k in got)


def test_every_pair_is_verbatim_parses_and_carries_metadata(first_run, expected):
    cwd, _ = first_run
    processed = cwd / "out" / "processed"
    total = 0
    for jf in processed.rglob("*.json"):
        key = jf.relative_to(processed).as_posix()[: -len(".json")]
        owner, repo, path = key.split("/", 2)
        meta = expected["repos"][f"{owner}/{repo}"]
        text = decode_source((cwd / "out" / "raw" / key).read_bytes()).text  # PEP 263
        if text is None:  # undecodable: kept as Manim, but no pairs from it
            assert json.loads(jf.read_text()) == []
            continue
        lines = text.splitlines(keepends=True)
        for pair in json.loads(jf.read_text()):
            total += 1
            assert set(pair) >= {"input", "output", "kind", "repo", "path", "commit", "blob",
                                 "start_line", "end_line", "flavor", "license", "source"}
            assert (pair["repo"], pair["path"]) == (f"{owner}/{repo}", path)
            assert pair["flavor"] == meta["manim"][path]
            assert pair["license"] == meta["license"]
            want_source = "user" if pair["kind"] == "doc_example" else (
                meta.get("sources", {}).get(path, "user"))
            assert pair["source"] == want_source, (key, pair)
            code = "".join(lines[pair["start_line"] - 1 : pair["end_line"]])
            code = textwrap.dedent(code.replace("\r\n", "\n"))  # verbatim modulo line endings
            assert pair["output"] == code.rstrip("\r\n"), (key, pair)
            assert "\r" not in pair["output"]
            ast.parse(pair["output"])
            assert pair["input"].strip() and not pair["input"].startswith("#")
    assert total >= 100


def test_default_dataset_is_user_code_with_documentation_examples(first_run, expected):
    cwd, proc = first_run
    dataset = cwd / "out" / "dataset"
    rows = [json.loads(line) for f in sorted((dataset / "jsonl").glob("*.jsonl"))
            for line in f.read_text().splitlines()]
    assert rows and {r["source"] for r in rows} == {"user"}
    library = {(name, path) for name, repo in expected["repos"].items()
               for path, src in repo.get("sources", {}).items() if src != "user"}
    assert all(r["kind"] == "doc_example" for r in rows if (r["repo"], r["path"]) in library)
    examples = [r for r in rows if r["kind"] == "doc_example"]
    assert {r["output"].split("(")[0] for r in examples} >= {
        "from manim_chemkit import Molecule\n\nclass WaterMolecule",
    }
    stats = json.loads((dataset / "stats.json").read_text())
    assert set(stats["source_filter"]["removed"]) == {"library", "test"}
    assert "left out library" in proc.stdout
    # no dangling docstring sections, no labels, no CRLF
    assert not any(r["input"].rstrip().endswith(("--", "Examples", "Tests:")) for r in rows)
    assert stats["input_length"]["under_3_words"] <= 0.15
    # the bundled sample is big enough for three non-empty splits, each a whole repository
    assert all(stats["splits"][s] > 0 for s in ("train", "validation", "test")), stats["splits"]
    assert len({r["repo"] for r in rows}) == sum(stats["repositories"].values())


def test_dataset_and_dvc_snapshot_restore_byte_exact(first_run, tmp_path):
    cwd, _ = first_run
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(cwd / "dsrepo"), str(clone)], check=True)
    subprocess.run([find_tool("dvc"), "pull", "-q"], cwd=clone, check=True, timeout=300)
    assert _tree_digest(clone / "dataset") == _tree_digest(cwd / "out" / "dataset")
    tags = subprocess.run(["git", "tag"], cwd=clone, capture_output=True, text=True).stdout
    assert tags.startswith("snapshot-")
    for name in ("README.md", "stats.json"):
        assert (clone / "dataset" / name).exists()


def test_rerun_is_idempotent_and_cheap(first_run):
    cwd, _ = first_run
    before = {d: _tree_digest(cwd / "out" / d) for d in ("raw", "processed", "dataset")}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd / "dsrepo",
                          capture_output=True, text=True).stdout.strip()
    _run_cli(cwd)
    summary = json.loads((cwd / "out/run/summary.json").read_text())
    assert {d: _tree_digest(cwd / "out" / d) for d in before} == before
    assert summary["dvc"]["changed"] is False and summary["dvc"]["commit"] == head
    assert summary["files_fetched"] == 0 and "tarball" not in summary["github_requests"]
    # Nothing was pushed since: no repository costs a request, not even a 304.
    assert summary["repos_unchanged"] == summary["repos_listed"] > 0
    assert set(summary["github_requests"]) == {"search"}
    assert summary["github_rate_limited"].get("core", 0) == 0 and summary["github_downloads"] == 0
    assert summary["github_per_repository"]["core"]["max"] == 0
