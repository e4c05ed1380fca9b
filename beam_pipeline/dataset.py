"""Turn extracted pairs into a training-ready dataset: de-duplicated, split, sharded, documented.

It runs once over *all* pairs (after the pipeline, or in one final step), because
de-duplication and splitting must see every pair. Plain Python, no Beam pipeline; the
files go through Beam's ``FileSystems``, so ``output_dir`` may be local or ``gs://``.

The steps, in this order and why:

1. **License allow-list** first, so that a duplicate is never lost because its "first"
   copy lived in a repository whose license is not allowed.
2. **Exact file duplicates** (forks, vendored copies) by git blob sha: the copy with the
   smallest ``(repo, path)`` keeps its pairs, every other copy's pairs are dropped.
3. **Exact pair duplicates** by ``(input, output)``: the smallest pair key wins.
4. **Near duplicates**: MinHash LSH over shingles of 5 code tokens of ``output``
   (comments and whitespace ignored). LSH candidates are checked against the estimated
   Jaccard similarity and joined with union-find; each cluster's representative is its
   smallest pair key and ``cluster`` is the representative's ``id``. With the default
   ``near_dup_scope="all"`` the representative alone is kept, whichever repository the
   other members live in (a file of a thousand near-identical steps gives one row);
   ``"cross_repo"`` drops only the members in *another* repository than the
   representative and keeps those in its own, sharing its ``cluster``.
5. **Split by repository**: ``sha256(seed, repo)`` picks the split, so a repository never
   straddles splits. Every kept member of a cluster lives in its representative's
   repository, hence a cluster never straddles splits either: no detected
   near-duplicate crosses from train to test.

Pair key, the total order used everywhere: ``(repo, path, start_line, end_line, kind,
input, output, ...)``. Rows are written in that order, so reruns are byte-identical;
every file is rewritten only when its bytes change, atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from beam_pipeline.records import UNKNOWN_LICENSE, Pair
from beam_pipeline.splits import SPLITS, assign_splits, normalize_ratios, split_shares_note

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "JSONL_DIR",
    "PARQUET_DIR",
    "SCHEMA",
    "SPLITS",
    "UNKNOWN_LICENSE",
    "DatasetRefused",
    "DatasetStats",
    "build_dataset",
    "is_non_commercial",
    "pair_id",
    "previous_rows",
]

_LOGGER = logging.getLogger(__name__)

DEFAULT_SHARD_SIZE = 50_000
# One folder per format, so that `load_dataset("parquet", data_dir=...)` and
# `load_dataset("json", data_dir=...)` each find only their own shards.
PARQUET_DIR = "data"
JSONL_DIR = "jsonl"
SHINGLE_TOKENS = 5
NUM_PERM = 128
_MINHASH_SEED = 1

# Row layout: the Pair fields (the output contract), then the stable id and the cluster.
SCHEMA = pa.schema(
    [
        pa.field("input", pa.string(), nullable=False),
        pa.field("output", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("repo", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("commit", pa.string(), nullable=False),
        pa.field("blob", pa.string(), nullable=False),
        pa.field("start_line", pa.int32(), nullable=False),
        pa.field("end_line", pa.int32(), nullable=False),
        pa.field("flavor", pa.string(), nullable=False),
        pa.field("license", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("scene", pa.string(), nullable=True),
        pa.field("exec_status", pa.string(), nullable=True),
        pa.field("exec_detail", pa.string(), nullable=True),
        pa.field("exec_engine", pa.string(), nullable=True),
        pa.field("id", pa.string(), nullable=False),
        pa.field("cluster", pa.string(), nullable=False),
    ]
)
_FIELD_DOCS = {
    "input": "the comment or docstring text, without `#` markers or quotes",
    "output": "the code it describes, verbatim (dedented), lines `start_line..end_line`",
    "kind": "where `input` comes from: `comment`, `docstring`, ...",
    "repo": "GitHub repository, `owner/name`",
    "path": "path of the file in the repository",
    "commit": "the commit crawled",
    "blob": "git blob sha of the file",
    "start_line": "first line of `output` in the file (1-based)",
    "end_line": "last line of `output` in the file (inclusive)",
    "flavor": "`manimce`, `manimgl` or `both`",
    "license": "SPDX id of the repository's license, `unknown` when GitHub detected none",
    "source": "`user` (code written to make animations), `library` (the package of Manim or "
    "of an extension) or `test`",
    "scene": "the scene class (or `.. manim::` example) the pair lies in, when scenes were "
    "checked (`--check_scenes`); null outside scenes",
    "exec_status": "what running that scene gave: `ok`, `error`, `missing_module`, `timeout`, "
    "`not_checked`; null outside scenes",
    "exec_detail": "the error (type and first line), the missing package, or why not checked",
    "exec_engine": "the engine that ran the scene, e.g. `manim 0.22.0`",
    "id": "stable id of the pair: a hash of repo, path, lines, kind, input and output",
    "cluster": "`id` of the representative of the pair's near-duplicate cluster",
}
_HF_DTYPES = {pa.string(): "string", pa.int32(): "int32"}

_LINE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
_CHAR_BUCKETS = (50, 100, 200, 500, 1000, 2000, 5000, 10000)

# License ids the Hugging Face Hub knows (lower case); anything else is "other".
_HF_LICENSES = frozenset(
    """afl-3.0 agpl-3.0 apache-2.0 artistic-2.0 bsd bsd-2-clause bsd-3-clause
    bsd-3-clause-clear bsl-1.0 cc cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-nc-2.0
    cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0
    cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cc-by-nd-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc0-1.0
    ecl-2.0 epl-1.0 epl-2.0 eupl-1.1 eupl-1.2 gfdl gpl gpl-2.0 gpl-3.0 isc lgpl lgpl-2.1
    lgpl-3.0 lppl-1.3c mit mpl-2.0 ms-pl ncsa odbl odc-by ofl-1.1 osl-3.0 pddl postgresql
    unlicense wtfpl zlib""".split()
)
_MIME = {
    ".jsonl": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".png": "image/png",
}


@dataclass(frozen=True)
class DatasetStats:
    """What ``build_dataset`` kept, dropped and wrote (file paths relative to ``dataset/``)."""

    input_pairs: int
    rows: int
    splits: dict[str, int]
    repositories: dict[str, int]
    duplicates: dict[str, int]  # exact_files, exact_file_pairs, exact_pairs, near
    license_removed: int
    clusters: int
    by_flavor: dict[str, int]
    by_kind: dict[str, int]
    by_license: dict[str, int]
    files: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # files whose bytes differed and were (re)written
    deleted: tuple[str, ...] = ()  # stale files of an earlier build, removed
    near_dup_scope: str = "all"
    non_commercial: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("files", "changed", "deleted", "non_commercial"):
            out[key] = list(out[key])
        return out


# ----------------------------------------------------------------------------- helpers


def _pair_key(p: Pair) -> tuple[Any, ...]:
    return (
        p.repo, p.path, p.start_line, p.end_line, p.kind, p.input, p.output,
        p.commit, p.blob, p.flavor, p.license or "",
    )  # fmt: skip


def pair_id(p: Pair) -> str:
    """A stable id: the same pair gets the same id in every build (the commit is left out)."""
    text = "\x1f".join(
        [p.repo, p.path, str(p.start_line), str(p.end_line), p.kind, p.input, p.output]
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _license_label(license_id: str | None) -> str:
    return license_id or UNKNOWN_LICENSE


def is_non_commercial(license_id: str | None) -> bool:
    """True for licenses that forbid commercial use (the Creative Commons ``-NC`` family)."""
    return bool(license_id) and re.search(r"(^|-)NC(-|$)", license_id.upper()) is not None


# Python code tokens for near-duplicate detection: comments skipped, a string literal is one
# token, layout ignored. A regex rather than `tokenize`: several times faster, and it never
# gives up on a fragment that does not tokenize (an unterminated string, a stray dedent).
_CODE_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>[rRbBuUfF]{0,2}
        (?:\"\"\"[\s\S]*?\"\"\" | '''[\s\S]*?''' | "(?:[^"\\\n]++|\\.)*+" | '(?:[^'\\\n]++|\\.)*+'))
    | (?P<name>[^\W\d]\w*)
    | (?P<number>\d[\w.]*)
    | (?P<op>\*\*=? | //=? | -> | <<=? | >>=? | [-+*/%&|^@<>=!:]= | \S)
    """,
    re.VERBOSE,
)


