"""Dataset stage benchmark: the serial build vs the Beam steps, 1 vs 2 workers; components.

    python bench/bench_dataset.py --before_src DIR [--pairs 20000,100000] [--repos 1500]
                                  [--repeat 2] [--parts a,b,c] [--json OUT]

``--before_src``: a checkout of the code before the dataset stage became Beam steps
(e.g. ``git worktree add /tmp/before aaead69``); without it only "after" is measured.
Each configuration runs in its own subprocess with ``PYTHONPATH`` set to its source
tree; configurations are interleaved and repeated, and every figure that compares
two of them is a ratio measured in the same run (the machine may be shared: the
load average is printed with each run).

(a) **The stage alone**: N synthetic pairs (repositories of 2-4 files, forks, vendored
    files, identical pairs, families of near-duplicates; see `synthetic_pairs`) go
    (read from 8 JSON Lines files, as if from the extraction) through the dataset stage
    on the FnApiRunner: before, the old ``WriteJson`` dataset step (``ToList`` then the
    serial ``build_dataset``); after, ``BuildDataset``. Wall time of the pipeline (and
    of a pipeline that only reads the pairs), peak RSS of the process tree.
(b) **The whole job** on a pair-heavy corpus: ``--repos`` distinct repositories (the
    benchmark corpus of bench_pipeline.py with every number in every file shifted
    by the repository's index, so most pairs are distinct and the dataset has many
    rows), emulator at 0 ms, before/after x 1 worker / 2 worker processes. Wall time
    of the run and of its dataset stage (the fused stages made only of WriteJson's
    steps, which start once the extraction is over).
(c) **Connected components** of a near-duplicate graph: a union-find CombineFn (the
    stage's method) vs label propagation (min label over neighbours, one round = a
    CoGroupByKey and a CombinePerKey, run for exactly as many rounds as the graph
    needs: its best case).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

HERE = Path(__file__).resolve().parent.parent
SHAPES = ("Circle", "Square", "Triangle", "Dot", "Star", "Arrow", "Line", "Text")


# ------------------------------------------------------------------ synthetic pairs


def _code(rng: random.Random, blocks: int) -> list[str]:
    lines = [f"class S{rng.getrandbits(32):08x}(Scene):", "    def construct(self):"]
    for _ in range(blocks):
        name = f"m{rng.getrandbits(24):06x}"
        lines.append(f"        {name} = {rng.choice(SHAPES)}(width={rng.randrange(256)}, "
                     f"tag='{rng.getrandbits(16):04x}')")
        lines.append(f"        self.play(Create({name}), run_time={rng.randrange(16)})")
    return lines


def synthetic_pairs(n: int, seed: int = 12) -> list[dict[str, Any]]:
    """About ``n`` pairs: ~40 per repository; 5 % of repositories forks (same blobs),
    2 % of pairs identical to another, ~8 % in near-duplicate families."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    repos: list[str] = []
    r = 0
    while len(out) < n:
        repo = f"user{r:06d}/manim-{r % 97}"
        r += 1
        if repos and rng.random() < 0.05:  # a fork: the files of another repository
            source = rng.choice(repos)
            out += [{**p, "repo": repo} for p in out if p["repo"] == source][:80]
            continue
        repos.append(repo)
        license_id = rng.choice(["MIT", "MIT", "Apache-2.0", "unknown", "GPL-3.0", "CC-BY-NC-4.0"])
        flavor = rng.choice(["manimce", "manimce", "manimgl", "both"])
        for f in range(rng.randrange(2, 5)):
            path = f"scenes/s{f}.py"
            blob = hashlib.sha1(f"{repo}/{path}".encode()).hexdigest()
            family = _code(rng, rng.randrange(4, 9))
            for k in range(rng.randrange(6, 15)):
                if rng.random() < 0.08:  # a near copy of the file's family code
                    code = list(family)
                    i = rng.randrange(2, len(code))
                    code[i] = code[i].replace("width=", f"width={k}+")
                else:
                    code = _code(rng, rng.randrange(2, 8))
                text = "\n".join(code)
                if out and rng.random() < 0.02:
                    twin = rng.choice(out)
                    text, inp = twin["output"], twin["input"]
                else:
                    inp = f"Show step {k} of {path} ({rng.getrandbits(20):05x})"
                out.append({
                    "input": inp, "output": text, "kind": rng.choice(["comment", "docstring"]),
                    "repo": repo, "path": path, "commit": hashlib.sha1(repo.encode()).hexdigest(),
                    "blob": blob, "start_line": 10 * k + 1, "end_line": 10 * k + len(code),
                    "flavor": flavor, "license": license_id, "source": "user",
                })
    return out[:n]


