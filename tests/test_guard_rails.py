"""Guard rails, each through the command line as a user runs it.

- Bad flags are refused before any work: one line, exit 2, no request, nothing written.
- A dataset that would be empty or lose more than half its rows is not published
  (exit 3, the stage that lost the rows named), unless --allow_shrink.
- A failing DVC post-step leaves the dataset repository as it was (exit 1), and
  `dvc` is found next to the interpreter without PATH.
- A hostile repository of our own (planted FAKE secrets, a UTF-16 file, an
  undecodable file, a 1 MiB file of near-identical steps, megabyte lines, long,
  unicode and NFD names) is survived: secrets redacted and counted, rows bounded,
  one dead letter per file and cause, reruns byte-identical.
- `--help` leads with the job's flags and their defaults; warnings fit the context;
  the quality report refuses a folder that is not an output.

Every secret below is fake: shaped like a real one so the detectors fire, and
worthless (AWS's documented example key id, a key body that decodes to a note).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import requests
from cli_harness import (
    clean_env,
    cli_command,
    data_digests,
    digests,
    errors,
    errors_files,
    one_error_line,
    run_cli,
    summary,
)

from beam_pipeline.emulator import GitHubEmulator
from beam_pipeline.snapshot import find_tool

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

LIMITS = dict(core_limit=100_000, search_limit=10_000)
REPO = "guard/manim-guard-rails"

# ------------------------------------------------------------------ the corpus

FAKE_TOKEN = "ghp_" + "FAKEtokenFORtestsONLY" + "0" * 15  # 36 characters after ghp_
FAKE_AWS = "AKIAIOSFODNN7EXAMPLE"  # AWS's own documentation example
FAKE_EMAIL = "ada.lovelace@example.com"
FAKE_PASSWORD = "hunter2-not-a-real-password"
FAKE_KEY_BODY = "bm90IGEgcmVhbCBrZXksIGp1c3QgYSB0ZXN0IGZpeHR1cmUgZm9yIHJlZGFjdGlvbg=="
SECRETS = (FAKE_TOKEN, FAKE_AWS, FAKE_EMAIL, FAKE_PASSWORD, FAKE_KEY_BODY)

SECRET_SCENE = f'''from manim import *

# Upload notes: the token is {FAKE_TOKEN}, questions to {FAKE_EMAIL}.
UPLOAD_RETRIES = 3


class Upload(Scene):
    """Renders and uploads; contact {FAKE_EMAIL} (access key {FAKE_AWS})."""

    password = "{FAKE_PASSWORD}"
    KEY = """-----BEGIN RSA PRIVATE KEY-----
{FAKE_KEY_BODY}
-----END RSA PRIVATE KEY-----"""

    def construct(self):
        # Show the title card before the upload starts.
        self.play(Write(Text("Upload")))
'''.encode()

GOOD = b'''from manim import *


class Good(Scene):
    """A scene that draws one circle."""

    def construct(self):
        # Draw a circle in the middle of the screen.
        self.play(Create(Circle()))
'''


def _steps_file() -> bytes:
    """Just under 1 MiB of near-identical steps: thousands of comment -> code pairs."""
    head = b"from manim import *\n\n\nclass Steps(Scene):\n    def construct(self):\n"
    parts, k = [head], 0
    size = len(head)
    while True:
        step = (
            f"        # Step {k}: move the dot a little to the right and fade it.\n"
            f"        dot = Dot(color=BLUE).shift(LEFT * 3)\n"
            f"        self.play(dot.animate.shift(RIGHT * {k % 7 + 1}), run_time=0.5)\n"
            f"        self.play(FadeOut(dot), run_time=0.25)\n"
            f"        label = Text('step', font_size=24).next_to(dot, UP)\n"
            f"        self.play(FadeIn(label), label.animate.set_color(YELLOW))\n"
            f"        self.play(FadeOut(label), run_time=0.25)\n"
            f"        self.wait(0.1)\n\n"
        ).encode()
        if size + len(step) > (1 << 20) - 64:
            break
        parts.append(step)
        size += len(step)
        k += 1
    return b"".join(parts)


MB_LINE = 1_000_000
NFD_NAME = unicodedata.normalize("NFD", "übung.py")
LONG_NAME = "l" * 252 + ".py"  # 255 bytes, GitHub's maximum


def _files() -> dict[str, bytes]:
    return {
        "secrets.py": SECRET_SCENE,
        "good.py": GOOD,
        "utf16_scene.py": GOOD.replace(b"Good", b"Wide").decode().encode("utf-16"),
        "bad_utf8.py": b"from manim import *\n# caf\xe9 \xff\xfe scene\nclass C(Scene):\n    pass\n",
        "steps.py": _steps_file(),
        # A one-line docstring of a megabyte, and a megabyte line under the line cap.
        "huge_docstring.py": b"from manim import *\n\n\ndef f():\n    \"\"\"" + b"d" * MB_LINE
        + b"\"\"\"\n    return Circle()\n",
        "huge_line.py": b"from manim import *\n\n# A megabyte of data in one line.\nDATA = '"
        + b"a" * MB_LINE + b"'\n",
        "long_comment.py": b"from manim import *\n\n"
        + b"".join(b"# line %d of a very long comment\n" % i for i in range(20_000))
        + b"square = Square()\n",
        NFD_NAME: GOOD.replace(b"Good", b"Uebung"),
        "\u00fcbung.py": GOOD.replace(b"Good", b"UebungNfc"),
        LONG_NAME: GOOD.replace(b"Good", b"LongName"),
        "s" * 255 + "/" + "\u00e9" * 126 + ".py": GOOD.replace(b"Good", b"Deep"),
    }


def _corpus(root: Path, files: dict[str, bytes], license: str = "MIT") -> Path:
    (root / "repos.json").write_text(json.dumps([{
        "full_name": REPO, "description": "manim with guard-rail cases", "license": license,
        "created_at": "2022-01-01T00:00:00Z",
    }]))
    for path, data in files.items():
        f = root / "repos" / REPO / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    return root


@pytest.fixture(scope="module")
def guard_emulator(tmp_path_factory):
    root = _corpus(tmp_path_factory.mktemp("guard_corpus"), _files())
    with GitHubEmulator(root=root, **LIMITS) as emu:
        yield emu


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for f in sorted((out / "dataset" / "jsonl").glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()]


def _leaks(root: Path) -> list[str]:
    found = []
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            found += [f"{p.relative_to(root)}: {s[:12]}" for s in SECRETS if s.encode() in data]
    return found


# ------------------------------------------------------- the hostile repository

def test_a_hostile_repository_is_survived_redacted_and_bounded(tmp_path, guard_emulator):
    proc = run_cli(tmp_path, guard_emulator.url, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    rows, s = _rows(out), summary(out)
    stats = json.loads((out / "dataset" / "stats.json").read_text())

    # Nothing secret is published: not in the dataset, processed/, the run's records.
    assert _leaks(out / "dataset") == [] and _leaks(out / "processed") == []
    assert _leaks(out / "run") == [] and not [x for x in SECRETS if x in proc.stdout + proc.stderr]
    assert FAKE_TOKEN.encode() in (out / "raw" / REPO / "secrets.py").read_bytes()  # raw/ is a copy
    secret_rows = [r for r in rows if r["path"] == "secrets.py"]
    text = " ".join(r["input"] + r["output"] for r in secret_rows)
    for kind in ("GITHUB_TOKEN", "EMAIL", "AWS_KEY", "PASSWORD", "PRIVATE_KEY"):
        assert f"<{kind}>" in text, kind
        assert s["redacted"].get(kind, 0) >= 1, kind
        assert stats["redactions"]["placeholders"].get(kind, 0) >= 1, kind
    assert stats["redactions"]["rows"] >= 2  # the comment pair and the class docstring pair
    card = (out / "dataset" / "README.md").read_text()
    assert "## Personal data and credentials" in card and "`<GITHUB_TOKEN>`" in card
    # Redacted code still parses, and the quality report still finds every output
    # verbatim (it redacts the raw file's snippet the same way).
    quality = subprocess.run([sys.executable, "-m", "beam_pipeline.quality", str(out), "--json"],
                             capture_output=True, text=True, timeout=300)
    report = json.loads(quality.stdout)
    assert report["parse_ok"] == 1.0 and report["verbatim"] == 1.0, report
    assert report["verbatim_after_redaction"] >= 1  # the class, its docstring and fields

    # Encodings named correctly, one dead letter per file and cause.
    errs = errors(out)
    keys = [(e["key"], e["reason"]) for e in errs]
    assert len(keys) == len(set(keys)), keys
    assert [e for e in errs if e["key"] == f"{REPO}/bad_utf8.py"] == [{
        "stage": "FilterManimImports", "reason": "undecodable", "key": f"{REPO}/bad_utf8.py",
        "detail": "not valid text in the encoding the file declares (or UTF-8)"}]
    assert not [e for e in errs if "utf16" in e["key"]]
    assert {r["flavor"] for r in rows if r["path"] == "utf16_scene.py"} == {"manimce"}

    # Bounded rows: byte caps on input and output, a per-file cap, near-duplicates
    # collapsed within the repository.
    skipped = s["pairs_skipped"]
    assert skipped["input_too_large"] >= 1  # the megabyte docstring (and the long comment,
    # unless the extractor already gave up on it)
    assert not [r for r in rows if r["path"] in ("huge_docstring.py", "huge_line.py")]
    assert all(len(r["input"].encode()) <= 4096 for r in rows if r["path"] == "long_comment.py")
    assert skipped["output_too_large"] >= 1  # the megabyte line
    assert skipped["over_file_cap"] > 1000
    assert max(len(r["input"].encode()) for r in rows) <= 4096
    assert max(len(r["output"].encode()) for r in rows) <= 16384
    processed_steps = json.loads((out / "processed" / REPO / "steps.py.json").read_text())
    assert len(processed_steps) == 100
    steps_rows = [r for r in rows if r["path"] == "steps.py"]
    assert 1 <= len(steps_rows) <= 2, len(steps_rows)  # near-identical: collapsed
    assert len(steps_rows) * 4 < len(rows), (len(steps_rows), len(rows))

    # Long, unicode, NFC and NFD names: every file's rows, under its true path.
    paths = {r["path"] for r in rows}
    for name in (NFD_NAME, "\u00fcbung.py", LONG_NAME, "s" * 255 + "/" + "\u00e9" * 126 + ".py"):
        assert name in paths, name

    # A rerun changes nothing: same dataset, processed/ and run/errors/ bytes.
    before = data_digests(out)
    errors_before = errors_files(out)
    again = run_cli(tmp_path, guard_emulator.url, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert data_digests(out) == before
    assert errors_files(out) == errors_before


# ---------------------------------------------------------------- flags, early

BAD_FLAGS = [
    (["--licenses=NOT-A-LICENSE"], "not an SPDX license id"),
    (["--licenses=MIT,GLP-3.0"], "GLP-3.0"),
    (["--near_dup_threshold=2"], "--near_dup_threshold"),
    (["--near_dup_threshold=nan"], "--near_dup_threshold"),
    (["--max_retries=-1"], "--max_retries"),
    (["--request_timeout_s=0"], "--request_timeout_s"),
    (["--max_pairs_per_file=0"], "--max_pairs_per_file"),
    (["--max_output_bytes=lots"], "--max_output_bytes"),
    (["--split_ratios=1,1,1"], "--split_ratios"),
    (["--created_from=2024-01-01", "--created_to=2023-01-01"], "after --created_to"),
    (["--output=s3://bucket/x"], "s3:// is not supported"),
    (["--dvc_remote=ftp://host/x"], "ftp:// is not supported"),
    (["--emulator_root=/nonexistent/corpus"], "no such folder"),
    (["--github_token_env=ghp_" + "S3cr3t" * 6], "NAME of an environment variable"),
]


@pytest.mark.parametrize("flags,message", BAD_FLAGS, ids=[f[0][0][:30] for f in BAD_FLAGS])
def test_a_bad_flag_stops_the_run_before_any_work(tmp_path, guard_emulator, flags, message):
    calls = guard_emulator.stats()["total"]
    proc = run_cli(tmp_path, guard_emulator.url, *flags, "--dvc_repo", "dsrepo",
                   "--dvc_remote", "remote", dvc=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    line = one_error_line(proc.stderr)
    assert message in line, line
    assert "S3cr3t" not in proc.stderr  # a token passed by mistake is not echoed
    assert guard_emulator.stats()["total"] == calls  # not one request
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_unwritable_dvc_paths_stop_the_run_before_any_work(tmp_path, guard_emulator):
    (tmp_path / "a_file").write_text("not a folder")
    for flags, message in ((["--dvc_remote=/proc/nope"], "--dvc_remote=/proc/nope cannot be"),
                           (["--dvc_repo", str(tmp_path / "a_file")], "is not a folder")):
        calls = guard_emulator.stats()["total"]
        proc = run_cli(tmp_path, guard_emulator.url, *flags, dvc=True, timeout=120)
        assert proc.returncode == 2 and message in one_error_line(proc.stderr), proc.stderr
        assert guard_emulator.stats()["total"] == calls
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_licenses_are_matched_case_insensitively(tmp_path, guard_emulator):
    proc = run_cli(tmp_path, guard_emulator.url, "--licenses=mit,APACHE-2.0,unknown", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((tmp_path / "out" / "dataset" / "stats.json").read_text())
    assert stats["license_filter"]["allow"] == ["Apache-2.0", "MIT", "unknown"]
    assert stats["rows"] > 0 and stats["license_filter"]["removed"] == {}


# ------------------------------------------------------------- shrink guard

def test_an_empty_or_shrunken_dataset_is_not_published(tmp_path, github):
    dvc_flags = ("--dvc_repo", "dsrepo", "--dvc_remote", str(tmp_path / "remote"))
    env = clean_env(PATH="/usr/bin:/bin")  # dvc only next to the interpreter
    first = run_cli(tmp_path, github.url, *dvc_flags, dvc=True, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    out, repo = tmp_path / "out", tmp_path / "dsrepo"
    rows = summary(out)["dataset"]["rows"]
    dataset = digests(out / "dataset")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True, check=True).stdout

    # GPL-3.0 keeps one repository's pairs: less than half. 0BSD keeps none.
    for flags, why in ((["--licenses=GPL-3.0"], "the license allow-list --licenses=GPL-3.0 removed"),
                       (["--licenses=0bsd"], "the new dataset would be empty"),
                       (["--created_from=2021-06-01"], "repositories found fell to ")):
        proc = run_cli(tmp_path, github.url, *flags, *dvc_flags, dvc=True, env=env)
        assert proc.returncode == 3, (flags, proc.stderr[-3000:])
        line = one_error_line(proc.stderr)
        assert why in line and "--allow_shrink" in line, line
        assert f"previous dataset ({rows} rows) was left in place" in line, line
        assert digests(out / "dataset") == dataset  # not one byte replaced
        refused = json.loads((out / "run" / "refused.json").read_text())
        assert refused["previous_rows"] == rows and refused["stats"]["rows"] < rows / 2
        assert summary(out)["refused"] and summary(out)["dvc"] is None
        assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                              text=True).stdout == head  # no snapshot

    # With --allow_shrink the smaller dataset is published and snapshotted.
    proc = run_cli(tmp_path, github.url, "--licenses=GPL-3.0", "--allow_shrink", *dvc_flags,
                   dvc=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 0 < summary(out)["dataset"]["rows"] < rows / 2
    assert not (out / "run" / "refused.json").exists()
    assert summary(out)["dvc"]["changed"] and summary(out)["dvc"]["commit"] != head.strip()


def test_a_first_run_with_an_empty_dataset_writes_none(tmp_path, github):
    proc = run_cli(tmp_path, github.url, "--licenses=0BSD")
    assert proc.returncode == 3
    line = one_error_line(proc.stderr)
    assert "would be empty" in line and "nothing was written to dataset/" in line, line
    assert "pairs within the license allow-list fell to 0" in line, line
    assert not (tmp_path / "out" / "dataset").exists()


# -------------------------------------------------------------- DVC post-step

def _git_state(repo: Path) -> tuple[str, str, str, str]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                              check=True).stdout
    return (git("log", "--all", "--format=%H %s"), git("tag", "--list"),
            git("status", "--porcelain", "--untracked-files=all"),
            (repo / ".dvc" / "config").read_text())


def test_a_failed_dvc_push_leaves_the_repository_as_it_was(tmp_path, github):
    """Without dvc on PATH (found next to the interpreter), a remote that breaks
    during the push: nothing committed, the repository as it was, a clear report."""
    env = clean_env(PATH="/usr/bin:/bin")
    good, broken = tmp_path / "remote", tmp_path / "broken"
    broken.mkdir()
    (broken / "files").write_text("a file where DVC wants a folder")
    first = run_cli(tmp_path, github.url, "--dvc_repo", "dsrepo", "--dvc_remote", str(good),
                    dvc=True, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "pushed" in first.stdout and "committed" in first.stdout
    repo = tmp_path / "dsrepo"
    before = _git_state(repo)
    workspace = digests(repo / "dataset")

    for _ in range(2):  # the second failure finds the same state as the first
        proc = run_cli(tmp_path, github.url, "--dvc_repo", "dsrepo", "--dvc_remote", str(broken),
                       dvc=True, env=env)
        assert proc.returncode == 1, proc.stderr[-3000:]
        line = one_error_line(proc.stderr)
        assert "DVC snapshot failed" in line and "nothing committed" in line, line
        assert "FAILED, nothing committed" in proc.stdout
        assert _git_state(repo) == before
        assert digests(repo / "dataset") == workspace
        dvc = summary(tmp_path / "out")["dvc"]
        assert dvc["error"] and dvc["committed"] == [] and dvc["pushed"] is False

    again = run_cli(tmp_path, github.url, "--dvc_repo", "dsrepo", "--dvc_remote", str(good),
                    dvc=True, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "no new commit" in again.stdout and "nothing to push" in again.stdout
    assert _git_state(repo) == before


# ----------------------------------------------------------- help, warnings

def test_help_leads_with_the_jobs_flags_and_their_defaults():
    out = subprocess.run([sys.executable, "-m", "beam_pipeline", "--help"], capture_output=True,
                         text=True, timeout=120, env=clean_env())
    assert out.returncode == 0
    text = out.stdout
    assert "--runner RUNNER" not in text and "--streaming" not in text and "--help_beam" in text
    assert text.index("GitHub crawl:") < text.index("DVC snapshot (post-step):")
    from beam_pipeline.cli import _parser

    job = [a for a in _parser(beam_options=False)._actions if a.dest not in ("help", "help_beam")]
    assert len(job) >= 28
    for action in job:
        assert "(default: " in " ".join(action.help.split()), action.dest
        assert action.option_strings[0] in text
    dvc_group = text[text.index("DVC snapshot (post-step):"):]
    dvc_group = dvc_group[: dvc_group.index("\n\n")]
    assert "--progress_interval_s" not in dvc_group
    beam = subprocess.run([sys.executable, "-m", "beam_pipeline", "--help_beam"],
                          capture_output=True, text=True, timeout=120, env=clean_env())
    assert beam.returncode == 0 and "--runner" in beam.stdout and "--max_pairs_per_file" in beam.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for action in job:
        assert f"`{action.option_strings[0]}`" in readme, action.option_strings[0]


def test_the_no_token_warning_is_true_and_only_where_it_applies(tmp_path, guard_emulator):
    demo = subprocess.run(
        [*cli_command("emulator", "out", "--max_repos=1", "--licenses=MIT")],
        cwd=tmp_path, capture_output=True, text=True, timeout=240, env=clean_env())
    assert "No GitHub token" not in demo.stderr, demo.stderr[-2000:]
    proc = run_cli(tmp_path, guard_emulator.url, "--output", "out2", timeout=600)
    warning = [line for line in proc.stderr.splitlines() if "No GitHub token" in line]
    assert len(warning) == 1, proc.stderr[-2000:]
    # The limits this API reports for anonymous use, in the right windows.
    limits = requests.get(f"{guard_emulator.url}/rate_limit", timeout=10).json()["resources"]
    assert f"{limits['core']['limit']} API requests per hour" in warning[0], warning[0]
    assert f"{limits['search']['limit']} search requests per minute" in warning[0], warning[0]


def test_quality_refuses_a_folder_that_is_not_an_output(tmp_path):
    for folder in (tmp_path / "missing", tmp_path):
        proc = subprocess.run([sys.executable, "-m", "beam_pipeline.quality", str(folder)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        assert one_error_line(proc.stderr).startswith(f"error: {folder} is not an output folder")
        assert proc.stdout == ""


def test_dvc_is_found_next_to_the_interpreter():
    venv_dvc = os.path.join(os.path.dirname(sys.executable), "dvc")
    if not os.path.exists(venv_dvc):
        pytest.skip("dvc is not installed next to this interpreter")
    assert find_tool("dvc", path="/nonexistent") == venv_dvc
