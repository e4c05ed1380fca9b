"""Per-file results cached by git blob id beside the crawl state (local or gs://).

The import analysis of a file and the pairs extracted from it depend only on
its bytes (and, for the analysis, its path), on the code that computes them
and on its settings. So they are stored under
``state/cache/<kind>/<version>/`` keyed by the blob id, and a file met again
(an unchanged repository, an unchanged file of a changed one, a vendored copy)
is not analysed again. The version names what the result depends on besides
the bytes: the module's explicit version constant (``ANALYSIS_VERSION``,
``EXTRACTOR_VERSION``: bump it when the output changes for the same input),
a digest of the sources that compute it and of the result's fields (so a
forgotten bump cannot serve stale results), the Python version (``ast``
changes with it) and the settings. A corrupt or unreadable entry is a miss.
Values are JSON, never pickles: the output folder is data, not code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .layout import cache_path
from .storage import read_bytes, write_atomic

__all__ = ["ResultCache", "code_version", "fields_of", "file_key", "module_files"]

_LOGGER = logging.getLogger(__name__)


def code_version(explicit: str, modules: Iterable[str], *shapes: type, settings: str = "") -> str:
    """A version string for results of ``modules`` (dotted names), returning ``shapes``."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version_info.major}.{sys.version_info.minor}\0{settings}\0".encode())
    for name in modules:
        for path in module_files(name):  # a package: every module of it
            with open(path, "rb") as f:
                digest.update(f.read())
    for shape in shapes:
        digest.update(repr([(f.name, str(f.type)) for f in dataclasses.fields(shape)]).encode())
    suffix = f"-{settings}" if settings else ""
    return f"v{explicit}-{digest.hexdigest()[:12]}{suffix}"


def fields_of(value: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, without `dataclasses.asdict`'s deep copy (the
    cached results hold strings, numbers and tuples of them)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


class ResultCache:
    """JSON values by key, for one kind of result and one version of it.

    Writes go to a background thread (the file system, not the CPU, is what
    they wait on); `flush` waits for them, e.g. at the end of a bundle.
    """

    def __init__(self, output: str, kind: str, version: str) -> None:
        self.output, self.kind, self.version = output, kind, version
        self.hits = self.misses = 0
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    def _path(self, key: str) -> str:
        return cache_path(self.output, self.kind, self.version, key)

    def get(self, key: str) -> Any | None:
        try:
            data = read_bytes(self._path(key))
            value = json.loads(data) if data else None
        except (OSError, ValueError):
            value = None
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (in the background); a failed write only costs the next run
        a recomputation."""
        data = json.dumps(value, separators=(",", ":")).encode()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(2, thread_name_prefix=f"cache-{self.kind}")
        self._pending.append(self._writer.submit(self._write, key, data))
        if len(self._pending) > 256:
            self.flush()

    def _write(self, key: str, data: bytes) -> None:
        try:
            write_atomic(self._path(key), data)
        except OSError as e:
            _LOGGER.warning("cache %s: cannot write %s: %s", self.kind, key, e.strerror or e)

    def flush(self) -> None:
        """Wait until every value put so far is stored."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None


def file_key(blob: str, path: str | None = None) -> str:
    """The cache key of a file: its blob id, plus its path where the result depends on it."""
    if path is None:
        return blob
    return f"{blob}-{hashlib.sha256(path.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def module_files(name: str) -> list[str]:
    """The source files of a module, or of every module of a package."""
    import os

    spec = importlib.util.find_spec(name)
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return sorted(
            os.path.join(root, f)
            for location in spec.submodule_search_locations
            for root, _dirs, files in os.walk(location)
            for f in files
            if f.endswith(".py")
        )
    return [spec.origin] if spec.origin else []
