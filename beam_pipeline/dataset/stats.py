"""The statistics of a build, as mergeable accumulators and the stats.json they make.

Every number in stats.json is a count or comes from exact histograms of values
(lengths are small integers, so a value -> count table is small and exact), so
partial statistics computed on many workers merge into the same document a
single pass over all rows would give: percentiles are nearest-rank (an actual
value), means are exact sums divided once.

Three accumulators, each with ``add`` and ``merge``:

* `InputStats` over every pair given to the build (before any filter): how many,
  what the license and source filters remove, the scene verdicts;
* `RepoStats` over the rows of one repository: its size by flavor (what the split
  assignment needs), its commit, license and source mix (the card's table);
* `RowStats` over the rows with their split: counts by split, flavor, kind,
  license, source; lengths; redaction placeholders; the card's example.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..records import Pair
from .minhash import SHINGLE_TOKENS
from .rows import is_non_commercial, license_label, pair_key, to_row
from .settings import DatasetSettings, removal
from .splits import SPLITS, split_shares_note

__all__ = [
    "InputStats",
    "RepoStats",
    "RowStats",
    "distribution",
    "license_repositories",
    "stats_document",
]

LINE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
CHAR_BUCKETS = (50, 100, 200, 500, 1000, 2000, 5000, 10000)
WORD_BUCKETS = (1, 2, 3, 5, 10, 20, 50, 100)


def counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _sorted(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted((k, v) for k, v in counter.items() if v))


def output_lines(code: str) -> int:
    return len(code.splitlines())


def words(text: str) -> int:
    return len(text.split())


# ------------------------------------------------------------------ distributions


def _bucket_labels(edges: Sequence[int]) -> list[str]:
    labels, low = [], 1
    for high in edges:
        labels.append(str(high) if low == high else f"{low}-{high}")
        low = high + 1
    labels.append(f"{low}+")
    return labels


def distribution(values: Mapping[int, int], edges: Sequence[int]) -> dict[str, Any]:
    """min, nearest-rank p50/p90/p99, max, mean and a histogram, from value -> count."""
    n = sum(values.values())
    labels = _bucket_labels(edges)
    histogram = dict.fromkeys(labels, 0)
    if not n:
        return {"min": 0, "p50": 0, "p90": 0, "p99": 0, "max": 0, "mean": 0,
                "histogram": histogram}
    ordered = sorted(values.items())

    def percentile(p: float) -> int:
        rank = max(1, math.ceil(p / 100 * n))
        seen = 0
        for value, count in ordered:
            seen += count
            if seen >= rank:
                return value
        return ordered[-1][0]

    for value, count in ordered:
        idx = next((k for k, high in enumerate(edges) if value <= high), len(edges))
        histogram[labels[idx]] += count
    return {
        "min": ordered[0][0],
        "p50": percentile(50),
        "p90": percentile(90),
        "p99": percentile(99),
        "max": ordered[-1][0],
        "mean": round(sum(v * c for v, c in ordered) / n, 2),
        "histogram": histogram,
    }


# ------------------------------------------------------------------ input pairs


class InputStats:
    """Every pair given to the build: filters and scene verdicts (before any filter)."""

    def __init__(self) -> None:
        self.pairs = 0
        self.removed: dict[str, Counter[str]] = {"license": Counter(), "source": Counter()}
        self.not_runnable = 0
        self.in_scenes = 0
        self.by_status: Counter[str] = Counter()
        self.not_checked: Counter[str] = Counter()
        self.engines: set[str] = set()
        self.by_flavor: dict[str, Counter[str]] = {}
        self.by_source: dict[str, Counter[str]] = {}

    def add(self, p: Pair, settings: DatasetSettings) -> InputStats:
        self.pairs += 1
        if p.exec_status != "ok":
            self.not_runnable += 1
        why = removal(p, settings)
        if why is not None and why[0] in self.removed:
            self.removed[why[0]][why[1]] += 1
        if p.exec_status is not None:
            status = p.exec_status or ""
            self.in_scenes += 1
            self.by_status[status] += 1
            if p.exec_engine:
                self.engines.add(p.exec_engine)
            if p.exec_status == "not_checked":
                self.not_checked[p.exec_detail or ""] += 1
            self.by_flavor.setdefault(p.flavor, Counter())[status] += 1
            self.by_source.setdefault(p.source, Counter())[status] += 1
        return self

    def merge(self, other: InputStats) -> InputStats:
        self.pairs += other.pairs
        self.not_runnable += other.not_runnable
        for kind, removed in other.removed.items():
            self.removed[kind].update(removed)
        self.in_scenes += other.in_scenes
        self.by_status.update(other.by_status)
        self.not_checked.update(other.not_checked)
        self.engines |= other.engines
        for mine, theirs in ((self.by_flavor, other.by_flavor), (self.by_source, other.by_source)):
            for name, statuses in theirs.items():
                mine.setdefault(name, Counter()).update(statuses)
        return self

    def execution(self, runnable_only: bool) -> dict[str, Any]:
        """Verdicts of the pairs inside scenes, by flavor and by source (before any filter)."""

        def table(groups: Mapping[str, Counter[str]]) -> dict[str, dict[str, Any]]:
            out = {}
            for name, statuses in sorted(groups.items()):
                total = sum(statuses.values())
                checked = sum(statuses[s] for s in ("ok", "error", "timeout"))
                out[name] = {
                    "pairs_in_scenes": total,
                    "by_status": _sorted(statuses),
                    "checked_share": round(checked / total, 4) if total else 0.0,
                    "runnable_share": round(statuses["ok"] / total, 4) if total else 0.0,
                }
            return out

        return {
            "checked": bool(self.in_scenes),
            "runnable_only": runnable_only,
            "input_pairs": self.pairs,
            "pairs_in_scenes": self.in_scenes,
            "engines": sorted(self.engines),
            "by_status": _sorted(self.by_status),
            "not_checked": _sorted(self.not_checked),
            "by_flavor": table(self.by_flavor),
            "by_source": table(self.by_source),
            "removed_not_runnable": self.not_runnable if runnable_only else 0,
        }


# ------------------------------------------------------------------ repositories


class RepoStats:
    """The rows of one repository: by flavor (for the split), commit, license, sources."""

    def __init__(self) -> None:
        self.rows = 0
        self.first: tuple | None = None  # pair_key of its first row
        self.by_source: Counter[str] = Counter()
        self.by_flavor: Counter[str] = Counter()
        self.paths: set[str] = set()
        self.licenses: set[str | None] = set()  # as in the rows (None and "unknown" differ)

    def add(self, p: Pair) -> RepoStats:
        self.rows += 1
        key = pair_key(p)
        if self.first is None or key < self.first:
            self.first = key
        self.by_source[p.source] += 1
        self.by_flavor[p.flavor] += 1
        self.paths.add(p.path)
        self.licenses.add(p.license)
        return self

    def merge(self, other: RepoStats) -> RepoStats:
        self.rows += other.rows
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        self.by_source.update(other.by_source)
        self.by_flavor.update(other.by_flavor)
        self.paths |= other.paths
        self.licenses |= other.licenses
        return self

    def entry(self) -> dict[str, Any]:
        """Small and final: what the repository table keeps of this repository."""
        first = self.first or ("",) * 11
        return {
            "commit": first[7],
            "license": license_label(first[10]),
            "rows": self.rows,
            "by_source": _sorted(self.by_source),
            "by_flavor": _sorted(self.by_flavor),
            "files": len(self.paths),
            "licenses": sorted(self.licenses, key=lambda v: (v is not None, v or "")),
        }


# ------------------------------------------------------------------ rows


class RowStats:
    """The published rows, each with its split."""

    def __init__(self) -> None:
        self.rows = 0
        self.by_split: dict[str, dict[str, Counter[str]]] = {}
        self.lengths: dict[str, Counter[int]] = {
            k: Counter() for k in ("output_lines", "output_chars", "input_chars", "input_words")
        }
        self.under_3_words = 0
        self.redacted_rows = 0
        self.placeholders: Counter[str] = Counter()
        # per split: (key, row) of its first row, and of its first row fit for the card
        self.first: dict[str, tuple] = {}
        self.first_example: dict[str, tuple] = {}

    def add(self, split: str, p: Pair, row_id: str, cluster: str) -> RowStats:
        from ..redaction import count_placeholders

        self.rows += 1
        groups = self.by_split.setdefault(
            split, {k: Counter() for k in ("by_flavor", "by_kind", "by_license", "by_source")}
        )
        groups["by_flavor"][p.flavor] += 1
        groups["by_kind"][p.kind] += 1
        groups["by_license"][license_label(p.license)] += 1
        groups["by_source"][p.source] += 1
        n_words = words(p.input)
        n_lines = output_lines(p.output)
        self.lengths["output_lines"][n_lines] += 1
        self.lengths["output_chars"][len(p.output)] += 1
        self.lengths["input_chars"][len(p.input)] += 1
        self.lengths["input_words"][n_words] += 1
        self.under_3_words += n_words < 3
        found = count_placeholders(p.input) + count_placeholders(p.output)
        self.redacted_rows += bool(found)
        self.placeholders.update(found)
        key = pair_key(p)
        self._offer(self.first, split, key, p, row_id, cluster)
        if 3 <= n_lines <= 20 and p.input.strip():
            self._offer(self.first_example, split, key, p, row_id, cluster)
        return self

    @staticmethod
    def _offer(best: dict[str, tuple], split: str, key: tuple, p: Pair, row_id: str,
               cluster: str) -> None:
        if split not in best or key < best[split][0]:
            best[split] = (key, to_row(p, row_id, cluster))

    @staticmethod
    def _merge_best(best: dict[str, tuple], theirs: Mapping[str, tuple]) -> None:
        for split, (key, row) in theirs.items():
            if split not in best or key < best[split][0]:
                best[split] = (key, row)

    def merge(self, other: RowStats) -> RowStats:
        self.rows += other.rows
        for split, groups in other.by_split.items():
            mine = self.by_split.setdefault(split, {k: Counter() for k in groups})
            for name, counter in groups.items():
                mine[name].update(counter)
        for name, counter in other.lengths.items():
            self.lengths[name].update(counter)
        self.under_3_words += other.under_3_words
        self.redacted_rows += other.redacted_rows
        self.placeholders.update(other.placeholders)
        self._merge_best(self.first, other.first)
        self._merge_best(self.first_example, other.first_example)
        return self

    def example(self) -> dict[str, Any] | None:
        """A readable example for the card: the first row (train first) of 3-20 lines with
        an input, else the first row."""
        for best in (self.first_example, self.first):
            for s in SPLITS:
                if s in best:
                    return best[s][1]
        return None

    def group(self, split: str, name: str) -> dict[str, int]:
        return _sorted((self.by_split.get(split) or {}).get(name) or Counter())

    def overall(self, name: str) -> dict[str, int]:
        total: Counter[str] = Counter()
        for groups in self.by_split.values():
            total.update(groups[name])
        return _sorted(total)


# ------------------------------------------------------------------ stats.json


def stats_document(
    settings: DatasetSettings,
    inputs: InputStats,
    rows: RowStats,
    repositories: Mapping[str, Mapping[str, Any]],
    split_of_repo: Mapping[str, str],
    duplicates: Mapping[str, int],
    clusters: Mapping[str, int],
    skipped: Mapping[str, int] | None,
) -> dict[str, Any]:
    """stats.json: everything the card, the report and the shrink guard read."""
    splits = {s: 0 for s in SPLITS}
    repos = {s: 0 for s in SPLITS}
    files = {s: 0 for s in SPLITS}
    table: dict[str, dict[str, Any]] = {}
    for repo, entry in sorted(repositories.items()):
        split = split_of_repo[repo]
        splits[split] += entry["rows"]
        repos[split] += 1
        files[split] += entry["files"]
        table[repo] = {
            "split": split,
            "commit": entry["commit"],
            "license": entry["license"],
            "rows": entry["rows"],
            "by_source": dict(entry["by_source"]),
            "by_flavor": dict(entry["by_flavor"]),
        }
    total = sum(splits.values())
    by_license = rows.overall("by_license")
    lengths = rows.lengths
    return {
        "format_version": 2,
        # the pairs the filters and de-duplication start from (after --runnable_only)
        "input_pairs": inputs.pairs - (inputs.not_runnable if settings.runnable_only else 0),
        "rows": total,
        "splits": splits,
        "repositories": repos,
        "source_files": files,
        "shards": {s: math.ceil(splits[s] / settings.shard_size) for s in SPLITS},
        "shard_size": settings.shard_size,
        "by_flavor": rows.overall("by_flavor"),
        "by_kind": rows.overall("by_kind"),
        "by_license": by_license,
        "by_source": rows.overall("by_source"),
        "by_split": {
            s: {name: rows.group(s, name)
                for name in ("by_flavor", "by_kind", "by_license", "by_source")}
            for s in SPLITS
        },
        "by_repository": table,
        "non_commercial_licenses": sorted(lic for lic in by_license if is_non_commercial(lic)),
        "output_length": {
            "lines": distribution(lengths["output_lines"], LINE_BUCKETS),
            "chars": distribution(lengths["output_chars"], CHAR_BUCKETS),
        },
        "input_length": {
            "chars": distribution(lengths["input_chars"], CHAR_BUCKETS),
            "words": distribution(lengths["input_words"], WORD_BUCKETS),
            "under_3_words": round(rows.under_3_words / total, 4) if total else 0,
        },
        "duplicates_removed": {
            k: duplicates.get(k, 0) for k in ("exact_files", "exact_file_pairs", "exact_pairs", "near")
        },
        "near_dup": {
            "threshold": settings.near_dup_threshold,
            "scope": settings.near_dup_scope,
            "num_perm": settings.num_perm,
            "shingle_tokens": SHINGLE_TOKENS,
            "clusters": clusters.get("clusters", 0),
            "clusters_with_several_rows": clusters.get("clusters_with_several_rows", 0),
        },
        "license_filter": {
            "allow": None if settings.licenses is None else sorted(settings.licenses),
            "removed": _sorted(inputs.removed["license"]),
        },
        "source_filter": {
            "keep": sorted(settings.sources),
            "removed": _sorted(inputs.removed["source"]),
        },
        "split": {
            "by": "repository",
            "method": "balanced",
            "seed": settings.seed,
            "ratios": list(settings.split_ratios),
            "sticky": settings.sticky_splits,
            "assignment": dict(sorted(split_of_repo.items())),
            "note": split_shares_note(splits, settings.split_ratios),
        },
        "skipped": dict(sorted((skipped or {}).items())),
        "execution": inputs.execution(settings.runnable_only),
        "extra": json.loads(json.dumps(dict(settings.extra_stats), sort_keys=True, default=str)),
        "redactions": {"rows": rows.redacted_rows, "placeholders": _sorted(rows.placeholders)},
    }


def license_repositories(repositories: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """license -> repositories with rows under it (the card's license table)."""
    return counts(
        license_label(lic) for entry in repositories.values() for lic in entry["licenses"]
    )
