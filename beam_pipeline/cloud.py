"""Launcher-side helpers for running the job on Google Cloud Dataflow.

The same pipeline runs on the DirectRunner and on Dataflow; what differs is
the launcher: on Dataflow the work happens elsewhere, later. So the launcher
checks up front what would only fail on the workers (a local output folder,
a token the workers cannot see, an emulator on the launcher's loopback),
reports the submitted job by id and console link, and never treats a job
that was merely submitted (or only built, with `--dry_run`) as finished:
the DVC post-step runs only after the job has reached JOB_STATE_DONE.

Waiting is Beam's own switch: `--no_wait_until_finish` submits and returns;
without it the launcher waits for the job, then takes the DVC snapshot.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "CONSOLE_URL",
    "LaunchError",
    "Submission",
    "check_launch",
    "format_submission",
    "is_dataflow",
    "is_dry_run",
    "job_link",
    "require_done",
    "submission",
    "submission_record",
    "wants_wait",
]

_LOGGER = logging.getLogger(__name__)

CONSOLE_URL = "https://console.cloud.google.com/dataflow/jobs/{region}/{job_id}?project={project}"
_DATAFLOW_RUNNERS = {"dataflowrunner", "dataflow", "testdataflowrunner"}
_SECRET_VERSION = re.compile(r"^projects/[^/]+/secrets/[^/]+(/versions/[^/]+)?$")
_LOOPBACK = re.compile(r"^https?://(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(/|$)", re.I)


class LaunchError(ValueError):
    """A Dataflow launch that would fail or misbehave on the workers; one readable line."""


@dataclass(frozen=True)
class Submission:
    """What the launcher knows about a Dataflow job right after `Pipeline.run()`."""

    submitted: bool
    job_id: str | None
    project: str | None
    region: str | None
    state: str

    @property
    def link(self) -> str | None:
        if not (self.submitted and self.job_id and self.project and self.region):
            return None
        return job_link(self.job_id, self.project, self.region)


def _runner_name(options) -> str:
    from apache_beam.options.pipeline_options import StandardOptions

    runner = options.view_as(StandardOptions).runner
    if runner is None:
        return ""
    return (runner if isinstance(runner, str) else type(runner).__name__).lower()


def is_dataflow(options) -> bool:
    """True when the job is (to be) run by Dataflow rather than in this process."""
    return _runner_name(options).rsplit(".", 1)[-1] in _DATAFLOW_RUNNERS


def is_dry_run(options) -> bool:
    """`--dry_run`: Beam builds the Dataflow job but never sends it."""
    from apache_beam.options.pipeline_options import TestOptions

    value = options.view_as(TestOptions).dry_run
    return str(value).strip().lower() not in {"", "false", "0", "none", "no"}


def wants_wait(options) -> bool:
    """Wait for the job (and then snapshot) unless `--no_wait_until_finish` was given."""
    from apache_beam.options.pipeline_options import StandardOptions

    return not options.view_as(StandardOptions).no_wait_until_finish and not is_dry_run(options)


def job_link(job_id: str, project: str, region: str) -> str:
    """The Cloud console page of a Dataflow job."""
    return CONSOLE_URL.format(region=region, job_id=job_id, project=project)


def _env_tokens(options, env: Mapping[str, str]) -> tuple[str, ...]:
    """The tokens the launcher's environment holds (comma/newline separated, as tokens.py)."""
    from .options import ManimDatasetOptions

    name = options.view_as(ManimDatasetOptions).github_token_env or "GITHUB_TOKEN"
    value = env.get(name, "")
    found = (t.strip() for t in value.replace("\n", ",").split(","))
    return tuple(t for t in found if len(t) >= 8)  # too short to be a token, or to search for


