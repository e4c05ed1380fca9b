"""CheckScenes: run every scene of the Manim files in the sandbox; LabelPairs: put the verdicts on the pairs.

Which classes are scenes, and which files a scene file needs, depends on the
whole repository (base classes in `common.py`, constants in `config.py`). Only
small facts meet per repository: the import facts of every file (from
FilterManimImports, not computed again) and the classes and examples of every
Manim file (its text read back from raw/), never contents.
Each planned file then travels as a small task (paths and blobs); the runner
reads the bytes it needs from raw/ (checked against their blobs), so contents
cross no shuffle. Tasks are spread over the workers and run on a pool of
sandboxes per worker process.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import apache_beam as beam

from .. import metrics
from ..config import JobConfig
from ..records import FilePairs, FileScenes, ManimFile, SceneVerdict
from ._common import DEAD, RawReadingDoFn, crawl_resources, dead_letter

__all__ = ["CheckScenes", "LabelPairs", "WriteSceneVerdicts"]
_STAGE = "CheckScenes"
_WARNED_NO_SANDBOX = False


class _SceneFactsFn(RawReadingDoFn):
    def process(self, mf: ManimFile):
        from ..rawfiles import RawMissing, read_source, source_text
        from ..scenes.discovery import scan_text

        src = mf.source
        if src.not_text is not None:
            return
        try:
            text = source_text(src, read_source(self.cfg.output, src, self._blobs))
        except RawMissing as e:
            yield dead_letter(_STAGE, "raw_missing", src.key, e)
            return
        if text is None or ("class" not in text and "manim::" not in text):
            return
        try:
            facts = scan_text(src.path, text)
        except Exception as e:  # noqa: BLE001 - pathological nesting and the like
            yield dead_letter(_STAGE, "scene_scan_error", src.key, f"{type(e).__name__}: {e}")
            return
        if facts.classes or facts.examples:
            yield (src.repo.full_name, src.commit), ("scene", src.path, mf.flavor, mf.role, facts)


def _imports_rows(item):
    """FilterManimImports' facts of one repository, as rows for _plan."""
    key, imports = item
    yield key, ("imports", imports)


def _plan(item):
    """Per repository: one SceneTask per Manim file with scenes or examples."""
    from ..scenes.discovery import (
        example_closure,
        example_file,
        example_source,
        local_closure,
        resolve_scenes,
    )
    from ..scenes.runner import SceneTarget, SceneTask
    from ..sources import LIBRARY

    (repo, commit), rows = item
    imports, blobs, scene_facts, flavors, roles = {}, {}, {}, {}, {}
    for row in rows:
        if row[0] == "imports":
            for path, (blob, facts) in row[1].items():
                imports[path], blobs[path] = facts, blob
        else:
            _, path, flavor, role, facts = row
            scene_facts[path], flavors[path], roles[path] = facts, flavor, role
    scenes = resolve_scenes(scene_facts)
    for path in sorted(scene_facts):
        if path not in blobs:
            continue
        targets = []
        if roles[path] != LIBRARY:  # a library's base scene classes are not scenes to run
            targets += [SceneTarget(c.name, "scene", c.start_line, c.end_line, path)
                        for c in scenes.get(path, ())]
        for ex in scene_facts[path].examples:
            targets.append(SceneTarget(ex.name, "doc_example", ex.directive_line, ex.end_line,
                                       example_file(path, ex), example_source(ex)))
        if not targets:
            continue
        closure = tuple((p, blobs[p]) for p in local_closure(path, imports) if p in blobs)
        needed: set[str] = set()
        for t in targets:
            if t.kind == "doc_example":
                needed.update(example_closure(t.code or b"", imports))
        examples = tuple((p, blobs[p]) for p in sorted(needed) if p in blobs)
        yield SceneTask(repo, commit, path, flavors[path], tuple(targets), closure, examples)


