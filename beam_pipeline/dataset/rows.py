"""The rows of the dataset: their schema, the total order of pairs, stable ids, licenses."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pyarrow as pa

from ..records import UNKNOWN_LICENSE, Pair

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "FIELD_DOCS",
    "HF_DTYPES",
    "JSONL_DIR",
    "PARQUET_DIR",
    "SCHEMA",
    "UNKNOWN_LICENSE",
    "is_non_commercial",
    "license_label",
    "pair_id",
    "pair_key",
    "to_row",
]

DEFAULT_SHARD_SIZE = 50_000
# One folder per format, so that `load_dataset("parquet", data_dir=...)` and
# `load_dataset("json", data_dir=...)` each find only their own shards.
PARQUET_DIR = "data"
JSONL_DIR = "jsonl"

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
FIELD_DOCS = {
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
HF_DTYPES = {pa.string(): "string", pa.int32(): "int32"}


def pair_key(p: Pair) -> tuple[Any, ...]:
    """The total order of pairs used everywhere: which copy of a duplicate is kept,
    which pair represents a cluster, the order of rows in a shard."""
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


def to_row(p: Pair, row_id: str, cluster: str) -> dict[str, Any]:
    """A dataset row: the pair's fields, then ``id`` and ``cluster`` (the SCHEMA order)."""
    row = p.to_json()
    row["id"] = row_id
    row["cluster"] = cluster
    return row


def license_label(license_id: str | None) -> str:
    return license_id or UNKNOWN_LICENSE


def is_non_commercial(license_id: str | None) -> bool:
    """True for licenses that forbid commercial use (the Creative Commons ``-NC`` family)."""
    return bool(license_id) and re.search(r"(^|-)NC(-|$)", license_id.upper()) is not None
