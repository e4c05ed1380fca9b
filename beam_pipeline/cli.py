"""Command line: parse flags, run the pipeline, wait, then the DVC post-step.

Everything a user can get wrong (a flag, an unreachable API, a bad token, an
unwritable output, a missing git or dvc) ends in one readable line and a
non-zero exit, before any long work starts where that is possible.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

__all__ = ["main", "run"]

_LOGGER = logging.getLogger("beam_pipeline")


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


class RunRefused(Exception):
    """The run finished but its outcome was not published (exit code 3): the new
    dataset would be empty or lose more than half the rows (see --allow_shrink)."""


class SnapshotFailed(Exception):
    """The dataset was built but the DVC snapshot failed (exit code 1); the dataset
    repository was left as it was."""


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


_DESCRIPTION = (
    "Build a (comment -> code) dataset from Manim code on GitHub with Apache Beam, then "
    "commit a DVC snapshot of it. Offline demo: --runner=DirectRunner --github_api_url=emulator"
)
_EPILOG = (
    "Apache Beam's standard options (--runner, --project, --region, --temp_location, "
    "--direct_num_workers, ...) are accepted too: --help_beam lists them. Exit codes: 0 done, "
    "1 the run or the DVC snapshot failed, 2 a flag or the set-up is wrong (nothing was done), "
    "3 the new dataset was refused (empty or shrunk by more than half; see --allow_shrink)."
)


def _parser(beam_options: bool):
    """The job's flags first; Beam's standard options after them when ``beam_options``."""
    from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

    from .options import ManimDatasetOptions

    class Parser(_BeamArgumentParser):
        def error(self, message):  # one line, not a wall of usage
            raise UserError(f"{message} (see --help)")

    parser = Parser(
        prog="python -m beam_pipeline",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        allow_abbrev=False,
        add_help=False,
    )
    ManimDatasetOptions._add_argparse_args(parser)
    h = parser.add_argument_group("help")
    h.add_argument("-h", "--help", action="store_true", help="Show the job's flags and exit.")
    h.add_argument("--help_beam", action="store_true",
                   help="Show Apache Beam's standard options too and exit.")
    if beam_options:
        beam = parser.add_argument_group("Apache Beam's standard options")
        seen = {ManimDatasetOptions}
        for cls in PipelineOptions.__subclasses__():
            if cls not in seen:
                seen.add(cls)
                cls._add_argparse_args(beam)
    return parser


def _full_parser():
    """An argparse parser holding the job's flags and Beam's standard options."""
    return _parser(beam_options=True)


def parse_args(argv: list[str]):
    """Validate argv strictly (typos and bad values are errors); return Beam PipelineOptions.

    ``--help`` prints the job's flags (every one with its default) and exits;
    ``--help_beam`` adds Beam's standard options.
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    if "--help_beam" in argv:
        _full_parser().print_help()
        raise SystemExit(0)
    if "-h" in argv or "--help" in argv:
        _parser(beam_options=False).print_help()
        raise SystemExit(0)
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
    from .snapshot import find_tool

    for tool in ("git", "dvc"):
        if find_tool(tool) is None:
            raise UserError(
                f"{tool} is not installed (not next to {sys.executable} nor on PATH); it is "
                "needed for the DVC snapshot (install it, or pass --skip_dvc)"
            )


def _check_creatable(path: str, flag: str) -> None:
    """``path`` is a folder, or can become one: without creating anything that stays."""
    import tempfile

    path = os.path.abspath(path)
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise UserError(f"{flag}={path} exists and is not a folder")
        probe_in = path
    else:
        probe_in = os.path.dirname(path)
        while not os.path.exists(probe_in):
            probe_in = os.path.dirname(probe_in)
        if not os.path.isdir(probe_in):
            raise UserError(f"{flag}={path} cannot be created: {probe_in} is not a folder")
    try:  # the only sure test of "can I create a folder here?" is to create one
        os.rmdir(tempfile.mkdtemp(prefix=".write-probe-", dir=probe_in))
    except OSError as e:
        raise UserError(
            f"{flag}={path} cannot be created or written: {e.strerror or e}"
        ) from None


