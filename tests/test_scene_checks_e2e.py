"""--check_scenes end to end through the CLI: every verdict on the sample corpus, every
containment on a corpus of hostile scenes, and a machine without a sandbox.

These run real ManimCE in bubblewrap (skipped where either is missing, failed under CI).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest
from cli_harness import (
    clean_env,
    data_digests,
    errors,
    run_cli,
    run_record_files,
    run_records,
    summary,
)
from scene_fixtures import (
    ALLOCATE_10GB,
    FORK_BOMB,
    LOOP_FOREVER,
    PRINT_1GB,
    STRAY_DAEMON,
    escape_scene,
    have_latex,
    network_scene,
    sandbox_or_skip,
    secrets_scene,
)

from beam_pipeline.emulator import GitHubEmulator

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out


@pytest.fixture(scope="module", autouse=True)
def needs_sandbox():
    sandbox_or_skip().close()


def scene_rows(out: Path) -> list[dict]:
    return run_records(out, "scenes")


def processed(out: Path, repo: str, path: str) -> list[dict]:
    return json.loads((out / "processed" / repo / f"{path}.json").read_text())


@pytest.fixture(scope="module")
def sample_run(github, expected, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("scenes")
    proc = run_cli(cwd, github.url, "--check_scenes", "--scene_timeout_s", "20", timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd, proc


def test_sample_corpus_verdicts(sample_run, expected):
    cwd, proc = sample_run
    out = cwd / "out"
    rows = scene_rows(out)
    got = {(r["repo"], r["path"], r["scene"]): (r["status"], r["detail"]) for r in rows}
    truth = expected["scene_verdicts"]
    for repo, files in truth.items():
        if repo == "about":
            continue
        for path, scenes in files.items():
            for name, (status, detail, *needs) in scenes.items():
                want = (status, detail)
                if needs == ["latex"] and not have_latex():
                    want = ("not_checked", "no_latex")
                assert got[(repo, path, name)] == want, (repo, path, name)
    statuses = {r["status"] for r in rows}
    assert {"ok", "error", "missing_module", "not_checked"} <= statuses  # timeouts: below
    # ManimGL scenes are not run.
    assert got[("oldschool-math/manim-classic-videos", "old_projects/eola_chapter1.py",
                "OpeningQuote")] == ("not_checked", "manimgl")
    assert {r["engine"] for r in rows if r["status"] != "not_checked"} == {"manim 0.22.0"}
    assert "scenes               " in proc.stdout and "NO SANDBOX" not in proc.stdout


def test_sample_corpus_pairs_carry_the_verdicts(sample_run):
    out = sample_run[0] / "out"
    typo = processed(out, "vidcraft/manim-video-series", "ep03_extras/typo.py")
    assert {(p["scene"], p["exec_status"]) for p in typo} == {("MisspelledKeyword", "error")}
    assert typo[0]["exec_detail"].startswith("TypeError: Mobject.__init__()")
    vectors = processed(out, "vidcraft/manim-video-series", "ep01_vectors/vectors.py")
    assert {p["exec_status"] for p in vectors} == {"ok"}
    assert {p["exec_engine"] for p in vectors} == {"manim 0.22.0"}
    # The base scene package is library code (sources.py): its classes are not run.
    base = processed(out, "vidcraft/manim-video-series", "manim_scenes/base.py")
    assert base and all(p["source"] == "library" and p["scene"] is None for p in base)
    # Documentation examples: the pairs of `.. manim::` blocks carry their example's verdict.
    truth = {"StarburstExample": "ok", "BurstExample": "ok", "OldDrawingExample": "error"}
    star = processed(out, "shapeplug/manim-starburst", "manim_starburst/starburst.py")
    examples = [p for p in star if p["kind"] == "doc_example"]
    assert {p["scene"] for p in examples} == set(truth)
    assert all(p["exec_status"] == truth[p["scene"]] for p in examples)
    stats = json.loads((out / "dataset" / "stats.json").read_text())["execution"]
    ce = stats["by_flavor"]["manimce"]
    assert ce["checked_share"] >= 0.9, ce
    assert 0 < ce["runnable_share"] < 1
    card = (out / "dataset" / "README.md").read_text()
    assert "## Does the code run?" in card and "| manimce |" in card
    rows = [json.loads(line) for f in sorted((out / "dataset").rglob("*.jsonl"))
            for line in f.read_text().splitlines()]
    assert {r["exec_status"] for r in rows} >= {"ok", "error", None}


def test_rerun_uses_the_cache_and_is_byte_identical(sample_run, github):
    cwd, first = sample_run
    out = cwd / "out"
    before = data_digests(out)
    verdicts = run_record_files(out, "scenes")
    started = time.monotonic()
    proc = run_cli(cwd, github.url, "--check_scenes", "--scene_timeout_s", "20", timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = summary(out)["scenes"]
    assert s["cache_hits"] > 0
    assert data_digests(out) == before
    assert run_record_files(out, "scenes") == verdicts
    assert time.monotonic() - started < 120


def test_runnable_only_keeps_pairs_of_scenes_that_ran(sample_run, github):
    cwd, _ = sample_run
    out = cwd / "runnable"
    cache = cwd / "out" / "state" / "cache" / "scenes"
    (out / "state" / "cache").mkdir(parents=True)
    os.symlink(cache, out / "state" / "cache" / "scenes")  # the verdict cache of the first run
    proc = run_cli(cwd, github.url, "--check_scenes", "--scene_timeout_s", "20",
                   "--runnable_only", output=out, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for f in sorted((out / "dataset").rglob("*.jsonl"))
            for line in f.read_text().splitlines()]
    assert rows and {r["exec_status"] for r in rows} == {"ok"}
    typo = processed(out, "vidcraft/manim-video-series", "ep03_extras/typo.py")
    assert typo and typo[0]["exec_status"] == "error"  # processed/ keeps every pair
    card = (out / "dataset" / "README.md").read_text()
    assert "Built with `--runnable_only`" in card


def test_runnable_only_needs_check_scenes(tmp_path, github):
    proc = run_cli(tmp_path, github.url, "--runnable_only")
    assert proc.returncode == 2
    assert "--runnable_only needs --check_scenes" in proc.stderr


# ---------------------------------------------------------------- hostile scenes

GOOD = '''from manim import *

class StillFine(Scene):
    """Runs after every hostile scene: the run goes on."""

    def construct(self):
        self.play(Create(Square()))
'''


def hostile_corpus(root: Path, port: int, creds: Path, targets: list[str], marker: str) -> None:
    repo = root / "repos" / "hostile" / "manim-hostile-scenes"
    repo.mkdir(parents=True)
    files = {
        "network.py": network_scene(port),
        "secrets.py": secrets_scene(str(creds)),
        "escape.py": escape_scene(targets),
        "forkbomb.py": FORK_BOMB,
        "allocate.py": ALLOCATE_10GB,
        "loop.py": LOOP_FOREVER,
        "shout.py": PRINT_1GB,
        "strays.py": STRAY_DAEMON.replace("{marker}", marker),
        "good.py": GOOD,
    }
    for name, text in files.items():
        (repo / name).write_text(text)
    meta = [{"full_name": "hostile/manim-hostile-scenes", "created_at": "2024-01-01T00:00:00Z",
             "pushed_at": "2024-01-02T00:00:00Z", "license": "MIT", "description": "manim",
             "topics": ["manim"], "stars": 1, "fork": False, "archived": False,
             "default_branch": "main", "status": "ok"}]
    (root / "repos.json").write_text(json.dumps(meta))


def test_hostile_scenes_are_contained_and_reported(tmp_path):
    token = "ghp_" + "H0stile" * 6
    home = tmp_path / "home"
    creds = home / ".config" / "gcloud" / "application_default_credentials.json"
    creds.parent.mkdir(parents=True)
    creds.write_text(json.dumps({"type": "authorized_user", "refresh_token": "fake-refresh-tok"}))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    arrived: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            arrived.append(b"<connect>")
            conn.close()

    listener = threading.Thread(target=accept, daemon=True)
    listener.start()
    host_target = tmp_path / "escaped.txt"
    tmp_target = f"/tmp/escaped-{os.getpid()}-{time.time_ns()}"
    marker = str(8_000_000 + os.getpid())
    corpus = tmp_path / "corpus"
    hostile_corpus(corpus, server.getsockname()[1], creds, [str(host_target), tmp_target], marker)
    env = clean_env(GITHUB_TOKEN=token, HOME=str(home), GOOGLE_APPLICATION_CREDENTIALS=str(creds))
    try:
        with GitHubEmulator(root=corpus, core_limit=100_000, search_limit=10_000) as emu:
            proc = run_cli(tmp_path, emu.url, "--check_scenes", "--scene_timeout_s", "6",
                           env=env, timeout=600)
    finally:
        stop.set()
        listener.join(5)
        server.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    got = {r["scene"]: (r["status"], r["detail"]) for r in scene_rows(out)}
    assert got["PhoneHome"] == ("error", "RuntimeError: reached: []")
    assert arrived == []
    status, detail = got["StealSecrets"]
    assert status == "error" and detail.startswith("RuntimeError: found: [] env: ")
    assert got["WriteOutside"][0] == "error"
    assert str(host_target) not in got["WriteOutside"][1]
    assert not host_target.exists() and not os.path.exists(tmp_target)
    assert got["ForkBomb"][0] in ("timeout", "error")
    assert got["Allocate"][0] == "error" and got["Allocate"][1].startswith("MemoryError")
    assert got["LoopForever"] == ("timeout", "no verdict within 6 s")
    assert got["PrintGigabyte"] == ("ok", "")
    assert got["LeaveDaemon"][0] == "timeout"
    assert got["StillFine"] == ("ok", "")
    assert [p.info["pid"] for p in psutil.process_iter(["pid", "cmdline"])
            if p.info["cmdline"] and marker in " ".join(p.info["cmdline"])] == []
    # Nothing secret reached any output, log or report.
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert token.encode() not in data and b"fake-refresh-tok" not in data, path
    assert token not in proc.stdout + proc.stderr


def test_without_a_sandbox_nothing_runs_and_the_report_says_so_once(tmp_path, github):
    env = clean_env(MANIM_DATASET_BWRAP=str(tmp_path / "no-such-bwrap"))
    proc = run_cli(tmp_path, github.url, "--check_scenes", env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    rows = scene_rows(out)
    assert rows and {(r["status"], r["detail"]) for r in rows} <= {
        ("not_checked", "no_sandbox"), ("not_checked", "manimgl")}
    said = [e for e in errors(out) if e["reason"] == "no_sandbox"]
    assert len(said) == 1 and "no-such-bwrap" in said[0]["detail"]
    assert "NO SANDBOX" in proc.stdout
    assert not (out / "state" / "cache" / "scenes").exists()  # nothing to cache
