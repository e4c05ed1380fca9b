"""What the transforms share: the dead-letter tag and a DoFn base owning a client."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import apache_beam as beam
from apache_beam import pvalue

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
    write the same run/errors.jsonl byte for byte."""
    text = redact(str(detail))
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text[:2000]


def dead_letter(stage: str, reason: str, key: str, detail: object = "") -> pvalue.TaggedOutput:
    """A dead-letter output, counted per reason."""
    metrics.count("dead_letters")
    metrics.count(f"dead_letters.{reason}")
    return pvalue.TaggedOutput(DEAD, DeadLetter(stage, reason, key, stable_detail(detail)))


class GitHubDoFn(beam.DoFn):
    """A DoFn talking to GitHub: clients created in setup, closed in teardown.

    Each thread gets its own client (a requests.Session is not meant to be
    shared), all of them feeding one RequestStats; rate-limit state is shared
    process-wide by the client itself. After each element or batch the request
    counts are added to the job counters, so the summary reports requests by
    endpoint and retries by cause.
    """

    def __init__(self, cfg: JobConfig):
        self.cfg = cfg

    def setup(self) -> None:
        from ..github import RequestStats

        self._tokens = read_tokens(self.cfg.token_env, self.cfg.token_secret)
        self._stats = RequestStats()
        self._local = threading.local()
        self._clients: list = []
        self._clients_lock = threading.Lock()
        self._last: dict[str, int] = {}

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
    """Processes a batch of elements on a thread pool.

    The crawl waits on the network, not the CPU: with ~50 ms per request a
    single thread spends almost all its time idle. Work runs on helper threads;
    outputs and counts are handed back to the bundle's thread, which emits them.
    """

    def __init__(self, cfg: JobConfig, threads: int):
        super().__init__(cfg)
        self.threads = max(1, threads)

    def setup(self) -> None:
        super().setup()
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix=type(self).__name__)

    def teardown(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=True)
        super().teardown()

    def process_one(self, element) -> Iterator:  # pragma: no cover - abstract
        raise NotImplementedError

    def _work(self, element) -> tuple[list, Counter]:
        with metrics.buffered() as counts:
            return list(self.process_one(element)), counts

    def process(self, batch: list):
        try:
            for outputs, counts in self._pool.map(self._work, batch):
                metrics.report_buffered(counts)
                yield from outputs
        finally:
            self.flush_request_counts()


def batched(threads: int) -> beam.PTransform:
    """Batches sized for a ConcurrentGitHubDoFn with `threads` threads."""
    size = max(1, threads) * 2
    return beam.BatchElements(min_batch_size=size, max_batch_size=size)


def _flatten(stats: dict, prefix: str = "") -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = int(value)
    return out
