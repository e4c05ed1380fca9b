"""WriteJson: processed/ per Manim file, the run's dead letters, and the dataset.

Three named steps: WriteProcessed (one JSON file per Manim file, written where
its pairs are), WriteDeadLetters (run/errors/, hash-bucketed shards, each sorted)
and BuildDataset (transforms/dataset.py). None of them gathers everything on
one worker.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import apache_beam as beam

from .. import metrics
from ..config import JobConfig
from ..dataset import DatasetSettings
from ..layout import errors_dir, errors_shard_path, legacy_errors_path, processed_path
from ..records import DeadLetter, FilePairs
from ..storage import list_files, write_if_changed
from ._common import DEAD, dead_letter
from .dataset import BuildDataset

__all__ = [
    "ERRORS_PER_SHARD",
    "WriteDeadLetters",
    "WriteJson",
    "WriteProcessed",
    "dataset_settings",
    "encode_pairs",
]

# Dead letters per shard of run/errors/ (a shard is sorted in memory by one worker).
ERRORS_PER_SHARD = 50_000


def encode_pairs(fp: FilePairs) -> bytes:
    """The processed JSON of one file: an array of pairs in file order, stable bytes."""
    rows = [p.to_json() for p in sorted(fp.pairs, key=lambda p: (p.start_line, p.end_line, p.kind))]
    return (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


class _WriteProcessedFn(beam.DoFn):
    def __init__(self, output: str):
        self.output = output

    def process(self, fp: FilePairs):
        src = fp.file.source
        target = processed_path(self.output, src.repo.full_name, src.path)
        try:
            written = write_if_changed(target, encode_pairs(fp))
        except OSError as e:  # this file's record is lost, not the run
            yield dead_letter("WriteJson", "write_failed", src.key,
                              f"{type(e).__name__}: {e.strerror or e}")
            return
        except Exception as e:  # noqa: BLE001 - e.g. text that cannot be encoded
            yield dead_letter("WriteJson", "internal_error", src.key, f"{type(e).__name__}: {e}")
            return
        metrics.count("processed_written" if written else "processed_unchanged")


class WriteProcessed(beam.PTransform):
    """FilePairs -> processed/<repo>/<path>.json; returns the dead letters of failed writes."""

    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, file_pairs):
        return (
            file_pairs
            | "Write" >> beam.ParDo(_WriteProcessedFn(self.output)).with_outputs(
                DEAD, main="written")
        )[DEAD]


# ------------------------------------------------------------------ dead letters


def _sort_key(d: DeadLetter) -> tuple[str, str, str, str]:
    return (d.stage, d.reason, d.key, d.detail)


def _bucket(d: DeadLetter, total: int) -> tuple[int, DeadLetter]:
    """A dead letter's shard: a hash of its content (the same in every run and process)."""
    shards = max(1, math.ceil(total / ERRORS_PER_SHARD))
    text = "\x1f".join(_sort_key(d)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") % shards, d


def _write_errors_shard(element, output: str, total: int) -> str:
    index, letters = element
    shards = max(1, math.ceil(total / ERRORS_PER_SHARD))
    rows = sorted(letters, key=_sort_key)
    body = "".join(json.dumps(d.to_json(), ensure_ascii=False, sort_keys=True) + "\n"
                   for d in rows)
    path = errors_shard_path(output, index, shards)
    write_if_changed(path, body.encode("utf-8"))
    return path


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


def _finish_errors(written: list[str], output: str) -> None:
    """An empty first shard when there were no dead letters; the shards of earlier runs
    that this one did not write, and the single file of older versions, removed."""
    from apache_beam.io.filesystems import FileSystems

    if not written:
        written = [errors_shard_path(output, 0, 1)]
        write_if_changed(written[0], b"")
    stale = [p for p in list_files(errors_dir(output)) if p not in set(written)]
    legacy = legacy_errors_path(output)
    if FileSystems.exists(legacy):
        stale.append(legacy)
    if stale:
        FileSystems.delete(stale)


class _ByReason(beam.CombineFn):
    def create_accumulator(self):
        return {}

    def add_input(self, accumulator, d: DeadLetter):
        accumulator[d.reason] = accumulator.get(d.reason, 0) + 1
        return accumulator

    def merge_accumulators(self, accumulators):
        out: dict[str, int] = {}
        for acc in accumulators:
            for reason, n in acc.items():
                out[reason] = out.get(reason, 0) + n
        return out

    def extract_output(self, accumulator):
        return dict(sorted(accumulator.items()))


class WriteDeadLetters(beam.PTransform):
    """DeadLetters -> run/errors/errors-<k>-of-<n>.jsonl; returns one dict: counts by reason.

    The shards are buckets of a hash of each dead letter (one shard per
    ERRORS_PER_SHARD dead letters), each sorted by (stage, reason, key, detail),
    so that a rerun with the same dead letters writes the same files byte for byte.
    """

    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, dead):
        total = beam.pvalue.AsSingleton(dead | "Count" >> beam.combiners.Count.Globally())
        _ = (
            dead
            | "Bucket" >> beam.Map(_bucket, total)
            | "ByBucket" >> beam.GroupByKey()
            | "WriteShard" >> beam.Map(_write_errors_shard, self.output, total)
            | "Written" >> beam.CombineGlobally(_Names())
            | "Finish" >> beam.Map(_finish_errors, self.output)
        )
        return dead | "ByReason" >> beam.CombineGlobally(_ByReason())


# ------------------------------------------------------------------ the whole step


# Settings that shape the crawl (or say where the output goes), not the dataset built
# from its pairs (every other setting counts: a new one is taken into account).
_CRAWL_ONLY = frozenset({
    "output", "github_api_url", "token_env", "token_secret", "max_retries", "backoff_base_s",
    "secondary_floor_s", "request_timeout_s", "crawl_threads", "max_concurrent_requests",
    "max_requests_per_minute", "max_server_s_per_minute", "pacing_window_s",
})


def dataset_settings(cfg: JobConfig) -> DatasetSettings:
    """The dataset build the job's flags ask for."""
    return DatasetSettings(
        split_ratios=cfg.split_ratios,
        licenses=cfg.licenses,
        near_dup_threshold=cfg.near_dup_threshold,
        sources=cfg.sources,
        allow_shrink=cfg.allow_shrink,
        runnable_only=cfg.runnable_only,
    )


class WriteJson(beam.PTransform):
    """(FilePairs, DeadLetters) -> processed/, run/errors/ and dataset/; returns one
    element: what the dataset build did (or why it was refused)."""

    def __init__(self, cfg: JobConfig):
        super().__init__()
        self.cfg = cfg

    def expand(self, inputs):
        file_pairs, dead_letters = inputs
        output = self.cfg.output
        write_dead = file_pairs | "WriteProcessed" >> WriteProcessed(output)
        skipped = (
            (dead_letters, write_dead)
            | "AllDeadLetters" >> beam.Flatten()
            | "WriteDeadLetters" >> WriteDeadLetters(output)
        )
        pairs = file_pairs | "Pairs" >> beam.FlatMap(lambda fp: fp.pairs)
        digest_settings = {k: v for k, v in dataclasses.asdict(self.cfg).items()
                           if k not in _CRAWL_ONLY}
        return (pairs, skipped) | "BuildDataset" >> BuildDataset(
            output, dataset_settings(self.cfg), digest_settings)
