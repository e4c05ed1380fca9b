"""Command line: parse flags, run the pipeline, wait, then the DVC post-step.

Everything a user can get wrong (a flag, an unreachable API, a bad token, an
unwritable output, a missing git or dvc) ends in one readable line and a
non-zero exit, before any long work starts where that is possible.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from typing import Any

__all__ = ["main", "run"]

_LOGGER = logging.getLogger("beam_pipeline")


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _offline_env(argv: list[str]) -> None:
    """Keep google.auth and Beam from probing a metadata server on local runs.

    Must run before either is imported. Cloud runs (Dataflow, gs:// output)
    keep the normal credential discovery.
    """
    joined = " ".join(argv)
    if "DataflowRunner" in joined or "gs://" in joined:
        return
    os.environ.setdefault("NO_GCE_CHECK", "true")
    os.environ.setdefault("GCE_METADATA_HOST", "127.0.0.1:9")
    os.environ.setdefault("GCE_METADATA_IP", "127.0.0.1:9")


def _full_parser():
    """An argparse parser holding Beam's standard options and the job's."""
    from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

    from .options import ManimDatasetOptions

    class Parser(_BeamArgumentParser):
        def error(self, message):  # one line, not a wall of usage
            raise UserError(f"{message} (see --help)")

    parser = Parser(
        prog="python -m beam_pipeline",
        description="Build a (comment -> code) dataset from Manim code on GitHub with Apache "
        "Beam, then commit a DVC snapshot of it. Offline demo: "
        "--runner=DirectRunner --github_api_url=emulator",
        allow_abbrev=False,
    )
    ManimDatasetOptions._add_argparse_args(parser)
    seen = {ManimDatasetOptions}
    for cls in PipelineOptions.__subclasses__():
        if cls not in seen:
            seen.add(cls)
            cls._add_argparse_args(parser)
    return parser


def parse_args(argv: list[str]):
    """Validate argv strictly (typos are errors); return Beam PipelineOptions."""
    from apache_beam.options.pipeline_options import PipelineOptions

    parser = _full_parser()
    _known, unknown = parser.parse_known_args(argv)
    flags = [u for u in unknown if u.startswith("-")]
    if flags:
        raise UserError(f"unknown flag(s): {' '.join(flags)} (see --help)")
    return PipelineOptions(argv)


def _make_runner(options):
    """The runner to use: DirectRunner means Beam's FnApiRunner, never Prism.

    Beam's DirectRunner first tries Prism, which downloads a binary from the
    internet; on an offline machine that costs a failed lookup every run.
    """
    from apache_beam.options.pipeline_options import StandardOptions

    name = options.view_as(StandardOptions).runner or "DirectRunner"
    if name in {"DirectRunner", "direct", "FnApiRunner"}:
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        return FnApiRunner()
    return name


def _check_tools() -> None:
    for tool in ("git", "dvc"):
        if shutil.which(tool) is None:
            raise UserError(
                f"{tool} is not installed or not on PATH; it is needed for the DVC snapshot "
                "(install it, or pass --skip_dvc)"
            )


def _check_output(output: str) -> None:
    if "://" in output:
        return
    try:
        os.makedirs(output, exist_ok=True)
        from .storage import TMP_MARKER

        # Named like a temporary file, so readers and crash clean-up treat it as one.
        probe = os.path.join(output, f".write-probe{TMP_MARKER}{os.getpid()}-0")
        with open(probe, "wb") as f:
            f.write(b"ok")
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"output folder {output} is not writable: {e.strerror or e}") from None


def _check_github(cfg, tokens: tuple[str, ...]) -> None:
    """One free request (/rate_limit) before the crawl: reachability and credentials."""
    from .github import GitHubClient, GitHubError
    from .tokens import redact

    client = GitHubClient(cfg.github_api_url, tokens, timeout=10.0, max_retries=1,
                          backoff_base_s=0.2)
    try:
        client.rate_limit()
    except GitHubError as e:
        if e.reason == "bad_credentials":
            raise UserError(f"GitHub rejected the token in ${cfg.token_env} (401 Bad credentials)") from None
        raise UserError(f"GitHub API at {cfg.github_api_url} is not usable: {redact(str(e), tokens)}") from None
    finally:
        client.close()


def _counters(result) -> dict[str, int]:
    from apache_beam.metrics.metric import MetricsFilter

    from .metrics import NAMESPACE

    out: dict[str, int] = {}
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    for c in query.get("counters", []):
        value = c.committed if c.committed is not None else c.attempted
        out[c.key.metric.name] = out.get(c.key.metric.name, 0) + int(value or 0)
    return dict(sorted(out.items()))


def _group(counters: dict[str, int], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in counters.items() if k.startswith(prefix)}


def build_summary(cfg, counters: dict[str, int], dataset_stats: dict | None, elapsed: float,
                  started: str) -> dict[str, Any]:
    from . import __version__

    return {
        "pipeline_version": __version__,
        "query": cfg.query,
        "github_api_url": cfg.github_api_url,
        "output": cfg.output,
        "started": started,
        "elapsed_s": round(elapsed, 1),
        "repos_found": counters.get("repos_found", 0),
        "repos_listed": counters.get("repos_listed", 0),
        "repos_unchanged": counters.get("repos_unchanged", 0),
        "files_listed": counters.get("files_listed", 0),
        "files_fetched": counters.get("files_fetched", 0),
        "files_reused": counters.get("files_reused", 0),
        "files_manim": counters.get("files_manim", 0),
        "files_manim_by_flavor": _group(counters, "files_manim."),
        "files_not_manim": counters.get("files_not_manim", 0),
        "pairs_extracted": counters.get("pairs", 0),
        "pairs_skipped": _group(counters, "pairs_skipped."),
        "processed_written": counters.get("processed_written", 0),
        "processed_unchanged": counters.get("processed_unchanged", 0),
        "dead_letters": counters.get("dead_letters", 0),
        "skipped_by_reason": _group(counters, "dead_letters."),
        "github_requests": _group(counters, "github.requests."),
        "github_not_modified": counters.get("github.not_modified", 0),
        "github_retries": _group(counters, "github.retries."),
        "dataset": dataset_stats,
        "counters": counters,
    }


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the job; returns the summary (also written to <output>/run/summary.json)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _offline_env(argv)
    options = parse_args(argv)

    from . import cloud
    from .config import config_from_options
    from .options import EMULATOR, ManimDatasetOptions
    from .tokens import read_tokens

    opts = options.view_as(ManimDatasetOptions)
    dataflow = cloud.is_dataflow(options)
    if dataflow:
        try:
            for warning in cloud.check_launch(options, argv):
                _LOGGER.warning("%s", warning)
        except cloud.LaunchError as e:
            raise UserError(str(e)) from None
    started_at = time.monotonic()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    emulator = None
    if opts.github_api_url == EMULATOR:
        from .emulator import FaultConfig, GitHubEmulator

        emulator = GitHubEmulator(
            root=opts.emulator_root,
            port=0,
            clones=opts.emulator_clones,
            faults=FaultConfig(latency_ms=opts.emulator_latency_ms),
        ).start()
        opts.github_api_url = emulator.url
        print(f"Started the bundled GitHub emulator at {emulator.url}", file=sys.stderr)
    try:
        try:
            cfg = config_from_options(opts)
        except ValueError as e:
            raise UserError(str(e)) from None
        if not opts.skip_dvc and (not dataflow or cloud.wants_wait(options)):
            _check_tools()
        _check_output(cfg.output)
        tokens = () if opts.github_token_secret else read_tokens(cfg.token_env)
        _check_github(cfg, tokens)
        return _run_pipeline(options, opts, cfg, started, started_at)
    finally:
        if emulator is not None:
            emulator.stop()


def _run_pipeline(options, opts, cfg, started: str, started_at: float) -> dict[str, Any]:
    import apache_beam as beam

    from . import cloud
    from .metrics import PROGRESS_ENV, reset_progress
    from .pipeline import build_pipeline
    from .storage import join, read_bytes, write_atomic, write_if_changed

    os.environ[PROGRESS_ENV] = str(opts.progress_interval_s)
    reset_progress()
    print(f"Crawling {cfg.github_api_url} for {cfg.query!r} into {cfg.output}", file=sys.stderr)
    p = beam.Pipeline(runner=_make_runner(options), options=options)
    build_pipeline(p, cfg)
    result = p.run()
    if cloud.is_dataflow(options):
        sub = cloud.submission(result, options)
        waiting = sub.submitted and cloud.wants_wait(options)
        print(cloud.format_submission(sub, waiting))
        if not waiting:
            record = cloud.submission_record(sub, cfg.output)
            if sub.submitted:
                write_atomic(
                    join(cfg.output, "run", "dataflow_job.json"),
                    (json.dumps(record, indent=2, sort_keys=True) + "\n").encode(),
                )
            return {"dataflow": record, "dvc": None}
    result.wait_until_finish()
    if cloud.is_dataflow(options):
        cloud.require_done(result)
    counters = _counters(result)
    revoked = counters.get("dead_letters.bad_credentials", 0)
    if revoked:
        raise UserError(
            f"GitHub rejected the token in ${cfg.token_env} during the run (401 Bad credentials): "
            f"{revoked} item(s) skipped, no DVC snapshot made; see {cfg.output}/run/errors.jsonl"
        )
    stats_bytes = read_bytes(join(cfg.output, "dataset", "stats.json"))
    dataset_stats = json.loads(stats_bytes) if stats_bytes else None
    summary = build_summary(cfg, counters, dataset_stats, time.monotonic() - started_at, started)
    summary["dvc"] = None if opts.skip_dvc else _snapshot(opts, cfg, summary)
    summary["elapsed_s"] = round(time.monotonic() - started_at, 1)
    write_if_changed(
        join(cfg.output, "run", "summary.json"),
        (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode(),
    )
    print(format_report(summary))
    return summary


def _snapshot(opts, cfg, summary: dict[str, Any]) -> dict[str, Any]:
    import apache_beam

    from . import __version__
    from .snapshot import commit_snapshot
    from .storage import join

    metadata = {
        "query": cfg.query,
        "github_api_url": cfg.github_api_url,
        "output": cfg.output,
        "run_started": summary["started"],
        "repos_found": summary["repos_found"],
        "files_manim": summary["files_manim"],
        "files_manim_by_flavor": summary["files_manim_by_flavor"],
        "pairs_extracted": summary["pairs_extracted"],
        "dataset": summary["dataset"],
        "beam_version": apache_beam.__version__,
        "pipeline_version": __version__,
    }
    result = commit_snapshot(
        join(cfg.output, "dataset"), opts.dvc_repo, opts.dvc_remote, metadata=metadata
    )
    return {
        "commit": result.commit,
        "tag": result.tag,
        "changed": result.changed,
        "pushed": result.pushed,
        "repo": os.path.abspath(opts.dvc_repo),
        "remote": result.remote,
    }


def format_report(s: dict[str, Any]) -> str:
    flavors = ", ".join(f"{k} {v}" for k, v in s["files_manim_by_flavor"].items()) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in s["skipped_by_reason"].items()) or "none"
    requests = ", ".join(f"{k} {v}" for k, v in s["github_requests"].items()) or "none"
    requests += f"; 304 not modified {s['github_not_modified']}"
    retries = ", ".join(f"{k} {v}" for k, v in s["github_retries"].items()) or "none"
    dvc = s.get("dvc")
    if dvc:
        dvc_line = f"{dvc['commit'][:12] if dvc['commit'] else '-'}" + (
            f" (new snapshot {dvc['tag']})" if dvc["changed"] else " (unchanged, no new commit)"
        )
    else:
        dvc_line = "skipped (--skip_dvc)"
    ds = s.get("dataset") or {}
    splits = ", ".join(
        f"{k} {ds['splits'][k]}" for k in ("train", "validation", "test") if k in (ds.get("splits") or {})
    )
    source_filter = ds.get("source_filter") or {}
    kept = ", ".join(source_filter.get("keep") or [])
    left_out = ", ".join(f"{k} {v}" for k, v in (source_filter.get("removed") or {}).items()) or "none"
    lines = [
        "",
        "== Manim dataset run ==",
        f"repositories found   {s['repos_found']} (listed {s['repos_listed']}, unchanged {s['repos_unchanged']})",
        f"files listed         {s['files_listed']}",
        f"files fetched        {s['files_fetched']} (reused from raw/ {s['files_reused']})",
        f"kept as Manim        {s['files_manim']} ({flavors}); not Manim {s['files_not_manim']}",
        f"pairs written        {s['pairs_extracted']} extracted; dataset rows {ds.get('rows', 'n/a')}"
        + (f" ({splits})" if splits else ""),
        *([f"dataset sources      kept {kept}; left out {left_out}"] if kept else []),
        *([f"splits note          {ds['split']['note']}"] if (ds.get("split") or {}).get("note") else []),
        f"skipped by reason    {skipped}",
        f"GitHub requests      {requests}",
        f"GitHub retries       {retries}",
        f"DVC commit           {dvc_line}",
        f"elapsed              {s['elapsed_s']} s",
        f"output               {s['output']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("apache_beam", "google", "urllib3", "dvc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        run(argv)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - last line of defence: one readable line
        from .tokens import redact

        if os.environ.get("MANIM_DATASET_DEBUG"):
            raise
        print(f"error: the run failed: {type(e).__name__}: {redact(str(e))[:2000]}", file=sys.stderr)
        print("(set MANIM_DATASET_DEBUG=1 for the full traceback)", file=sys.stderr)
        return 1
    return 0

