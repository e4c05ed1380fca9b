"""Crawl benchmark: the per-file contents-API baseline vs this pipeline, same run.

    python bench/bench_crawl.py [--repos 400] [--latency_ms 50] [--baseline_repos 40]
                                [--corpus unique|clones] [--rate_limits] [--quick]
                                [--config "LABEL:PIPELINE FLAGS" ...]

One GitHub emulator runs in its own process (GitHub does not share our CPU),
every request delayed by ``--latency_ms`` (default 50 ms, a realistic round
trip to api.github.com), with core/search limits high enough that rate
limiting does not dominate (``--rate_limits`` restores GitHub's 5,000/h core
and 30/min search).

Measured in the same run, against the same emulator:

(a) baseline: the per-file method (what the original project did). Search one
    page at a time (``per_page=100``), then per repository walk the contents API
    directory by directory and ``GET /repos/{o}/{r}/contents/{path}`` once per
    ``.py`` file, sequentially, with plain ``requests``; files are written to
    disk. To keep its runtime bounded it crawls an evenly spaced subset of the
    repositories (``--baseline_repos``) and its whole-corpus time is
    extrapolated from the mean time per repository (said so in the output).
(b) this crawler: the real pipeline, ``beam_pipeline.cli.run([...])`` on the
    DirectRunner with ``--skip_dvc``, once per ``--config`` (default: the default
    flags, and ``--crawl_threads=1``). Its wall time also includes Beam's pipeline
    start, the Manim filter, pair extraction and the dataset writing. A warm-up
    run over 5 repositories comes first, so that every measured run finds the
    modules imported (Beam, and the dataset step's pyarrow, datasketch and
    matplotlib: about 3 s once per process, reported; the CLI pays them every
    run, see bench_pipeline.py). Rate-limited requests per repository come from
    the pipeline's own accounting and, as a check, from the emulator's counts.
(c) a rerun of the first configuration on the unchanged world into the same
    output: what it asked (expected: nothing but search pages), its wall time
    against the first run's, cache hits, whether the dataset was rebuilt.

Per-stage times (start-up, pipeline, and Beam's time per top-level step) are
printed for every run, from run/summary.json.

``--corpus unique`` (default) serves repositories whose files are all distinct,
so no cross-repository blob cache can make the crawler look better than it
would be on GitHub; ``--corpus clones`` uses the emulator's ``--clones`` (which
share the sample repositories' files).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

MAX_REQUESTS_PER_REPO = 5000  # the baseline's per-repository bound
MAX_DIR_DEPTH = 32


# ------------------------------------------------------------------- baseline


def baseline_search(session, url: str, query: str) -> list[dict[str, Any]]:
    """Search page by page (the 1,000-result cap bounds the loop)."""
    items: list[dict[str, Any]] = []
    for page in range(1, 11):
        r = session.get(f"{url}/search/repositories",
                        params={"q": query, "per_page": 100, "page": page}, timeout=60)
        if r.status_code == 422:
            break
        r.raise_for_status()
        batch = r.json()["items"]
        items.extend(batch)
        if len(batch) < 100:
            break
    return items


def baseline_repo(session, url: str, item: dict[str, Any], out: Path) -> dict[str, int]:
    """Contents-API directory walk, then one contents request per .py file."""
    full, ref = item["full_name"], item.get("default_branch") or "main"
    counts = {"requests": 0, "files": 0, "bytes": 0, "errors": 0}

    def contents(path: str):
        """One contents request within the per-repository budget; None on failure."""
        if counts["requests"] >= MAX_REQUESTS_PER_REPO:
            counts["errors"] += 1
            return None
        r = session.get(f"{url}/repos/{full}/contents/{quote(path)}", params={"ref": ref}, timeout=60)
        counts["requests"] += 1
        if r.status_code != 200:
            counts["errors"] += 1
            return None
        return r.json()

    py_paths: list[str] = []
    pending: list[tuple[str, int]] = [("", 0)]
    while pending:
        path, depth = pending.pop()
        if depth > MAX_DIR_DEPTH:
            counts["errors"] += 1
            break
        listing = contents(path)
        if listing is None:
            if counts["requests"] >= MAX_REQUESTS_PER_REPO:
                break
            continue
        for entry in listing:
            if entry["type"] == "dir":
                pending.append((entry["path"], depth + 1))
            elif entry["type"] == "file" and entry["name"].endswith(".py"):
                py_paths.append(entry["path"])
    for path in sorted(py_paths):
        body = contents(path)
        if body is None:
            if counts["requests"] >= MAX_REQUESTS_PER_REPO:
                break
            continue
        data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else b""
        target = out / full / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        counts["files"] += 1
        counts["bytes"] += len(data)
    return counts


def run_baseline(emu, query: str, subset: int, out: Path) -> dict[str, Any]:
    import requests

    before = emu.stats()
    session = requests.Session()
    t0 = time.monotonic()
    items = baseline_search(session, emu.url, query)
    t_search = time.monotonic() - t0
    after_search = emu.stats()
    step = max(1, len(items) // max(1, subset))
    chosen = items[::step][:subset]
    totals = {"requests": 0, "files": 0, "bytes": 0, "errors": 0}
    t1 = time.monotonic()
    for item in chosen:
        for k, v in baseline_repo(session, emu.url, item, out).items():
            totals[k] += v
    t_repos = time.monotonic() - t1
    session.close()
    after = emu.stats()
    search_delta = c.stats_delta(after_search, before)
    repo_delta = c.stats_delta(after, after_search)
    n = len(chosen)
    per_repo_s = t_repos / n if n else 0.0
    found = len(items)
    return {
        "repos_found": found,
        "repos_crawled": n,
        "search_pages": search_delta["requests"].get("search", 0),
        "search_s": t_search,
        "crawl_s": t_repos,
        "per_repo_s": per_repo_s,
        "files": totals["files"],
        "bytes": totals["bytes"],
        "errors": totals["errors"],
        "requests": repo_delta["requests"],
        "api_per_repo": c.api_requests(repo_delta["requests"], include_downloads=False) / max(n, 1),
        "all_per_repo": c.api_requests(repo_delta["requests"], include_downloads=True) / max(n, 1),
        "files_per_repo": totals["files"] / max(n, 1),
        "files_per_s": totals["files"] / t_repos if t_repos else 0.0,
        "est_wall_s": t_search + per_repo_s * found,
        "est_files": totals["files"] / max(n, 1) * found,
        "wall_measured_s": t_search + t_repos,
    }


# ------------------------------------------------------------------- pipeline


def reset_process_caches() -> None:
    """Forget what an earlier run left in this process, as a new process would.

    (Each pipeline gets its own crawl resources, blob cache included; the rate
    limit and pacing state of the tokens is process-wide.)
    """
    from beam_pipeline.github.ratelimit import clear_registry

    clear_registry()


def run_pipeline_inprocess(emu, out: Path, extra: list[str]) -> dict[str, Any]:
    from beam_pipeline import cli

    reset_process_caches()

    argv = [
        "--runner=DirectRunner",
        "--github_api_url", emu.url,
        "--skip_dvc",
        "--output", str(out),
        "--progress_interval_s", "0",
        *extra,
    ]
    before = emu.stats()
    report = io.StringIO()
    t0 = time.monotonic()
    with c.KeepPipelineResult() as keep, contextlib.redirect_stdout(report):
        summary = cli.run(argv)
    wall = time.monotonic() - t0
    delta = c.stats_delta(emu.stats(), before)
    req = delta["requests"]
    found = summary["repos_found"] or 1
    files = summary["files_fetched"] + summary["files_reused"]
    steps = keep.steps() or {}
    core_endpoints = ("repo", "branch", "commit", "tree", "blob", "contents", "tarball")
    emulator_core = sum(req.get(k, 0) for k in core_endpoints) - delta["not_modified"]
    return {
        "argv": argv,
        "wall_s": wall,
        "summary": summary,
        "steps": steps,
        "delta": delta,
        "search_pages": req.get("search", 0),
        # What GitHub would charge: every core answer but a 304 (as the emulator saw it)...
        "core_per_repo_emulator": emulator_core / found,
        # ...and as the pipeline's own accounting reports it.
        "core_per_repo": (summary.get("github_rate_limited") or {}).get("core", 0) / found,
        "downloads": summary.get("github_downloads", 0),
        "api_per_repo": c.api_requests(req, include_downloads=False, include_search=False) / found,
        "all_per_repo": c.api_requests(req, include_downloads=True, include_search=False) / found,
        "files": files,
        "files_per_s": files / wall if wall else 0.0,
    }


# --------------------------------------------------------------------- report


def _fmt_req(req: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(req.items(), key=lambda kv: -kv[1])) or "none"


DEFAULT_CONFIGS = (
    "default flags:",
    "--crawl_threads=1 (serial crawl):--crawl_threads=1",
)


def _parse_config(text: str) -> tuple[str, list[str]]:
    """``LABEL:FLAGS`` (the label may not contain a colon)."""
    label, sep, flags = text.partition(":")
    if not sep:
        raise SystemExit(f"--config needs LABEL:FLAGS, got {text!r}")
    return label.strip() or "default", flags.split()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=int, default=400, help="benchmark repositories (default 400)")
    ap.add_argument("--latency_ms", type=float, default=50.0, help="per-request latency (50)")
    ap.add_argument("--baseline_repos", type=int, default=40,
                    help="repositories the baseline really crawls; the rest is extrapolated (40)")
    ap.add_argument("--corpus", choices=("unique", "clones"), default="unique")
    ap.add_argument("--rate_limits", action="store_true",
                    help="GitHub's real limits (5,000 core/h, 30 search/min) instead of none")
    ap.add_argument("--config", action="append", default=None, metavar="LABEL:FLAGS",
                    help="a pipeline configuration to measure (repeatable); default: "
                    + " and ".join(repr(x) for x in DEFAULT_CONFIGS))
    ap.add_argument("--no_rerun", action="store_true", help="skip the unchanged-world rerun")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run every configuration (and the rerun) this many times, interleaved, "
                    "and report the median (a shared machine's load drifts)")
    ap.add_argument("--quick", action="store_true", help="100 repositories, 15 for the baseline")
    ap.add_argument("--json", type=Path, default=None, help="also write all figures here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--work_dir", type=Path, default=None,
                    help="where the corpus and outputs go (default: the system's temporary "
                    "folder; on a disk where others create and delete many files, ext4's inode "
                    "allocation can add seconds of kernel time to every run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.repos, args.baseline_repos = min(args.repos, 100), min(args.baseline_repos, 15)
    configs = [_parse_config(x) for x in (args.config or DEFAULT_CONFIGS)]

    info = c.machine()
    c.print_machine(info)
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_crawl_", dir=args.work_dir))
    runs: list[tuple[str, dict[str, Any]]] = []
    rerun = None
    try:
        if args.corpus == "unique":
            desc = c.make_corpus(work / "corpus", args.repos)
            flags = c.emulator_flags(root=work / "corpus", latency_ms=args.latency_ms,
                                     rate_limits=args.rate_limits)
        else:
            desc = {"repos": args.repos, "clones": True}
            flags = c.emulator_flags(root=None, clones=args.repos, latency_ms=args.latency_ms,
                                     rate_limits=args.rate_limits)
        # GitHub does not share our process: the emulator's work (archives, JSON) must
        # not be charged to the crawler measured against it.
        emu = c.EmulatorProcess(flags)
        print(f"# corpus: {args.corpus}, {args.repos} benchmark repositories + 9 sample ones; "
              f"latency {args.latency_ms:g} ms per request; rate limits "
              f"{'GitHub defaults' if args.rate_limits else 'off (10M)'}; emulator in its own process")
        try:
            print(f"\n## (a) baseline: contents API, one request per file, sequential "
                  f"({args.baseline_repos} repositories crawled, the rest extrapolated) ...",
                  flush=True)
            base = run_baseline(emu, "manim", args.baseline_repos, work / "baseline")
            print(f"   {base['repos_crawled']} repos, {base['files']} files in "
                  f"{base['crawl_s']:.1f} s (+ {base['search_pages']} search pages in "
                  f"{base['search_s']:.1f} s); requests {_fmt_req(base['requests'])}")
            print("\n## warm-up: the pipeline over 5 repositories, so that every run below "
                  "finds the job's modules imported (Beam, the dataset's pyarrow, datasketch, "
                  "matplotlib) ...", flush=True)
            warm = run_pipeline_inprocess(emu, work / "warmup", ["--max_repos", "5"])
            print(f"   {warm['wall_s']:.1f} s (one-time imports included)")
            all_runs: list[list[dict[str, Any]]] = [[] for _ in configs]
            reruns: list[dict[str, Any]] = []
            for r in range(args.repeat):  # interleaved, so that load drifts touch every config
                for i, (label, flags) in enumerate(configs):
                    print(f"\n## (b{i + 1}) pipeline [{label}] (DirectRunner, full job, --skip_dvc"
                          f"{' ' + ' '.join(flags) if flags else ''}), repetition {r + 1} ...",
                          flush=True)
                    pipe = run_pipeline_inprocess(emu, work / f"out{i}-{r}", flags)
                    s = pipe["summary"]
                    print(f"   {s['repos_found']} repos found, {s['files_listed']} files listed, "
                          f"{pipe['files']} fetched+reused, {s['files_manim']} Manim, "
                          f"{s['pairs_extracted']} pairs in {pipe['wall_s']:.1f} s; "
                          f"requests {_fmt_req(pipe['delta']['requests'])}")
                    all_runs[i].append(pipe)
                if not args.no_rerun:
                    label, flags = configs[0]
                    print(f"\n## (c) rerun [{label}] on the unchanged world (same output), "
                          f"repetition {r + 1} ...", flush=True)
                    again = run_pipeline_inprocess(emu, work / f"out0-{r}", flags)
                    again["ratio"] = again["wall_s"] / all_runs[0][r]["wall_s"]
                    print(f"   {again['wall_s']:.1f} s ({again['ratio']:.2f}x the first run); "
                          f"requests {_fmt_req(again['delta']['requests'])}; "
                          f"statuses {again['delta']['status']}")
                    reruns.append(again)
            for (label, _flags), pipes in zip(configs, all_runs, strict=True):
                median = sorted(pipes, key=lambda x: x["wall_s"])[len(pipes) // 2]
                median["all_walls"] = [round(x["wall_s"], 2) for x in pipes]
                runs.append((label, median))
            if reruns:
                rerun = sorted(reruns, key=lambda x: x["ratio"])[len(reruns) // 2]
                rerun["all_ratios"] = [round(x["ratio"], 2) for x in reruns]
                rerun["all_walls"] = [round(x["wall_s"], 2) for x in reruns]
                rerun["first"] = all_runs[0][reruns.index(rerun)]
        finally:
            emu.stop()
        _report(args, info, base, runs, rerun)
        if args.json:
            args.json.write_text(json.dumps(
                {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                 "corpus": desc, "baseline": base, "pipelines": runs, "rerun": rerun},
                indent=1, default=str))
    finally:
        if args.keep:
            print(f"\n(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _ratio(a: float, b: float, word: str) -> str:
    return f"{a / b:.1f}x {word}" if b else "-"


def _stage_line(p: dict[str, Any]) -> str:
    t = p["summary"].get("timings") or {}
    steps = t.get("steps_s") or {}
    return (f"start-up {t.get('startup_s', 0):.2f} s, pipeline {t.get('pipeline_s', 0):.2f} s; "
            "in the pipeline (Beam's sampled time, summed over workers): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))


def _report(args, info, base, runs, rerun) -> None:
    found = runs[0][1]["summary"]["repos_found"]
    print("\n## Results\n")
    print(f"Latency {args.latency_ms:g} ms/request, {found} repositories found "
          f"({args.corpus} corpus), {info['cpus']} CPUs, emulator in its own process. "
          f"Baseline figures per repository are measured on {base['repos_crawled']} "
          f"repositories; its whole-corpus wall time is extrapolated (search time + mean "
          f"time per repository x {base['repos_found']}). Pipeline figures are measured on "
          f"the whole corpus; its wall time includes Beam's pipeline start and every stage "
          f"(this process imported Beam before).\n")
    headers = ["", "baseline (contents API per file)"]
    rows: list[list[Any]] = [
        ["wall time, whole corpus (s)", f"{base['est_wall_s']:.1f} (extrapolated)"],
        ["speed-up vs baseline", "1x"],
        ["rate-limited core requests / repository", f"{base['api_per_repo']:.2f}"],
        ["archive downloads / repository", "0"],
        ["REST API requests / repository (excl. search + downloads)", f"{base['api_per_repo']:.2f}"],
        ["requests / repository incl. downloads", f"{base['all_per_repo']:.2f}"],
        ["search pages", base["search_pages"]],
        [".py files / second", f"{base['files_per_s']:.1f}"],
    ]
    for label, p in runs:
        headers.append(f"pipeline [{label}]")
        walls = p.get("all_walls", [])
        rows[0].append(f"{p['wall_s']:.1f}" + (f" (median of {walls})" if len(walls) > 1 else ""))
        rows[1].append(_ratio(base["est_wall_s"], p["wall_s"], "faster"))
        rows[2].append(f"{p['core_per_repo']:.2f} (emulator: {p['core_per_repo_emulator']:.2f})")
        rows[3].append(f"{p['downloads'] / max(1, p['summary']['repos_found']):.2f}")
        rows[4].append(f"{p['api_per_repo']:.2f} ({_ratio(base['api_per_repo'], p['api_per_repo'], 'fewer')})")
        rows[5].append(f"{p['all_per_repo']:.2f} ({_ratio(base['all_per_repo'], p['all_per_repo'], 'fewer')})")
        rows[6].append(p["search_pages"])
        rows[7].append(f"{p['files_per_s']:.1f}")
    print(c.table(headers, rows))
    print()
    for label, p in runs:
        speedup = base["est_wall_s"] / p["wall_s"] if p["wall_s"] else 0.0
        core = max(p["core_per_repo"], p["core_per_repo_emulator"])
        print(f"Goals [{label}]: whole job >= 30x the per-file method: "
              f"{'MET' if speedup >= 30 else 'MISSED'} ({speedup:.1f}x); <= 1.2 rate-limited core "
              f"requests per repository: {'MET' if core <= 1.2 else 'MISSED'} ({core:.2f}).")
        print(f"   time by stage: {_stage_line(p)}")
    if rerun is not None:
        first = rerun.get("first", runs[0][1])
        r = rerun["delta"]
        ratio = rerun["wall_s"] / first["wall_s"] if first["wall_s"] else 0.0
        if len(rerun.get("all_ratios", [])) > 1:
            print(f"\nRerun / first run, every repetition: {rerun['all_ratios']} (median shown)")
        rs = rerun["summary"]
        charged = (rs.get("github_rate_limited") or {}).get("core", 0)
        print(f"\nRerun [{runs[0][0]}] on the unchanged world, same output:\n")
        print(c.table(
            ["", "first run", "rerun"],
            [
                ["wall time (s)", f"{first['wall_s']:.2f}", f"{rerun['wall_s']:.2f} ({ratio:.2f}x)"],
                ["requests by endpoint", _fmt_req(first["delta"]["requests"]), _fmt_req(r["requests"])],
                ["answers by status", _fmt_status(first["delta"]["status"]), _fmt_status(r["status"])],
                ["rate-limited core requests (pipeline / emulator)",
                 f"{(first['summary'].get('github_rate_limited') or {}).get('core', 0)} / "
                 f"{first['core_per_repo_emulator'] * first['summary']['repos_found']:.0f}",
                 f"{charged} / {rerun['core_per_repo_emulator'] * rs['repos_found']:.0f}"],
                ["tarball + codeload requests", _downloads(first["delta"]), _downloads(r)],
                ["repos unchanged / files reused",
                 f"{first['summary']['repos_unchanged']} / {first['summary']['files_reused']}",
                 f"{rs['repos_unchanged']} / {rs['files_reused']}"],
                ["cache hits (repositories / file analyses / pairs); dataset rebuilt",
                 _cache_line(first["summary"]), _cache_line(rs)],
            ],
        ))
        zero = charged == 0 and _downloads(r) == 0 and rerun["core_per_repo_emulator"] == 0
        print(f"\nGoals [rerun]: 0 rate-limited requests and 0 archive downloads: "
              f"{'MET' if zero else 'MISSED'}; wall time <= 0.3x the first run: "
              f"{'MET' if ratio <= 0.3 else 'MISSED'} ({ratio:.2f}x).")
        print(f"   time by stage: {_stage_line(rerun)}")


def _cache_line(s: dict[str, Any]) -> str:
    k = s.get("counters") or {}
    rebuilt = "no" if k.get("dataset_unchanged") else "yes"
    return (f"{k.get('cache.analysis.repo_hits', 0)} / {k.get('cache.analysis.hits', 0)} / "
            f"{k.get('cache.pairs.hits', 0)}; {rebuilt}")


def _fmt_status(status: dict[int, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(status.items()))


def _downloads(delta: dict[str, Any]) -> int:
    return delta["requests"].get("tarball", 0) + delta["requests"].get("codeload", 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
