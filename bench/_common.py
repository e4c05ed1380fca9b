"""Shared helpers of the benchmarks (not a benchmark itself).

* ``make_corpus``: an emulator corpus folder with N repositories whose files are
  all distinct (so no cross-repository blob de-duplication flatters the crawler),
  plus the bundled sample repositories.
* ``EmulatorProcess``: the GitHub emulator in its own process (so it does not
  share the pipeline's cores or GIL), with its request statistics readable over
  a pipe.
* ``TreeSampler``: peak resident memory of a process and all its descendants.
* ``run_pipeline``: ``python -m beam_pipeline ...`` in a subprocess, measured.
* small formatting helpers and a description of the machine.

Two entry points are used by the benchmarks as subprocesses::

    python bench/_common.py serve [emulator flags]    # emulator + stats over stdin/stdout
    python bench/_common.py run METRICS.json -- ARGV  # cli.main(ARGV), plus Beam step timings
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# High enough that rate limiting never shows up unless a benchmark asks for it.
NO_LIMIT = 10_000_000
# Pipeline flags that turn off the pacing under GitHub's secondary limits, for the
# benchmarks of thousands of repositories: the emulator does not enforce those
# limits there, and at 900 requests a minute per token a real crawl of 2,500
# repositories takes about three minutes of pacing whatever the code does.
UNPACED = ["--max_requests_per_minute=0", "--max_server_s_per_minute=0"]
# The pipeline's top-level transforms, in order (Beam step names start with these).
STAGES = (
    "SearchRepos",
    "ListPyFiles",
    "FetchAndUploadRaw",
    "FilterManimImports",
    "ExtractCommentCodePairs",
    "DeadLetters",
    "WriteJson",
)
DOWNLOAD_ENDPOINTS = ("codeload", "raw")


# --------------------------------------------------------------------- corpus


def make_corpus(dest: Path, n: int, *, with_sample: bool = True) -> dict[str, Any]:
    """Write an emulator corpus with ``n`` distinct repositories to ``dest``.

    Each repository copies one of the sample repositories (round robin over the
    ones the emulator's ``--clones`` also uses) and appends a line
    ``# bench variant NNNNN`` to every ``.py`` file, so every blob differs from
    every other repository's. Creation dates are spread over 2015-2026 like the
    emulator's clones, so the search has to be split by date past 1,000 results.
    Returns a description (repositories, ``.py`` files, bytes).
    """
    from beam_pipeline.emulator.corpus import (
        CLONE_CREATED_END,
        CLONE_CREATED_START,
        format_time,
        load_corpus,
        parse_time,
    )
    from beam_pipeline.emulator.corpus import bundled_corpus_root as sample_root

    sample = sample_root()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    meta: list[dict[str, Any]] = []
    if with_sample:
        shutil.copytree(sample / "repos", dest / "repos")
        meta = json.loads((sample / "repos.json").read_text(encoding="utf-8"))
    corpus = load_corpus(sample)
    bases = sorted(
        (r for r in corpus.repos.values() if r.status == "ok" and not r.fork and not r.snapshot.empty),
        key=lambda r: r.full_name,
    )
    start, end = parse_time(CLONE_CREATED_START), parse_time(CLONE_CREATED_END)
    py_files = total_bytes = 0
    for i in range(n):
        base = bases[i % len(bases)]
        full = f"bench{i:05d}/manim-{base.name}"
        folder = dest / "repos" / full
        marker = f"\n# bench variant {i:05d}\n".encode()
        for path, data in base.snapshot.files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.endswith(".py"):
                data = data + marker
                py_files += 1
            total_bytes += len(data)
            target.write_bytes(data)
        created = start + ((end - start) * i) // max(n - 1, 1)
        meta.append(
            {
                "full_name": full,
                "created_at": format_time(created),
                "pushed_at": format_time(min(created + 30 * 86400, end)),
                "license": base.license,
                "description": f"Benchmark variant of {base.full_name}",
                "topics": ["manim"],
                "stars": (i * 7) % 97,
                "default_branch": base.default_branch,
                "status": "ok",
            }
        )
    (dest / "repos.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return {"repos": n, "py_files": py_files, "bytes": total_bytes, "with_sample": with_sample}


# ------------------------------------------------------------------- emulator


def emulator_flags(
    *,
    root: Path | None,
    clones: int = 0,
    latency_ms: float = 50.0,
    rate_limits: bool = False,
) -> list[str]:
    """Flags of ``python -m beam_pipeline.emulator`` (and of ``serve`` below)."""
    flags = ["--port", "0", "--latency_ms", str(latency_ms), "--clones", str(clones)]
    if root is not None:
        flags += ["--root", str(root)]
    if not rate_limits:
        flags += ["--core_limit", str(NO_LIMIT), "--search_limit", str(NO_LIMIT)]
    return flags


class EmulatorProcess:
    """The emulator in a child process; ``stats()`` asks it for its counters.

    The child stops when told to, when its stdin closes (this process died) or
    after ``max_lifetime_s``, whichever comes first: it can never outlive the
    benchmark by much.
    """

    def __init__(self, flags: Sequence[str], max_lifetime_s: float = 7200.0):
        cmd = [sys.executable, str(Path(__file__).resolve()), "serve",
               "--max_lifetime_s", str(max_lifetime_s), *flags]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, cwd=ROOT
        )
        line = self._readline(timeout=120.0)
        if not line.startswith("URL "):
            self.stop()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.url = line.split(" ", 1)[1].strip()
        self.pid = self.proc.pid

    def _readline(self, timeout: float) -> str:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not box:
            raise RuntimeError("emulator process did not answer in time")
        return box[0]

    def stats(self) -> dict[str, Any]:
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self._readline(timeout=30.0))

    def cpu_seconds(self) -> float:
        import psutil

        t = psutil.Process(self.proc.pid).cpu_times()
        return t.user + t.system

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(argv: Sequence[str]) -> int:
    """Child side of EmulatorProcess: the emulator CLI's flags, stats on request."""
    import argparse

    from beam_pipeline.emulator import FaultConfig, GitHubEmulator
    from beam_pipeline.emulator.__main__ import build_parser

    parser = build_parser()
    parser.add_argument("--max_lifetime_s", type=float, default=7200.0)
    args = parser.parse_args(argv)
    assert isinstance(args, argparse.Namespace)
    emu = GitHubEmulator(
        root=args.root,
        port=args.port,
        faults=FaultConfig(latency_ms=args.latency_ms),
        clones=args.clones,
        core_limit=args.core_limit,
        search_limit=args.search_limit,
        rate_window_s=args.rate_window_s,
    ).start()
    deadline = time.monotonic() + args.max_lifetime_s
    watchdog = threading.Thread(
        target=lambda: (time.sleep(max(0.0, deadline - time.monotonic())), os._exit(3)),
        daemon=True,
    )
    watchdog.start()
    print(f"URL {emu.url}", flush=True)
    try:
        for line in sys.stdin:  # ends on EOF: the parent is gone
            cmd = line.strip()
            if cmd == "stats":
                print(json.dumps(emu.stats()), flush=True)
            elif cmd == "quit":
                break
    finally:
        emu.stop()
    return 0


# ---------------------------------------------------------------- statistics


def stats_delta(after: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """Emulator statistics between two snapshots (requests by endpoint, statuses)."""
    req = {k: after["requests"][k] - before["requests"].get(k, 0) for k in after["requests"]}
    status = {
        int(k): v - int(before["status"].get(k, before["status"].get(str(k), 0)))
        for k, v in after["status"].items()
    }
    return {
        "requests": {k: v for k, v in req.items() if v},
        "status": {k: v for k, v in sorted(status.items()) if v},
        "not_modified": after["not_modified"] - before["not_modified"],
        "total": after["total"] - before["total"],
    }


def api_requests(requests: Mapping[str, int], *, include_downloads: bool,
                 include_search: bool = True, include_rate_limit: bool = False) -> int:
    """Requests of a stats delta, optionally without downloads, search or /rate_limit."""
    total = 0
    for endpoint, n in requests.items():
        if endpoint in DOWNLOAD_ENDPOINTS and not include_downloads:
            continue
        if endpoint == "search" and not include_search:
            continue
        if endpoint == "rate_limit" and not include_rate_limit:
            continue
        total += n
    return total


# ------------------------------------------------------------------- memory


@dataclass
class TreeSampler:
    """Polls a process and its descendants; keeps the peak of their summed RSS."""

    pid: int
    interval_s: float = 0.1
    peak_total_rss: int = 0
    peak_single_rss: int = 0
    max_processes: int = 0
    samples: int = 0
    # pid -> (kind, user+system CPU seconds last seen); kinds: runner, sdk_worker, other
    cpu_by_pid: dict[int, tuple[str, float]] = field(default_factory=dict)
    series: list[tuple[float, int]] = field(default_factory=list)  # (time.monotonic(), tree RSS)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    cpu = p.cpu_times()
                    kind = self.cpu_by_pid.get(p.pid, ("", 0.0))[0]
                    if not kind:
                        cmd = " ".join(p.cmdline())
                        kind = ("runner" if p.pid == self.pid else
                                "sdk_worker" if "sdk_worker_main" in cmd and "python" in cmd
                                else "other")
                except psutil.Error:
                    continue
                self.cpu_by_pid[p.pid] = (kind, cpu.user + cpu.system)
                total += rss
                self.peak_single_rss = max(self.peak_single_rss, rss)
            self.peak_total_rss = max(self.peak_total_rss, total)
            self.series.append((time.monotonic(), total))
            self.max_processes = max(self.max_processes, len(procs))
            self.samples += 1
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process, as last seen by the poller (a lower bound)."""
        out: dict[str, float] = {}
        for kind, cpu in self.cpu_by_pid.values():
            out[kind] = round(out.get(kind, 0.0) + cpu, 2)
        return out


@dataclass
class PipelineRun:
    argv: list[str]
    returncode: int
    wall_s: float
    peak_tree_rss: int
    peak_single_rss: int
    ru_maxrss: int  # bytes; largest single descendant reaped so far (getrusage)
    max_processes: int
    cpu_s: float  # user+system of the pipeline's process tree (reaped children)
    cpu_by_kind: dict[str, float]
    rss_series: list[tuple[float, int]]
    summary: dict[str, Any] | None
    metrics: dict[str, Any] | None
    stderr_tail: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.summary is not None


def run_pipeline(argv: Sequence[str], output: Path, *, timeout_s: float = 3600.0,
                 env: Mapping[str, str] | None = None) -> PipelineRun:
    """``python -m beam_pipeline ARGV`` in a subprocess (via ``run`` below, which
    adds Beam's per-step timings), with peak memory of its process tree."""
    import resource

    metrics_path = output.parent / f"{output.name}.metrics.json"
    if metrics_path.exists():
        metrics_path.unlink()
    cmd = [sys.executable, str(Path(__file__).resolve()), "run", str(metrics_path), "--", *argv]
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONPATH", str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    errfile = output.parent / f"{output.name}.stderr.txt"
    with open(errfile, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=full_env, cwd=output.parent)
        sampler = TreeSampler(proc.pid).start()
        try:
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait(timeout=30)
        finally:
            sampler.stop()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary_file = output / "run" / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() and rc == 0 else None
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
    tail = errfile.read_text(errors="replace")[-3000:]
    return PipelineRun(
        argv=list(argv),
        returncode=rc,
        wall_s=wall,
        peak_tree_rss=sampler.peak_total_rss,
        peak_single_rss=sampler.peak_single_rss,
        ru_maxrss=after.ru_maxrss * 1024,
        max_processes=sampler.max_processes,
        cpu_s=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        cpu_by_kind=sampler.cpu_by_kind(),
        rss_series=sampler.series,
        summary=summary,
        metrics=metrics,
        stderr_tail=tail,
    )


class KeepPipelineResult:
    """While active, every ``beam.Pipeline.run`` keeps its result (for step timings),
    and the FnApiRunner's fused stages are timed by wall clock.

    The FnApiRunner executes a pipeline one fused stage at a time (each stage's
    bundles spread over ``direct_num_workers``), so the wall time of
    ``FnApiRunner._execute_bundle`` per stage says where the run's time went.
    """

    def __init__(self) -> None:
        self.results: list[Any] = []
        self.run_started: float | None = None
        self.stage_wall: list[dict[str, Any]] = []
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> KeepPipelineResult:
        import apache_beam as beam
        from apache_beam.runners.portability.fn_api_runner import fn_runner

        keeper = self
        original_run = beam.Pipeline.run
        original_execute = fn_runner.FnApiRunner._execute_bundle

        def run_and_keep(pipeline, *args, **kwargs):
            keeper.run_started = time.time()
            result = original_run(pipeline, *args, **kwargs)
            keeper.results.append(result)
            return result

        def timed_execute(runner, context, bundle_context_manager, bundle_input):
            t0 = time.monotonic()
            try:
                return original_execute(runner, context, bundle_context_manager, bundle_input)
            finally:
                stage = bundle_context_manager.stage
                names = [t.unique_name for t in stage.transforms]
                keeper.stage_wall.append({
                    "stage": stage.name,
                    "names": names,
                    "top": sorted({n.split("/", 1)[0] for n in names if n}),
                    "start": t0,
                    "wall_s": time.monotonic() - t0,
                })

        self._saved = [(beam.Pipeline, "run", original_run),
                       (fn_runner.FnApiRunner, "_execute_bundle", original_execute)]
        beam.Pipeline.run = run_and_keep
        fn_runner.FnApiRunner._execute_bundle = timed_execute
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, value in self._saved:
            setattr(owner, name, value)

    def steps(self) -> dict[str, Any] | None:
        out: dict[str, Any] = {"fused_wall": fused_wall(self.stage_wall)}
        if self.results:
            try:
                out.update(step_msecs(self.results[-1]))
            except Exception as e:  # noqa: BLE001 - timings are a bonus, never fatal
                out["error"] = f"{type(e).__name__}: {e}"
        by_step = out.get("steps") or {}
        for g in out["fused_wall"]:
            split: dict[str, int] = {}
            for name in g.pop("names"):
                if by_step.get(name):
                    top = name.split("/", 1)[0]
                    split[top] = split.get(top, 0) + by_step[name]
            g["sampled_msecs"] = split
        return out


def fused_wall(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wall seconds per group of top-level transforms, in order of completion."""
    groups: dict[str, dict[str, Any]] = {}
    for r in records:
        key = "+".join(t for t in STAGES if t in r["top"]) or "+".join(r["top"]) or r["stage"]
        g = groups.setdefault(key, {"transforms": key, "wall_s": 0.0, "bundles": 0,
                                    "first_start": r["start"], "last_end": 0.0,
                                    "windows": [], "names": set()})
        g["wall_s"] += r["wall_s"]
        g["windows"].append((r["start"], r["start"] + r["wall_s"]))
        g["last_end"] = max(g["last_end"], r["start"] + r["wall_s"])
        g["bundles"] += 1
        g["names"].update(r.get("names", ()))
    out = sorted(groups.values(), key=lambda g: g["last_end"])
    for g in out:
        g["names"] = sorted(g["names"])
    return out


# Set for a ``run`` child: the bundled emulator (``--github_api_url=emulator``) starts
# without GitHub's rate limits, so a crawl of more than 5,000 repositories does not wait
# an hour for the core limit's window (the code paths are the same; nothing waits).
UNLIMITED_EMULATOR_ENV = "BENCH_UNLIMITED_EMULATOR"


def _lift_bundled_emulator_limits() -> None:
    from beam_pipeline.emulator import server

    original = server.GitHubEmulator.__init__

    def init(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("core_limit", NO_LIMIT)
        kwargs.setdefault("search_limit", NO_LIMIT)
        original(self, *args, **kwargs)

    server.GitHubEmulator.__init__ = init  # type: ignore[method-assign]


def _run(argv: Sequence[str]) -> int:
    """Child side of run_pipeline: exactly ``python -m beam_pipeline`` (cli.main),
    with Pipeline.run wrapped to keep the result and record Beam's step timings."""
    metrics_path, rest = argv[0], list(argv[1:])
    if rest and rest[0] == "--":
        rest = rest[1:]
    marks: dict[str, float] = {"process_start": time.time(), "process_start_mono": time.monotonic()}
    if os.environ.get(UNLIMITED_EMULATOR_ENV):
        _lift_bundled_emulator_limits()
    with KeepPipelineResult() as keep:
        from beam_pipeline import cli

        rc = cli.main(rest)
    marks["process_end"] = time.time()
    if keep.run_started is not None:
        marks["pipeline_run_start"] = keep.run_started
    out: dict[str, Any] = {"marks": marks, "returncode": rc, "steps": keep.steps()}
    Path(metrics_path).write_text(json.dumps(out, indent=1))
    return rc


def step_msecs(result: Any) -> dict[str, dict[str, int]]:
    """Beam's sampled execution time per top-level transform and per step (msecs).

    FnApiRunner reports ``beam:metric:ptransform_execution_time:total_msecs:v1``
    per step (a state sampler: time attributed to the step whose code is
    running, summed over all worker threads/processes).
    """
    by_stage: dict[str, int] = {}
    by_step: dict[str, int] = {}
    for c in result.monitoring_metrics().query().get("counters", []):
        if "ptransform_execution_time:total_msecs" not in c.key.metric.name:
            continue
        step = c.key.step or "?"
        value = int(c.committed or 0)
        by_step[step] = by_step.get(step, 0) + value
        top = step.split("/", 1)[0]
        by_stage[top] = by_stage.get(top, 0) + value
    return {"stages": by_stage, "steps": dict(sorted(by_step.items(), key=lambda kv: -kv[1]))}


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores, since boot)."""
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)


def own_cpu_seconds() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ----------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    import apache_beam
    import psutil

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "beam": apache_beam.__version__,
    }


def print_machine(info: Mapping[str, Any]) -> None:
    print(
        f"# {info['date']} | {info['cpus']} CPUs ({info['cpu_model'] or 'unknown'}) | "
        f"{info['memory_gb']} GB | Python {info['python']} | Beam {info['beam']} | "
        f"load average at start {info['loadavg_at_start']}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (also readable on a terminal)."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in text)]) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in text:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    return "\n".join(lines)


def mib(n: int | float) -> float:
    return n / 2**20


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        sys.exit(_serve(sys.argv[2:]))
    if len(sys.argv) >= 3 and sys.argv[1] == "run":
        sys.exit(_run(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
