"""Where each kind of output lives under ``<output>/``: the one definition.

```
raw/<owner>/<repo>/<path>              byte-exact copy of each .py file
processed/<owner>/<repo>/<path>.json   the pairs of one Manim file
dataset/...                            the published dataset (shards, card, stats.json, plots)
run/summary.json                       what the last run did
run/errors/errors-<k>-of-<n>.jsonl     the run's dead letters, in hash-bucketed shards
run/scenes/scenes-<k>-of-<n>.jsonl     scene verdicts (--check_scenes), in the same shards
run/refused.json                       why the last run did not publish its dataset
run/dataflow_job.json                  the job a Dataflow submission started
state/repos/<owner>/<repo>.json        crawl state of one repository
state/cache/<kind>/<version>/<key[:2]>/<key>.json   a per-file result, by git blob id
state/dataset.json                     what the dataset was last built from
```

Every path below ``<output>`` is spelled here and nowhere else.

A repository path is stored component by component. GitHub allows names of up
to 255 bytes, but a file system allows 255 bytes per name *including* what we
add (``.json``, a temporary-file suffix), so a component whose stored name would
exceed `NAME_BUDGET` bytes gets a stable shortened form: a prefix cut on a
character boundary, ``~``, 20 hex digits of the SHA-256 of the whole component,
and its extension. Two different names never share a shortened form (the hash
covers the whole name), and the pair rows keep the true path. Names are stored
as they are otherwise, NFC and NFD alike (they are different byte strings, and
so different files, on Linux and in GCS).
"""

from __future__ import annotations

import hashlib
import posixpath

from .storage import join

__all__ = [
    "NAME_BUDGET",
    "cache_path",
    "dataflow_job_path",
    "dataset_dir",
    "dataset_state_path",
    "dataset_stats_path",
    "errors_dir",
    "legacy_errors_path",
    "legacy_scenes_path",
    "processed_dir",
    "processed_path",
    "raw_dir",
    "raw_path",
    "refused_path",
    "run_shard_path",
    "run_shards_dir",
    "state_path",
    "stored_name",
    "summary_path",
]

# Bytes of one stored name, suffix included. The temporary name of an atomic write
# adds at most 1 + 5 + 10 + 1 + 8 = 25 bytes (".", ".tmp-", a pid, "-", 8 hex), which
# keeps it under NAME_MAX (255) with room to spare.
NAME_BUDGET = 200
_HASH_HEX = 20
_MAX_EXT = 16


def stored_name(component: str, suffix: str = "") -> str:
    """The file-system name of one path component (plus ``suffix``), within NAME_BUDGET."""
    name = component + suffix
    if len(name.encode("utf-8", "surrogatepass")) <= NAME_BUDGET:
        return name
    digest = hashlib.sha256(component.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_HEX]
    stem, ext = posixpath.splitext(component)
    if len(ext.encode("utf-8", "surrogatepass")) > _MAX_EXT:
        stem, ext = component, ""
    tail = f"~{digest}{ext}{suffix}"
    room = NAME_BUDGET - len(tail.encode("utf-8", "surrogatepass"))
    prefix = stem.encode("utf-8", "surrogatepass")[: max(room, 0)].decode("utf-8", "ignore")
    return prefix + tail


def _stored_parts(path: str, suffix: str = "") -> list[str]:
    parts = path.split("/")
    return [stored_name(p) for p in parts[:-1]] + [stored_name(parts[-1], suffix)]


def raw_dir(output: str) -> str:
    return join(output, "raw")


def raw_path(output: str, full_name: str, path: str) -> str:
    owner, name = full_name.split("/", 1)
    return join(raw_dir(output), owner, name, *_stored_parts(path))


def processed_dir(output: str) -> str:
    return join(output, "processed")


def processed_path(output: str, full_name: str, path: str) -> str:
    owner, name = full_name.split("/", 1)
    return join(processed_dir(output), owner, name, *_stored_parts(path, ".json"))


def dataset_dir(output: str) -> str:
    return join(output, "dataset")


def dataset_stats_path(output: str) -> str:
    return join(dataset_dir(output), "stats.json")


def summary_path(output: str) -> str:
    return join(output, "run", "summary.json")


def refused_path(output: str) -> str:
    return join(output, "run", "refused.json")


def dataflow_job_path(output: str) -> str:
    return join(output, "run", "dataflow_job.json")


def state_path(output: str, full_name: str) -> str:
    owner, name = full_name.split("/", 1)
    return join(output, "state", "repos", owner, stored_name(name, ".json"))


def cache_path(output: str, kind: str, version: str, key: str) -> str:
    """A cached per-file result; ``kind``, ``version`` and ``key`` are ours (hex and names)."""
    return join(output, "state", "cache", kind, version, key[:2], f"{key}.json")


def dataset_state_path(output: str) -> str:
    return join(output, "state", "dataset.json")


def run_shards_dir(output: str, name: str) -> str:
    """The folder of one kind of run records in shards (``errors``, ``scenes``)."""
    return join(output, "run", name)


def run_shard_path(output: str, name: str, index: int, count: int) -> str:
    """Shard ``index`` of ``count`` of one kind of run records."""
    return join(run_shards_dir(output, name), f"{name}-{index:05d}-of-{count:05d}.jsonl")


def errors_dir(output: str) -> str:
    return run_shards_dir(output, "errors")


def legacy_errors_path(output: str) -> str:
    """The single dead-letter file of older versions (removed when found)."""
    return join(output, "run", "errors.jsonl")


def legacy_scenes_path(output: str) -> str:
    """The single scene-verdict file of older versions (removed when found)."""
    return join(output, "run", "scenes.jsonl")
