"""The Beam dataset stage gives what the serial build gave (tests/reference_dataset.py).

(a) a synthetic corpus made to exercise every decision: forks and vendored copies
(also a fork whose name sorts before its original's), identical pairs in several
files, near-duplicates within and across repositories (chains of them, so that
clusters are joined transitively), outputs with the same code but other comments,
outputs without code, licenses (also unknown), sources, scene verdicts, placeholders
of redacted secrets; under several settings. (b) the sample corpus, through the
whole job (the CLI), with one worker and with two worker processes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import pytest
import reference_dataset
from cli_harness import errors, run_cli
from dataset_helpers import build_dataset
from helpers import synthetic_scene_lines

from beam_pipeline.dataset import SPLITS, DatasetRefused
from beam_pipeline.records import Pair

LICENSES = ("MIT", "Apache-2.0", "GPL-3.0", "CC-BY-NC-4.0", "unknown", "NOASSERTION")
STATUSES = (None, "ok", "error", "not_checked", "ok", None)


def _code(seed: str, blocks: int = 5) -> list[str]:
    return synthetic_scene_lines(seed, blocks)


def _blob(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def synthetic_corpus() -> list[Pair]:
    pairs: list[Pair] = []

    def add(repo: str, path: str, k: int, output: str, *, r: int, **kw: object) -> None:
        status = STATUSES[(r + k) % len(STATUSES)]
        fields = {
            "input": f"Show step {k} of {path}",
            "output": output,
            "kind": ("comment", "docstring", "inline")[k % 3],
            "repo": repo, "path": path, "commit": _blob("commit", repo),
            "blob": _blob(repo, path), "start_line": 10 * k + 1, "end_line": 10 * k + 12,
            "flavor": ("manimce", "manimgl", "both")[r % 3],
            "license": LICENSES[r % len(LICENSES)],
            "source": ("user", "user", "user", "library", "test")[(r + k) % 5],
            "scene": "S" if status else None, "exec_status": status,
            "exec_detail": "no_latex" if status == "not_checked" else None,
            "exec_engine": "manim 0.22.0" if status in ("ok", "error") else None,
        }
        fields.update(kw)
        pairs.append(Pair(**fields))  # type: ignore[arg-type]

    repos = [f"dev{r:02d}/demo-{r % 4}" for r in range(26)]
    for r, repo in enumerate(repos):
        for f in range(1 + r % 3):
            path = f"scenes/part{f}.py"
            for k in range(2 + (r + f) % 4):
                add(repo, path, k, "\n".join(_code(f"{repo}/{path}/{k}")), r=r)
    # Forks: the same blobs in other repositories, one of them sorting first.
    for fork in ("aaa-early/demo-0", "zz-late/demo-0"):
        pairs += [dataclasses.replace(p, repo=fork) for p in pairs if p.repo == repos[0]]
    # A vendored copy of one file, under another path.
    pairs += [dataclasses.replace(p, repo=repos[5], path="vendor/part0.py")
              for p in pairs if p.repo == repos[7] and p.path == "scenes/part0.py"]
    # Identical (input, output) in files with other blobs.
    twin = next(p for p in pairs if p.repo == repos[2])
    for r in (3, 9, 11):
        pairs.append(dataclasses.replace(twin, repo=repos[r], path="copy.py", blob=_blob("c", r)))
    # Near duplicates: a chain of variants, each one line away from the last, spread
    # over repositories (and twice in one repository).
    base = _code("near-base", blocks=8)
    for v, r in enumerate((4, 4, 12, 19, 1, 1, 12)):
        base[2 + 2 * v] = base[2 + 2 * v].replace("width=", f"width={v}+")
        add(repos[r], f"near/v{v}.py", v, "\n".join(base), r=r, input=f"Near variant {v}",
            source="user")
    # The same code with other comments and layout, and other inputs (one shingle set).
    wait = "self.play(FadeIn(title), run_time=2)\nself.wait()"
    for r in range(0, 26, 4):
        add(repos[r], "waits.py", r, f"# pause {r}\n" + wait.replace("\n", "\n\n" * (r % 2 + 1)),
            r=r, input=f"Fade the title in, then wait ({r})", source="user")
    # Outputs without a code token (one in two files), and pairs without a blob.
    add(repos[6], "notes.py", 1, "# just a comment", r=6, input="Nothing to run here")
    add(repos[13], "notes.py", 1, "# just a comment", r=13, input="Nothing to run here",
        source="user")
    add(repos[8], "notes.py", 2, "pass", r=8, input="Placeholder step", blob="")
    add(repos[8], "notes.py", 3, "pass", r=8, input="Another placeholder", blob="")
    # Placeholders of redacted credentials.
    add(repos[10], "secret.py", 1, 'token = "<GITHUB_TOKEN>"\nmail = "<EMAIL>"', r=10,
        input="Connect as <EMAIL>")
    return pairs


def _rows(dataset: Path) -> dict[str, list[dict]]:
    out = {}
    for split in SPLITS:
        rows = [json.loads(line) for f in sorted((dataset / "jsonl").glob(f"{split}-*.jsonl"))
                for line in f.read_text(encoding="utf-8").splitlines()]
        out[split] = sorted(rows, key=lambda r: (r["repo"], r["path"], r["start_line"],
                                                 r["end_line"], r["kind"], r["input"]))
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


SETTINGS = {
    "defaults": {},
    "cross_repo": {"near_dup_scope": "cross_repo"},
    "threshold_0.6": {"near_dup_threshold": 0.6},
    "threshold_1": {"near_dup_threshold": 1.0},
    "no_near_dups": {"near_dup_threshold": None},
    "licenses_and_sources": {"licenses": frozenset({"mit", "unknown", "GPL-3.0"}),
                             "sources": frozenset({"user", "library"})},
    "runnable_only": {"runnable_only": True, "near_dup_scope": "cross_repo"},
    "small_shards": {"shard_size": 9, "split_ratios": (0.6, 0.2, 0.2)},
}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_same_rows_clusters_splits_and_statistics_as_the_serial_build(tmp_path, name):
    settings = SETTINGS[name]
    corpus = synthetic_corpus()
    skipped = {"too_large": 3, "undecodable": 1}
    extra = {"query": "manim"}
    serial = reference_dataset.build_dataset(
        corpus, str(tmp_path / "serial"), skipped=skipped, extra_stats=extra, **settings)
    beam = build_dataset(list(reversed(corpus)), str(tmp_path / "beam"), skipped=skipped,
                         extra_stats=extra, **settings)
    serial_dir, beam_dir = tmp_path / "serial" / "dataset", tmp_path / "beam" / "dataset"
    assert _rows(beam_dir) == _rows(serial_dir)
    assert json.loads((beam_dir / "stats.json").read_bytes()) == json.loads(
        (serial_dir / "stats.json").read_bytes())
    assert beam == serial
    if serial.rows and max(serial.splits.values()) <= settings.get("shard_size", 50_000):
        assert _tree(beam_dir) == _tree(serial_dir)  # one shard per split: the same files
    # The corpus exercises what it is meant to.
    dup = serial.duplicates
    if name == "defaults":
        assert dup["exact_files"] >= 3 and dup["exact_pairs"] >= 3 and dup["near"] >= 10
        assert serial.clusters == serial.rows and all(serial.splits.values())
    if name == "cross_repo":
        rows = [r for split in _rows(beam_dir).values() for r in split]
        shared = [r for r in rows if r["cluster"] != r["id"]]
        assert shared and all(
            next(x for x in rows if x["id"] == r["cluster"])["repo"] == r["repo"] for r in shared)


def test_a_shrinking_build_is_refused_before_anything_is_written(tmp_path):
    corpus = synthetic_corpus()
    out, serial_out = tmp_path / "beam", tmp_path / "serial"
    first = build_dataset(corpus, str(out), allow_shrink=False)
    reference_dataset.build_dataset(corpus, str(serial_out), allow_shrink=False)
    before = _tree(out / "dataset")
    few = [p for p in corpus if p.repo < "dev03"]
    with pytest.raises(DatasetRefused) as serial:
        reference_dataset.build_dataset(few, str(serial_out), allow_shrink=False)
    with pytest.raises(DatasetRefused) as refused:
        build_dataset(few, str(out), allow_shrink=False)
    assert str(refused.value) == str(serial.value)
    assert str(refused.value).startswith("the new dataset would have ")
    assert refused.value.previous_rows == serial.value.previous_rows == first.rows
    assert refused.value.stats == serial.value.stats and refused.value.stats["rows"] > 0
    assert _tree(out / "dataset") == before  # not one byte replaced
    assert json.loads((out / "run" / "refused.json").read_text())["previous_rows"] == first.rows
    with pytest.raises(DatasetRefused, match="would be empty"):
        build_dataset([], str(out), allow_shrink=False)
    assert _tree(out / "dataset") == before
    shrunk = build_dataset(few, str(out), allow_shrink=True)
    assert shrunk.rows == refused.value.stats["rows"] and shrunk.changed
    assert not (out / "run" / "refused.json").exists()


def test_thresholds_near_one_work(tmp_path):
    """datasketch's MinHashLSH refuses one band (thresholds >= 0.99); the stage does not."""
    stats = build_dataset(synthetic_corpus(), str(tmp_path), near_dup_threshold=0.99)
    assert stats.rows > 0 and stats.duplicates["near"] >= 2  # the identical shingle sets


# ------------------------------------------------------------ the sample corpus, end to end


def _processed_pairs(out: Path) -> list[Pair]:
    return [Pair(**d) for f in sorted((out / "processed").rglob("*.json"))
            for d in json.loads(f.read_text(encoding="utf-8"))]


def _skipped(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in errors(out):
        counts[e["reason"]] = counts.get(e["reason"], 0) + 1
    return counts


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])
def test_the_sample_corpus_gives_the_serial_build_byte_for_byte(tmp_path, github, workers):
    flags = ([] if workers == 1 else
             ["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
    proc = run_cli(tmp_path, github.url, *flags, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    pairs = _processed_pairs(out)
    assert len(pairs) > 150
    reference_dataset.build_dataset(pairs, str(tmp_path / "serial"), skipped=_skipped(out))
    assert _tree(out / "dataset") == _tree(tmp_path / "serial" / "dataset")
    assert json.loads((out / "dataset" / "stats.json").read_text())["rows"] > 100


if __name__ == "__main__":  # pragma: no cover - a corpus to look at
    json.dump([p.to_json() for p in synthetic_corpus()], sys.stdout, indent=1)
