"""Scene checks: scenes per minute per core, and what each rendering mode changes.

Corpus (`--corpus`): `docs`, the `.. manim::` documentation examples of the
*installed* ManimCE package (hundreds of real scenes, read at run time, never
copied into the project), each run the way the pipeline runs it: `from manim
import *` + its code; or `sample`, the ManimCE scenes of the bundled sample
corpus (video-style: 3D surfaces, graphs, LaTeX), each with the repository
files it imports. In the bubblewrap sandbox, one forked process per scene.

Modes (each a full pass over the same scenes, in the same run):

* ``default``: ManimCE's default quality (1080p, 60 fps), every frame computed;
* ``low``: 480p at 15 fps (`-ql`), every frame computed;
* ``end_state``: default quality, each animation jumps to its end state;
* ``low+end_state``: both;
* ``fresh`` (baseline, `--baseline N`): a new sandbox and a new Python importing
  ManimCE for each of the first N scenes, what running `manim` per scene costs.

Printed: wall time, scenes per minute per core (workers = cores), the verdict
distribution of each mode, and the scenes whose verdict differs from ``default``.

    python bench/bench_scenes.py --modes default,end_state,low,low+end_state --baseline 20
    python bench/bench_scenes.py --limit 60 --modes default,end_state   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from beam_pipeline.scenes.discovery import example_source, scan_text  # noqa: E402
from beam_pipeline.scenes.sandbox import Job, Zygote, ZygotePool  # noqa: E402

_MODES = {
    "default": (None, False),
    "low": ("low_quality", False),
    "end_state": (None, True),
    "low+end_state": ("low_quality", True),
}


def manim_examples() -> list[tuple[str, str, bytes]]:
    """(source file, example name, module) of every documentation example of ManimCE."""
    import importlib.util

    spec = importlib.util.find_spec("manim")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("ManimCE is not installed: pip install -e '.[scenes]'")
    root = Path(list(spec.submodule_search_locations)[0])
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "manim::" not in text:
            continue
        for ex in scan_text(str(path.relative_to(root)), text).examples:
            found.append((str(path.relative_to(root)), ex.name, example_source(ex)))
    return found


def sample_corpus_scenes() -> list[tuple[str, str, dict[str, bytes], str]]:
    """(repo/path, scene, files it needs, path) of every ManimCE scene of the sample corpus."""
    from beam_pipeline.emulator.corpus import bundled_corpus_root
    from beam_pipeline.manim_imports import analyze_text, resolve_repository
    from beam_pipeline.scenes.discovery import local_closure, resolve_scenes
    from beam_pipeline.sourcetext import decode_lossy

    found = []
    repos = bundled_corpus_root() / "repos"
    for repo in sorted(p for p in repos.glob("*/*") if p.is_dir()):
        data = {str(f.relative_to(repo)): f.read_bytes() for f in sorted(repo.rglob("*.py"))}
        texts = {path: decode_lossy(b) for path, b in data.items()}
        facts = {path: analyze_text(path, t) for path, t in texts.items()}
        flavors = resolve_repository(facts)
        scans = {p: scan_text(p, t) for p, t in texts.items() if flavors.get(p) in ("manimce", "both")}
        for path, classes in resolve_scenes(scans).items():
            files = {p: data[p] for p in local_closure(path, facts)}
            for c in classes:
                found.append((f"{repo.relative_to(repos)}/{path}", c.name, files, path))
    return found


def run_mode(pool: ZygotePool, scenes, mode: str, timeout_s: float, workers: int):
    quality, end_state = _MODES[mode]

    def one(item):
        started = time.monotonic()
        if len(item) == 4:  # a sample-corpus scene with the repository files it needs
            _src, name, files, path = item
            job = Job(files, [(path, name)], timeout_s, end_state, quality=quality)
        else:
            _src, name, code = item
            job = Job({"example.py": code}, [("example.py", name)], timeout_s, end_state,
                      quality=quality)
        [v] = pool.run(job)
        return v, time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as ex:
        results = list(ex.map(one, scenes))
    return time.monotonic() - started, results


def run_fresh(scenes, timeout_s: float):
    """Baseline: a new sandbox and Python (ManimCE imported again) per scene, one at a time."""
    started = time.monotonic()
    results = []
    for _src, name, code in scenes:
        t = time.monotonic()
        z = Zygote()
        z.start()
        try:
            [v] = z.run(Job({"example.py": code}, [("example.py", name)], timeout_s))
        finally:
            z.close()
        results.append((v, time.monotonic() - t))
    return time.monotonic() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="default,end_state,low,low+end_state")
    parser.add_argument("--limit", type=int, default=0, help="first N scenes only")
    parser.add_argument("--timeout_s", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--baseline", type=int, default=0,
                        help="also run the first N scenes with a fresh sandbox each")
    parser.add_argument("--json", help="write all figures here")
    parser.add_argument("--corpus", choices=("docs", "sample"), default="docs",
                        help="docs: ManimCE's documentation examples; sample: the ManimCE "
                        "scenes of the bundled sample corpus (video-style, heavier)")
    args = parser.parse_args()

    scenes = manim_examples() if args.corpus == "docs" else sample_corpus_scenes()
    if args.limit:
        scenes = scenes[: args.limit]
    cores = len(os.sched_getaffinity(0))
    what = ("documentation examples of the installed ManimCE" if args.corpus == "docs"
            else "ManimCE scenes of the sample corpus")
    print(f"{len(scenes)} {what}; "
          f"{args.workers} sandboxes on {cores} cores; timeout {args.timeout_s:g} s; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    pool = ZygotePool(args.workers)
    info = pool.probe()
    print(f"engine {info.engine}, LaTeX {'yes' if info.latex else 'no'}")
    report: dict = {"scenes": len(scenes), "workers": args.workers, "cores": cores,
                    "engine": info.engine, "latex": info.latex, "modes": {}}
    verdicts: dict[str, list[str]] = {}
    try:
        for mode in args.modes.split(","):
            load = os.getloadavg()[0]
            wall, results = run_mode(pool, scenes, mode, args.timeout_s, args.workers)
            statuses = [v.get("status", "?") for v, _ in results]
            verdicts[mode] = statuses
            per_min_core = len(scenes) / wall * 60 / args.workers
            times = sorted(t for _, t in results)
            row = {
                "wall_s": round(wall, 1),
                "scenes_per_min_per_core": round(per_min_core, 1),
                "p50_s": round(times[len(times) // 2], 2),
                "p90_s": round(times[int(len(times) * 0.9)], 2),
                "max_s": round(times[-1], 2),
                "verdicts": dict(Counter(statuses)),
                "load_before": round(load, 2),
                "errors": sorted(Counter(v.get("detail", "").split(":")[0]
                                         for v, _ in results if v.get("status") == "error")
                                 .items()),
                "not_ok": sorted((scenes[i][0], scenes[i][1], v.get("status"), v.get("detail"))
                                 for i, (v, _) in enumerate(results) if v.get("status") != "ok"),
            }
            report["modes"][mode] = row
            print(f"\n[{mode}] {wall:.1f} s wall, {per_min_core:.1f} scenes/min/core, "
                  f"p50 {row['p50_s']} s, p90 {row['p90_s']} s, max {row['max_s']} s; "
                  f"verdicts {row['verdicts']}; error types {row['errors']}")
        base = args.modes.split(",")[0]
        for mode, statuses in verdicts.items():
            if mode == base:
                continue
            diff = [(scenes[i][1], verdicts[base][i], s) for i, s in enumerate(statuses)
                    if s != verdicts[base][i]]
            report["modes"][mode]["differs_from_" + base] = diff
            print(f"{mode} vs {base}: {len(diff)} verdicts differ {diff[:10]}")
        if args.baseline:
            subset = scenes[: args.baseline]
            wall, results = run_fresh(subset, args.timeout_s)
            per_scene = wall / len(subset)
            # The same scenes through the zygote, one at a time (after the passes above).
            z_wall, _ = run_mode(pool, subset, base, args.timeout_s, 1)
            z_per_scene = z_wall / len(subset)
            report["fresh"] = {"scenes": len(subset), "wall_s": round(wall, 1),
                               "s_per_scene": round(per_scene, 2),
                               "zygote_s_per_scene": round(z_per_scene, 2),
                               "verdicts": dict(Counter(v.get("status") for v, _ in results))}
            print(f"\n[first {len(subset)} scenes, one at a time, mode {base}] fresh sandbox + "
                  f"import per scene {per_scene:.2f} s/scene; zygote fork per scene "
                  f"{z_per_scene:.2f} s/scene -> {per_scene / z_per_scene:.1f}x")
    finally:
        pool.close()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
