"""The crawl's policies and per-repository logic without Beam, and its DoFn base with Beam."""

from __future__ import annotations

import random
import time

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from helpers import job_config, test_pipeline

from beam_pipeline.transforms._common import DEAD, ConcurrentGitHubDoFn, dead_letter


class _Doubler(ConcurrentGitHubDoFn):
    """Finishes elements in a random order, some with a dead letter."""

    def process_one(self, n: int):
        time.sleep(random.random() / 500)
        if n % 7 == 0:
            yield dead_letter("Test", "seven", str(n))
        yield 2 * n


def test_concurrent_dofn_emits_every_output_once_whatever_the_order(tmp_path):
    cfg = job_config("http://127.0.0.1:9", str(tmp_path), crawl_threads=8)
    n = 3000
    with test_pipeline() as p:
        out = p | beam.Create(range(n)) | beam.ParDo(_Doubler(cfg)).with_outputs(DEAD, main="main")
        assert_that(out.main, equal_to([2 * i for i in range(n)]), label="outputs")
        assert_that(out[DEAD] | beam.Map(lambda d: int(d.key)),
                    equal_to([i for i in range(n) if i % 7 == 0]), label="dead letters")


class _LateFuture:
    """A future that finishes between two looks at it (as real ones do, at any time)."""

    def __init__(self, value):
        self.value, self.looks = value, 0

    def done(self) -> bool:
        self.looks += 1
        return self.looks > 1

    def result(self):
        from collections import Counter

        return [self.value], Counter()


def test_concurrent_dofn_never_drops_a_future_that_finishes_while_it_looks(tmp_path):
    fn = _Doubler(job_config("http://127.0.0.1:9", str(tmp_path)))
    fn.start_bundle()
    finished = _LateFuture("x")
    finished.looks = 1
    fn._pending = [finished, _LateFuture("a"), _LateFuture("b")]
    first = list(fn._emit(block=False, drain=False, windowed=False))
    second = list(fn._emit(block=False, drain=False, windowed=False))
    assert first == ["x"] and sorted(second) == ["a", "b"] and fn._pending == []