def _check_dvc_paths(opts) -> None:
    _check_creatable(opts.dvc_repo, "--dvc_repo")
    if "://" not in opts.dvc_remote:
        _check_creatable(opts.dvc_remote, "--dvc_remote")


def _check_output(output: str) -> int:
    """The output folder must be writable; then the temporary files of killed earlier
    runs go (before any writer of this run starts, so never one of ours). Returns
    how many were removed."""
    from .storage import remove_stale_temps, temp_path

    if "://" in output:
        return 0
    try:
        os.makedirs(output, exist_ok=True)
        # Named like a temporary file, so readers and crash clean-up treat it as one.
        probe = temp_path(os.path.join(output, "write-probe"))
        with open(probe, "xb") as f:
            f.write(b"ok")
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"output folder {output} is not writable: {e.strerror or e}") from None
    return remove_stale_temps(output)


def _check_github(cfg, tokens: tuple[str, ...], bundled: bool = False) -> None:
    """One free request (/rate_limit) before the crawl: reachability and credentials.

    Without a token, says what that costs, with the limits the API itself reports
    (GitHub: 60 core requests an hour, 10 search requests a minute); not for the
    bundled emulator, whose limits are the demo's own.
    """
    from .github import GitHubClient, GitHubError
    from .tokens import redact

    client = GitHubClient(cfg.github_api_url, tokens, timeout=10.0, max_retries=1,
                          backoff_base_s=0.2)
    try:
        limits = client.rate_limit()
        if not tokens and not bundled and not cfg.token_secret:
            _LOGGER.warning("%s", anonymous_warning(limits, cfg.token_env))
    except GitHubError as e:
        if e.reason == "bad_credentials":
            raise UserError(f"GitHub rejected the token in ${cfg.token_env} (401 Bad credentials)") from None
        raise UserError(f"GitHub API at {cfg.github_api_url} is not usable: {redact(str(e), tokens)}") from None
    finally:
        client.close()


