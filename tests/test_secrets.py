"""GitHub tokens never leave the process that uses them.

The whole job (crawl, dataset, DVC snapshot with git) runs with tokens that the
emulator accepts; afterwards every log line, every output file, the dataset
repository (working tree, .git and .dvc, every git object decompressed, the
history) and the DVC remote are searched for them. One token is shaped like a
real one (``ghp_...``, which the redaction pattern would also catch), one is
not (only an exact-match redaction could hide it).
"""

from __future__ import annotations

import base64
import secrets
import string
import subprocess
from pathlib import Path

import pytest
import requests
from cli_harness import clean_env, one_error_line, run_cli

from beam_pipeline.emulator import GitHubEmulator
from beam_pipeline.snapshot import find_tool

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(find_tool("dvc") is None, reason="dvc missing")]

_ALNUM = string.ascii_letters + string.digits


def _token(prefix: str, n: int) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(n))


def _needles(tokens: list[str]) -> list[bytes]:
    """The tokens, their random part alone, and as they would look base64-encoded."""
    out: list[bytes] = []
    for t in tokens:
        core = t.split("_", 1)[-1]
        out += [t.encode(), core.encode(), base64.b64encode(t.encode()),
                base64.b64encode(f"Bearer {t}".encode())]
    return out


def _leaks(blob: bytes, needles: list[bytes]) -> list[str]:
    return [n.decode()[:8] + "..." for n in needles if n in blob]


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True,
                          timeout=120).stdout


def test_tokens_never_appear_in_logs_outputs_or_the_dvc_repository(tmp_path):
    tokens = [_token("ghp_", 36), _token("sekrit", 32)]
    with GitHubEmulator(valid_tokens=set(tokens), core_limit=100_000, search_limit=10_000) as emu:
        proc = run_cli(tmp_path, emu.url, "--dvc_repo", "dsrepo", "--dvc_remote",
                       str(tmp_path / "remote"), dvc=True,
                       env=clean_env(GITHUB_TOKEN=",".join(tokens)))
        stats = emu.stats()
        used = [
            requests.get(f"{emu.url}/rate_limit", headers={"Authorization": f"Bearer {t}"},
                         timeout=10).json()["resources"]["core"]["used"]
            for t in tokens
        ]
        anonymous = requests.get(f"{emu.url}/rate_limit", timeout=10).json()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "No GitHub token" not in proc.stderr
    # Both tokens did the crawl (rotation), nothing went anonymously...
    assert all(u > 0 for u in used), used
    assert anonymous["resources"]["core"]["used"] == 0
    assert stats["status"].get(401, 0) == 0
    # ...and the download host never saw the Authorization header after the redirect.
    assert stats["codeload"] > 0 and stats["auth_on_codeload"] == 0

    needles = _needles(tokens)
    assert _leaks(b"x" + tokens[1].encode() + b"x", needles)  # the search itself works
    assert _leaks(proc.stdout.encode() + proc.stderr.encode(), needles) == []
    out, repo = tmp_path / "out", tmp_path / "dsrepo"
    assert (out / "run" / "summary.json").is_file() and (out / "run" / "errors" / "errors-00000-of-00001.jsonl").is_file()
    assert (repo / ".git").is_dir() and (repo / ".dvc").is_dir() and (tmp_path / "remote").is_dir()
    scanned = 0
    for f in tmp_path.rglob("*"):  # out/, dsrepo/ incl. .git and .dvc (cache), remote/
        if f.is_file() and not f.is_symlink():
            assert _leaks(f.read_bytes(), needles) == [], f
            scanned += 1
    assert scanned > 50
    # git objects are compressed on disk: read every one of them decompressed.
    objects = _git(repo, "cat-file", "--batch-all-objects", "--batch")
    history = _git(repo, "log", "-p", "--all", "--format=fuller")
    config = _git(repo, "config", "--list", "--show-origin")
    assert b"snapshot" in history and len(objects) > 1000
    for blob in (objects, history, config):
        assert _leaks(blob, needles) == []


def test_a_bad_token_stops_the_run_with_one_readable_line(tmp_path):
    good, bad = _token("ghp_", 36), _token("ghp_", 36)
    with GitHubEmulator(valid_tokens={good}) as emu:
        proc = run_cli(tmp_path, emu.url, env=clean_env(GITHUB_TOKEN=bad))
        calls = emu.stats()["total"]
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    assert "401" in line and "bad credentials" in line.lower(), line
    assert _leaks((proc.stdout + proc.stderr).encode(), _needles([bad, good])) == []
    assert calls <= 2  # the pre-flight request, not a crawl full of 401s
    assert not (tmp_path / "out" / "raw").exists()


def test_one_bad_token_among_good_ones_is_caught_before_the_crawl(tmp_path):
    """With rotation a bad second token would fail every other repository (and the
    run would end "successfully" with half a dataset): it must stop the run first."""
    good, bad = _token("ghp_", 36), _token("sekrit", 32)
    with GitHubEmulator(valid_tokens={good}) as emu:
        proc = run_cli(tmp_path, emu.url, env=clean_env(GITHUB_TOKEN=f"{good},{bad}"))
        stats = emu.stats()
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    assert "401" in line, line
    assert _leaks((proc.stdout + proc.stderr).encode(), _needles([bad, good])) == []
    assert stats["search"] == 0 and stats["commit"] == 0
