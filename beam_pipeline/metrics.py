"""One metrics namespace for the job, and live progress on stderr.

Counters go to Beam metrics (queried after the run for the summary, and shown
by Dataflow's UI). Beam only reports them at the end on the DirectRunner, so the
same increments also feed a per-process tally that a daemon thread prints every
few seconds: a user watching a long run sees it move.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from apache_beam.metrics import Metrics

__all__ = [
    "NAMESPACE",
    "PROGRESS_ENV",
    "buffered",
    "count",
    "distribution",
    "format_progress",
    "progress_snapshot",
    "report_buffered",
    "reset_progress",
]

NAMESPACE = "manim_dataset"
PROGRESS_ENV = "MANIM_DATASET_PROGRESS_S"

# What the progress line shows, in pipeline order.
_SHOWN = (
    "repos_found",
    "repos_listed",
    "files_listed",
    "files_fetched",
    "files_reused",
    "files_manim",
    "pairs",
    "processed_written",
    "dead_letters",
)

_lock = threading.Lock()
_local = threading.local()
_tally: Counter[str] = Counter()
_counters: dict[str, object] = {}
_distributions: dict[str, object] = {}
_reporter: threading.Thread | None = None
_checked = float("-inf")  # when _ensure_reporter last read the progress interval


class _Buffer(Counter):
    """A helper thread's counts, and its distribution samples (name, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: list[tuple[str, int]] = []


def _beam_counter(name: str):
    counter = _counters.get(name)
    if counter is None:
        counter = _counters.setdefault(name, Metrics.counter(NAMESPACE, name))
    return counter


def _beam_distribution(name: str):
    dist = _distributions.get(name)
    if dist is None:
        dist = _distributions.setdefault(name, Metrics.distribution(NAMESPACE, name))
    return dist


def distribution(name: str, value: int) -> None:
    """Add one sample to the job distribution `name` (count, sum, min, max in the summary)."""
    buffer = getattr(_local, "buffer", None)
    if buffer is not None:
        buffer.samples.append((name, value))
        return
    _beam_distribution(name).update(value)


def count(name: str, n: int = 1) -> None:
    """Add `n` to the job counter `name` (Beam metric and live progress)."""
    if n == 0:
        return
    with _lock:
        _tally[name] += n
    buffer = getattr(_local, "buffer", None)
    if buffer is not None:  # a helper thread: Beam metrics belong to the bundle's thread
        buffer[name] += n
        return
    _beam_counter(name).inc(n)
    _ensure_reporter()


def report_buffered(counts: Mapping[str, int]) -> None:
    """On the bundle's thread: hand counts gathered by `buffered` to Beam.

    The live progress tally already has them (it was updated when they were
    counted), so only the Beam counters are added to here.
    """
    for name, n in counts.items():
        if n:
            _beam_counter(name).inc(n)
    for name, value in getattr(counts, "samples", ()):
        _beam_distribution(name).update(value)
    _ensure_reporter()


@contextmanager
def buffered() -> Iterator[Counter[str]]:
    """Collect this thread's counts instead of reporting them.

    Beam's metrics container is bound to the thread running the bundle; work
    done on a helper thread counts into a buffer that the bundle thread then
    reports with `report_buffered`.
    """
    _local.buffer = _Buffer()
    try:
        yield _local.buffer
    finally:
        _local.buffer = None


def reset_progress() -> None:
    """Start the live tally from zero (a new run in the same process)."""
    global _checked
    with _lock:
        _tally.clear()
        _checked = float("-inf")


def progress_snapshot() -> dict[str, int]:
    with _lock:
        return dict(_tally)


def _interval() -> float:
    try:
        return float(os.environ.get(PROGRESS_ENV, "0"))
    except ValueError:
        return 0.0


def _ensure_reporter() -> None:
    global _reporter, _checked
    if _reporter is not None:
        return
    now = time.monotonic()
    if now < _checked + 1.0:  # the environment is read at most once a second
        return
    _checked = now
    if _interval() <= 0:
        return
    with _lock:
        if _reporter is None:
            _reporter = threading.Thread(target=_report_forever, name="progress", daemon=True)
            _reporter.start()


def format_progress(tally: Mapping[str, int]) -> str:
    shown = [f"{k}={tally[k]}" for k in _SHOWN if tally.get(k)]
    return "progress: " + (" ".join(shown) if shown else "starting")


def _report_forever() -> None:
    interval = _interval()
    last: dict[str, int] = {}
    while True:
        time.sleep(interval)
        now = progress_snapshot()
        if now != last:
            print(f"[{os.getpid()}] {format_progress(now)}", file=sys.stderr, flush=True)
            last = now