def anonymous_warning(limits: dict | None, token_env: str) -> str:
    """The no-token warning, with the limits of this API (GitHub's when it reports none)."""

    def limit(resource: str, default: int) -> int:
        try:
            return int(limits["resources"][resource]["limit"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return default

    return (
        f"No GitHub token in ${token_env}: the crawl is unauthenticated and slow "
        f"({limit('core', 60)} API requests per hour, {limit('search', 10)} search requests "
        f"per minute). Set {token_env} to a token (no scopes needed for public repositories)."
    )


def _counters(result) -> dict[str, int]:
    from apache_beam.metrics.metric import MetricsFilter

    from .metrics import NAMESPACE

    out: dict[str, int] = {}
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    for c in query.get("counters", []):
        value = c.committed if c.committed is not None else c.attempted
        out[c.key.metric.name] = out.get(c.key.metric.name, 0) + int(value or 0)
    return dict(sorted(out.items()))


def _distributions(result) -> dict[str, dict[str, float]]:
    """The job's distributions (count, sum, min, max, mean), merged over steps."""
    from apache_beam.metrics.metric import MetricsFilter

    from .metrics import NAMESPACE

    merged: dict[str, list[int]] = {}
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    for d in query.get("distributions", []):
        value = d.committed if d.committed is not None else d.attempted
        if value is None or not value.count:
            continue
        m = merged.setdefault(d.key.metric.name, [0, 0, value.min, value.max])
        m[0] += value.count
        m[1] += value.sum
        m[2], m[3] = min(m[2], value.min), max(m[3], value.max)
    return {
        name: {"count": c, "sum": t, "min": lo, "max": hi, "mean": round(t / c, 3)}
        for name, (c, t, lo, hi) in sorted(merged.items())
    }


def _step_seconds(result) -> dict[str, float] | None:
    """Execution time per top-level transform, summed over workers (Beam's own
    sampled ``ptransform_execution_time``); None where the runner reports none."""
    try:
        counters = result.monitoring_metrics().query().get("counters", [])
    except Exception:  # noqa: BLE001 - a runner without monitoring metrics
        return None
    msecs: dict[str, int] = {}
    for c in counters:
        if "ptransform_execution_time:total_msecs" not in c.key.metric.name:
            continue
        top = (c.key.step or "?").split("/", 1)[0]
        msecs[top] = msecs.get(top, 0) + int(c.committed or 0)
    if not msecs:
        return None
    return {k: round(v / 1000, 2) for k, v in sorted(msecs.items(), key=lambda kv: -kv[1]) if v}


def _per_repository(distributions: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    prefix = "github_per_repo."
    return {
        k[len(prefix):]: {"mean": v["mean"], "max": v["max"], "repos": v["count"]}
        for k, v in distributions.items()
        if k.startswith(prefix)
    }


def _group(counters: dict[str, int], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in counters.items() if k.startswith(prefix)}


def build_summary(cfg, counters: dict[str, int], dataset_stats: dict | None, elapsed: float,
                  started: str, distributions: dict | None = None,
                  timings: dict | None = None) -> dict[str, Any]:
    from . import __version__

    distributions = distributions or {}

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
        "pairs_redacted": counters.get("pairs_redacted", 0),
        "redacted": _group(counters, "redacted."),
        "processed_written": counters.get("processed_written", 0),
        "processed_unchanged": counters.get("processed_unchanged", 0),
        "dead_letters": counters.get("dead_letters", 0),
        "skipped_by_reason": _group(counters, "dead_letters."),
        "github_requests": _group(counters, "github.requests."),
        "github_not_modified": counters.get("github.not_modified", 0),
        "github_rate_limited": _group(counters, "github.rate_limited."),
        "github_downloads": counters.get("github.downloads", 0),
        "github_per_repository": _per_repository(distributions),
        "github_retries": _group(counters, "github.retries."),
        "timings": timings or {},
        "scenes": {
            "checked": cfg.check_scenes,
            "files": counters.get("scene_files", 0),
            "by_status": _group(counters, "scenes."),
            "not_checked": _group(counters, "scenes_not_checked."),
            "cache_hits": counters.get("scene_cache_hits", 0),
            "pairs_in_scenes": counters.get("pairs_in_scenes", 0),
            "pairs_in_checked_scenes": counters.get("pairs_in_checked_scenes", 0),
        },
        "dataset": dataset_stats,
        "refused": None,
        "counters": counters,
    }


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the job; returns the summary (also written to <output>/run/summary.json).

    Every check that can fail without doing work runs first, in this order: the
    flags (while parsing), the date range, git and dvc, the DVC paths, the output
    folder, then one request to the GitHub API.
    """
    run_started = time.monotonic()
    argv = list(sys.argv[1:] if argv is None else argv)
    _offline_env(argv)
    options = parse_args(argv)

    from . import cloud
    from .config import config_from_options
    from .options import EMULATOR, ManimDatasetOptions
    from .tokens import read_tokens

    opts = options.view_as(ManimDatasetOptions)
    try:
        config_from_options(opts)  # cross-flag checks (date order), before anything starts
    except ValueError as e:
        raise UserError(str(e)) from None
    dataflow = cloud.is_dataflow(options)
    if dataflow:
        try:
            for warning in cloud.check_launch(options, argv):
                _LOGGER.warning("%s", warning)
        except cloud.LaunchError as e:
            raise UserError(str(e)) from None
    if not opts.skip_dvc and (not dataflow or cloud.wants_wait(options)):
        _check_tools()
        _check_dvc_paths(opts)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    emulator = None
    bundled = opts.github_api_url == EMULATOR
    if bundled:
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
        cfg = config_from_options(opts)
        stale = _check_output(cfg.output)
        tokens = () if opts.github_token_secret else read_tokens(cfg.token_env)
        _check_github(cfg, tokens, bundled=bundled)
        return _run_pipeline(options, opts, cfg, started, run_started, stale_temps=stale)
    finally:
        if emulator is not None:
            emulator.stop()


def _read_json(path: str) -> dict | None:
    from .storage import read_bytes

    try:
        data = read_bytes(path)
        doc = json.loads(data) if data else None
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _run_pipeline(options, opts, cfg, started: str, started_at: float,
                  stale_temps: int = 0) -> dict[str, Any]:
    import apache_beam as beam

    from . import cloud
    from .layout import dataflow_job_path, dataset_stats_path, refused_path, summary_path
    from .metrics import PROGRESS_ENV, reset_progress
    from .pipeline import build_pipeline
    from .storage import write_atomic, write_if_changed

    os.environ[PROGRESS_ENV] = str(opts.progress_interval_s)
    reset_progress()
    previous_summary = _read_json(summary_path(cfg.output))
    print(f"Crawling {cfg.github_api_url} for {cfg.query!r} into {cfg.output}", file=sys.stderr)
    p = beam.Pipeline(runner=_make_runner(options), options=options)
    build_pipeline(p, cfg)
    pipeline_started = time.monotonic()
    result = p.run()
    if cloud.is_dataflow(options):
        sub = cloud.submission(result, options)
        waiting = sub.submitted and cloud.wants_wait(options)
        print(cloud.format_submission(sub, waiting))
        if not waiting:
            record = cloud.submission_record(sub, cfg.output)
            if sub.submitted:
                write_atomic(
                    dataflow_job_path(cfg.output),
                    (json.dumps(record, indent=2, sort_keys=True) + "\n").encode(),
                )
            return {"dataflow": record, "dvc": None}
    result.wait_until_finish()
    if cloud.is_dataflow(options):
        cloud.require_done(result)
    counters = _counters(result)
    if stale_temps:  # removed by the pre-run checks
        counters["stale_temps_removed"] = counters.get("stale_temps_removed", 0) + stale_temps
    revoked = counters.get("dead_letters.bad_credentials", 0)
    if revoked:
        raise UserError(
            f"GitHub rejected the token in ${cfg.token_env} during the run (401 Bad credentials): "
            f"{revoked} item(s) skipped, no DVC snapshot made; see {cfg.output}/run/errors/"
        )
    pipeline_done = time.monotonic()
    timings: dict[str, Any] = {
        "startup_s": round(pipeline_started - started_at, 2),
        "pipeline_s": round(pipeline_done - pipeline_started, 2),
        "steps_s": _step_seconds(result),
    }
    refused = None
    if counters.get("dataset_refused"):
        refused = _read_json(refused_path(cfg.output)) or {"reason": "refused", "stats": {}}
        dataset_stats = refused.get("stats")
    else:
        dataset_stats = _read_json(dataset_stats_path(cfg.output))
    summary = build_summary(cfg, counters, dataset_stats, pipeline_done - started_at, started,
                            _distributions(result), timings)
    failure: Exception | None = None
    if refused is not None:
        from .funnel import explain_refusal

        summary["refused"] = explain_refusal(refused, summary, previous_summary)
        summary["dvc"] = None
        failure = RunRefused(summary["refused"])
    elif opts.skip_dvc:
        summary["dvc"] = None
    else:
        from .snapshot import SnapshotError

        try:
            summary["dvc"] = _snapshot(opts, cfg, summary)
        except SnapshotError as e:
            summary["dvc"] = {"error": str(e), "committed": [], "pushed": False,
                              "repo": os.path.abspath(opts.dvc_repo)}
            failure = SnapshotFailed(f"DVC snapshot failed: {e}")
    timings["snapshot_s"] = round(time.monotonic() - pipeline_done, 2) if summary["dvc"] else 0.0
    summary["elapsed_s"] = round(time.monotonic() - started_at, 1)
    write_if_changed(
        summary_path(cfg.output),
        (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode(),
    )
    print(format_report(summary))
    if failure is not None:
        raise failure
    return summary


def _snapshot(opts, cfg, summary: dict[str, Any]) -> dict[str, Any]:
    import apache_beam

    from . import __version__
    from .layout import dataset_dir
    from .snapshot import commit_snapshot

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
        dataset_dir(cfg.output), opts.dvc_repo, opts.dvc_remote, metadata=metadata
    )
    return {
        "commit": result.commit,
        "tag": result.tag,
        "changed": result.changed,
        "committed": list(result.committed),
        "pushed": result.pushed,
        "pushed_files": result.pushed_files,
        "repo": os.path.abspath(opts.dvc_repo),
        "remote": result.remote,
    }


def _dvc_line(dvc: dict[str, Any] | None, refused: bool) -> str:
    if refused:
        return "none (the new dataset was refused)"
    if not dvc:
        return "skipped (--skip_dvc)"
    if dvc.get("error"):
        return f"FAILED, nothing committed; {dvc['repo']} left as it was"
    head = (dvc["commit"] or "-")[:12]
    if dvc["committed"]:
        what = f"committed {head}: {', '.join(dvc['committed'])}"
        what += f" (new snapshot {dvc['tag']})" if dvc["changed"] else " (remote URL only)"
    else:
        what = f"no new commit (dataset unchanged, HEAD {head})"
    pushed = dvc.get("pushed_files", 0)
    what += (f"; pushed {pushed} file(s) to {dvc['remote']}" if pushed
             else f"; nothing to push ({dvc['remote']} has every file)")
    return what


def format_report(s: dict[str, Any]) -> str:
    flavors = ", ".join(f"{k} {v}" for k, v in s["files_manim_by_flavor"].items()) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in s["skipped_by_reason"].items()) or "none"
    requests = ", ".join(f"{k} {v}" for k, v in s["github_requests"].items()) or "none"
    requests += f"; 304 not modified {s['github_not_modified']}"
    charged = s.get("github_rate_limited") or {}
    per_repo = s.get("github_per_repository") or {}
    cost = (
        f"core {charged.get('core', 0)}, search {charged.get('search', 0)}; free 304s "
        f"{s['github_not_modified']}; archive downloads {s.get('github_downloads', 0)}"
    )
    if per_repo.get("core"):
        cost += "; per repository: " + ", ".join(
            f"{k} {v['mean']:g} (max {v['max']:g})" for k, v in per_repo.items()
        )
    retries = ", ".join(f"{k} {v}" for k, v in s["github_retries"].items()) or "none"
    t = s.get("timings") or {}
    stages = f"start-up {t.get('startup_s', 0):.1f} s, pipeline {t.get('pipeline_s', 0):.1f} s"
    if t.get("snapshot_s"):
        stages += f", DVC snapshot {t['snapshot_s']:.1f} s"
    if t.get("steps_s"):
        stages += "; in the pipeline (summed over workers): " + ", ".join(
            f"{k} {v:.1f} s" for k, v in t["steps_s"].items()
        )
    dvc_line = _dvc_line(s.get("dvc"), bool(s.get("refused")))
    ds = s.get("dataset") or {}
    splits = ", ".join(
        f"{k} {ds['splits'][k]}" for k in ("train", "validation", "test") if k in (ds.get("splits") or {})
    )
    source_filter = ds.get("source_filter") or {}
    kept = ", ".join(source_filter.get("keep") or [])
    left_out = ", ".join(f"{k} {v}" for k, v in (source_filter.get("removed") or {}).items()) or "none"
    redacted = ", ".join(f"{k} {v}" for k, v in s.get("redacted", {}).items()) or "none"
    sc = s.get("scenes") or {}
    if sc.get("checked"):
        statuses = ", ".join(f"{k} {v}" for k, v in sc["by_status"].items()) or "none"
        why = ", ".join(f"{k} {v}" for k, v in sc["not_checked"].items())
        scene_line = (f"{statuses} in {sc['files']} files (cached {sc['cache_hits']})"
                      + (f"; not checked: {why}" if why else "")
                      + f"; pairs in scenes {sc['pairs_in_scenes']}, checked "
                      f"{sc['pairs_in_checked_scenes']}")
        if s.get("skipped_by_reason", {}).get("no_sandbox"):
            scene_line += " -- NO SANDBOX here, nothing was run (see run/errors/)"
    else:
        scene_line = "off (--check_scenes runs them)"
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
        f"scenes               {scene_line}",
        f"skipped by reason    {skipped}",
        f"redacted             {redacted} (in {s.get('pairs_redacted', 0)} pairs)",
        f"GitHub requests      {requests}",
        f"rate-limited         {cost}",
        f"GitHub retries       {retries}",
        f"time by stage        {stages}",
        f"DVC snapshot         {dvc_line}",
        f"elapsed              {s['elapsed_s']} s",
        f"output               {s['output']}",
    ]
    if s.get("refused"):
        lines.append(f"REFUSED              {s['refused']}")
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
    except RunRefused as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except SnapshotFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
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