class _CheckFn(beam.DoFn):
    def __init__(self, cfg: JobConfig):
        self.cfg = cfg

    def setup(self) -> None:
        from ..github import git_blob_sha
        from ..layout import cache_path, raw_path
        from ..scenes.runner import CACHE_KIND, CACHE_VERSION, SceneChecker, default_workers
        from ..storage import read_bytes, write_atomic

        cfg = self.cfg
        workers = cfg.scene_workers or default_workers()

        def read_file(repo: str, path: str, blob: str) -> bytes | None:
            data = read_bytes(raw_path(cfg.output, repo, path))
            return data if data is not None and git_blob_sha(data) == blob else None

        self._checker = SceneChecker(
            read_file,
            timeout_s=cfg.scene_timeout_s,
            end_state=cfg.scene_end_state,
            workers=workers,
            cache_get=lambda key: read_bytes(cache_path(cfg.output, CACHE_KIND, CACHE_VERSION, key)),
            cache_put=lambda key, data: write_atomic(
                cache_path(cfg.output, CACHE_KIND, CACHE_VERSION, key), data),
        )
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="CheckScenes")

    def teardown(self) -> None:
        threads = getattr(self, "_threads", None)
        if threads is not None:
            threads.shutdown(wait=True)

    def _check(self, task):
        with metrics.buffered() as counts:
            try:
                verdicts = self._checker.check(task)
            except Exception as e:  # noqa: BLE001 - one file's failure is its own
                return task, None, f"{type(e).__name__}: {e}", counts
            return task, verdicts, None, counts

    def process(self, batch: list):
        global _WARNED_NO_SANDBOX
        info, why = self._checker.sandbox()
        if info is None and not _WARNED_NO_SANDBOX:
            _WARNED_NO_SANDBOX = True
            yield dead_letter(_STAGE, "no_sandbox", "scene sandbox",
                              f"scenes are not run: {why}")
        for task, verdicts, error, counts in self._threads.map(self._check, batch):
            metrics.report_buffered(counts)
            key = f"{task.repo}/{task.path}"
            if verdicts is None:
                yield dead_letter(_STAGE, "scene_check_failed", key, error)
                continue
            kept = []
            for target, v in zip(task.targets, verdicts, strict=True):
                if v.status == "not_a_scene":
                    metrics.count("scenes_not_a_scene")
                    continue
                metrics.count(f"scenes.{v.status}")
                if v.status == "not_checked":
                    metrics.count(f"scenes_not_checked.{v.detail}")
                kept.append(SceneVerdict(target.name, target.kind, target.start_line,
                                         target.end_line, v.status, v.detail, v.engine))
            metrics.count("scene_files")
            yield FileScenes(task.repo, task.path, tuple(kept))
        metrics.count("scene_cache_hits", self._checker.cache_hits)
        metrics.count("scene_sandbox_runs", self._checker.runs)
        self._checker.cache_hits = self._checker.runs = 0


class CheckScenes(beam.PTransform):
    """(import facts per repository, ManimFiles) -> FileScenes per Manim file with
    scenes; plus dead letters. The import facts are FilterManimImports' third output
    (``with_imports=True``); ``shared``: the crawl's handle, as there."""

    def __init__(self, cfg: JobConfig, shared=None):
        super().__init__()
        self.cfg = cfg
        self.shared = shared if shared is not None else crawl_resources()

    def expand(self, inputs):
        imports, manim = inputs
        import_facts = imports | "ImportFacts" >> beam.FlatMap(_imports_rows)
        scanned = manim | "SceneFacts" >> beam.ParDo(
            _SceneFactsFn(self.cfg, self.shared)).with_outputs(DEAD, main="facts")
        workers = self.cfg.scene_workers or 2
        size = max(1, workers) * 2
        checked = (
            (import_facts, scanned.facts)
            | "AllFacts" >> beam.Flatten()
            | "ByRepository" >> beam.GroupByKey()
            | "Plan" >> beam.FlatMap(_plan)
            | "Spread" >> beam.Reshuffle()
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=size)
            | "Run" >> beam.ParDo(_CheckFn(self.cfg)).with_outputs(DEAD, main="scenes")
        )
        dead = (scanned[DEAD], checked[DEAD]) | "Dead" >> beam.Flatten()
        return checked.scenes, dead


def _label(item):
    from ..scenes.labels import label_pairs

    _key, grouped = item
    verdicts = [v for fs in grouped["scenes"] for v in fs.verdicts]
    for fp in grouped["pairs"]:
        if verdicts:
            pairs = label_pairs(fp.pairs, verdicts)
            in_scene = sum(1 for p in pairs if p.exec_status is not None)
            metrics.count("pairs_in_scenes", in_scene)
            metrics.count("pairs_in_checked_scenes",
                          sum(1 for p in pairs if p.exec_status in ("ok", "error", "timeout")))
            fp = FilePairs(fp.file, pairs)
        yield fp


class LabelPairs(beam.PTransform):
    """(FilePairs, FileScenes) -> FilePairs whose pairs inside scenes carry the verdicts."""

    def expand(self, inputs):
        file_pairs, file_scenes = inputs
        return (
            {
                "pairs": file_pairs
                | "PairsByFile" >> beam.Map(
                    lambda fp: ((fp.file.source.repo.full_name, fp.file.source.path), fp)),
                "scenes": file_scenes | "ScenesByFile" >> beam.Map(lambda fs: ((fs.repo, fs.path), fs)),
            }
            | "JoinVerdicts" >> beam.CoGroupByKey()
            | "Label" >> beam.FlatMap(_label)
        )


def _verdict_rows(fs):
    for v in fs.verdicts:
        yield {"repo": fs.repo, "path": fs.path, "scene": v.name, "kind": v.kind,
               "start_line": v.start_line, "end_line": v.end_line,
               "status": v.status, "detail": v.detail, "engine": v.engine}


def _verdict_order(row: dict) -> tuple:
    return (row["repo"], row["path"], row["start_line"], row["scene"])


class WriteSceneVerdicts(beam.PTransform):
    """FileScenes -> run/scenes/ (shards, each sorted): one line per scene and
    documentation example."""

    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, file_scenes):
        from ..layout import legacy_scenes_path
        from .jsonl_shards import WriteJsonlShards

        return (
            file_scenes
            | "Rows" >> beam.FlatMap(_verdict_rows)
            | "Shards" >> WriteJsonlShards(self.output, "scenes", _verdict_order,
                                           legacy=legacy_scenes_path(self.output))
        )
