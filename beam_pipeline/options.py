"""Every flag of the job, in one PipelineOptions subclass.

Beam's own options (runner, project, region, temp_location, ...) come along for
free; these are the job's. Every flag has a default that works offline except
the GitHub URL, which defaults to the real API (use `--github_api_url=emulator`
for the bundled emulator and sample corpus). Every value is checked while the
command line is parsed (`validate`), and every help text says its default.
"""

from __future__ import annotations

import argparse
import math

from apache_beam.options.pipeline_options import PipelineOptions

from . import validate as v
from .config import DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PAIRS_PER_FILE

__all__ = ["EMULATOR", "ManimDatasetOptions"]

EMULATOR = "emulator"


def _ratios(text: str) -> tuple[float, float, float]:
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError:
        parts = []
    if (len(parts) != 3 or any(not math.isfinite(x) or x < 0 for x in parts)
            or abs(sum(parts) - 1.0) > 1e-6):
        raise argparse.ArgumentTypeError(f"--split_ratios needs three non-negative numbers summing to 1, got {text!r}")
    return parts[0], parts[1], parts[2]


def _sources(text: str) -> tuple[str, ...]:
    from .sources import SOURCES

    parts = tuple(sorted({x.strip().lower() for x in text.split(",") if x.strip()}))
    bad = [x for x in parts if x not in SOURCES]
    if not parts or bad:
        raise argparse.ArgumentTypeError(
            f"--sources takes a comma-separated subset of {','.join(SOURCES)}, got {text!r}"
        )
    return parts