def check_launch(options, argv: Sequence[str] = (), env: Mapping[str, str] | None = None) -> list[str]:
    """Check a Dataflow launch before anything is staged; returns warnings.

    Raises LaunchError for what cannot work on Dataflow: missing project,
    region or gs:// temp location, an output the workers cannot share, the
    bundled emulator, a token in a flag, or a token in the launcher's
    environment that the workers would never see.
    """
    from apache_beam.options.pipeline_options import GoogleCloudOptions, WorkerOptions

    from .options import EMULATOR, ManimDatasetOptions
    from .tokens import TOKEN_PATTERN

    env = os.environ if env is None else env
    gco = options.view_as(GoogleCloudOptions)
    opts = options.view_as(ManimDatasetOptions)
    missing = [flag for flag, value in (("--project", gco.project), ("--region", gco.region),
                                        ("--temp_location", gco.temp_location)) if not value]
    if missing:
        raise LaunchError(f"--runner=DataflowRunner needs {', '.join(missing)}")
    for flag, value in (("--temp_location", gco.temp_location),
                        ("--staging_location", gco.staging_location),
                        ("--output", opts.output)):
        if value and not value.startswith("gs://"):
            raise LaunchError(
                f"{flag}={value} is not a gs:// path: Dataflow workers cannot share a local "
                "folder (use gs://BUCKET/...)"
            )
    if opts.github_api_url == EMULATOR:
        raise LaunchError(
            "--github_api_url=emulator starts the emulator on this machine; Dataflow workers "
            "cannot reach it (use the real API, or the DirectRunner for the offline demo)"
        )
    tokens = _env_tokens(options, env)
    for arg in argv:
        if TOKEN_PATTERN.search(arg) or any(t in arg for t in tokens):
            raise LaunchError(
                "a GitHub token appears on the command line; it would be stored in the job "
                "description. Put it in Secret Manager and pass --github_token_secret"
            )
    secret = opts.github_token_secret
    if secret and not _SECRET_VERSION.match(secret):
        raise LaunchError(
            f"--github_token_secret={secret!r} is not a Secret Manager resource name "
            "(projects/PROJECT/secrets/NAME[/versions/VERSION])"
        )
    warnings: list[str] = []
    if not secret and tokens:
        raise LaunchError(
            f"${opts.github_token_env} is set here but Dataflow workers do not see this "
            "environment, so they would crawl unauthenticated (60 requests/hour). Store the "
            "token in Secret Manager and pass --github_token_secret=projects/P/secrets/S/versions/latest"
        )
    if not secret:
        warnings.append(
            "no --github_token_secret: Dataflow workers will crawl GitHub unauthenticated "
            "(60 requests/hour per IP); fine only for a tiny smoke test"
        )
    if _LOOPBACK.match(opts.github_api_url or ""):
        warnings.append(
            f"--github_api_url={opts.github_api_url} is a loopback address; Dataflow workers "
            "will not reach it"
        )
    worker = options.view_as(WorkerOptions)
    if not (worker.sdk_container_image or _setup_file(options)):
        warnings.append(
            "neither --setup_file nor --sdk_container_image: the workers will not have the "
            "beam_pipeline package (pass --setup_file ./setup.py)"
        )
    if opts.dvc_remote and not opts.dvc_remote.startswith("gs://") and not opts.skip_dvc:
        warnings.append(
            f"--dvc_remote={opts.dvc_remote} is local to the launcher; gs://BUCKET/dvc_store "
            "lets others `dvc pull` the dataset"
        )
    return warnings


def _setup_file(options) -> str | None:
    from apache_beam.options.pipeline_options import SetupOptions

    return options.view_as(SetupOptions).setup_file


def submission(result: Any, options) -> Submission:
    """Describe a Dataflow `PipelineResult` without waiting or polling the service."""
    from apache_beam.options.pipeline_options import GoogleCloudOptions

    gco = options.view_as(GoogleCloudOptions)
    if is_dry_run(options):
        return Submission(False, None, gco.project, gco.region, "DRY_RUN")
    if not getattr(result, "has_job", False):
        # A template (--template_location) is written, not run.
        return Submission(False, None, gco.project, gco.region, "NOT_SUBMITTED")
    job_id = result.job_id()
    # The state the service answered at creation; `result.state` would poll it.
    state = getattr(getattr(result, "_job", None), "current_state", None)
    name = getattr(state, "name", None) or "JOB_STATE_UNKNOWN"
    return Submission(True, job_id, gco.project, gco.region, name)


def format_submission(sub: Submission, waiting: bool) -> str:
    """The lines the launcher prints right after submission."""
    if not sub.submitted:
        return (
            f"Dataflow job built but not submitted ({sub.state}); nothing ran, "
            "no DVC snapshot taken"
        )
    lines = [
        f"Submitted Dataflow job {sub.job_id} (state {sub.state})",
        f"Console: {sub.link}",
    ]
    if waiting:
        lines.append("Waiting for the job to finish; the DVC snapshot follows if it succeeds.")
    else:
        lines.append(
            "Not waiting (--no_wait_until_finish): the job runs on; no DVC snapshot is taken "
            "for a job that has not finished. Launch without --no_wait_until_finish "
            "(WAIT=1 with run_dataflow.sh) to snapshot after the job."
        )
    return "\n".join(lines)


def submission_record(sub: Submission, output: str) -> dict[str, Any]:
    """A small JSON-able record of the submission (never options, so never a secret)."""
    return {
        "runner": "DataflowRunner",
        "submitted": sub.submitted,
        "job_id": sub.job_id,
        "project": sub.project,
        "region": sub.region,
        "state_at_submission": sub.state,
        "console_url": sub.link,
        "output": output,
        "submitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def require_done(result: Any) -> None:
    """Raise unless the job really finished; the post-step must not run otherwise."""
    from apache_beam.runners.runner import PipelineState

    state = result.state
    if state != PipelineState.DONE:
        raise RuntimeError(f"the Dataflow job ended in state {state}, not DONE; no DVC snapshot")
