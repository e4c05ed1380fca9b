"""Check the scenes of one file: cache, sandbox, verdicts. Plain Python, no Beam.

A `SceneTask` is one Manim file with its scenes and documentation examples and
the repository files it needs (path and git blob of each). `SceneChecker.check`
answers it from the verdict cache when it can, else reads the files from raw/
(each checked against its blob), runs the scenes in the sandbox pool and
stores the checked verdicts.

Verdicts (`status`, with `detail`):

* ``ok``: the scene rendered in dry-run mode;
* ``error``: an exception (its type and the first line of its message);
* ``missing_module``: a third-party package that is not installed (named);
* ``timeout``: no verdict within the timeout;
* ``not_checked``: why in `detail`: ``no_sandbox``, ``manimgl``, ``no_latex``,
  ``engine_not_installed``, ``source_unavailable``.

The cache key is the blobs of the file and of its local imports, the engine
version, this runner's version and the animation mode, so an unchanged scene is
never run twice; a cached timeout is run again with a longer timeout. Verdicts
that depend on this machine (``not_checked``) are never cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .sandbox import DEFAULT_LIMITS, Job, SandboxInfo, SandboxUnavailable, ZygotePool

__all__ = [
    "CACHE_KIND",
    "CACHE_VERSION",
    "CHECKED",
    "RUNNER_VERSION",
    "SceneChecker",
    "SceneTarget",
    "SceneTask",
    "Verdict",
    "get_pool",
]

_LOGGER = logging.getLogger(__name__)
RUNNER_VERSION = "1"  # bump when the same scene and engine could get another verdict
# Verdicts live with the other per-file results: state/cache/scenes/<version>/ (layout.py).
CACHE_KIND = "scenes"
CACHE_VERSION = f"v{RUNNER_VERSION}"
# Scenes are checked at ManimCE's low quality (480p, 15 fps, what `manim -ql` renders):
# every animation is still computed frame by frame (updaters, rate functions and
# every intermediate state run), at a fraction of the default 1080p60 cost.
QUALITY = "low_quality"
CHECKED = ("ok", "error", "timeout")  # the verdicts that say whether the scene runs
_CACHEABLE = frozenset({"ok", "error", "timeout", "missing_module", "not_a_scene"})
_VALID = _CACHEABLE | {"not_checked"}


@dataclass(frozen=True)
class SceneTarget:
    """A scene class of a file, or a documentation example (with the module it runs as)."""

    name: str
    kind: str  # "scene" | "doc_example"
    start_line: int
    end_line: int
    file: str  # the file the sandbox runs: the scene's own path, or a generated example file
    code: bytes | None = None  # documentation examples only


@dataclass(frozen=True)
class SceneTask:
    repo: str
    commit: str
    path: str
    flavor: str
    targets: tuple[SceneTarget, ...]
    closure: tuple[tuple[str, str], ...]  # (path, blob) of the file and its local imports
    # (path, blob) of the repository files the documentation examples import (a plugin's
    # own modules); never the repository's own `manim` package, which would shadow ManimCE.
    example_closure: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Verdict:
    status: str
    detail: str = ""
    engine: str | None = None


_POOLS: dict[int, ZygotePool] = {}
_POOLS_LOCK = threading.Lock()


def get_pool(workers: int) -> ZygotePool:
    """The process-wide sandbox pool (zygotes are costly to start: one set per process)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = ZygotePool(workers)
        return pool


