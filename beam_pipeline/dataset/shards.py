"""Shards: which rows go in which file, and the bytes of a JSON Lines and a Parquet shard.

A split of ``n`` rows has ``ceil(n / shard_size)`` shards. A row's shard is its id
(a hash) modulo that count, so it depends on nothing but the row and the size of
its split: every shard can be written on its own, by whichever worker holds its
rows, and a rerun puts every row in the same shard. Within a shard rows are in
`pair_key` order. Shards are therefore *about* ``shard_size`` rows, not exactly;
the card says "at most" only when that holds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .rows import JSONL_DIR, PARQUET_DIR, SCHEMA

__all__ = ["jsonl_bytes", "parquet_bytes", "shard_count", "shard_files", "shard_of"]


def shard_count(rows: int, shard_size: int) -> int:
    return math.ceil(rows / shard_size)


def shard_of(row_id: str, shards: int) -> int:
    """The shard of a row (by its hex id) among ``shards``."""
    return int(row_id, 16) % shards


def shard_files(split: str, index: int, shards: int) -> tuple[str, str]:
    """The JSON Lines and Parquet files of one shard, relative to dataset/."""
    name = f"{split}-{index:05d}-of-{shards:05d}"
    return f"{JSONL_DIR}/{name}.jsonl", f"{PARQUET_DIR}/{name}.parquet"


def jsonl_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def parquet_bytes(rows: Sequence[dict[str, Any]]) -> tuple[bytes, int]:
    """The Parquet file and the in-memory Arrow size (the card's ``num_bytes``)."""
    table = pa.Table.from_pylist(list(rows), schema=SCHEMA)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy", row_group_size=max(1, len(rows)))
    return sink.getvalue().to_pybytes(), table.nbytes
