"""What the transforms share: the dead-letter tag and DoFn bases owning GitHub clients."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.shared import Shared
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from .. import metrics
from ..config import JobConfig
from ..records import DeadLetter
from ..storage import TMP_MARKER
from ..tokens import read_tokens, redact

DEAD = "dead_letters"
_LOGGER = logging.getLogger(__name__)


# Parts of a message that differ from run to run: the process id and random suffix
# of a temporary file name, an object's memory address.
_VOLATILE = (
    (re.compile(re.escape(TMP_MARKER) + r"\d+-[0-9a-f]+"), TMP_MARKER + "*"),
    (re.compile(r" at 0x[0-9a-fA-F]+"), " at 0x*"),
)


def stable_detail(detail: object) -> str:
    """A dead letter's detail without tokens or run-specific parts, so that reruns
    write the same run/errors/ byte for byte."""
    text = redact(str(detail))
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text[:2000]


def dead_letter(stage: str, reason: str, key: str, detail: object = "") -> pvalue.TaggedOutput:
    """A dead-letter output, counted per reason."""
    metrics.count("dead_letters")
    metrics.count(f"dead_letters.{reason}")
    return pvalue.TaggedOutput(DEAD, DeadLetter(stage, reason, key, stable_detail(detail)))


def combined(pcoll, label: str, fn: beam.CombineFn) -> pvalue.AsSingleton:
    """``fn`` over the whole of ``pcoll``, as a side input; ``fn`` of nothing when empty.

    What ``beam.CombineGlobally(fn)`` computes, without the step it adds to make
    the value of an empty input (six more transforms and two more fused stages
    each time, a good part of a small run's fixed cost): the side input's default
    gives that value instead.
    """
    one = pcoll | label >> beam.CombineGlobally(fn).without_defaults()
    return pvalue.AsSingleton(one, default_value=fn.extract_output(fn.create_accumulator()))


def _call(_impulse, fn, *args):
    return fn(*args)


class Once(beam.PTransform):
    """PBegin -> one element: ``fn(*args)``, called once; side inputs among ``args``
    (see `combined`) are replaced by their values."""

    def __init__(self, fn, *args):
        super().__init__()
        self.fn, self.args = fn, args

    def expand(self, pbegin):
        return pbegin | "Impulse" >> beam.Impulse() | "Call" >> beam.Map(_call, self.fn, *self.args)


class CrawlResources:
    """What the crawl's DoFns share in one worker process: threads and a blob cache.

    Beam may run several instances of a DoFn per process (one per bundle
    thread), and ListPyFiles and FetchAndUploadRaw run side by side; sharing
    one pool of ``--crawl_threads`` threads keeps the process's concurrency to
    that number whatever Beam does (the concurrency budget, see README), and
    one blob cache lets every repository of the process reuse a blob.
    """

    BLOB_CACHE_BYTES = 64 << 20

    def __init__(self, threads: int) -> None:
        from ..github import BlobCache

        self.threads = max(1, threads)
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="crawl")
        self.blobs = BlobCache(self.BLOB_CACHE_BYTES)


def crawl_resources() -> Shared:
    """A handle to one CrawlResources per worker process; give the same handle to
    every crawl transform of a pipeline (Beam's `Shared` keys objects by handle)."""
    return Shared()


def acquire_crawl_resources(shared: Shared, threads: int) -> CrawlResources:
    """This worker process's CrawlResources (in a DoFn's setup)."""
    # The handle is new for every pipeline, so a new pipeline in the same process
    # starts from fresh resources.
    return shared.acquire(lambda: CrawlResources(threads), tag=("crawl", threads))


class RawReadingDoFn(beam.DoFn):
    """A DoFn that reads files back from raw/ through the process's blob cache
    (``self._blobs``, from the crawl's shared resources)."""

    def __init__(self, cfg: JobConfig, shared: Shared):
        self.cfg = cfg
        self._shared = shared

    def setup(self) -> None:
        self._blobs = acquire_crawl_resources(self._shared, self.cfg.crawl_threads).blobs


class CachedResultsDoFn(RawReadingDoFn):
    """A DoFn whose per-file results are cached by blob in the output (resultcache.py).

    Subclasses open ``self._cache`` in their setup (after this one's) with `_open_cache`
    (further caches too: it returns each), and count hits and misses in
    ``self._cache_counts``; every cache's results are stored when the bundle is done,
    and the counts reported once, as ``cache.<name of the first>.<what>``.
    """

    def __init__(self, cfg: JobConfig, shared: Shared):
        super().__init__(cfg, shared)
        self._cache = None
        self._caches: list = []

    def _open_cache(self, name: str, version: str):
        from ..resultcache import ResultCache

        cache = ResultCache(self.cfg.output, name, version)
        if self._cache is None:
            self._cache_name, self._cache = name, cache
        self._caches.append(cache)
        return cache

    def start_bundle(self) -> None:
        self._cache_counts: Counter[str] = Counter()

    def finish_bundle(self) -> None:
        for cache in self._caches:
            cache.flush()
        for what, n in self._cache_counts.items():  # counted once per bundle: cheaper
            metrics.count(f"cache.{self._cache_name}.{what}", n)

    def teardown(self) -> None:
        for cache in self._caches:
            cache.close()


class GitHubDoFn(beam.DoFn):
    """A DoFn talking to GitHub: clients created in setup, closed in teardown.

    Each thread gets its own client (a requests.Session is not meant to be
    shared), all of them feeding one RequestStats; rate-limit and pacing state
    are shared process-wide by the client itself. After each bundle the request
    counts are added to the job counters, so the summary reports requests by
    endpoint and retries by cause.
    """

    def __init__(self, cfg: JobConfig, shared: Shared | None = None):
        self.cfg = cfg
        self._shared = shared if shared is not None else crawl_resources()

    def setup(self) -> None:
        from ..github import RequestStats

        self._tokens = read_tokens(self.cfg.token_env, self.cfg.token_secret)
        self._stats = RequestStats()
        self._local = threading.local()
        self._clients: list = []
        self._clients_lock = threading.Lock()
        self._last: dict[str, int] = {}
        self._resources = acquire_crawl_resources(self._shared, self.cfg.crawl_threads)

    @property
    def client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            from ..github import GitHubClient

            client = GitHubClient(
                self.cfg.github_api_url,
                self._tokens,
                timeout=self.cfg.request_timeout_s,
                max_retries=self.cfg.max_retries,
                backoff_base_s=self.cfg.backoff_base_s,
                secondary_floor_s=self.cfg.secondary_floor_s,
                stats=self._stats,
                blob_cache=self._resources.blobs,
                secondary=self.cfg.secondary_limits(),
            )
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def teardown(self) -> None:
        for client in getattr(self, "_clients", []):
            client.close()
        self._clients = []

    def flush_request_counts(self) -> None:
        now = _flatten(self._stats.as_dict())
        for name, value in now.items():
            delta = int(value) - self._last.get(name, 0)
            if delta > 0:
                metrics.count(f"github.{name}", delta)
        self._last = now

    def process(self, element, *args, **kwargs) -> Iterator:  # pragma: no cover - abstract
        raise NotImplementedError


class ConcurrentGitHubDoFn(GitHubDoFn):
    """Processes elements on the process's crawl threads, several at a time.

    The crawl waits on the network, not the CPU: with ~50 ms per request a
    single thread spends almost all its time idle. ``process`` hands each
    element to a helper thread and emits whatever has finished, waiting only
    when ``2 * crawl_threads`` elements are in flight; ``finish_bundle`` emits
    the rest. So elements never wait for a batch to fill or for its slowest
    member, and the next fused step (here FetchAndUploadRaw after ListPyFiles)
    starts on a repository as soon as its listing is done. Outputs and counts
    are handed back to the bundle's thread, which emits them.
    """

    def start_bundle(self) -> None:
        self._pending: list[Future] = []

    def process_one(self, element) -> Iterator:  # pragma: no cover - abstract
        raise NotImplementedError

    def _work(self, element) -> tuple[list, Counter]:
        with metrics.buffered() as counts:
            return list(self.process_one(element)), counts

    def _emit(self, *, block: bool, drain: bool, windowed: bool) -> Iterator:
        if drain:
            wait(self._pending)
        elif block:
            wait(self._pending, return_when=FIRST_COMPLETED)
        done, pending = [], []
        for f in self._pending:  # one look at each: a future may finish meanwhile
            (done if f.done() else pending).append(f)
        self._pending = pending
        for future in done:
            outputs, counts = future.result()
            metrics.report_buffered(counts)
            for out in outputs:
                yield _windowed(out) if windowed else out

    def process(self, element):
        self._pending.append(self._resources.pool.submit(self._work, element))
        yield from self._emit(block=len(self._pending) >= 2 * self._resources.threads,
                              drain=False, windowed=False)

    def finish_bundle(self):
        try:
            yield from self._emit(block=False, drain=True, windowed=True)
        finally:
            self.flush_request_counts()


def _windowed(out):
    """An output of finish_bundle: every element of this job is in the global window."""
    if isinstance(out, pvalue.TaggedOutput):
        return pvalue.TaggedOutput(out.tag, WindowedValue(out.value, MIN_TIMESTAMP, [GlobalWindow()]))
    return WindowedValue(out, MIN_TIMESTAMP, [GlobalWindow()])


def _flatten(stats: dict, prefix: str = "") -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = int(value)
    return out