# ------------------------------------------------------------------ subprocess runs

_STAGE_DRIVER = r'''
import json, os, sys, time
src, pairs_glob, out, workers, mode = sys.argv[1:6]
sys.path.insert(0, src)
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from beam_pipeline.config import JobConfig
from beam_pipeline.records import Pair
flags = [f"--direct_num_workers={workers}"]
if int(workers) > 1:
    flags.append("--direct_running_mode=multi_processing")
p = beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(flags))
cfg = JobConfig(github_api_url="http://127.0.0.1:9", output=out, allow_shrink=True)
given = (p | "Read" >> beam.io.ReadFromText(pairs_glob)
         | "Pairs" >> beam.Map(lambda line: Pair(**json.loads(line))))
if mode == "read_only":
    _ = given | beam.Map(lambda x: None)
else:
    try:
        from beam_pipeline.transforms.dataset import BuildDataset
    except ImportError:  # before: the serial build after a ToList
        from beam_pipeline.transforms.write import _build_dataset
        _ = given | beam.combiners.ToList() | beam.Map(_build_dataset, cfg, {})
    else:
        import dataclasses
        from beam_pipeline.transforms.write import _CRAWL_ONLY, dataset_settings
        digest = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in _CRAWL_ONLY}
        skipped = p | "Skipped" >> beam.Create([{}])
        _ = (given, skipped) | BuildDataset(out, dataset_settings(cfg), digest)
t0 = time.monotonic()
p.run().wait_until_finish()
rows = None
try:
    rows = json.load(open(os.path.join(out, "dataset", "stats.json")))["rows"]
except OSError:
    pass
print(json.dumps({"wall_s": time.monotonic() - t0, "rows": rows}))
'''


def _sampled(cmd: list[str], env: dict[str, str], cwd: Path, timeout_s: float) -> tuple[
        subprocess.CompletedProcess, c.TreeSampler, float]:
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    sampler = c.TreeSampler(proc.pid).start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    finally:
        sampler.stop()
    return (subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), sampler,
            time.monotonic() - t0)


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def stage_run(src: Path, pairs_glob: str, work: Path, workers: int, mode: str,
              timeout_s: float) -> dict[str, Any]:
    out = work / f"stage-{src.name}-{workers}-{mode}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [sys.executable, "-c", _STAGE_DRIVER, str(src), pairs_glob, str(out),
           str(workers), mode]
    done, sampler, _ = _sampled(cmd, _env(src), work, timeout_s)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {"ok": False}
    res = json.loads(done.stdout.strip().splitlines()[-1])
    res.update(ok=True, peak_tree_rss=sampler.peak_total_rss, load=os.getloadavg()[0])
    shutil.rmtree(out, ignore_errors=True)
    return res


