"""The dataset stage as it was before it became Beam steps: the reference it must match.

`build_dataset` runs once over *all* pairs, in one process, in the order the
steps are defined (filters, exact file duplicates, exact pair duplicates,
near-duplicates with datasketch's in-memory MinHashLSH and a union-find,
splits, statistics from the full list of rows, shards cut in pair-key order).
tests/test_dataset_reference.py runs it and the Beam stage (transforms/dataset.py)
on the same pairs and asserts the same rows, ids, clusters, splits and statistics,
and for single-shard splits the same files byte for byte. The card, plots and
shard encodings are the package's (what is compared is the computation).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beam_pipeline.dataset import DatasetRefused, DatasetStats, previous_rows
from beam_pipeline.dataset.minhash import SHINGLE_TOKENS, shingles
from beam_pipeline.dataset.publish import write_documents
from beam_pipeline.dataset.rows import (
    DEFAULT_SHARD_SIZE,
    is_non_commercial,
    pair_id,
)
from beam_pipeline.dataset.rows import license_label as _license_label
from beam_pipeline.dataset.rows import pair_key as _pair_key
from beam_pipeline.dataset.settings import NUM_PERM
from beam_pipeline.dataset.shards import jsonl_bytes, parquet_bytes, shard_files
from beam_pipeline.dataset.splits import (
    SPLITS,
    assign_splits,
    normalize_ratios,
    previous_splits,
    split_shares_note,
)
from beam_pipeline.records import Pair
from beam_pipeline.storage import join, write_if_changed

__all__ = ["build_dataset"]

_MINHASH_SEED = 1
_LINE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
_CHAR_BUCKETS = (50, 100, 200, 500, 1000, 2000, 5000, 10000)


def _shingles(code: str) -> frozenset[bytes]:
    return shingles(code)


def _near_dup_roots(outputs: Sequence[str], threshold: float, num_perm: int) -> list[int]:
    """For each output, the smallest index of its near-duplicate cluster."""
    from datasketch import MinHash, MinHashLSH

    parent = list(range(len(outputs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # Identical shingle sets (Jaccard 1) are joined without MinHash: this keeps very
    # common snippets (``self.wait()``) from flooding LSH buckets with O(n^2) checks.
    first_of: dict[bytes, int] = {}
    uniques: list[tuple[int, frozenset[bytes]]] = []
    for i, code in enumerate(outputs):
        shingles = _shingles(code)
        if not shingles:
            continue
        digest = hashlib.sha1(b"\n".join(sorted(shingles))).digest()
        first = first_of.setdefault(digest, i)
        if first != i:
            union(first, i)
        else:
            uniques.append((i, shingles))

    if threshold < 1.0 and len(uniques) > 1:
        hashes = MinHash.bulk([s for _, s in uniques], num_perm=num_perm, seed=_MINHASH_SEED)
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        by_index = {}
        for (i, _), mh in zip(uniques, hashes, strict=True):
            for j in sorted(lsh.query(mh)):
                if mh.jaccard(by_index[j]) >= threshold:
                    union(i, j)
            lsh.insert(i, mh)
            by_index[i] = mh
    return [find(i) for i in range(len(outputs))]




def _percentile(sorted_values: Sequence[int], p: float) -> int:
    """Nearest-rank percentile: an actual value, so the numbers are exact and stable."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _bucket_labels(edges: Sequence[int]) -> list[str]:
    labels, low = [], 1
    for high in edges:
        labels.append(str(high) if low == high else f"{low}-{high}")
        low = high + 1
    labels.append(f"{low}+")
    return labels


def _histogram(values: Iterable[int], edges: Sequence[int]) -> dict[str, int]:
    labels = _bucket_labels(edges)
    counts = dict.fromkeys(labels, 0)
    for v in values:
        idx = next((k for k, high in enumerate(edges) if v <= high), len(edges))
        counts[labels[idx]] += 1
    return counts


def _distribution(values: list[int], edges: Sequence[int]) -> dict[str, Any]:
    s = sorted(values)
    return {
        "min": s[0] if s else 0,
        "p50": _percentile(s, 50),
        "p90": _percentile(s, 90),
        "p99": _percentile(s, 99),
        "max": s[-1] if s else 0,
        "mean": round(sum(s) / len(s), 2) if s else 0,
        "histogram": _histogram(s, edges),
    }


def _output_lines(code: str) -> int:
    return len(code.splitlines())


_WORD_BUCKETS = (1, 2, 3, 5, 10, 20, 50, 100)


