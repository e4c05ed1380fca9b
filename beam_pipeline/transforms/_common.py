"""What the transforms share: the dead-letter tag and a DoFn base owning a client."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import apache_beam as beam
from apache_beam import pvalue

from .. import metrics
from ..config import JobConfig
from ..records import DeadLetter
from ..tokens import read_tokens, redact

DEAD = "dead_letters"
_LOGGER = logging.getLogger(__name__)


def dead_letter(stage: str, reason: str, key: str, detail: object = "") -> pvalue.TaggedOutput:
    """A dead-letter output, counted per reason."""
    metrics.count("dead_letters")
    metrics.count(f"dead_letters.{reason}")
    return pvalue.TaggedOutput(DEAD, DeadLetter(stage, reason, key, redact(str(detail))[:2000]))


class GitHubDoFn(beam.DoFn):
    """A DoFn holding one GitHub client per instance (created in setup, closed in teardown).

    After each element the client's request counts are added to the job
    counters, so the summary reports requests by endpoint and retries by cause.
    """

    def __init__(self, cfg: JobConfig):
        self.cfg = cfg
        self.client = None
        self._last: dict[str, int] = {}

    def setup(self) -> None:
        from ..github import GitHubClient

        tokens = read_tokens(self.cfg.token_env, self.cfg.token_secret)
        self.client = GitHubClient(
            self.cfg.github_api_url,
            tokens,
            timeout=self.cfg.request_timeout_s,
            max_retries=self.cfg.max_retries,
            backoff_base_s=self.cfg.backoff_base_s,
            secondary_floor_s=self.cfg.secondary_floor_s,
        )

    def teardown(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def flush_request_counts(self) -> None:
        now = _flatten(self.client.stats.as_dict())
        for name, value in now.items():
            delta = int(value) - self._last.get(name, 0)
            if delta > 0:
                metrics.count(f"github.{name}", delta)
        self._last = now

    def process(self, element, *args, **kwargs) -> Iterator:  # pragma: no cover - abstract
        raise NotImplementedError


def _flatten(stats: dict, prefix: str = "") -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = int(value)
    return out
