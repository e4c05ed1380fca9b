"""The job's settings as one small picklable value, built from the options.

DoFns receive this instead of PipelineOptions: it holds no secret (tokens are
read where the work runs, see `tokens.py`) and is cheap to ship to workers.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "DEFAULT_MAX_OUTPUT_BYTES",
    "DEFAULT_MAX_PAIRS_PER_FILE",
    "JobConfig",
    "config_from_options",
]

# Bounds of one pair and of one file's share, in bytes of UTF-8 and in pairs: a prompt
# of a few hundred tokens and code of a few thousand fit; a megabyte docstring does not.
DEFAULT_MAX_INPUT_BYTES = 4 * 1024
DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024
DEFAULT_MAX_PAIRS_PER_FILE = 100


@dataclass(frozen=True)
class JobConfig:
    github_api_url: str
    output: str
    query: str = "manim"
    created_from: str | None = "2008-01-01"
    created_to: str | None = None
    include_forks: bool = False
    max_repos: int | None = None
    max_file_bytes: int = 1024 * 1024
    max_archive_bytes: int = 512 * 1024 * 1024
    token_env: str = "GITHUB_TOKEN"
    token_secret: str | None = None
    max_retries: int = 6
    backoff_base_s: float = 1.0
    secondary_floor_s: float = 60.0
    request_timeout_s: float = 60.0
    crawl_threads: int = 16
    # Pacing under GitHub's secondary limits, per token and worker process (0: off).
    max_concurrent_requests: int = 100
    max_requests_per_minute: int = 900
    max_server_s_per_minute: float = 90.0
    pacing_window_s: float = 60.0  # GitHub's minute; shorter only in tests
    max_output_lines: int = 60
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    max_pairs_per_file: int = DEFAULT_MAX_PAIRS_PER_FILE
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    licenses: frozenset[str] | None = None
    near_dup_threshold: float = 0.85
    sources: frozenset[str] = frozenset({"user"})
    allow_shrink: bool = False
    check_scenes: bool = False
    scene_timeout_s: float = 60.0
    scene_workers: int | None = None  # sandboxes per worker process; None: one per core
    scene_end_state: bool = False
    runnable_only: bool = False

    def secondary_limits(self):
        """The pacing of `GitHubClient` (a `github.ratelimit.SecondaryLimits`)."""
        from .github.ratelimit import SecondaryLimits

        return SecondaryLimits(
            max_concurrent=self.max_concurrent_requests,
            points_per_window=self.max_requests_per_minute,
            server_s_per_window=self.max_server_s_per_minute,
            window_s=self.pacing_window_s,
        )

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        def parse(text: str | None) -> dt.date | None:
            return dt.date.fromisoformat(text) if text else None

        return parse(self.created_from), parse(self.created_to)


def _normalise_output(output: str) -> str:
    if "://" in output:
        return output.rstrip("/")
    return os.path.abspath(output)


def config_from_options(options) -> JobConfig:
    """Build the JobConfig from a ManimDatasetOptions view."""
    licenses = None
    if options.licenses:
        licenses = frozenset(x.strip() for x in options.licenses.split(",") if x.strip())
    if options.runnable_only and not options.check_scenes:
        raise ValueError("--runnable_only needs --check_scenes (nothing is run otherwise)")
    for flag in ("created_from", "created_to"):
        value = getattr(options, flag)
        if value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"--{flag} must be a date YYYY-MM-DD, got {value!r}") from None
    if options.created_from and options.created_to and options.created_from > options.created_to:
        raise ValueError(
            f"--created_from={options.created_from} is after --created_to={options.created_to}"
        )
    return JobConfig(
        github_api_url=options.github_api_url.rstrip("/"),
        output=_normalise_output(options.output),
        query=options.query,
        created_from=options.created_from,
        created_to=options.created_to,
        include_forks=options.include_forks,
        max_repos=options.max_repos,
        max_file_bytes=options.max_file_bytes,
        max_archive_bytes=options.max_archive_bytes,
        token_env=options.github_token_env,
        token_secret=options.github_token_secret,
        max_retries=options.max_retries,
        backoff_base_s=options.backoff_base_s,
        secondary_floor_s=options.secondary_floor_s,
        request_timeout_s=options.request_timeout_s,
        crawl_threads=options.crawl_threads,
        max_concurrent_requests=options.max_concurrent_requests,
        max_requests_per_minute=options.max_requests_per_minute,
        max_server_s_per_minute=options.max_server_s_per_minute,
        max_output_lines=options.max_output_lines,
        max_input_bytes=options.max_input_bytes,
        max_output_bytes=options.max_output_bytes,
        max_pairs_per_file=options.max_pairs_per_file,
        split_ratios=tuple(options.split_ratios),
        licenses=licenses,
        near_dup_threshold=options.near_dup_threshold,
        sources=frozenset(options.sources),
        allow_shrink=options.allow_shrink,
        check_scenes=options.check_scenes,
        scene_timeout_s=options.scene_timeout_s,
        scene_workers=options.scene_workers,
        scene_end_state=options.scene_end_state,
        runnable_only=options.runnable_only,
    )