class ManimDatasetOptions(PipelineOptions):
    """Options of the Manim dataset job (`python -m beam_pipeline --help`)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        g = parser.add_argument_group("GitHub crawl")
        g.add_argument(
            "--github_api_url",
            type=v.api_url,
            default="https://api.github.com",
            help="Base URL of the GitHub REST API: https://api.github.com, a GitHub "
            "Enterprise https://HOST/api/v3, or 'emulator' to start the bundled GitHub "
            "emulator over the bundled sample corpus on a free loopback port "
            "(default: https://api.github.com).",
        )
        g.add_argument("--query", default="manim",
                       help="Search query for repositories (default: manim).")
        g.add_argument(
            "--created_from",
            type=v.date,
            default="2008-01-01",
            help="Earliest repository creation date (YYYY-MM-DD) searched; the search is "
            "split by created: ranges to get past GitHub's 1,000-result cap "
            "(default: 2008-01-01).",
        )
        g.add_argument(
            "--created_to",
            type=v.date,
            default=None,
            help="Latest repository creation date (YYYY-MM-DD) searched (default: today).",
        )
        g.add_argument(
            "--include_forks",
            default=False,
            action="store_true",
            help="Also crawl forks, which GitHub search leaves out (default: off).",
        )
        g.add_argument(
            "--max_repos",
            type=v.positive_int,
            default=None,
            help="Crawl at most this many repositories (default: all found).",
        )
        g.add_argument(
            "--max_file_bytes",
            type=v.positive_int,
            default=1024 * 1024,
            help="Skip .py files larger than this, with a recorded reason "
            "(default: 1048576, 1 MiB).",
        )
        g.add_argument(
            "--max_archive_bytes",
            type=v.positive_int,
            default=512 * 1024 * 1024,
            help="Largest decompressed repository tarball read; a larger one (or a gzip "
            "bomb) falls back to the per-file blob API (default: 536870912, 512 MiB).",
        )
        g.add_argument(
            "--github_token_env",
            type=v.env_var_name,
            default="GITHUB_TOKEN",
            help="Name of the environment variable holding GitHub token(s), comma-separated "
            "for rotation. Read where the work runs; never put a token in a flag "
            "(default: GITHUB_TOKEN).",
        )
        g.add_argument(
            "--github_token_secret",
            default=None,
            help="Secret Manager resource (projects/P/secrets/S/versions/V) holding the "
            "GitHub token(s), read on the workers; keeps tokens out of the job graph "
            "(default: none, use --github_token_env).",
        )
        g.add_argument(
            "--max_retries",
            type=v.non_negative_int,
            default=6,
            help="Retries per GitHub request for 5xx, cut connections and rate limits "
            "(default: 6).",
        )
        g.add_argument(
            "--backoff_base_s",
            type=v.non_negative_float,
            default=1.0,
            help="First retry delay in seconds; doubles each retry, with full jitter "
            "(default: 1).",
        )
        g.add_argument(
            "--secondary_floor_s",
            type=v.non_negative_float,
            default=60.0,
            help="Wait at least this long after a secondary rate limit without retry-after "
            "(default: 60).",
        )
        g.add_argument(
            "--crawl_threads",
            type=v.positive_int,
            default=16,
            help="Repositories listed and fetched at once per worker process; the crawl "
            "waits on the network, so this, not the core count, sets its speed (default: 16).",
        )
        g.add_argument(
            "--max_concurrent_requests",
            type=v.non_negative_int,
            default=100,
            help="Pacing under GitHub's secondary limits, per token and worker process: at "
            "most this many requests in flight (GitHub allows 100 per token in all; 0: no "
            "limit). See README, 'Concurrency budget' (default: 100).",
        )
        g.add_argument(
            "--max_requests_per_minute",
            type=v.non_negative_int,
            default=900,
            help="Pacing: at most this many API requests in any minute, per token and worker "
            "process (GitHub allows 900 points a minute for REST endpoints; 0: no pacing) "
            "(default: 900).",
        )
        g.add_argument(
            "--max_server_s_per_minute",
            type=v.non_negative_float,
            default=90.0,
            help="Pacing: at most this many seconds of summed API response time in any "
            "minute, per token and worker process (GitHub allows 90 s; 0: no pacing) "
            "(default: 90).",
        )
        g.add_argument(
            "--request_timeout_s",
            type=v.positive_float,
            default=60.0,
            help="Timeout of one HTTP request to GitHub, in seconds (default: 60).",
        )

        e = parser.add_argument_group("bundled emulator (with --github_api_url=emulator)")
        e.add_argument(
            "--emulator_root",
            type=v.existing_folder,
            default=None,
            help="Corpus folder served by the emulator (default: the bundled sample corpus).",
        )
        e.add_argument(
            "--emulator_clones",
            type=v.non_negative_int,
            default=0,
            help="Extra virtual repositories the emulator serves, copies of the sample ones "
            "(default: 0).",
        )
        e.add_argument(
            "--emulator_latency_ms",
            type=v.non_negative_int,
            default=0,
            help="Latency the emulator adds to every request, in milliseconds (default: 0).",
        )

        o = parser.add_argument_group("output and dataset")
        o.add_argument(
            "--output",
            type=v.output_location,
            default="./output",
            help="Output root, a local folder or gs://bucket/prefix: raw/, processed/, "
            "dataset/, run/ and state/ are written below it (default: ./output).",
        )
        o.add_argument(
            "--max_output_lines",
            type=v.positive_int,
            default=60,
            help="Longest output in lines: a longer step ends at the last paragraph that "
            "fits; a longer definition is skipped, never truncated (default: 60).",
        )
        o.add_argument(
            "--max_output_bytes",
            type=v.positive_int,
            default=DEFAULT_MAX_OUTPUT_BYTES,
            help="Pairs whose code is larger than this many bytes (UTF-8) are skipped, never "
            f"truncated (default: {DEFAULT_MAX_OUTPUT_BYTES}).",
        )
        o.add_argument(
            "--max_input_bytes",
            type=v.positive_int,
            default=DEFAULT_MAX_INPUT_BYTES,
            help="Pairs whose comment or docstring is larger than this many bytes (UTF-8) "
            f"are skipped (default: {DEFAULT_MAX_INPUT_BYTES}).",
        )
        o.add_argument(
            "--max_pairs_per_file",
            type=v.positive_int,
            default=DEFAULT_MAX_PAIRS_PER_FILE,
            help="At most this many pairs of one file, a stable hash-based sample of them, "
            f"so that no file dominates the dataset (default: {DEFAULT_MAX_PAIRS_PER_FILE}).",
        )
        o.add_argument(
            "--sources",
            type=_sources,
            default=("user",),
            help="Which pairs the dataset keeps, by what their code is for: user (scenes, "
            "examples, videos), library (the package of Manim or of an extension), test. "
            "Comma-separated (default: user). processed/ keeps every pair, labelled.",
        )
        o.add_argument(
            "--split_ratios",
            type=_ratios,
            default=(0.8, 0.1, 0.1),
            help="train,validation,test ratios, split by repository (default: 0.8,0.1,0.1).",
        )
        o.add_argument(
            "--licenses",
            type=v.licenses,
            default=None,
            help="Comma-separated SPDX ids to keep in the dataset, any case, e.g. "
            "MIT,Apache-2.0; 'unknown' keeps repositories without a detected license "
            "(default: keep all, labelled).",
        )
        o.add_argument(
            "--near_dup_threshold",
            type=v.fraction,
            default=0.85,
            help="Jaccard similarity (0 < t <= 1) above which two pairs are near-duplicates, "
            "by MinHash (default: 0.85).",
        )
        o.add_argument(
            "--allow_shrink",
            default=False,
            action="store_true",
            help="Replace the previous dataset even when the new one is empty or has less "
            "than half its rows; without it such a run changes nothing and exits 3 "
            "(default: off).",
        )

        s = parser.add_argument_group("scene checks (run every ManimCE scene in a sandbox)")
        s.add_argument(
            "--check_scenes",
            default=False,
            action="store_true",
            help="Run every ManimCE scene and `.. manim::` documentation example in a "
            "sandbox (bubblewrap: no network, no credentials, rlimits) with the installed "
            "ManimCE in dry-run mode, and label the pairs inside each scene with the verdict "
            "(exec_status ok/error/missing_module/timeout/not_checked). Needs the [scenes] "
            "extra and bwrap; without them scenes are not_checked (default: off).",
        )
        s.add_argument(
            "--scene_timeout_s",
            type=v.positive_float,
            default=60.0,
            help="Wall-clock limit per scene, in seconds; the scene's processes are killed "
            "(default: 60).",
        )
        s.add_argument(
            "--scene_workers",
            type=v.positive_int,
            default=None,
            help="Sandboxes running scenes at once per worker process (default: one per core).",
        )
        s.add_argument(
            "--scene_end_state",
            default=False,
            action="store_true",
            help="Jump to the end of each animation instead of computing every frame "
            "(faster; see bench/RESULTS.md for what it changes) (default: off).",
        )
        s.add_argument(
            "--runnable_only",
            default=False,
            action="store_true",
            help="Keep only pairs from scenes that ran (exec_status ok) in dataset/; "
            "processed/ keeps every pair. Needs --check_scenes (default: off).",
        )

        d = parser.add_argument_group("DVC snapshot (post-step)")
        d.add_argument(
            "--dvc_repo",
            type=v.local_path,
            default="./dataset_repo",
            help="Local git+DVC repository that versions the dataset, created if absent "
            "(default: ./dataset_repo).",
        )
        d.add_argument(
            "--dvc_remote",
            type=v.dvc_remote,
            default="./dvc_store",
            help="DVC remote: a local folder or gs://bucket/dvc_store (default: ./dvc_store).",
        )
        d.add_argument(
            "--skip_dvc",
            default=False,
            action="store_true",
            help="Do not commit a DVC snapshot after the run (default: off).",
        )

        r = parser.add_argument_group("progress")
        r.add_argument(
            "--progress_interval_s",
            type=v.non_negative_float,
            default=5.0,
            help="Seconds between progress lines on stderr; 0 turns them off (default: 5).",
        )
