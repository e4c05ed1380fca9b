"""WriteJson: processed/ per Manim file, the run's dead letters, and the dataset.

Three named steps: WriteProcessed (one JSON file per Manim file, written where
its pairs are), WriteDeadLetters (run/errors/, hash-bucketed shards, each sorted)
and BuildDataset (transforms/dataset.py). None of them gathers everything on
one worker.
"""

from __future__ import annotations

import dataclasses
import json

import apache_beam as beam

from .. import metrics
from ..config import JobConfig
from ..dataset import DatasetSettings
from ..layout import legacy_errors_path, processed_path
from ..records import DeadLetter, FilePairs
from ..storage import write_if_changed
from ._common import DEAD, dead_letter
from .dataset import BuildDataset
from .jsonl_shards import WriteJsonlShards

__all__ = [
    "WriteDeadLetters",
    "WriteJson",
    "WriteProcessed",
    "dataset_settings",
    "encode_pairs",
]

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


def _error_order(row: dict) -> tuple[str, str, str, str]:
    return (row["stage"], row["reason"], row["key"], row["detail"])


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
    """DeadLetters -> run/errors/errors-<k>-of-<n>.jsonl; returns the counts by reason
    (one dict; none when there is no dead letter).

    The shards are buckets of a hash of each dead letter (see WriteJsonlShards),
    each sorted by (stage, reason, key, detail), so that a rerun with the same dead
    letters writes the same files byte for byte.
    """

    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, dead):
        _ = (
            dead
            | "Rows" >> beam.Map(DeadLetter.to_json)
            | "Shards" >> WriteJsonlShards(self.output, "errors", _error_order,
                                           legacy=legacy_errors_path(self.output))
        )
        # No element when there is no dead letter (BuildDataset reads it as {} then).
        return dead | "ByReason" >> beam.CombineGlobally(_ByReason()).without_defaults()


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
