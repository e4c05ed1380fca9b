"""Running the dataset stage (BuildDataset) on a list of pairs, as the serial code was run."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline

from beam_pipeline.dataset import DatasetRefused, DatasetSettings, DatasetStats
from beam_pipeline.layout import dataset_state_path
from beam_pipeline.records import Pair
from beam_pipeline.transforms.dataset import BuildDataset


def _save(result: Any, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result, f)


def build_dataset(pairs: Iterable[Pair], output_dir: str, *, skipped: Mapping[str, int] | None = None,
                  fresh: bool = True, workers: int = 1, **settings: Any) -> DatasetStats:
    """Build ``<output_dir>/dataset/`` with the Beam stage; what the build did.

    ``fresh``: forget what the dataset in ``output_dir`` was built from, so the build
    runs every step (the unchanged-inputs shortcut is tested on its own).
    ``workers`` > 1: the FnApiRunner with that many worker processes.
    Raises `DatasetRefused` as the serial code did.
    """
    if fresh and FileSystems.exists(dataset_state_path(output_dir)):
        FileSystems.delete([dataset_state_path(output_dir)])
    options = None
    if workers > 1:
        options = PipelineOptions([f"--direct_num_workers={workers}",
                                   "--direct_running_mode=multi_processing"])
    fd, result_path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        with TestPipeline(runner=FnApiRunner(), options=options) as p:
            given = p | "Pairs" >> beam.Create(list(pairs))
            # skipped=None: no element, as WriteDeadLetters gives when nothing was skipped
            skips = p | "Skipped" >> beam.Create([] if skipped is None else [dict(skipped)])
            result = (given, skips) | BuildDataset(output_dir, DatasetSettings(**settings))
            _ = result | beam.Map(_save, result_path)
        with open(result_path, encoding="utf-8") as f:
            result = json.load(f)
    finally:
        os.unlink(result_path)
    if "refused" in result:
        doc = result["refused"]
        raise DatasetRefused(doc["reason"], doc["stats"], doc["previous_rows"])
    if "format_version" in result:  # the dataset was unchanged: its stats.json
        return DatasetStats.of(result, (), (), ())
    for key in ("files", "changed", "deleted", "non_commercial"):
        result[key] = tuple(result[key])
    return DatasetStats(**result)
