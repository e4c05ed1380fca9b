"""WriteJson: processed/<repo>/<path>.json per Manim file, the dataset, and the run's dead letters.

It also deletes the temporary files that a killed earlier run left in the
output folder (only those of processes that are gone, so never one of ours).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import apache_beam as beam

from .. import metrics
from ..config import JobConfig
from ..layout import processed_path
from ..records import DeadLetter, FilePairs, Pair
from ..storage import join, remove_stale_temps, write_if_changed
from ._common import DEAD, dead_letter

__all__ = ["REFUSED", "WriteJson", "encode_pairs"]


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


def _remove_stale_temps(output: str) -> None:
    metrics.count("stale_temps_removed", remove_stale_temps(output))


def _write_errors(dead: list[DeadLetter], output: str) -> dict[str, int]:
    rows = sorted(dead, key=lambda d: (d.stage, d.reason, d.key, d.detail))
    body = "".join(json.dumps(d.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for d in rows)
    write_if_changed(join(output, "run", "errors.jsonl"), body.encode("utf-8"))
    return dict(sorted(Counter(d.reason for d in dead).items()))


REFUSED = "refused.json"  # in run/: why the last run left the dataset as it was

# Settings that shape the crawl (or say where the output goes), not the dataset built
# from its pairs (every other setting counts: a new one is taken into account).
_CRAWL_ONLY = frozenset({
    "output", "github_api_url", "token_env", "token_secret", "max_retries", "backoff_base_s",
    "secondary_floor_s", "request_timeout_s", "crawl_threads", "max_concurrent_requests",
    "max_requests_per_minute", "max_server_s_per_minute", "pacing_window_s",
})


def _build_dataset(pairs: list, cfg: JobConfig, skipped: dict[str, int]) -> dict:
    """Build dataset/; when the shrink guard refuses, write run/refused.json instead
    (the dataset that would have been: its statistics and why) and count it.

    Unless the dataset in the output was built from exactly these inputs and is
    intact: then nothing is recomputed (nor rewritten).
    """
    from apache_beam.io.filesystems import FileSystems

    from ..dataset import DatasetRefused, build_dataset
    from ..resultcache import dataset_inputs_digest, record_dataset, unchanged_dataset

    refused_path = join(cfg.output, "run", REFUSED)
    settings = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in _CRAWL_ONLY}
    names = [f.name for f in dataclasses.fields(Pair)]
    rows = (tuple(getattr(p, n) for n in names) for p in pairs)
    inputs = dataset_inputs_digest(rows, settings, skipped)
    stats = unchanged_dataset(cfg.output, inputs)
    if stats is not None:
        metrics.count("dataset_unchanged")
    else:
        try:
            stats = build_dataset(
                pairs,
                cfg.output,
                split_ratios=cfg.split_ratios,
                licenses=cfg.licenses,
                near_dup_threshold=cfg.near_dup_threshold,
                sources=cfg.sources,
                skipped=skipped,
                allow_shrink=cfg.allow_shrink,
                runnable_only=cfg.runnable_only,
            ).as_dict()
        except DatasetRefused as e:
            metrics.count("dataset_refused")
            doc = {"reason": str(e), "previous_rows": e.previous_rows, "stats": e.stats}
            write_if_changed(refused_path, (json.dumps(doc, indent=2, sort_keys=True,
                                                       ensure_ascii=False) + "\n").encode("utf-8"))
            return {"refused": doc}
        record_dataset(cfg.output, inputs)
    if FileSystems.exists(refused_path):
        FileSystems.delete([refused_path])
    return stats


class WriteJson(beam.PTransform):
    """Write processed/, dataset/ and run/errors.jsonl; returns the dataset statistics."""

    def __init__(self, cfg: JobConfig):
        super().__init__()
        self.cfg = cfg

    def expand(self, inputs):
        file_pairs, dead_letters = inputs
        _ = (
            file_pairs.pipeline
            | "Output" >> beam.Create([self.cfg.output])
            | "RemoveStaleTemps" >> beam.Map(_remove_stale_temps)
        )
        write_dead = (
            file_pairs
            | "WriteProcessed"
            >> beam.ParDo(_WriteProcessedFn(self.cfg.output)).with_outputs(DEAD, main="written")
        )[DEAD]
        skipped = (
            (dead_letters, write_dead)
            | "AllDeadLetters" >> beam.Flatten()
            | "ListDeadLetters" >> beam.combiners.ToList()
            | "WriteErrors" >> beam.Map(_write_errors, self.cfg.output)
        )
        return (
            file_pairs
            | "Pairs" >> beam.FlatMap(lambda fp: fp.pairs)
            | "AllPairs" >> beam.combiners.ToList()
            | "WriteDataset"
            >> beam.Map(_build_dataset, self.cfg, beam.pvalue.AsSingleton(skipped))
        )