def cache_key(task: SceneTask, engine: str, mode: str) -> str:
    body = json.dumps(
        [RUNNER_VERSION, engine, mode, sorted(task.closure), sorted(task.example_closure),
         task.path,
         [(t.name, t.kind, t.file, hashlib.sha1(t.code or b"").hexdigest()) for t in task.targets]],
        sort_keys=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


class SceneChecker:
    """Verdicts for SceneTasks; `read_file(repo, path, blob)` gives a file's bytes or None.

    `cache_get(key)`/`cache_put(key, bytes)` store verdicts (None: no cache).
    """

    def __init__(
        self,
        read_file: Callable[[str, str, str], bytes | None],
        *,
        timeout_s: float = 60.0,
        end_state: bool = False,
        workers: int = 1,
        cache_get: Callable[[str], bytes | None] | None = None,
        cache_put: Callable[[str, bytes], None] | None = None,
        pool: ZygotePool | None = None,
        limits: dict[str, int] | None = None,
        quality: str | None = QUALITY,
    ):
        self.read_file = read_file
        self.timeout_s = timeout_s
        self.end_state = end_state
        self.pool = pool or get_pool(workers)
        self.cache_get = cache_get
        self.cache_put = cache_put
        self.limits = dict(limits or DEFAULT_LIMITS)
        self.quality = quality
        self.cache_hits = 0
        self.runs = 0

    @property
    def mode(self) -> str:
        """How scenes are rendered: part of the cache key."""
        return f"{self.quality or 'default'}{'+end_state' if self.end_state else ''}"

    def sandbox(self) -> tuple[SandboxInfo | None, str]:
        """(info, why not) of this process's sandbox."""
        try:
            return self.pool.probe(), ""
        except SandboxUnavailable as e:
            return None, str(e)

    def check(self, task: SceneTask) -> list[Verdict]:
        """One verdict per target of the task, in order."""
        if task.flavor == "manimgl":
            return [Verdict("not_checked", "manimgl") for _ in task.targets]
        info, _why = self.sandbox()
        if info is None:
            return [Verdict("not_checked", "no_sandbox") for _ in task.targets]
        if info.engine is None:
            return [Verdict("not_checked", "engine_not_installed") for _ in task.targets]
        key = cache_key(task, info.engine, self.mode)
        cached = self._from_cache(key, task, info.engine)
        if cached is not None:
            self.cache_hits += 1
            return cached
        files: dict[str, bytes] = {}
        for path, blob in sorted(set(task.closure) | set(task.example_closure)):
            data = self.read_file(task.repo, path, blob)
            if data is None:
                if path == task.path:
                    return [Verdict("not_checked", "source_unavailable") for _ in task.targets]
                continue  # a missing helper shows up as the scene's own import error
            files[path] = data
        raw = self._run(task, files)
        verdicts = [self._verdict(r, info.engine) for r in raw]
        self._to_cache(key, task, verdicts, info.engine)
        return verdicts

    def _run(self, task: SceneTask, files: dict[str, bytes]) -> list[dict]:
        scenes = [t for t in task.targets if t.kind == "scene"]
        examples = [t for t in task.targets if t.kind != "scene"]
        results: dict[tuple[str, str], dict] = {}
        jobs = []
        if scenes:
            scene_files = {p: files[p] for p, _ in task.closure if p in files}
            jobs.append(Job(scene_files, [(t.file, t.name) for t in scenes], self.timeout_s,
                            self.end_state, self.limits, quality=self.quality))
        if examples:  # with the modules they import, never a vendored manim package
            example_files = {p: files[p] for p, _ in task.example_closure if p in files}
            example_files.update({t.file: t.code or b"" for t in examples})
            jobs.append(Job(example_files,
                            [(t.file, t.name) for t in examples], self.timeout_s,
                            self.end_state, self.limits, quality=self.quality))
        for job in jobs:
            try:
                answers = self.pool.run(job)
            except SandboxUnavailable as e:
                # The zygote broke (a scene killed it, or it ran out of time): one retry
                # in a fresh one, then the scenes are reported as errors of the sandbox.
                _LOGGER.warning("scene sandbox failed for %s/%s: %s", task.repo, task.path, e)
                try:
                    answers = self.pool.run(job)
                except SandboxUnavailable as e2:
                    answers = [{"status": "error", "detail": f"sandbox failed: {e2}"[:300]}
                               for _ in job.scenes]
            self.runs += 1
            for (file, name), answer in zip(job.scenes, answers, strict=True):
                results[(file, name)] = answer
        return [results.get((t.file, t.name), {}) for t in task.targets]

    @staticmethod
    def _verdict(answer: dict, engine: str) -> Verdict:
        status = answer.get("status")
        if status not in _VALID:
            return Verdict("error", "the sandbox gave no verdict", engine)
        detail = answer.get("detail")
        return Verdict(str(status), str(detail or "")[:400], engine)

    def _from_cache(self, key: str, task: SceneTask, engine: str) -> list[Verdict] | None:
        if self.cache_get is None:
            return None
        data = self.cache_get(key)
        if not data:
            return None
        try:
            body = json.loads(data)
            stored = body["verdicts"]
            verdicts = []
            for t in task.targets:
                status, detail = stored[f"{t.kind}:{t.file}:{t.name}"]
                if status not in _CACHEABLE:
                    return None
                if status == "timeout" and self.timeout_s > float(body["timeout_s"]):
                    return None  # more time now: it may finish
                verdicts.append(Verdict(status, detail, engine))
            return verdicts
        except (ValueError, KeyError, TypeError):
            return None

    def _to_cache(self, key: str, task: SceneTask, verdicts: list[Verdict], engine: str) -> None:
        if self.cache_put is None or any(v.status not in _CACHEABLE for v in verdicts):
            return
        body = {
            "engine": engine,
            "mode": self.mode,
            "timeout_s": self.timeout_s,
            "repo": task.repo,
            "path": task.path,
            "verdicts": {f"{t.kind}:{t.file}:{t.name}": [v.status, v.detail]
                         for t, v in zip(task.targets, verdicts, strict=True)},
        }
        try:
            self.cache_put(key, (json.dumps(body, sort_keys=True, indent=1) + "\n").encode())
        except OSError as e:  # a cache that cannot be written only costs time
            _LOGGER.warning("scene verdict cache not written: %s", e)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))
