"""Reliability of the whole job: faults, rate limits, crashes, reruns.

Every run goes through the real command line in a subprocess against a GitHub
emulator started here (so its faults and statistics are under the test's
control). The yardstick is a fault-free run over the same corpus: whatever
goes wrong on the way, raw/, processed/ and dataset/ must end up byte-identical
to it, and the retries must show in run/summary.json.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
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
    temp_files,
    wait_until,
)
from helpers import corpus_bytes

from beam_pipeline.emulator import FaultConfig, GitHubEmulator
from beam_pipeline.storage import TMP_MARKER

pytestmark = pytest.mark.e2e  # slow: `pytest -m "not e2e"` leaves it out

GENEROUS = dict(core_limit=100_000, search_limit=10_000)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A fault-free run over the sample corpus: the output every other run must reproduce."""
    cwd = tmp_path_factory.mktemp("reference")
    with GitHubEmulator(**GENEROUS) as emu:
        proc = run_cli(cwd, emu.url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = cwd / "out"
    raw = out / "raw"
    for f in raw.rglob("*"):
        if f.is_file():
            owner, name, path = f.relative_to(raw).as_posix().split("/", 2)
            assert f.read_bytes() == corpus_bytes(f"{owner}/{name}", path)
    assert summary(out)["github_retries"] == {}
    return out


def _assert_same_result(out: Path, reference: Path) -> None:
    assert data_digests(out, ("raw", "processed", "dataset", "state")) == data_digests(
        reference, ("raw", "processed", "dataset", "state")
    )
    # Nothing was lost to the faults: the same items were skipped, for the same reasons.
    assert errors(out) == errors(reference)


# ---------------------------------------------------------------------- faults

def test_transport_faults_change_nothing(tmp_path, reference):
    """5xx, cut connections, truncated bodies (API and archive host) and broken JSON."""
    faults = FaultConfig(error_5xx_every=3, cut_every=5, truncate_every=7, malformed_json_every=4)
    with GitHubEmulator(faults=faults, **GENEROUS) as emu:
        proc = run_cli(tmp_path, emu.url)
        stats = emu.stats()
    injected = stats["faults"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    _assert_same_result(tmp_path / "out", reference)
    retries = summary(tmp_path / "out")["github_retries"]
    seen = (retries, stats)
    # Which request numbers land on a body depends on thread timing: a "truncate"
    # that falls on a 302/304 becomes a cut. Both kinds together are always there.
    assert injected["error_5xx"] > 0 and injected["malformed_json"] > 0, seen
    assert injected["cut"] + injected["truncate"] > 0, seen
    assert retries.get("5xx", 0) > 0 and retries.get("connection", 0) > 0, seen
    assert retries.get("malformed", 0) > 0, seen
    # A truncated answer is retried as "truncated", or as "connection" where it had no body.
    assert retries.get("truncated", 0) + retries.get("connection", 0) >= injected["truncate"], seen
    # Every fault cost exactly one retry (the pre-flight request, number 1, is never faulted).
    assert sum(retries.values()) == sum(injected.values()), seen


def test_secondary_rate_limits_and_latency_change_nothing(tmp_path, reference):
    """403 secondary limits with and without retry-after, on a slow server."""
    faults = FaultConfig(secondary_every=5, secondary_no_retry_after=7, latency_ms=20)
    with GitHubEmulator(faults=faults, **GENEROUS) as emu:
        proc = run_cli(tmp_path, emu.url)
        injected = emu.stats()["faults"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    _assert_same_result(tmp_path / "out", reference)
    assert injected["secondary"] > 0 and injected["secondary_no_retry_after"] > 0, injected
    retries = summary(tmp_path / "out")["github_retries"]
    assert retries == {"secondary": injected["secondary"] + injected["secondary_no_retry_after"]}


def test_primary_rate_limit_exhaustion_waits_for_the_reset(tmp_path, reference):
    window_s = 3.0
    with GitHubEmulator(core_limit=12, rate_window_s=window_s, search_limit=1000) as emu:
        drained: list[int] = []
        search = emu._search

        def search_and_drain(query, corpus):
            # Another client on the same (anonymous) quota uses up the core window while
            # the crawl searches, so that the crawl's first core requests meet a 403 with
            # x-ratelimit-remaining: 0 that it could not see coming.
            if not drained:
                while emu._limiter.consume("ip:127.0.0.1", "core")[0]:
                    drained.append(1)
                drained.append(0)
            return search(query, corpus)

        emu._search = search_and_drain
        proc = run_cli(tmp_path, emu.url)
        stats = emu.stats()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(drained) > 1, drained
    _assert_same_result(tmp_path / "out", reference)
    s = summary(tmp_path / "out")
    assert s["github_retries"].get("primary", 0) >= 1, s["github_retries"]
    # One archive request per repository, plus those the exhausted quota turned away.
    assert s["github_requests"]["tarball"] >= s["repos_found"] + 1
    assert stats["status"][403] >= 2  # the blocked repository, and the exhausted quota


# ------------------------------------------------------------ crash and resume

class _OutputWatcher(threading.Thread):
    """Polls the output tree while a run is going: every visible (non-temporary)
    file must be complete, i.e. byte-identical to the reference run's file (the
    world does not change), or valid JSON for the run summary."""

    def __init__(self, out: Path, reference: Path) -> None:
        super().__init__(daemon=True)
        self.out = out
        self.reference = reference
        self.problems: list[str] = []
        self.checked: set[tuple] = set()
        self.polls = 0
        self._halt = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + 300
        while not self._halt.is_set() and time.monotonic() < deadline:
            self.check()
            self._halt.wait(0.01)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)
        self.check()

    def check(self) -> None:
        self.polls += 1
        for folder, _dirs, files in os.walk(self.out):
            for name in files:
                if TMP_MARKER in name:
                    if not name.startswith("."):
                        self.problems.append(f"temporary file not hidden: {name}")
                    continue
                path = Path(folder) / name
                try:
                    st = path.stat()
                    key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
                    if key in self.checked:
                        continue
                    data = path.read_bytes()
                except FileNotFoundError:  # replaced or removed while we looked
                    continue
                self.checked.add(key)
                problem = self._problem(path.relative_to(self.out).as_posix(), data)
                if problem:
                    self.problems.append(problem)

    def _problem(self, rel: str, data: bytes) -> str | None:
        if rel == "run/summary.json":
            try:
                json.loads(data)
            except ValueError:
                return f"{rel}: not valid JSON ({len(data)} bytes)"
            return None
        if rel.split("/")[0] not in ("raw", "processed", "dataset", "state", "run"):
            return f"{rel}: unexpected file"
        ref = self.reference / rel
        if not ref.is_file():
            return f"{rel}: not in the reference output"
        if ref.read_bytes() != data:
            return f"{rel}: {len(data)} bytes differ from the reference ({ref.stat().st_size} bytes)"
        return None


def _count_files(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.rglob("*") if p.is_file() and TMP_MARKER not in p.name)


def _plant_stale_temps(out: Path, dead_pid: int) -> tuple[list[Path], Path]:
    """Temporary files as a killed run leaves them (write_atomic's and dataset.py's
    names), and one of a live process, which must survive the rerun."""
    raw_dir = next(p for p in (out / "raw").rglob("*") if p.is_dir())
    stale = [
        raw_dir / f".scene.py{TMP_MARKER}{dead_pid}-0badc0de",
        out / "state" / f".x.json{TMP_MARKER}{dead_pid}-0badc0de",
        out / "run" / f".errors.jsonl{TMP_MARKER}{dead_pid}-0badc0de",
        out / "processed" / f".half.py.json{TMP_MARKER}{dead_pid}-0badc0de",
        out / "dataset" / f".stats.json{TMP_MARKER}0123456789abcdef0123456789abcdef",
    ]
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b'{"half": ')
    live = raw_dir / f".other.py{TMP_MARKER}{os.getpid()}-0badc0de"
    live.write_bytes(b"being written by a live process")
    return stale, live


def _crash_and_resume(tmp_path: Path, reference: Path, emu: GitHubEmulator, phase: str,
                      trigger, *extra: str) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    cmd = cli_command(emu.url, "out", *extra)
    out = tmp_path / "out"
    watcher = _OutputWatcher(out, reference)
    watcher.start()
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=clean_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        fired = wait_until(lambda: trigger(out) or proc.poll() is not None, timeout=120)
        assert fired and proc.poll() is None, f"the run ended before the {phase} phase was seen"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    watcher.stop()
    assert proc.returncode == -signal.SIGKILL
    seen = {d: _count_files(out / d) for d in ("raw", "processed", "dataset")}
    assert not (out / "run" / "summary.json").exists(), f"killed too late: {seen}"
    assert watcher.problems == [], watcher.problems
    leftovers = temp_files(out)

    stale, live = _plant_stale_temps(out, proc.pid)
    watcher = _OutputWatcher(out, reference)
    watcher.start()
    rerun = run_cli(tmp_path, emu.url, *extra)
    watcher.stop()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert watcher.problems == [], watcher.problems
    assert not any(p.exists() for p in stale)
    assert live.exists(), "a temporary file of a live process was removed"
    live.unlink()
    assert temp_files(out) == []
    _assert_same_result(out, reference)
    s = summary(out)
    assert s["counters"]["stale_temps_removed"] >= 4 + len(
        [p for p in leftovers if "/dataset/" not in p.as_posix()]
    )
    return {"seen_at_kill": seen, "leftovers": len(leftovers), "summary": s}


def test_remove_stale_temps_spares_live_writers_and_other_files(tmp_path):
    from beam_pipeline.storage import remove_stale_temps

    done = subprocess.Popen(["true"])
    done.wait()  # a process that is gone: its temporary files are stale
    (tmp_path / "a" / "b").mkdir(parents=True)
    stale = [tmp_path / f".x.py{TMP_MARKER}{done.pid}-0f", tmp_path / "a" / "b" / f".y{TMP_MARKER}{done.pid}-ab12"]
    kept = [
        tmp_path / f".x.py{TMP_MARKER}{os.getpid()}-0f",  # a live writer (this process)
        tmp_path / "a" / f".z{TMP_MARKER}0123456789abcdef0123456789abcdef",  # not write_atomic's
        tmp_path / "a" / f"visible{TMP_MARKER}{done.pid}-0f",  # not hidden: not ours either
        tmp_path / "a" / "b" / "data.py",
    ]
    for p in stale + kept:
        p.write_bytes(b"x")
    assert remove_stale_temps(str(tmp_path)) == 2
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert remove_stale_temps(str(tmp_path)) == 0
    assert remove_stale_temps("gs://bucket/out") == 0  # object stores have no temporary files


def test_kill_while_fetching_then_rerun(tmp_path, reference):
    total_raw = _count_files(reference / "raw")
    # Slow answers and one crawl thread: fetching takes seconds, one repository at a time.
    with GitHubEmulator(faults=FaultConfig(latency_ms=60), **GENEROUS) as emu:
        result = _crash_and_resume(
            tmp_path, reference, emu, "fetch",
            lambda out: _count_files(out / "raw") > 0,
            "--crawl_threads", "1",
        )
    assert 0 < result["seen_at_kill"]["raw"] < total_raw, result["seen_at_kill"]
    assert result["seen_at_kill"]["processed"] == 0
    s = result["summary"]
    assert s["files_reused"] >= result["seen_at_kill"]["raw"]  # resumed, not redone
    assert s["files_fetched"] + s["files_reused"] == total_raw


def test_kill_while_writing_then_rerun(tmp_path, reference):
    # Writing the 31 processed files takes well under a second: on a loaded
    # machine the kill can land after the run ended. Such an attempt proves
    # nothing either way, so it is repeated (bounded) in a fresh folder.
    for attempt in range(4):
        try:
            with GitHubEmulator(**GENEROUS) as emu:
                result = _crash_and_resume(
                    tmp_path / f"attempt{attempt}", reference, emu, "write",
                    lambda out: _count_files(out / "processed") > 0,
                )
            break
        except AssertionError as e:
            if "killed too late" not in str(e) and "ended before" not in str(e):
                raise
    else:
        pytest.fail("the run always finished before it could be killed while writing")
    seen = result["seen_at_kill"]
    assert seen["processed"] > 0
    # Repositories flow through the steps one by one (no barrier after the fetch), so
    # some raw files may still have been due at the kill: every one that was written
    # is read back, not downloaded again, and the rest is fetched.
    s = result["summary"]
    total = _count_files(reference / "raw")
    assert s["files_reused"] >= seen["raw"] > 0
    assert s["files_fetched"] + s["files_reused"] == total


# ------------------------------------------------------------------ idempotence

def test_rerun_rewrites_nothing(tmp_path, reference):
    """test_end_to_end covers the data and the DVC commit; here: the rerun leaves
    every file untouched (not even rewritten with the same bytes), the crawl
    state included, and reports the same dead letters."""
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    errors_before = errors_files(out)
    with GitHubEmulator(**GENEROUS) as emu:
        proc = run_cli(tmp_path, emu.url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert errors_files(out) == errors_before
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    changed = sorted(p.relative_to(out).as_posix() for p in after if before.get(p) != after[p])
    assert changed == ["run/summary.json"]
    assert digests(out / "state") == digests(reference / "state")
    s = summary(out)
    assert s["processed_written"] == 0 and s["files_fetched"] == 0
    assert s["repos_unchanged"] == s["repos_listed"]


# ---------------------------------------------------------------- clear errors

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fails_clearly(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    for word in words:
        assert word in line, line
    return line


def test_unreachable_api_is_one_readable_line(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    proc = run_cli(tmp_path, url, timeout=60)
    _fails_clearly(proc, url, "not usable")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out" / "raw").exists()


@pytest.mark.parametrize("where", ["under_a_file", "is_a_file"])
def test_unwritable_output_is_one_readable_line(tmp_path, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file, not a folder")
    output = blocker / "out" if where == "under_a_file" else blocker
    url = f"http://127.0.0.1:{_closed_port()}"  # never reached: the output is checked first
    proc = run_cli(tmp_path, url, output=output, timeout=60)
    _fails_clearly(proc, "output folder", str(output), "not writable")
    assert blocker.read_text() == "a regular file, not a folder"


def _python_without_tools(where) -> str:
    import site
    import venv

    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    python = where / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in site.getsitepackages() if os.path.isdir(p)]
    (Path(purelib) / "outer.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours))
    return str(python)


@pytest.mark.parametrize("missing", ["git", "dvc"])
def test_missing_git_or_dvc_is_one_readable_line(tmp_path, missing):
    bin_dir = tmp_path / "bin"  # PATH holds only what this test puts here
    bin_dir.mkdir()
    if missing == "dvc":
        (bin_dir / "git").symlink_to(shutil.which("git"))
    cmd = cli_command(f"http://127.0.0.1:{_closed_port()}", "out", "--dvc_repo", "dsrepo",
                      "--dvc_remote", "remote", dvc=True)
    assert os.path.isabs(cmd[0])  # python itself is started by its absolute path
    # dvc is looked for next to the interpreter first: run one that has none beside it
    # (a bare virtual environment that sees this one's packages).
    cmd[0] = _python_without_tools(tmp_path / "bare")
    proc = run_cli(tmp_path, "", cmd=cmd, env=clean_env(PATH=str(bin_dir)), timeout=60)
    _fails_clearly(proc, f"{missing} is not installed", "--skip_dvc")
    assert not (tmp_path / "out").exists() and not (tmp_path / "dsrepo").exists()
