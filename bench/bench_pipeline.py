"""Pipeline benchmark: peak memory, growth with size, 1 vs 2 workers, time per stage.

    python bench/bench_pipeline.py [--sizes 250,1000,2500] [--latency_ms 50]
                                   [--throughput_sizes 1000,2500] [--throughput_latency_ms 50,0]
                                   [--flags "EXTRA PIPELINE FLAGS"] [--dvc] [--quick]

Every pipeline run is ``python -m beam_pipeline --runner=DirectRunner
--github_api_url URL --skip_dvc --output DIR`` in its own subprocess (through
``bench/_common.py run``, which calls the same ``cli.main`` and additionally
records Beam's per-step timings). The GitHub emulator runs in a third process,
so it never shares the pipeline's GIL; on a 2-core machine it still competes
for the cores, which matters only when latency is 0 (see the output).

(a) memory: peak RSS of the pipeline's whole process tree (polled every 0.1 s
    with psutil: the sum over the process and all its descendants, e.g. Beam's
    SDK worker processes) and of its largest single process, at each size.
(b) throughput: the same input with ``--direct_num_workers=1`` and with
    ``--direct_num_workers=2 --direct_running_mode=multi_processing``; the ratio
    of wall times (and of .py files per second).
(c) end to end at the largest size: wall time, and where it goes: the wall
    clock of each fused stage the FnApiRunner executed (the runner runs one
    fused stage at a time) and Beam's sampled execution msecs per transform.

Corpus: ``--corpus unique`` (default) serves N repositories whose files are all
distinct (copies of the sample repositories with one unique line appended per
file), so the crawl really downloads every repository. ``--corpus clones`` uses
the emulator's ``--clones`` (shared blobs: most downloads are skipped by the
pipeline's blob cache). Rate limits are off unless ``--rate_limits``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

GOAL_RSS = 2 * 2**30
GOAL_SPEEDUP = 1.7


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


class World:
    """A corpus of N repositories served by an emulator process (created lazily)."""

    def __init__(self, work: Path, corpus: str, n: int, latency_ms: float, rate_limits: bool):
        self.n = n
        root = None
        if corpus == "unique":
            root = work / f"corpus{n}"
            if not root.exists():
                c.make_corpus(root, n)
        self.emu = c.EmulatorProcess(c.emulator_flags(
            root=root, clones=n if corpus == "clones" else 0,
            latency_ms=latency_ms, rate_limits=rate_limits))

    def close(self) -> None:
        self.emu.stop()


def measure(world: World, work: Path, label: str, flags: list[str],
            timeout_s: float) -> dict[str, Any]:
    out = work / f"out-{label}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    argv = ["--runner=DirectRunner", "--github_api_url", world.emu.url, "--skip_dvc",
            "--output", str(out), "--progress_interval_s", "0", *c.UNPACED, *flags]
    before = world.emu.stats()
    emu_cpu0 = world.emu.cpu_seconds()
    busy0, own0 = c.busy_cpu_seconds(), c.own_cpu_seconds()
    run = c.run_pipeline(argv, out, timeout_s=timeout_s)
    delta = c.stats_delta(world.emu.stats(), before)
    emu_cpu = world.emu.cpu_seconds() - emu_cpu0
    # CPU the rest of the machine used meanwhile (other jobs on a shared box)
    others = (c.busy_cpu_seconds() - busy0) - run.cpu_s - emu_cpu - (c.own_cpu_seconds() - own0)
    if not run.ok:
        print(f"   FAILED (exit {run.returncode}):\n{run.stderr_tail}", file=sys.stderr)
    s = run.summary or {}
    files = s.get("files_listed", 0)
    res = {
        "label": label,
        "repos": world.n,
        "flags": flags,
        "ok": run.ok,
        "returncode": run.returncode,
        "wall_s": run.wall_s,
        "peak_tree_rss": run.peak_tree_rss,
        "peak_single_rss": run.peak_single_rss,
        "ru_maxrss": run.ru_maxrss,
        "max_processes": run.max_processes,
        "cpu_s": run.cpu_s,
        "cpu_by_kind": run.cpu_by_kind,
        "emulator_cpu_s": emu_cpu,
        "others_cpu_s": max(0.0, others),
        "repos_found": s.get("repos_found", 0),
        "files_listed": files,
        "files_fetched": s.get("files_fetched", 0),
        "files_manim": s.get("files_manim", 0),
        "pairs": s.get("pairs_extracted", 0),
        "dataset_rows": (s.get("dataset") or {}).get("rows"),
        "dead_letters": s.get("dead_letters", 0),
        "files_per_s": files / run.wall_s if run.wall_s else 0.0,
        "emulator_requests": delta["requests"],
        "loadavg_after": round(os.getloadavg()[0], 2),
        "rss_by_stage": rss_by_stage(run.rss_series, run.metrics),
        "metrics": run.metrics,
    }
    print(f"   {label}: {'ok' if run.ok else 'FAILED'} in {run.wall_s:.1f} s, "
          f"{res['repos_found']} repos, {files} files, {res['pairs']} pairs, peak RSS tree "
          f"{c.mib(run.peak_tree_rss):.0f} MiB (largest process {c.mib(run.peak_single_rss):.0f} MiB, "
          f"{run.max_processes} processes), CPU {run.cpu_s:.1f} s {run.cpu_by_kind}, "
          f"emulator CPU {emu_cpu:.1f} s, other processes' CPU meanwhile {res['others_cpu_s']:.1f} s",
          flush=True)
    return res


def measure_dvc(world: World, work: Path, timeout_s: float) -> dict[str, Any]:
    """The same run twice, with and without the DVC post-step: the difference is its cost."""
    out = work / "out-dvc"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    argv = ["--runner=DirectRunner", "--github_api_url", world.emu.url,
            "--output", str(out), "--progress_interval_s", "0", *c.UNPACED,
            "--dvc_repo", str(work / "dvc_repo"), "--dvc_remote", str(work / "dvc_store")]
    run = c.run_pipeline(argv, out, timeout_s=timeout_s)
    s = run.summary or {}
    marks = (run.metrics or {}).get("marks", {})
    res = {"ok": run.ok, "wall_s": run.wall_s, "dvc": s.get("dvc"), "metrics": run.metrics,
           "marks": marks, "elapsed_s": s.get("elapsed_s"), "peak_tree_rss": run.peak_tree_rss}
    post = post_stage_s(res)
    res["post_s"] = post
    print(f"   with DVC: {'ok' if run.ok else 'FAILED'} in {run.wall_s:.1f} s, of which "
          f"{post if post is not None else float('nan'):.1f} s after the pipeline's last stage "
          f"(DVC commit + push, summary); dvc: {json.dumps(s.get('dvc'))[:160]}", flush=True)
    if not run.ok:
        print(run.stderr_tail, file=sys.stderr)
    return res


# --------------------------------------------------------------------- report


def rss_by_stage(series: list[tuple[float, int]], metrics: dict[str, Any] | None) -> dict[str, int]:
    """Peak tree RSS while each fused-stage group ran (both clocks are CLOCK_MONOTONIC)."""
    fused = ((metrics or {}).get("steps") or {}).get("fused_wall") or []
    out: dict[str, int] = {}
    for g in fused:
        windows = g.get("windows") or []
        inside = [rss for t, rss in series if any(lo <= t <= hi for lo, hi in windows)]
        if inside:
            out[g["transforms"]] = max(inside)
    if fused:
        end = max(g.get("last_end", 0.0) for g in fused)
        after = [rss for t, rss in series if t > end]
        if after:
            out["(after the last stage)"] = max(after)
    return out


def post_stage_s(res: dict[str, Any]) -> float | None:
    """Seconds between the end of the last fused stage and the process exit."""
    metrics = res.get("metrics") or {}
    marks = metrics.get("marks") or {}
    fused = (metrics.get("steps") or {}).get("fused_wall") or []
    if not marks.get("pipeline_run_start") or not marks.get("process_end"):
        return None
    return marks["process_end"] - marks["pipeline_run_start"] - sum(g["wall_s"] for g in fused)


def _stage_table(res: dict[str, Any]) -> str:
    metrics = res.get("metrics") or {}
    steps = metrics.get("steps") or {}
    fused = steps.get("fused_wall") or []
    marks = metrics.get("marks") or {}
    rows: list[list[Any]] = []
    wall = res["wall_s"] or 1.0
    run_start = marks.get("pipeline_run_start")
    if run_start and marks.get("process_start"):
        pre = run_start - marks["process_start"]
        rows.append(["(start: imports, flag checks, /rate_limit probe, graph)", "-",
                     f"{pre:.1f}", f"{100 * pre / wall:.0f}%", "-", ""])
    rss = res.get("rss_by_stage") or {}
    for g in fused:
        split = ", ".join(f"{t} {v / 1000:.1f}" for t, v in sorted(
            g.get("sampled_msecs", {}).items(), key=lambda kv: -kv[1]) if v >= 50)
        peak = rss.get(g["transforms"])
        rows.append([g["transforms"], g["bundles"], f"{g['wall_s']:.1f}",
                     f"{100 * g['wall_s'] / wall:.0f}%",
                     f"{c.mib(peak):.0f}" if peak else "-", split])
    post = post_stage_s(res)
    if post is not None:
        after = rss.get("(after the last stage)")
        rows.append(["(end: counters, summary.json, exit)", "-", f"{post:.1f}",
                     f"{100 * post / wall:.0f}%", f"{c.mib(after):.0f}" if after else "-", ""])
    rows.append(["whole run, measured outside the process", "-", f"{res['wall_s']:.1f}", "100%",
                 f"{c.mib(res['peak_tree_rss']):.0f}", ""])
    return c.table(["fused stage (top-level transforms in it)", "bundles", "wall s", "share",
                    "peak RSS MiB", "Beam sampled s in this stage, by transform (all workers)"],
                   rows)


def _compare_stages(one: dict[str, Any], two: dict[str, Any]) -> str:
    def walls(res: dict[str, Any]) -> dict[str, float]:
        metrics = res.get("metrics") or {}
        out: dict[str, float] = {}
        marks = metrics.get("marks") or {}
        if marks.get("pipeline_run_start") and marks.get("process_start"):
            out["(start)"] = marks["pipeline_run_start"] - marks["process_start"]
        for g in (metrics.get("steps") or {}).get("fused_wall") or []:
            out[g["transforms"]] = out.get(g["transforms"], 0.0) + g["wall_s"]
        post = post_stage_s(res)
        if post is not None:
            out["(end)"] = post
        return out

    a, b = walls(one), walls(two)
    rows = []
    for key in [*a, *(k for k in b if k not in a)]:
        x, y = a.get(key, 0.0), b.get(key, 0.0)
        if x < 0.05 and y < 0.05:
            continue
        rows.append([key, f"{x:.1f}", f"{y:.1f}", f"{x / y:.2f}x" if y else "-"])
    rows.append(["whole run", f"{one['wall_s']:.1f}", f"{two['wall_s']:.1f}",
                 f"{one['wall_s'] / two['wall_s']:.2f}x" if two["wall_s"] else "-"])
    return c.table(["fused stage", "1 worker s", "2 processes s", "ratio"], rows)


def report(args, info, sizes: list[dict[str, Any]], pairs: list[tuple[float, dict, dict]],
           dvc: dict[str, Any] | None) -> None:
    print("\n## Results\n")
    print(f"{info['cpus']} CPUs, {info['memory_gb']} GB; emulator in its own process; "
          f"latency {args.latency_ms:g} ms per request; corpus {args.corpus}; rate limits "
          f"{'GitHub defaults' if args.rate_limits else 'off'}; pipeline flags: "
          f"{args.flags or '(defaults: in_memory, 1 worker)'}.\n")
    if sizes:
        print("### (a) peak memory by size\n")
    rows = []
    for r in sizes:
        rows.append([r["repos_found"], r["files_listed"], r["pairs"], f"{r['wall_s']:.1f}",
                     f"{c.mib(r['peak_tree_rss']):.0f}", f"{c.mib(r['peak_single_rss']):.0f}",
                     r["max_processes"], f"{r['files_per_s']:.1f}", "ok" if r["ok"] else "FAILED"])
    if rows:
        print(c.table(["repos", ".py files", "pairs", "wall s", "peak RSS tree MiB",
                       "largest process MiB", "processes", "files/s", "run"], rows))
    good = [r for r in sizes if r["ok"]]
    if len(good) >= 2:
        a, b = good[0], good[-1]
        slope = (b["peak_tree_rss"] - a["peak_tree_rss"]) / max(1, b["repos_found"] - a["repos_found"])
        print(f"\nGrowth: {c.mib(slope) * 1000:.0f} MiB per 1,000 repositories between "
              f"{a['repos_found']} and {b['repos_found']} repositories.")
    if good:
        top = max(good, key=lambda r: r["repos_found"])
        verdict = "MET" if top["peak_tree_rss"] < GOAL_RSS else "MISSED"
        print(f"Goal < 2 GB peak RSS at {top['repos_found']} repositories: {verdict} "
              f"({c.mib(top['peak_tree_rss']):.0f} MiB).")
    if pairs:
        print("\n### (b) 1 worker vs 2 worker processes, same input\n")
        rows = []
        ratios: dict[tuple[int, float], list[float]] = {}
        for lat, one, two in pairs:
            ratio = one["wall_s"] / two["wall_s"] if one["ok"] and two["ok"] and two["wall_s"] else 0.0
            ratios.setdefault((one["repos_found"], lat), []).append(ratio)
            kinds = two.get("cpu_by_kind") or {}
            rows.append([f"{lat:g}", one["repos_found"], one["files_listed"],
                         f"{one['wall_s']:.1f}", f"{two['wall_s']:.1f}",
                         f"{one['files_per_s']:.0f} / {two['files_per_s']:.0f}",
                         f"{ratio:.2f}x", "MET" if ratio >= GOAL_SPEEDUP else "MISSED",
                         f"{one['cpu_s']:.0f} / {two['cpu_s']:.0f}",
                         f"{kinds.get('runner', 0):.0f} / {kinds.get('sdk_worker', 0):.0f}",
                         f"{one['emulator_cpu_s']:.0f} / {two['emulator_cpu_s']:.0f}",
                         f"{one.get('others_cpu_s', 0):.0f} / {two.get('others_cpu_s', 0):.0f}",
                         f"{c.mib(two['peak_tree_rss']):.0f}"])
        print(c.table(["latency ms", "repos", ".py files", "1 worker s", "2 processes s",
                       "files/s (1 / 2)", "speed-up", f"goal >= {GOAL_SPEEDUP}x",
                       "pipeline CPU s (1 / 2)", "2 proc.: runner / SDK workers CPU s",
                       "emulator CPU s (1 / 2)", "other jobs' CPU s (1 / 2)",
                       "2 proc.: peak RSS tree MiB"], rows))
        print()
        for (n, lat), rs in ratios.items():
            med = statistics.median(rs)
            print(f"Median speed-up at {n} repositories, {lat:g} ms: {med:.2f}x over {len(rs)} "
                  f"pair(s) (best {max(rs):.2f}x): goal >= {GOAL_SPEEDUP}x "
                  f"{'MET' if med >= GOAL_SPEEDUP else 'MISSED'}.")
        lat, one, two = max(pairs, key=lambda t: (t[1]["repos_found"], -t[0]))
        print(f"\nPer fused stage, {one['repos_found']} repositories, {lat:g} ms latency:\n")
        print(_compare_stages(one, two))
    if good:
        top = max(good, key=lambda r: r["repos_found"])
        print(f"\n### (c) end to end, {top['repos_found']} repositories, "
              f"{args.latency_ms:g} ms latency: {top['wall_s']:.1f} s\n")
        print(_stage_table(top))
        req = top["emulator_requests"]
        print("\nRequests the emulator answered: " + ", ".join(
            f"{k} {v}" for k, v in sorted(req.items(), key=lambda kv: -kv[1])))
    if dvc is not None:
        base = sizes[0] if sizes else None
        base_post = post_stage_s(base) if base else None
        print(f"\nDVC post-step at {base['repos_found'] if base else '?'} repositories: "
              f"{dvc['post_s']:.1f} s after the last pipeline stage with DVC vs "
              f"{base_post if base_post is not None else float('nan'):.1f} s without "
              f"(whole runs {dvc['wall_s']:.1f} s vs {base['wall_s'] if base else float('nan'):.1f} s); "
              f"snapshot {'pushed' if (dvc.get('dvc') or {}).get('pushed') else 'NOT pushed'}.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=_ints, default=[250, 1000, 2500],
                    help="repository counts for the memory runs (default 250,1000,2500)")
    ap.add_argument("--latency_ms", type=float, default=50.0)
    ap.add_argument("--throughput_sizes", type=_ints, default=[1000, 2500],
                    help="repository counts for the 1-vs-2-worker comparison (default 1000,2500; "
                    "empty = skip)")
    ap.add_argument("--throughput_latency_ms", type=_floats, default=[50.0, 0.0],
                    help="latencies for the 1-vs-2-worker comparison (default 50,0)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each 1-vs-2-worker pair this many times, alternating (default 1)")
    ap.add_argument("--corpus", choices=("unique", "clones"), default="unique")
    ap.add_argument("--rate_limits", action="store_true")
    ap.add_argument("--flags", default="", help="extra pipeline flags for the memory runs")
    ap.add_argument("--dvc", action="store_true",
                    help="also time one run at the smallest size with the DVC post-step")
    ap.add_argument("--quick", action="store_true",
                    help="sizes 50,150, throughput at 150 repositories with 0 ms latency only")
    ap.add_argument("--timeout_s", type=float, default=3600.0, help="per pipeline run")
    ap.add_argument("--json", type=Path, default=None, help="also write all figures here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.throughput_sizes, args.throughput_latency_ms = [50, 150], [150], [0.0]

    info = c.machine()
    c.print_machine(info)
    work = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    extra = args.flags.split()
    sizes: list[dict[str, Any]] = []
    pairs: list[tuple[float, dict, dict]] = []
    dvc = None
    t0 = time.monotonic()
    try:
        print(f"\n## (a)+(c) memory and end-to-end runs at {args.sizes} repositories, "
              f"{args.latency_ms:g} ms latency", flush=True)
        for n in args.sizes:
            world = World(work, args.corpus, n, args.latency_ms, args.rate_limits)
            try:
                sizes.append(measure(world, work, f"size{n}", extra, args.timeout_s))
                if args.dvc and n == args.sizes[0]:
                    dvc = measure_dvc(world, work, args.timeout_s)
            finally:
                world.close()
        for n in args.throughput_sizes:
            for lat in args.throughput_latency_ms:
                print(f"\n## (b) throughput at {n} repositories, {lat:g} ms "
                      "latency: 1 worker, then 2 worker processes", flush=True)
                world = World(work, args.corpus, n, lat, args.rate_limits)
                try:
                    for rep in range(args.repeat):
                        one = measure(world, work, f"w1-{n}-lat{lat:g}-r{rep + 1}",
                                      ["--direct_num_workers=1"], args.timeout_s)
                        two = measure(world, work, f"w2-{n}-lat{lat:g}-r{rep + 1}",
                                      ["--direct_num_workers=2",
                                       "--direct_running_mode=multi_processing"], args.timeout_s)
                        pairs.append((lat, one, two))
                finally:
                    world.close()
        report(args, info, sizes, pairs, dvc)
        print(f"\n(benchmark took {time.monotonic() - t0:.0f} s)")
        if args.json:
            args.json.write_text(json.dumps(
                {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                 "sizes": sizes, "throughput": pairs, "dvc": dvc}, indent=1, default=str))
    finally:
        if args.keep:
            print(f"(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
