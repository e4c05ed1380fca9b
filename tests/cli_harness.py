"""Running the whole job as a user does (`python -m beam_pipeline` in a subprocess).

Shared by the reliability, hostile-input and secrets tests: the command line
with fast retry settings, output digests, dead letters, a watcher of the output
tree while a run is going, and a peak-memory probe.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from beam_pipeline.storage import TMP_MARKER

# Retries that take milliseconds, not minutes; no progress lines in the logs.
FAST = (
    "--backoff_base_s", "0.01",
    "--secondary_floor_s", "0.05",
    "--max_retries", "8",
    "--request_timeout_s", "20",
    "--progress_interval_s", "0",
)
DATA_DIRS = ("raw", "processed", "dataset")


def cli_command(api_url: str, output: str | Path = "out", *extra: str, dvc: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "beam_pipeline", "--runner=DirectRunner",
           "--github_api_url", api_url, "--output", str(output), *FAST]
    if not dvc:
        cmd.append("--skip_dvc")
    return [*cmd, *extra]


def clean_env(**extra: str) -> dict[str, str]:
    """The test environment without a GitHub token or debug switch, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GITHUB_TOKEN", "MANIM_DATASET_DEBUG")}
    env.update(extra)
    return env


def run_cli(cwd: Path, api_url: str, *extra: str, output: str | Path = "out", dvc: bool = False,
            env: dict[str, str] | None = None, timeout: float = 240,
            cmd: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run the job to its end; the caller checks the exit code."""
    return subprocess.run(cmd or cli_command(api_url, output, *extra, dvc=dvc), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else clean_env())


def digests(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every file below `root`."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def data_digests(out: Path, dirs: tuple[str, ...] = DATA_DIRS) -> dict[str, dict[str, str]]:
    return {d: digests(out / d) for d in dirs}


def summary(out: Path) -> dict:
    return json.loads((out / "run" / "summary.json").read_text())


def run_records(out: Path, name: str) -> list[dict]:
    """The lines of run/<name>/<name>-*.jsonl (dead letters, scene verdicts), shard by shard."""
    rows = []
    for path in sorted((out / "run" / name).glob(f"{name}-*.jsonl")):
        # "\n" only: U+2028 and the like are text inside a JSON string, not line ends
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    return rows


def run_record_files(out: Path, name: str) -> dict[str, bytes]:
    """file name -> bytes of the shards of run/<name>/ (what must stay byte-identical)."""
    return {p.name: p.read_bytes() for p in sorted((out / "run" / name).iterdir())}


def errors(out: Path) -> list[dict]:
    """Every dead letter of a run."""
    return run_records(out, "errors")


def errors_files(out: Path) -> dict[str, bytes]:
    return run_record_files(out, "errors")


def temp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and TMP_MARKER in p.name)


def tree_listing(root: Path, skip: Callable[[Path], bool] = lambda p: False) -> dict[str, tuple]:
    """relative path -> (kind, size) of everything below `root`, links not followed."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        names = [*dirnames, *filenames]
        dirnames[:] = [d for d in dirnames if not skip(here / d)]  # listed, not entered
        for name in names:
            p = here / name
            st = p.lstat()
            kind = "link" if p.is_symlink() else "dir" if p.is_dir() else "file"
            out[p.relative_to(root).as_posix()] = (kind, 0 if kind == "dir" else st.st_size)
    return out


def one_error_line(stderr: str) -> str:
    """The single `error: ...` line of a failed run (asserts there is exactly one)."""
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    return lines[0]


class PeakRss:
    """Polls the resident memory of a process and its children while it runs."""

    def __init__(self, pid: int, interval: float = 0.05, kill_over: int | None = None) -> None:
        self.pid = pid
        self.interval = interval
        self.kill_over = kill_over
        self.peak = 0
        self.killed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _poll(self) -> None:
        try:
            proc = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                procs = [proc, *proc.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs)
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)
            if self.kill_over is not None and rss > self.kill_over:
                self.killed = True
                for p in procs:
                    try:
                        p.kill()
                    except psutil.Error:
                        pass
                return
            self._stop.wait(self.interval)


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float,
                 kill_over: int | None = None) -> tuple[subprocess.CompletedProcess, PeakRss]:
    """Run `cmd` to its end while measuring its peak RSS (killing it above `kill_over`)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid, kill_over=kill_over) as probe:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), probe


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
