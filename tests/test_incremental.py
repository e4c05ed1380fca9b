"""Reruns and scale of the crawl: new commits, deleted files, 2,500 repositories, GHE."""

from __future__ import annotations

import json
import shutil

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to
from helpers import CORPUS, job_config, test_pipeline

from beam_pipeline.cli import run
from beam_pipeline.emulator import GitHubEmulator
from beam_pipeline.transforms import SearchRepos

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

FAST = ["--backoff_base_s=0.01", "--secondary_floor_s=0.05", "--progress_interval_s=0",
        "--runner=DirectRunner", "--skip_dvc"]


def _errors(out) -> list[dict]:
    return [json.loads(x) for f in sorted((out / "run/errors").glob("errors-*.jsonl"))
            for x in f.read_text().splitlines()]


def test_rerun_recrawls_changed_repository_and_reports_deleted_files(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    out = tmp_path / "out"
    argv = [f"--emulator_root={corpus}", "--github_api_url=emulator", f"--output={out}", *FAST]
    first = run(argv)
    assert first["files_fetched"] == first["files_listed"] > 0

    repo = corpus / "repos" / "manimtutor" / "manim-scene-gallery"
    (repo / "utils" / "timing.py").unlink()
    basics = repo / "gallery" / "basics.py"
    new_bytes = basics.read_bytes() + b"\n\n# A new scene appears.\nclass Later(Scene):\n    pass\n"
    basics.write_bytes(new_bytes)

    second = run(argv)
    assert second["repos_unchanged"] == second["repos_listed"] - 1  # only the gallery changed
    assert second["files_fetched"] == 1  # the changed file, from the new tarball
    assert second["github_requests"] == {"search": 1, "commit": 1, "tarball": 1}
    assert second["github_rate_limited"]["core"] == 2  # the commit after the push, its archive
    # Only the changed file is analysed and extracted again; the rest comes from the caches.
    counters = second["counters"]
    assert counters["cache.analysis.misses"] == counters["cache.pairs.misses"] == 1
    # The unchanged repositories are decided by their cached resolution, without reading
    # their files' facts; the changed one's other files come from the per-file cache.
    gallery = sum(1 for p in repo.rglob("*.py"))  # after the change
    assert counters["cache.analysis.hits"] == gallery - 1
    assert counters["cache.analysis.repo_hits"] == second["repos_listed"] - 1
    assert "dataset_unchanged" not in counters
    assert (out / "raw/manimtutor/manim-scene-gallery/gallery/basics.py").read_bytes() == new_bytes
    deleted = [e for e in _errors(out) if e["reason"] == "deleted_upstream"]
    assert [e["key"] for e in deleted] == ["manimtutor/manim-scene-gallery/utils/timing.py"]
    pairs = json.loads((out / "processed/manimtutor/manim-scene-gallery/gallery/basics.py.json")
                       .read_text())
    assert any(p["input"] == "A new scene appears." for p in pairs)


def test_search_repos_enumerates_2500_repositories_once_each(tmp_path, expected):
    found = 2500 + sum(r["in_default_search"] for r in expected["repos"].values())
    with GitHubEmulator(clones=2500, core_limit=100_000, search_limit=100_000) as emu:
        cfg = job_config(emu.url, str(tmp_path))
        with test_pipeline() as p:
            repos, dead = p | SearchRepos(cfg)
            names = repos | beam.Map(lambda r: r.full_name)
            assert_that(
                names | "Count" >> beam.combiners.Count.Globally(), equal_to([found]), label="n"
            )
            assert_that(
                names | beam.Distinct() | "CountDistinct" >> beam.combiners.Count.Globally(),
                equal_to([found]),
                label="distinct",
            )
            assert_that(dead, equal_to([]), label="dead")
        assert emu.stats()["search"] > 25  # past the 1,000 cap: split into date slices


def test_github_enterprise_base_url_without_rate_limit_endpoint(tmp_path, expected):
    with GitHubEmulator(api_prefix="/api/v3", ghe_no_rate_limit=True) as emu:
        assert emu.url.endswith("/api/v3")
        summary = run([f"--github_api_url={emu.url}", f"--output={tmp_path}", *FAST])
    n_manim = sum(len(v["manim"]) for v in expected["repos"].values()
                  if v["status"] == "ok" and v["in_default_search"])
    assert summary["files_manim"] == n_manim