def _words(text: str) -> int:
    return len(text.split())


def _repository_table(
    rows: Sequence[Mapping[str, Any]], split_of_repo: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Per repository: its split, commit, license, rows, and rows by source and flavor."""
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = table.get(r["repo"])
        if entry is None:
            entry = table[r["repo"]] = {
                "split": split_of_repo[r["repo"]],
                "commit": r["commit"],
                "license": _license_label(r["license"]),
                "rows": 0,
                "by_source": Counter(),
                "by_flavor": Counter(),
            }
        entry["rows"] += 1
        entry["by_source"][r["source"]] += 1
        entry["by_flavor"][r["flavor"]] += 1
    for entry in table.values():
        entry["by_source"] = dict(sorted(entry["by_source"].items()))
        entry["by_flavor"] = dict(sorted(entry["by_flavor"].items()))
    return dict(sorted(table.items()))




def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _execution_stats(pairs: Sequence[Pair], runnable_only: bool) -> dict[str, Any]:
    """Verdicts of the pairs inside scenes, by flavor and by source (before any filter)."""
    in_scenes = [p for p in pairs if p.exec_status is not None]

    def table(key) -> dict[str, dict[str, Any]]:
        groups: dict[str, Counter[str]] = {}
        for p in in_scenes:
            groups.setdefault(key(p), Counter())[p.exec_status or ""] += 1
        out = {}
        for name, counts in sorted(groups.items()):
            total = sum(counts.values())
            checked = sum(counts[s] for s in ("ok", "error", "timeout"))
            out[name] = {
                "pairs_in_scenes": total,
                "by_status": dict(sorted(counts.items())),
                "checked_share": round(checked / total, 4) if total else 0.0,
                "runnable_share": round(counts["ok"] / total, 4) if total else 0.0,
            }
        return out

    return {
        "checked": bool(in_scenes),
        "runnable_only": runnable_only,
        "input_pairs": len(pairs),
        "pairs_in_scenes": len(in_scenes),
        "engines": sorted({p.exec_engine for p in in_scenes if p.exec_engine}),
        "by_status": _counts(p.exec_status or "" for p in in_scenes),
        "not_checked": _counts(p.exec_detail or "" for p in in_scenes
                               if p.exec_status == "not_checked"),
        "by_flavor": table(lambda p: p.flavor),
        "by_source": table(lambda p: p.source),
        "removed_not_runnable": sum(1 for p in pairs if p.exec_status != "ok")
        if runnable_only else 0,
    }



def build_dataset(
    pairs: Iterable[Pair],
    output_dir: str,
    *,
    split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
    licenses: frozenset[str] | None = None,
    near_dup_threshold: float | None = 0.85,
    seed: str = "manim",
    skipped: Mapping[str, int] | None = None,
    extra_stats: Mapping[str, Any] | None = None,
    shard_size: int = DEFAULT_SHARD_SIZE,
    near_dup_scope: str = "all",
    num_perm: int = NUM_PERM,
    sources: frozenset[str] = frozenset({"user"}),
    sticky_splits: bool = True,
    allow_shrink: bool = True,
    runnable_only: bool = False,
) -> DatasetStats:
    """Write ``<output_dir>/dataset/`` (shards, stats.json, README.md card, plots).

    ``licenses``: an allow-list of SPDX ids (case-insensitive; ``"unknown"`` admits pairs
    whose repository has no license); None keeps every pair and labels it. ``sources``:
    the pair sources kept (``user``, ``library``, ``test``). ``sticky_splits``: keep the
    split of every repository the previous build in ``output_dir`` placed. ``near_dup_threshold``:
    Jaccard similarity of the output shingles; None turns near-duplicate detection off.
    ``runnable_only``: keep only pairs whose scene ran (``exec_status == "ok"``).
    ``skipped`` (files skipped by reason) and ``extra_stats`` are copied into stats.json
    and must be deterministic for reruns to stay byte-identical. ``allow_shrink=False``:
    raise `DatasetRefused`, writing nothing, when the new dataset would be empty or
    have less than half the rows of the one already in ``output_dir``.
    """
    if shard_size < 1:
        raise ValueError("shard_size must be positive")
    if near_dup_scope not in ("cross_repo", "all"):
        raise ValueError("near_dup_scope must be 'cross_repo' or 'all'")
    if near_dup_threshold is not None and not 0.0 < near_dup_threshold <= 1.0:
        raise ValueError("near_dup_threshold must be in (0, 1]")
    ratios = normalize_ratios(split_ratios)
    all_pairs = sorted(pairs, key=_pair_key)
    execution = _execution_stats(all_pairs, runnable_only)
    if runnable_only:
        all_pairs = [p for p in all_pairs if p.exec_status == "ok"]

    # 1. licenses and sources
    allow = None if licenses is None else {lic.casefold() for lic in licenses}
    kept: list[Pair] = []
    license_removed: Counter[str] = Counter()
    source_removed: Counter[str] = Counter()
    for p in all_pairs:
        label = _license_label(p.license)
        if allow is not None and label.casefold() not in allow:
            license_removed[label] += 1
        elif p.source not in sources:
            source_removed[p.source] += 1
        else:
            kept.append(p)

    # 2. exact file duplicates: sorted order makes the first (repo, path) of a blob the smallest
    owner_of_blob: dict[str, tuple[str, str]] = {}
    for p in kept:
        if p.blob:
            owner_of_blob.setdefault(p.blob, (p.repo, p.path))
    dup_files = {
        (p.repo, p.path) for p in kept if p.blob and owner_of_blob[p.blob] != (p.repo, p.path)
    }
    unique_files = [p for p in kept if (p.repo, p.path) not in dup_files]
    exact_file_pairs = len(kept) - len(unique_files)

    # 3. exact pair duplicates
    seen: set[tuple[str, str]] = set()
    unique: list[Pair] = []
    for p in unique_files:
        if (p.input, p.output) not in seen:
            seen.add((p.input, p.output))
            unique.append(p)
    exact_pairs = len(unique_files) - len(unique)

    # 4. near duplicates
    if near_dup_threshold is None:
        roots = list(range(len(unique)))
    else:
        roots = _near_dup_roots([p.output for p in unique], near_dup_threshold, num_perm)
    ids = [pair_id(p) for p in unique]
    near_removed = 0
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(unique):
        root = roots[i]
        drop = i != root if near_dup_scope == "all" else p.repo != unique[root].repo
        if drop:
            near_removed += 1
            continue
        row = p.to_json()
        row["id"] = ids[i]
        row["cluster"] = ids[root]
        rows.append(row)

    # 5. split by repository: every kept member of a cluster lives in its representative's
    # repository, so a cluster never straddles splits either
    repo_flavors: dict[str, Counter[str]] = {}
    for r in rows:
        repo_flavors.setdefault(r["repo"], Counter())[r["flavor"]] += 1
    previous = previous_splits(output_dir, ratios, seed) if sticky_splits else {}
    split_of_repo = assign_splits(repo_flavors, ratios, seed, previous)
    rows_by_split: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for r in rows:
        rows_by_split[split_of_repo[r["repo"]]].append(r)
    cluster_sizes = Counter(r["cluster"] for r in rows)

    # stats
    all_rows = [r for s in SPLITS for r in rows_by_split[s]]
    by_license = _counts(_license_label(r["license"]) for r in all_rows)
    repo_licenses = {(r["repo"], r["license"]) for r in all_rows}
    license_repos = _counts(_license_label(lic) for _, lic in repo_licenses)
    non_commercial = sorted(lic for lic in by_license if is_non_commercial(lic))
    shards = {s: math.ceil(len(rows_by_split[s]) / shard_size) for s in SPLITS}
    duplicates = {
        "exact_files": len(dup_files),
        "exact_file_pairs": exact_file_pairs,
        "exact_pairs": exact_pairs,
        "near": near_removed,
    }
    stats_doc: dict[str, Any] = {
        "format_version": 2,
        "input_pairs": len(all_pairs),
        "rows": len(all_rows),
        "splits": {s: len(rows_by_split[s]) for s in SPLITS},
        "repositories": {s: len({r["repo"] for r in rows_by_split[s]}) for s in SPLITS},
        "source_files": {
            s: len({(r["repo"], r["path"]) for r in rows_by_split[s]}) for s in SPLITS
        },
        "shards": shards,
        "shard_size": shard_size,
        "by_flavor": _counts(r["flavor"] for r in all_rows),
        "by_kind": _counts(r["kind"] for r in all_rows),
        "by_license": by_license,
        "by_source": _counts(r["source"] for r in all_rows),
        "by_split": {
            s: {
                "by_flavor": _counts(r["flavor"] for r in rows_by_split[s]),
                "by_kind": _counts(r["kind"] for r in rows_by_split[s]),
                "by_license": _counts(_license_label(r["license"]) for r in rows_by_split[s]),
                "by_source": _counts(r["source"] for r in rows_by_split[s]),
            }
            for s in SPLITS
        },
        "by_repository": _repository_table(all_rows, split_of_repo),
        "non_commercial_licenses": non_commercial,
        "output_length": {
            "lines": _distribution([_output_lines(r["output"]) for r in all_rows], _LINE_BUCKETS),
            "chars": _distribution([len(r["output"]) for r in all_rows], _CHAR_BUCKETS),
        },
        "input_length": {
            "chars": _distribution([len(r["input"]) for r in all_rows], _CHAR_BUCKETS),
            "words": _distribution([_words(r["input"]) for r in all_rows], _WORD_BUCKETS),
            "under_3_words": round(
                sum(_words(r["input"]) < 3 for r in all_rows) / len(all_rows), 4
            ) if all_rows else 0,
        },
        "duplicates_removed": duplicates,
        "near_dup": {
            "threshold": near_dup_threshold,
            "scope": near_dup_scope,
            "num_perm": num_perm,
            "shingle_tokens": SHINGLE_TOKENS,
            "clusters": len(cluster_sizes),
            "clusters_with_several_rows": sum(1 for n in cluster_sizes.values() if n > 1),
        },
        "license_filter": {
            "allow": None if licenses is None else sorted(licenses),
            "removed": dict(sorted(license_removed.items())),
        },
        "source_filter": {
            "keep": sorted(sources),
            "removed": dict(sorted(source_removed.items())),
        },
        "split": {
            "by": "repository",
            "method": "balanced",
            "seed": seed,
            "ratios": list(ratios),
            "sticky": sticky_splits,
            "assignment": dict(sorted(split_of_repo.items())),
            "note": split_shares_note(
                {s: len(rows_by_split[s]) for s in SPLITS}, ratios
            ),
        },
        "skipped": dict(sorted((skipped or {}).items())),
        "execution": execution,
        "extra": json.loads(json.dumps(extra_stats or {}, sort_keys=True, default=str)),
    }

    stats_doc["redactions"] = _redaction_stats(all_rows)
    if not allow_shrink:
        _refuse_shrink(output_dir, stats_doc)

    # files: shards cut in pair-key order, then the documents
    sizes: dict[str, tuple[int, int]] = {}
    shard_names: list[str] = []
    changed: list[str] = []
    largest = 0
    for s in SPLITS:
        rows = rows_by_split[s]
        arrow_total = parquet_total = 0
        for k in range(shards[s]):
            chunk = rows[k * shard_size : (k + 1) * shard_size]
            largest = max(largest, len(chunk))
            jsonl_name, parquet_name = shard_files(s, k, shards[s])
            data, nbytes = parquet_bytes(chunk)
            for rel, body in ((jsonl_name, jsonl_bytes(chunk)), (parquet_name, data)):
                shard_names.append(rel)
                if write_if_changed(join(output_dir, "dataset", *rel.split("/")), body):
                    changed.append(rel)
            arrow_total, parquet_total = arrow_total + nbytes, parquet_total + len(data)
        sizes[s] = (arrow_total, parquet_total)
    return write_documents(
        output_dir, stats_doc, sizes=sizes, example=_pick_example(rows_by_split),
        license_repos=license_repos, largest_shard=largest, shards=shard_names,
        shards_changed=changed,
    )


def _refuse_shrink(output_dir: str, stats_doc: Mapping[str, Any]) -> None:
    rows, before = stats_doc["rows"], previous_rows(output_dir)
    if rows == 0:
        raise DatasetRefused("the new dataset would be empty", stats_doc, before)
    if before is not None and rows * 2 < before:
        raise DatasetRefused(
            f"the new dataset would have {rows} rows, less than half the previous {before}",
            stats_doc, before,
        )  # fmt: skip


def _redaction_stats(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Placeholders of redacted credentials and addresses in the published rows."""
    from beam_pipeline.redaction import count_placeholders

    by_kind: Counter[str] = Counter()
    with_any = 0
    for r in rows:
        found = count_placeholders(r["input"]) + count_placeholders(r["output"])
        with_any += bool(found)
        by_kind.update(found)
    return {"rows": with_any, "placeholders": dict(sorted(by_kind.items()))}




def _pick_example(rows_by_split: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    """A readable example for the card: the first train row of 3-20 lines, else any row."""
    rows = [r for s in SPLITS for r in rows_by_split[s]]
    for r in rows:
        if 3 <= _output_lines(r["output"]) <= 20 and r["input"].strip():
            return r
    return rows[0] if rows else None
