"""build_pipeline: the six transforms, in order (CheckScenes with --check_scenes), with every dead letter collected."""

from __future__ import annotations

import apache_beam as beam

from .config import JobConfig
from .transforms import (
    CheckScenes,
    ExtractCommentCodePairs,
    FetchAndUploadRaw,
    FilterManimImports,
    LabelPairs,
    ListPyFiles,
    SearchRepos,
    WriteJson,
    WriteSceneVerdicts,
)
from .transforms._common import crawl_resources

__all__ = ["build_pipeline"]


def build_pipeline(p: beam.Pipeline, cfg: JobConfig) -> beam.PCollection:
    """Add the job to `p`; returns the PCollection holding the dataset statistics."""
    # One pool of crawl threads and one blob cache per worker process; the steps that
    # read files back from raw/ look in that cache first.
    crawl = crawl_resources()
    repos, dead_search = p | "SearchRepos" >> SearchRepos(cfg)
    pinned, dead_list = repos | "ListPyFiles" >> ListPyFiles(cfg, crawl)
    files, dead_fetch = pinned | "FetchAndUploadRaw" >> FetchAndUploadRaw(cfg, crawl)
    manim, dead_filter, imports = files | "FilterManimImports" >> FilterManimImports(
        cfg, crawl, with_imports=cfg.check_scenes)
    pairs, dead_extract = manim | "ExtractCommentCodePairs" >> ExtractCommentCodePairs(cfg, crawl)
    dead_letters = [dead_search, dead_list, dead_fetch, dead_filter, dead_extract]
    if cfg.check_scenes:
        scenes, dead_scenes = (imports, manim) | "CheckScenes" >> CheckScenes(cfg, crawl)
        pairs = (pairs, scenes) | "LabelPairs" >> LabelPairs()
        _ = scenes | "WriteSceneVerdicts" >> WriteSceneVerdicts(cfg.output)
        dead_letters.append(dead_scenes)
    dead = tuple(dead_letters) | "DeadLetters" >> beam.Flatten()
    return (pairs, dead) | "WriteJson" >> WriteJson(cfg)
