"""WriteJsonlShards: records of a run (dead letters, scene verdicts) as JSON Lines shards.

No step gathers the records: each goes to a shard chosen by a hash of its line
(one shard per ``per_shard`` records), and each shard is sorted and written by
the worker that holds it. Same records, same files, byte for byte, whatever the
workers and bundles.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

import apache_beam as beam

from ..layout import run_shard_path, run_shards_dir
from ..storage import list_files, write_if_changed
from ._common import Once, combined

__all__ = ["PER_SHARD", "WriteJsonlShards"]

# Records per shard (a shard is sorted in memory by one worker).
PER_SHARD = 50_000


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"


def _shards(total: int, per_shard: int) -> int:
    return max(1, math.ceil(total / per_shard))


def _bucket(row: dict[str, Any], total: int, per_shard: int) -> tuple[int, dict[str, Any]]:
    digest = hashlib.sha256(_line(row).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % _shards(total, per_shard), row


def _write(element, output: str, name: str, sort_key: Callable[[dict], Any], total: int,
           per_shard: int) -> str:
    """One shard: its records sorted (ties broken by the whole line), written if changed."""
    index, rows = element
    lines = sorted((sort_key(r), _line(r)) for r in rows)
    path = run_shard_path(output, name, index, _shards(total, per_shard))
    write_if_changed(path, "".join(line for _key, line in lines).encode("utf-8"))
    return path


def _finish(written: list[str], output: str, name: str, legacy: str | None) -> None:
    """An empty first shard when there was no record; earlier runs' other shards and
    the legacy file removed."""
    from apache_beam.io.filesystems import FileSystems

    if not written:
        written = [run_shard_path(output, name, 0, 1)]
        write_if_changed(written[0], b"")
    keep = set(written)
    stale = [p for p in list_files(run_shards_dir(output, name)) if p not in keep]
    if legacy is not None and FileSystems.exists(legacy):
        stale.append(legacy)
    if stale:
        FileSystems.delete(stale)


class _Names(beam.CombineFn):
    """The shard files written (a few names)."""

    def create_accumulator(self):
        return set()

    def add_input(self, accumulator, name):
        accumulator.add(name)
        return accumulator

    def merge_accumulators(self, accumulators):
        return set().union(*accumulators)

    def extract_output(self, accumulator):
        return sorted(accumulator)


class WriteJsonlShards(beam.PTransform):
    """JSON-able dicts -> ``<output>/run/<name>/<name>-<k>-of-<n>.jsonl``, each shard
    sorted by ``sort_key``; an empty first shard when there is no record; the shards of
    earlier runs that this one did not write (and ``legacy``, a file of older versions)
    removed. Returns nothing."""

    def __init__(self, output: str, name: str, sort_key: Callable[[dict], Any],
                 legacy: str | None = None, per_shard: int = PER_SHARD):
        super().__init__()
        self.output, self.name, self.sort_key = output, name, sort_key
        self.legacy, self.per_shard = legacy, per_shard

    def expand(self, rows):
        total = combined(rows, "Count", beam.combiners.CountCombineFn())
        written = combined(
            rows
            | "Bucket" >> beam.Map(_bucket, total, self.per_shard)
            | "ByBucket" >> beam.GroupByKey()
            | "WriteShard" >> beam.Map(_write, self.output, self.name, self.sort_key, total,
                                       self.per_shard),
            "Written", _Names())
        return rows.pipeline | "Finish" >> Once(
            _finish, written, self.output, self.name, self.legacy)
