"""Memory benchmark: peak RSS of the whole job against corpus size (bundled emulator).

    python bench/bench_memory.py [--clones 0,1250,2500,5000] [--flags "EXTRA FLAGS"]
                                 [--paced] [--plot bench/memory.png] [--json FILE]
                                 [--work_dir DIR]

Each run is the command a user types to try the job at scale,

    python -m beam_pipeline --runner=DirectRunner --github_api_url=emulator \\
        --emulator_clones N --skip_dvc --output DIR

in its own subprocess (through ``bench/_common.py run``, which calls the same
``cli.main`` and also records Beam's fused stages), with the bundled emulator in
that process, as the command runs it. Two departures, both about time, not
memory: the bundled emulator's rate limits are lifted (GitHub's 5,000 core
requests an hour would stop a crawl of 5,000 repositories for the rest of the
hour), and the crawl's pacing is off unless ``--paced`` (at 900 requests a
minute 5,000 repositories take six minutes of waiting).

Measured: the peak over time of the summed RSS of the process and all its
descendants (psutil, every 0.1 s), the peak while each fused stage of the
FnApiRunner ran, wall time, and what the run crawled. The goals (issue 12):
<= 1 GiB at 2,500 clones, and at 5,000 clones <= 1.25x the 2,500 figure.
The emulator's clones share the sample repositories' files (each clone is one
of them under another name), so they also measure a corpus full of forks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402
from bench_pipeline import rss_by_stage  # noqa: E402

GOAL_2500 = 2**30
GOAL_GROWTH = 1.25


def measure(n: int, work: Path, flags: list[str], paced: bool) -> dict[str, Any]:
    out = work / f"out-{n}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    argv = ["--runner=DirectRunner", "--github_api_url=emulator", "--emulator_clones", str(n),
            "--skip_dvc", "--output", str(out), "--progress_interval_s", "0",
            *([] if paced else c.UNPACED), *flags]
    run = c.run_pipeline(argv, out, env={c.UNLIMITED_EMULATOR_ENV: "1"})
    s = run.summary or {}
    res = {
        "clones": n,
        "ok": run.ok,
        "wall_s": round(run.wall_s, 1),
        "peak_tree_rss": run.peak_tree_rss,
        "processes": run.max_processes,
        "repos": s.get("repos_found", 0),
        "files": s.get("files_listed", 0),
        "manim_files": s.get("files_manim", 0),
        "pairs": s.get("pairs_extracted", 0),
        "rows": (s.get("dataset") or {}).get("rows"),
        "rss_by_stage": rss_by_stage(run.rss_series, run.metrics),
        "stage_wall_s": {g["transforms"]: round(g["wall_s"], 1) for g in
                         ((run.metrics or {}).get("steps") or {}).get("fused_wall", [])},
        "loadavg_after": round(os.getloadavg()[0], 2),
    }
    print(f"   {n} clones: {'ok' if run.ok else 'FAILED'} in {run.wall_s:.1f} s, {res['repos']} repos, "
          f"{res['files']} files, {res['pairs']} pairs, peak RSS tree "
          f"{c.mib(run.peak_tree_rss):.0f} MiB ({run.max_processes} processes)", flush=True)
    if not run.ok:
        print(run.stderr_tail, file=sys.stderr)
    return res


def plot(results: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    good = [r for r in results if r["ok"]]
    xs = [r["clones"] for r in good]
    ys = [c.mib(r["peak_tree_rss"]) for r in good]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    ax.plot(xs, ys, marker="o", label="peak RSS, whole process tree")
    for x, y, r in zip(xs, ys, good, strict=True):
        ax.annotate(f"{y:.0f} MiB\n{r['files']:,} files", (x, y), textcoords="offset points",
                    xytext=(0, 8), ha="center", fontsize=8)
    ax.axhline(1024, color="grey", linestyle="--", linewidth=1, label="1 GiB (goal at 2,500)")
    ax.set_xlabel("--emulator_clones (repositories crawled = clones + 14 sample ones)")
    ax.set_ylabel("MiB")
    ax.set_ylim(0, max([1100, *(y * 1.2 for y in ys)]))
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clones", default="0,1250,2500,5000", help="corpus sizes (comma-separated)")
    ap.add_argument("--flags", default="", help="extra pipeline flags")
    ap.add_argument("--paced", action="store_true", help="keep the crawl's default pacing")
    ap.add_argument("--plot", type=Path, default=None, help="write a PNG of peak RSS by size")
    ap.add_argument("--title", default="Peak RSS against corpus size (DirectRunner)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--work_dir", type=Path, default=None, help="where outputs go (default: temp)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.clones.split(",") if x.strip()]
    info = c.machine()
    c.print_machine(info)
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_memory_", dir=args.work_dir))
    results = []
    try:
        for n in sizes:
            print(f"\n## {n} clones ...", flush=True)
            results.append(measure(n, work, args.flags.split(), args.paced))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("\n## Results\n")
    rows = [[r["clones"], r["repos"], r["files"], r["manim_files"], r["pairs"], r["rows"],
             f"{r['wall_s']:.1f}", f"{c.mib(r['peak_tree_rss']):.0f}", r["processes"],
             "ok" if r["ok"] else "FAILED"] for r in results]
    print(c.table(["clones", "repos", ".py files", "Manim files", "pairs", "dataset rows",
                   "wall s", "peak RSS tree MiB", "processes", "run"], rows))
    for r in results:
        if r["rss_by_stage"]:
            print(f"\nPeak RSS while each fused stage ran, {r['clones']} clones (MiB; wall s):")
            for stage, rss in r["rss_by_stage"].items():
                print(f"  {c.mib(rss):6.0f}  {r['stage_wall_s'].get(stage, '-'):>6}  {stage}")
    by = {r["clones"]: r for r in results if r["ok"]}
    if 2500 in by:
        at = by[2500]["peak_tree_rss"]
        print(f"\nGoal <= 1 GiB at 2,500 clones: {'MET' if at <= GOAL_2500 else 'MISSED'} "
              f"({c.mib(at):.0f} MiB).")
        if 5000 in by:
            ratio = by[5000]["peak_tree_rss"] / at
            print(f"Goal 5,000 clones <= {GOAL_GROWTH}x 2,500: "
                  f"{'MET' if ratio <= GOAL_GROWTH else 'MISSED'} ({ratio:.2f}x).")
    if args.plot:
        plot(results, args.plot, args.title)
        print(f"\n(plot written to {args.plot})")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
