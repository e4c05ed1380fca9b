"""Shared test helpers: a Beam pipeline that never reaches for Prism, corpus readers."""

from __future__ import annotations

from pathlib import Path

from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline

from beam_pipeline.config import JobConfig
from beam_pipeline.records import Repo, RepoFiles, SourceFile

CORPUS = Path(__file__).resolve().parents[1] / "beam_pipeline" / "sample_corpus"


def test_pipeline() -> TestPipeline:
    """A TestPipeline on Beam's FnApiRunner (the DirectRunner would try Prism first)."""
    return TestPipeline(runner=FnApiRunner())


test_pipeline.__test__ = False  # not a test itself


def job_config(api_url: str, output: str, **overrides) -> JobConfig:
    base = dict(github_api_url=api_url, output=output, backoff_base_s=0.01,
                secondary_floor_s=0.05, max_retries=8, request_timeout_s=10.0)
    base.update(overrides)
    return JobConfig(**base)


def corpus_bytes(full_name: str, path: str) -> bytes:
    return (CORPUS / "repos" / full_name / path).read_bytes()


def corpus_sources(full_name: str, license: str | None = None,
                   output: str | Path | None = None) -> list[SourceFile]:
    """Every .py file of one corpus repository as SourceFile claim checks (no network).

    With ``output``, the bytes are stored in its raw/ first, as FetchAndUploadRaw
    stores them, so that the steps reading them back find them there.
    """
    from beam_pipeline.github import git_blob_sha
    from beam_pipeline.layout import raw_path
    from beam_pipeline.rawfiles import describe
    from beam_pipeline.storage import write_atomic

    root = CORPUS / "repos" / full_name
    repo = Repo(full_name, license=license)
    out = []
    for f in sorted(root.rglob("*.py")):
        data = f.read_bytes()
        path = f.relative_to(root).as_posix()
        if output is not None:
            write_atomic(raw_path(str(output), full_name, path), data)
        out.append(SourceFile(repo, "c" * 40, path, git_blob_sha(data), len(data), *describe(data)))
    return out


def corpus_repo_files(full_name: str, output: str | Path, license: str | None = None) -> RepoFiles:
    """One corpus repository as FetchAndUploadRaw hands it on (bytes stored in raw/)."""
    return RepoFiles(Repo(full_name, license=license), "c" * 40,
                     tuple(corpus_sources(full_name, license, output)))


SCENE_SHAPES = ("Circle", "Square", "Triangle", "Dot", "Star", "Arrow", "Line", "Text")


def synthetic_scene_lines(seed: str, blocks: int) -> list[str]:
    """Scene code whose names all derive from ``seed``: unrelated seeds share few shingles."""
    import hashlib

    h = hashlib.sha256(seed.encode()).hexdigest()
    lines = [f"class S{h[:8]}(Scene):", "    def construct(self):"]
    for k in range(blocks):
        x = hashlib.sha256(f"{seed}/{k}".encode()).hexdigest()
        shape = SCENE_SHAPES[int(x[6], 16) % len(SCENE_SHAPES)]
        lines.append(f"        m{x[:6]} = {shape}(width={int(x[7:9], 16)}, tag='{x[10:14]}')")
        lines.append(f"        self.play(Create(m{x[:6]}), run_time={int(x[9], 16)})")
    return lines