def _code_tokens(code: str) -> list[str]:
    return [m.group() for m in _CODE_TOKEN.finditer(code) if m.lastgroup != "comment"]


def _shingles(code: str) -> frozenset[bytes]:
    tokens = _code_tokens(code)
    if not tokens:
        return frozenset()
    k = min(SHINGLE_TOKENS, len(tokens))
    return frozenset(
        "\x1f".join(tokens[i : i + k]).encode("utf-8", "surrogatepass")
        for i in range(len(tokens) - k + 1)
    )


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


def _previous_splits(output_dir: str, ratios: Sequence[float], seed: str) -> dict[str, str]:
    """The repository -> split table of the dataset already in ``output_dir``, if it was
    made with the same ratios and seed."""
    path = FileSystems.join(_absolute(output_dir), "dataset", "stats.json")
    try:
        if not FileSystems.exists(path):
            return {}
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            doc = json.loads(f.read())
        split = doc.get("split", {})
        table = split.get("assignment", {})
        same = split.get("ratios") == list(ratios) and split.get("seed") == seed
    except (OSError, ValueError, AttributeError):
        return {}
    if not same:
        return {}
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if v in SPLITS}


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


# ------------------------------------------------------------------------------- files


def _is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) in (None, "file")


class _Tree:
    """The files of ``dataset/``: writes that skip identical bytes and leave no half file."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")
        self.local = _is_local(self.root)
        self.existing = self._list()
        self.written: list[str] = []
        self.changed: list[str] = []

    def path(self, rel: str) -> str:
        if self.local:
            return os.path.join(self.root, *rel.split("/"))
        return f"{self.root}/{rel}"

    def _list(self) -> dict[str, int]:
        result = FileSystems.match([self.root + "/**"])[0]
        found: dict[str, int] = {}
        for meta in result.metadata_list:
            if meta.path.endswith("/"):  # GCS "folder" placeholders
                continue
            if self.local:
                rel = os.path.relpath(meta.path, self.root).replace(os.sep, "/")
            else:
                rel = meta.path[len(self.root) + 1 :]
            found[rel] = meta.size_in_bytes
        return found

    def _same(self, rel: str, data: bytes) -> bool:
        if self.existing.get(rel) != len(data):
            return False
        with FileSystems.open(self.path(rel), compression_type=CompressionTypes.UNCOMPRESSED) as f:
            return f.read() == data

    def write(self, rel: str, data: bytes) -> None:
        self.written.append(rel)
        if self._same(rel, data):
            return
        self.changed.append(rel)
        target = self.path(rel)
        mime = _MIME.get(os.path.splitext(rel)[1], "application/octet-stream")
        if self.local:
            # Same folder, then rename: readers see the old or the new file, never half.
            folder, name = os.path.split(target)
            tmp = os.path.join(folder, f".{name}.tmp-{uuid.uuid4().hex}")
            with FileSystems.create(tmp, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                f.write(data)
            FileSystems.rename([tmp], [target])
        else:
            # An object store publishes an object only when its upload completes.
            with FileSystems.create(
                target, mime_type=mime, compression_type=CompressionTypes.UNCOMPRESSED
            ) as f:
                f.write(data)

    def remove_stale(self) -> list[str]:
        stale = sorted(set(self.existing) - set(self.written))
        if stale:
            FileSystems.delete([self.path(rel) for rel in stale])
        return stale


def _jsonl(rows: Sequence[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _parquet(rows: Sequence[dict[str, Any]]) -> tuple[bytes, int]:
    """The Parquet file and the in-memory Arrow size (the card's ``num_bytes``)."""
    table = pa.Table.from_pylist(list(rows), schema=SCHEMA)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy", row_group_size=max(1, len(rows)))
    return sink.getvalue().to_pybytes(), table.nbytes


# ------------------------------------------------------------------------------- plots


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # No "Software" chunk and no timestamp: the same figure gives the same bytes.
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _figure(size: tuple[float, float]) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def _plot_histogram(histogram: Mapping[str, int], xlabel: str, title: str) -> bytes:
    import matplotlib.style

    with matplotlib.style.context("default"):  # ignore any local matplotlibrc
        fig = _figure((7, 4))
        ax = fig.add_subplot()
        labels, values = list(histogram), list(histogram.values())
        bars = ax.bar(labels, values, color="#4c72b0")
        ax.bar_label(bars, fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("pairs")
        ax.set_title(f"{title} ({sum(values)} pairs)")
        ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        return _png(fig)


def _plot_output_lines(histogram: Mapping[str, int]) -> bytes:
    return _plot_histogram(histogram, "lines of code in `output`", "Output length")


def _plot_counts(*panels: tuple[str, Mapping[str, int]]) -> bytes:
    """One horizontal bar chart per (title, counts), side by side."""
    import matplotlib.style

    with matplotlib.style.context("default"):
        fig = _figure((4 * len(panels), 3.5))
        for k, (title, counts) in enumerate(panels):
            ax = fig.add_subplot(1, len(panels), k + 1)
            bars = ax.barh(list(counts) or ["(none)"], list(counts.values()) or [0])
            ax.bar_label(bars, fontsize=8, padding=2)
            ax.margins(x=0.2)
            ax.invert_yaxis()
            ax.set_title(f"pairs per {title}")
        fig.tight_layout()
        return _png(fig)


_SPLIT_COLORS = {"train": "#4c72b0", "validation": "#dd8452", "test": "#55a868"}
_TOP_REPOSITORIES = 30


def _plot_repositories(table: Mapping[str, Mapping[str, Any]]) -> bytes:
    """Pairs of the largest repositories, coloured by split."""
    import matplotlib.patches
    import matplotlib.style

    top = sorted(table.items(), key=lambda kv: (-kv[1]["rows"], kv[0]))[:_TOP_REPOSITORIES]
    with matplotlib.style.context("default"):
        fig = _figure((8, 1.5 + 0.28 * max(len(top), 1)))
        ax = fig.add_subplot()
        names = [name for name, _ in top] or ["(none)"]
        values = [entry["rows"] for _, entry in top] or [0]
        colors = [_SPLIT_COLORS.get(entry["split"], "gray") for _, entry in top] or ["gray"]
        bars = ax.barh(names, values, color=colors)
        ax.bar_label(bars, fontsize=7, padding=2)
        ax.tick_params(axis="y", labelsize=7)
        ax.margins(x=0.15)
        ax.invert_yaxis()
        shown = f"the {len(top)} largest of {len(table)}" if len(table) > len(top) else "all"
        ax.set_title(f"pairs per repository ({shown}; colour = split)")
        handles = [
            matplotlib.patches.Patch(color=c, label=s) for s, c in _SPLIT_COLORS.items()
        ]
        ax.legend(handles=handles, fontsize=7, loc="lower right")
        fig.tight_layout()
        return _png(fig)


# -------------------------------------------------------------------------------- card


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
    ):  # fmt: skip
        if n < limit:
            return label
    return "10M<n<100M"


def _hf_license(license_id: str) -> str:
    if license_id == UNKNOWN_LICENSE:
        return "unknown"
    lid = license_id.lower().removesuffix("-only").removesuffix("-or-later")
    return lid if lid in _HF_LICENSES else "other"


def _fence(text: str, info: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


def _execution_section(execution: Mapping[str, Any]) -> list[str]:
    """The card's "Does the code run?" section (nothing when scenes were not checked)."""
    if not execution.get("checked"):
        return []
    engines = ", ".join(execution["engines"]) or "none installed"
    lines = [
        "",
        "## Does the code run?",
        "",
        f"Every scene class and `.. manim::` documentation example was run in a sandbox "
        f"(no network, no credentials) in ManimCE's dry-run mode with {engines}; each pair "
        "inside a scene carries the verdict in `exec_status` (`ok`, `error`, "
        "`missing_module`: a package that was not installed, `timeout`, `not_checked`: "
        "ManimGL, no LaTeX, no sandbox...). Pairs outside scenes have none. "
        f"{execution['pairs_in_scenes']} of {execution['input_pairs']} extracted pairs "
        "lie inside scenes.",
        "",
    ]
    for title, key in (("flavor", "by_flavor"), ("source", "by_source")):
        lines += [
            f"| {title} | pairs in scenes | runnable (`ok`) | checked | statuses |",
            "|---|---:|---:|---:|---|",
        ]
        for name, row in execution[key].items():
            statuses = ", ".join(f"{k} {v}" for k, v in row["by_status"].items())
            lines.append(
                f"| {name} | {row['pairs_in_scenes']} | {row['runnable_share']:.0%} | "
                f"{row['checked_share']:.0%} | {statuses} |"
            )
        lines.append("")
    if execution.get("not_checked"):
        why = ", ".join(f"{k} {v}" for k, v in execution["not_checked"].items())
        lines.append(f"Not checked, by reason: {why}.")
        lines.append("")
    if execution.get("runnable_only"):
        lines.append(
            f"Built with `--runnable_only`: {execution['removed_not_runnable']} pairs whose "
            "scene did not run (or that lie in no scene) were left out."
        )
    return lines


def _card(
    stats: Mapping[str, Any],
    sizes: Mapping[str, tuple[int, int]],
    example: Mapping[str, Any] | None,
    license_repos: Mapping[str, int],
) -> bytes:
    """The Hugging Face dataset card; ``sizes``: split -> (Arrow bytes, Parquet bytes)."""
    present = [s for s in SPLITS if stats["splits"][s]]
    by_license: dict[str, int] = stats["by_license"]
    hf_ids = sorted({_hf_license(lic) for lic in by_license}) or ["unknown"]
    front: dict[str, Any] = {
        "pretty_name": "Manim comment-to-code pairs",
        "license": hf_ids,
    }
    if "other" in hf_ids:
        others = [lic for lic in by_license if _hf_license(lic) == "other"]
        front["license_name"] = "mixed"
        front["license_details"] = (
            "Per-repository licenses, see the Licenses section; not in the Hub's list: "
            + ", ".join(others)
        )
    front.update(
        {
            "task_categories": ["text-generation"],
            "language": ["en", "code"],
            "tags": ["manim", "python", "code", "animation"],
            "size_categories": [_size_category(stats["rows"])],
            # One config only: `datasets` picks a single builder (from the first config's
            # files) for every config, so a second, JSON Lines config would be read as Parquet.
            "configs": [
                {
                    "config_name": "default",
                    "data_files": [
                        {"split": s, "path": f"{PARQUET_DIR}/{s}-*.parquet"} for s in present
                    ],
                },
            ],
            "dataset_info": {
                "features": [{"name": f.name, "dtype": _HF_DTYPES[f.type]} for f in SCHEMA],
                "splits": [
                    {"name": s, "num_bytes": sizes[s][0], "num_examples": stats["splits"][s]}
                    for s in present
                ],
                "download_size": sum(sizes[s][1] for s in present),
                "dataset_size": sum(sizes[s][0] for s in present),
            },
        }
    )
    yaml_text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)

    dup = stats["duplicates_removed"]
    out_lines = stats["output_length"]["lines"]
    lines: list[str] = [
        "---",
        yaml_text.rstrip(),
        "---",
        "",
        "# Manim comment-to-code pairs",
        "",
        f"{stats['rows']} pairs of natural-language text (a comment or a docstring) and the "
        f"[Manim](https://www.manim.community/) code it describes, taken verbatim from "
        f"{sum(stats['repositories'].values())} public GitHub repositories. Made for "
        "fine-tuning and evaluating code models that write Manim animations "
        "(ManimCE and ManimGL).",
        "",
        "## How it was built",
        "",
        "1. Repositories about Manim were found with the GitHub search API and pinned at "
        "one commit each; their `.py` files were copied byte for byte.",
        "2. Files that import `manim` or `manimlib` (directly or through a module of the "
        "same repository) were kept; `flavor` says which.",
        "3. Each comment or docstring that describes code became `input`, and the code it "
        "describes `output`, verbatim (only dedented, LF line endings): a comment above "
        "code takes the whole step (objects built, then the `self.play` that animates "
        "them, across blank lines, up to the next comment), a trailing comment its "
        "statement, a docstring its definition; each `.. manim::` documentation example "
        "its scene. Labels, questions, jokes, TODOs, credits, links, dividers and "
        "commented-out code are never `input`; code is not tokenised.",
        "4. `source` says what the code is for: `user` (scenes, examples, tutorials, "
        "videos), `library` (the package of Manim or of an extension) or `test`. This "
        f"build keeps {', '.join(f'`{x}`' for x in stats['source_filter']['keep'])}"
        + (
            f" ({sum(stats['source_filter']['removed'].values())} pairs of other sources "
            "left out)."
            if stats["source_filter"]["removed"]
            else "."
        ),
        "5. De-duplication: files with the same git blob in several repositories (forks, "
        "vendored copies) count once (the smallest `repo/path` keeps them); identical "
        "`(input, output)` pairs count once; near-duplicate outputs (MinHash LSH, "
        f"Jaccard >= {stats['near_dup']['threshold']} over 5-token shingles of the code, "
        "comments ignored) form a `cluster` named by the `id` of its smallest pair; "
        + (
            "members in other repositories than that pair's are dropped."
            if stats["near_dup"]["scope"] == "cross_repo"
            else "only that pair is kept."
        ),
        "6. Splits are whole repositories, so a repository, and every kept member of a "
        "near-duplicate cluster, is in one split only. Repositories are placed largest "
        "first where they bring each split's share of rows, overall and per flavor, "
        "closest to the target ratios "
        f"({' / '.join(str(round(r * 100)) for r in stats['split']['ratios'])}); a "
        "repository placed by an earlier build keeps its split.",
        "",
        "| split | pairs | share | repositories |",
        "|---|---:|---:|---:|",
    ]
    total_rows = stats["rows"] or 1
    for s in SPLITS:
        lines.append(
            f"| {s} | {stats['splits'][s]} | {100 * stats['splits'][s] / total_rows:.1f} % "
            f"| {stats['repositories'][s]} |"
        )
    if stats["split"]["note"]:
        lines += ["", f"> **Note:** {stats['split']['note']}"]
    lines += [
        "",
        f"Removed as duplicates: {dup['exact_file_pairs']} pairs of {dup['exact_files']} "
        f"duplicate files, {dup['exact_pairs']} identical pairs, {dup['near']} "
        "near-duplicates.",
        "",
        f"The same rows twice: Parquet in `{PARQUET_DIR}/` (what `load_dataset` reads) and "
        f"JSON Lines in `{JSONL_DIR}/` (one object per line, for `jq`, `grep` and any "
        f"language), in shards of at most {stats['shard_size']} rows named by split; "
        "`stats.json` has the numbers behind this card.",
        "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("path/to/this/dataset")  # the Parquet shards: '
        + ", ".join(present),
        f'ds = load_dataset("parquet", data_dir="path/to/this/dataset/{PARQUET_DIR}")',
        f'ds = load_dataset("json", data_dir="path/to/this/dataset/{JSONL_DIR}")',
        "```",
        "",
        "## Fields",
        "",
        "| field | type | meaning |",
        "|---|---|---|",
    ]
    for f in SCHEMA:
        lines.append(f"| `{f.name}` | {_HF_DTYPES[f.type]} | {_FIELD_DOCS[f.name]} |")
    if example is not None:
        shown = example["output"].splitlines()
        code = "\n".join(shown[:30]) + ("\n# ..." if len(shown) > 30 else "")
        lines += [
            "",
            "## Example",
            "",
            f"From `{example['repo']}`, `{example['path']}`, lines "
            f"{example['start_line']}-{example['end_line']} ({example['kind']}, "
            f"{example['flavor']}, license {_license_label(example['license'])}).",
            "",
            "`input`:",
            "",
            _fence(example["input"], "text"),
            "",
            "`output`:",
            "",
            _fence(code, "python"),
        ]
    lines += _execution_section(stats.get("execution") or {})
    lines += [
        "",
        "## Licenses",
        "",
        "Each pair keeps the license of its repository, the only terms under which it may "
        "be used. `unknown`: GitHub detected no license, which means all rights reserved "
        "by default; `NOASSERTION`: a license file GitHub could not identify.",
        "",
        "| license | pairs | repositories | note |",
        "|---|---:|---:|---|",
    ]
    for lic, n in by_license.items():
        note = ""
        if is_non_commercial(lic):
            note = "**non-commercial**"
        elif lic == UNKNOWN_LICENSE:
            note = "no license: all rights reserved"
        elif lic == "NOASSERTION":
            note = "unidentified license"
        lines.append(f"| {lic} | {n} | {license_repos.get(lic, 0)} | {note} |")
    if stats["non_commercial_licenses"]:
        nc = ", ".join(stats["non_commercial_licenses"])
        lines += [
            "",
            f"> **Warning:** some pairs are under non-commercial licenses ({nc}). Filter "
            "them out on `license` before any commercial use.",
        ]
    allow = stats["license_filter"]["allow"]
    if allow is not None:
        lines += [
            "",
            f"Built with a license allow-list ({', '.join(allow)}); "
            f"{sum(stats['license_filter']['removed'].values())} pairs outside it were left "
            "out.",
        ]
    lines += _privacy_lines(stats)
    lines += [
        "",
        "## Statistics",
        "",
        f"`output` length in lines: min {out_lines['min']}, median {out_lines['p50']}, "
        f"p90 {out_lines['p90']}, p99 {out_lines['p99']}, max {out_lines['max']}.",
        "",
        f"`input` length in words: median {stats['input_length']['words']['p50']}, "
        f"p90 {stats['input_length']['words']['p90']}; "
        f"{100 * stats['input_length']['under_3_words']:.1f} % of inputs have fewer than "
        "3 words.",
        "",
        "![Output length](plots/output_lines.png)",
        "",
        "![Input length](plots/input_words.png)",
        "",
        "![Pairs per flavor and kind](plots/flavors.png)",
        "",
        "![Pairs per split and license](plots/splits_licenses.png)",
        "",
        "![Pairs per repository](plots/repositories.png)",
        "",
        "## Repositories",
        "",
        "| repository | commit | license | split | pairs | by source |",
        "|---|---|---|---|---:|---|",
    ]
    for repo, entry in stats["by_repository"].items():
        mix = ", ".join(f"{k} {v}" for k, v in entry["by_source"].items())
        lines.append(
            f"| [{repo}](https://github.com/{repo}) | `{entry['commit'][:12]}` | "
            f"{entry['license']} | {entry['split']} | {entry['rows']} | {mix} |"
        )
    lines += [
        "",
        "## Limitations",
        "",
        "- Comments describe code loosely: the filters drop labels, questions, notes and "
        "links, but some `input`s remain vague, and a step's end is a heuristic (the "
        "next comment, a paragraph that uses none of the step's names).",
        "- The code targets several Manim versions (ManimCE and ManimGL differ); "
        "`flavor` tells them apart, not the version. "
        + ("Scenes were run with one ManimCE version (`exec_engine`); `ok` means the scene "
           "builds every animation in dry-run mode with that version, not that the video "
           "looks right."
           if (stats.get("execution") or {}).get("checked")
           else "The code was not executed (build with `--check_scenes` to label scenes "
           "that run)."),
        "- Near-duplicate detection is probabilistic; some near-duplicates remain"
        + (
            " and inside one repository they are kept (they share `cluster`)."
            if stats["near_dup"]["scope"] == "cross_repo"
            else "."
        ),
        "- A repository is crawled at one commit; `license` is the repository's, as "
        "GitHub detected it, not a per-file license.",
        "- Only public repositories found by the search are included; the sample leans "
        "towards popular tutorials and examples.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------- building


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
    previous = _previous_splits(output_dir, ratios, seed) if sticky_splits else {}
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

    # files
    tree = _Tree(FileSystems.join(_absolute(output_dir), "dataset"))
    sizes: dict[str, tuple[int, int]] = {}
    for s in SPLITS:
        rows = rows_by_split[s]
        arrow_bytes = parquet_bytes = 0
        for k in range(shards[s]):
            chunk = rows[k * shard_size : (k + 1) * shard_size]
            name = f"{s}-{k:05d}-of-{shards[s]:05d}"
            tree.write(f"{JSONL_DIR}/{name}.jsonl", _jsonl(chunk))
            data, nbytes = _parquet(chunk)
            tree.write(f"{PARQUET_DIR}/{name}.parquet", data)
            arrow_bytes, parquet_bytes = arrow_bytes + nbytes, parquet_bytes + len(data)
        sizes[s] = (arrow_bytes, parquet_bytes)
    stats_bytes = json.dumps(stats_doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    tree.write("stats.json", stats_bytes.encode("utf-8"))
    tree.write("README.md", _card(stats_doc, sizes, _pick_example(rows_by_split), license_repos))
    tree.write("plots/output_lines.png", _plot_output_lines(stats_doc["output_length"]["lines"]["histogram"]))  # fmt: skip
    tree.write("plots/flavors.png", _plot_counts(
        ("flavor", stats_doc["by_flavor"]), ("kind", stats_doc["by_kind"])
    ))
    tree.write("plots/splits_licenses.png", _plot_counts(
        ("split", stats_doc["splits"]), ("license", stats_doc["by_license"])
    ))
    tree.write("plots/input_words.png", _plot_histogram(
        stats_doc["input_length"]["words"]["histogram"], "words in `input`", "Input length"
    ))
    tree.write("plots/repositories.png", _plot_repositories(stats_doc["by_repository"]))
    deleted = tree.remove_stale()
    _LOGGER.info(
        "dataset: %d rows, %d files changed, %d stale files deleted",
        len(all_rows), len(tree.changed), len(deleted),
    )  # fmt: skip

    return DatasetStats(
        input_pairs=len(all_pairs),
        rows=len(all_rows),
        splits=dict(stats_doc["splits"]),
        repositories=dict(stats_doc["repositories"]),
        duplicates=duplicates,
        license_removed=sum(license_removed.values()),
        clusters=len(cluster_sizes),
        by_flavor=stats_doc["by_flavor"],
        by_kind=stats_doc["by_kind"],
        by_license=by_license,
        files=tuple(sorted(tree.written)),
        changed=tuple(sorted(tree.changed)),
        deleted=tuple(deleted),
        near_dup_scope=near_dup_scope,
        non_commercial=tuple(non_commercial),
    )


class DatasetRefused(Exception):
    """The new dataset would be empty, or lose more than half the previous rows."""

    def __init__(self, message: str, stats: Mapping[str, Any], previous_rows: int | None):
        super().__init__(message)
        self.stats = dict(stats)
        self.previous_rows = previous_rows


def previous_rows(output_dir: str) -> int | None:
    """Rows of the dataset already in ``<output_dir>/dataset`` (None when there is none)."""
    path = FileSystems.join(_absolute(output_dir), "dataset", "stats.json")
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            rows = json.loads(f.read()).get("rows")
    except Exception:  # noqa: BLE001 - absent or unreadable: nothing to protect
        return None
    return rows if isinstance(rows, int) and rows >= 0 else None


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
    from .redaction import count_placeholders

    by_kind: Counter[str] = Counter()
    with_any = 0
    for r in rows:
        found = count_placeholders(r["input"]) + count_placeholders(r["output"])
        with_any += bool(found)
        by_kind.update(found)
    return {"rows": with_any, "placeholders": dict(sorted(by_kind.items()))}


def _privacy_lines(stats: Mapping[str, Any]) -> list[str]:
    red = stats.get("redactions") or {"rows": 0, "placeholders": {}}
    kinds = ", ".join(f"`<{k}>` {n}" for k, n in red["placeholders"].items()) or "none"
    dropped = stats["skipped"].get("secret_in_code", 0)
    return [
        "",
        "## Personal data and credentials",
        "",
        "Every `input` and `output` was scanned for credentials (GitHub, GitLab, cloud, "
        "Slack, Stripe and other API tokens, private keys, passwords in assignments, "
        "with the patterns of Yelp's detect-secrets) and e-mail addresses. Each one found "
        "was replaced by a typed placeholder such as `<GITHUB_TOKEN>` or `<EMAIL>`; in "
        "`output` only inside string literals and comments, so the code still parses, and "
        "a pair whose code would not parse after redaction was left out "
        f"({dropped} file(s) lost pairs that way). In this dataset {red['rows']} rows hold "
        f"placeholders: {kinds}. Names of people (authors, copyright holders) are not "
        "removed, and detection can miss a credential of an unusual shape.",
    ]


def _absolute(output_dir: str) -> str:
    if FileSystems.get_scheme(output_dir) is None:
        return os.path.abspath(output_dir)
    return output_dir.rstrip("/")


def _pick_example(rows_by_split: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    """A readable example for the card: the first train row of 3-20 lines, else any row."""
    rows = [r for s in SPLITS for r in rows_by_split[s]]
    for r in rows:
        if 3 <= _output_lines(r["output"]) <= 20 and r["input"].strip():
            return r
    return rows[0] if rows else None