def job_run(src: Path, api_url: str, work: Path, label: str, flags: list[str],
            timeout_s: float) -> dict[str, Any]:
    out = work / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    metrics_path = work / f"{label}.metrics.json"
    argv = ["--runner=DirectRunner", "--github_api_url", api_url, "--skip_dvc",
            "--output", str(out), "--progress_interval_s", "0", *c.UNPACED, *flags]
    cmd = [sys.executable, str(src / "bench" / "_common.py"), "run", str(metrics_path), "--",
           *argv]
    done, sampler, wall = _sampled(cmd, _env(src), work, timeout_s)
    summary_file = out / "run" / "summary.json"
    ok = done.returncode == 0 and summary_file.exists()
    if not ok:
        print(done.stderr[-3000:], file=sys.stderr)
    summary = json.loads(summary_file.read_text()) if ok else {}
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    fused = (metrics.get("steps") or {}).get("fused_wall") or []
    dataset_s = sum(g["wall_s"] for g in fused if g["transforms"] == "WriteJson")
    res = {"label": label, "ok": ok, "wall_s": wall, "dataset_s": dataset_s,
           "peak_tree_rss": sampler.peak_total_rss, "load": os.getloadavg()[0],
           "pairs": summary.get("pairs_extracted"),
           "rows": (summary.get("dataset") or {}).get("rows"),
           "fused": [(g["transforms"], round(g["wall_s"], 2)) for g in fused]}
    print(f"   {label}: {'ok' if ok else 'FAILED'} {wall:.1f} s, dataset stage {dataset_s:.1f} s, "
          f"{res['pairs']} pairs -> {res['rows']} rows, peak RSS {c.mib(res['peak_tree_rss']):.0f} "
          f"MiB, load {res['load']:.1f}", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return res


def distinct_corpus(dest: Path, n: int) -> dict[str, Any]:
    """bench_pipeline's corpus with every integer in repository i shifted by i + 1."""
    info = c.make_corpus(dest, n)
    number = re.compile(r"\b(\d+)\b")
    for i in range(n):
        for folder in (dest / "repos").glob(f"bench{i:05d}/*"):
            for f in folder.rglob("*.py"):
                text = f.read_bytes().decode("utf-8", "surrogateescape")
                text = number.sub(lambda m, i=i: str(int(m.group(1)) + i + 1), text)
                f.write_bytes(text.encode("utf-8", "surrogateescape"))
    return info


# ------------------------------------------------------------------ (c) components

_COMPONENTS_DRIVER = r'''
import json, sys, time
src, edges_path, method, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, src)
import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
edges = [tuple(e) for e in json.load(open(edges_path))]
p = beam.Pipeline(runner=FnApiRunner())
e = p | beam.Create(edges)
if method == "union_find":
    from beam_pipeline.transforms.dataset import _ComponentsFn
    out = e | beam.CombineGlobally(_ComponentsFn()) | beam.FlatMap(lambda d: d.items())
else:
    both = e | "Both" >> beam.FlatMap(lambda uv: [uv, (uv[1], uv[0])])
    labels = both | "Init" >> beam.Map(lambda uv: (uv[0], uv[0])) | "Dedup" >> beam.CombinePerKey(min)
    for r in range(rounds):
        def send(kv):
            node, g = kv
            label = min(g["label"])
            yield node, label
            for other in g["adj"]:
                yield other, label
        labels = ({"adj": both, "label": labels} | f"Join{r}" >> beam.CoGroupByKey()
                  | f"Send{r}" >> beam.FlatMap(send) | f"Min{r}" >> beam.CombinePerKey(min))
    out = labels
_ = out | beam.combiners.Count.Globally() | beam.Map(print)
t0 = time.monotonic()
p.run().wait_until_finish()
print(json.dumps({"wall_s": time.monotonic() - t0}))
'''


def graph(nodes: int, seed: int = 5) -> tuple[list[tuple[str, str]], int]:
    """A near-duplicate-like graph: components of heavy-tailed sizes, each a random tree
    plus a few extra edges; returns the edges and the rounds label propagation needs."""
    rng = random.Random(seed)
    edges: list[tuple[str, str]] = []
    names = [hashlib.sha1(str(k).encode()).hexdigest()[:20] for k in range(nodes)]
    k, rounds = 0, 0
    while k < nodes:
        size = min(nodes - k, max(2, int(rng.paretovariate(1.3))))
        comp = names[k:k + size]
        k += size
        adj: dict[str, list[str]] = {x: [] for x in comp}
        for i in range(1, size):
            j = rng.randrange(i)
            edges.append((comp[i], comp[j]))
            adj[comp[i]].append(comp[j])
            adj[comp[j]].append(comp[i])
        for _ in range(size // 5):
            a, b = rng.sample(comp, 2) if size > 2 else comp
            edges.append((a, b))
            adj[a].append(b)
            adj[b].append(a)
        # rounds for the minimum to reach every node: eccentricity of the minimum
        start = min(comp)
        depth, frontier, seen = 0, [start], {start}
        while frontier:
            nxt = [y for x in frontier for y in adj[x] if y not in seen]
            seen.update(nxt)
            frontier = nxt
            depth += 1 if nxt else 0
        rounds = max(rounds, depth)
    return edges, rounds


def components_run(src: Path, work: Path, edges_path: Path, method: str, rounds: int,
                   timeout_s: float) -> dict[str, Any]:
    cmd = [sys.executable, "-c", _COMPONENTS_DRIVER, str(src), str(edges_path), method,
           str(rounds)]
    done, sampler, _ = _sampled(cmd, _env(src), work, timeout_s)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {"ok": False}
    lines = done.stdout.strip().splitlines()
    return {"ok": True, "wall_s": json.loads(lines[-1])["wall_s"], "nodes_out": int(lines[0]),
            "peak_tree_rss": sampler.peak_total_rss}


# ------------------------------------------------------------------ main


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before_src", type=Path, default=None)
    ap.add_argument("--pairs", type=_ints, default=[20_000, 100_000])
    ap.add_argument("--repos", type=int, default=1500)
    ap.add_argument("--graph_nodes", type=_ints, default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--parts", default="a,b,c")
    ap.add_argument("--timeout_s", type=float, default=3600.0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    info = c.machine()
    c.print_machine(info)
    versions = {"after": HERE}
    if args.before_src:
        versions = {"before": args.before_src.resolve(), **versions}
    work = Path(tempfile.mkdtemp(prefix="bench_dataset_"))
    results: dict[str, Any] = {"machine": info, "stage": [], "job": [], "components": []}
    try:
        if "a" in parts:
            for n in args.pairs:
                pairs = synthetic_pairs(n)
                for k in range(8):
                    with open(work / f"pairs{n}-{k}.jsonl", "w") as f:
                        for p in pairs[k::8]:
                            f.write(json.dumps(p) + "\n")
                pairs_glob = str(work / f"pairs{n}-*.jsonl")
                print(f"\n## (a) the stage alone, {n} pairs", flush=True)
                for rep in range(args.repeat):
                    base = stage_run(HERE, pairs_glob, work, 1, "read_only", args.timeout_s)
                    for name, src in versions.items():
                        for workers in (1, 2):
                            res = stage_run(src, pairs_glob, work, workers, "build", args.timeout_s)
                            res.update(version=name, workers=workers, pairs=n, rep=rep,
                                       create_s=base.get("wall_s"))
                            results["stage"].append(res)
                            print(f"   {name}, {workers} worker(s): {res.get('wall_s', 0):.1f} s "
                                  f"(reading alone {base.get('wall_s', 0):.1f} s), rows "
                                  f"{res.get('rows')}, peak RSS "
                                  f"{c.mib(res.get('peak_tree_rss', 0)):.0f} MiB, load "
                                  f"{res.get('load', 0):.1f}", flush=True)
        if "b" in parts:
            root = work / "corpus"
            print(f"\n## (b) the whole job, {args.repos} distinct repositories, 0 ms", flush=True)
            distinct_corpus(root, args.repos)
            emu = c.EmulatorProcess(c.emulator_flags(root=root, clones=0, latency_ms=0,
                                                     rate_limits=False))
            try:
                for rep in range(args.repeat):
                    for workers in (1, 2):
                        flags = [f"--direct_num_workers={workers}"]
                        if workers > 1:
                            flags.append("--direct_running_mode=multi_processing")
                        for name, src in versions.items():
                            res = job_run(src, emu.url, work, f"{name}-w{workers}-r{rep + 1}",
                                          flags, args.timeout_s)
                            res.update(version=name, workers=workers, rep=rep)
                            results["job"].append(res)
            finally:
                emu.stop()
        if "c" in parts:
            for nodes in args.graph_nodes:
                edges, rounds = graph(nodes)
                edges_path = work / f"edges{nodes}.json"
                edges_path.write_text(json.dumps(edges))
                print(f"\n## (c) components: {nodes} nodes, {len(edges)} edges, label "
                      f"propagation needs {rounds} rounds", flush=True)
                for method in ("union_find", "label_propagation"):
                    res = components_run(HERE, work, edges_path, method, rounds, args.timeout_s)
                    res.update(method=method, nodes=nodes, edges=len(edges), rounds=rounds)
                    results["components"].append(res)
                    print(f"   {method}: {res.get('wall_s', 0):.1f} s, peak RSS "
                          f"{c.mib(res.get('peak_tree_rss', 0)):.0f} MiB", flush=True)
        report(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _median(rows: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if r.get("ok") and r.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def report(results: dict[str, Any]) -> None:
    print("\n## Results (medians over the repetitions)\n")
    stage = results["stage"]
    if stage:
        rows = []
        for n in sorted({r["pairs"] for r in stage}):
            at = [r for r in stage if r["pairs"] == n]
            create = _median(at, "create_s")

            def cell(version: str, workers: int, at=at) -> float:
                return _median([r for r in at if r["version"] == version
                                and r["workers"] == workers], "wall_s")

            for version in dict.fromkeys(r["version"] for r in at):
                one, two = cell(version, 1), cell(version, 2)
                rss = max(r.get("peak_tree_rss", 0) for r in at if r["version"] == version)
                rows.append([n, version, f"{create:.1f}", f"{one:.1f}", f"{two:.1f}",
                             f"{one / two:.2f}x", f"{c.mib(rss):.0f}"])
        print(c.table(["pairs", "code", "reading alone s", "1 worker s", "2 processes s",
                       "2 vs 1", "peak RSS MiB (max)"], rows))
        for n in sorted({r["pairs"] for r in stage}):
            at = [r for r in stage if r["pairs"] == n]
            b = _median([r for r in at if r["version"] == "before" and r["workers"] == 1], "wall_s")
            a = _median([r for r in at if r["version"] == "after" and r["workers"] == 1], "wall_s")
            a2 = _median([r for r in at if r["version"] == "after" and r["workers"] == 2], "wall_s")
            if b == b:
                print(f"{n} pairs: after/before, 1 worker {a / b:.2f}x the time; "
                      f"after with 2 processes / before {a2 / b:.2f}x")
    job = results["job"]
    if job:
        rows = []
        for version in dict.fromkeys(r["version"] for r in job):
            one = [r for r in job if r["version"] == version and r["workers"] == 1]
            two = [r for r in job if r["version"] == version and r["workers"] == 2]
            w1, w2 = _median(one, "wall_s"), _median(two, "wall_s")
            d1, d2 = _median(one, "dataset_s"), _median(two, "dataset_s")
            rows.append([version, f"{w1:.1f}", f"{w2:.1f}", f"{w1 / w2:.2f}x", f"{d1:.1f}",
                         f"{d2:.1f}", one[0].get("pairs"), one[0].get("rows"),
                         f"{c.mib(max(r['peak_tree_rss'] for r in job if r['version'] == version)):.0f}"])
        print()
        print(c.table(["code", "whole run 1 worker s", "2 processes s", "speed-up",
                       "dataset stage 1 worker s", "2 processes s", "pairs", "rows",
                       "peak RSS MiB (max)"], rows))
    comps = results["components"]
    if comps:
        print()
        print(c.table(["nodes", "edges", "method", "rounds", "wall s", "peak RSS MiB"],
                      [[r["nodes"], r["edges"], r["method"],
                        r["rounds"] if r["method"] != "union_find" else "-",
                        f"{r.get('wall_s', 0):.1f}", f"{c.mib(r.get('peak_tree_rss', 0)):.0f}"]
                       for r in comps]))


if __name__ == "__main__":
    sys.exit(main())
