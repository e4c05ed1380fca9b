"""Turn extracted pairs into a training-ready dataset: de-duplicated, split, sharded, documented.

Plain Python, no Beam: the pieces the dataset stage (``transforms/dataset.py``) runs
as parallel, keyed steps, so that no step ever holds every pair. The steps, in
this order and why:

1. **Filters** (`settings`): with ``--runnable_only`` the pairs whose scene ran, then
   the license allow-list, then the sources kept. Before de-duplication, so that a
   duplicate is never lost because its "first" copy lived in a repository whose
   license is not allowed.
2. **Exact file duplicates** (`dedup`, keyed by git blob): the copy with the smallest
   ``(repo, path)`` keeps its pairs, every other copy's pairs are dropped.
3. **Exact pair duplicates** (keyed by a hash of ``(input, output)``): the smallest
   pair key wins.
4. **Near duplicates** (`minhash`, `clusters`): MinHash LSH over shingles of 5 code
   tokens of ``output``; candidates from shared LSH bands, checked against the
   estimated Jaccard similarity, joined into connected components. Each cluster's
   representative is its smallest pair key and ``cluster`` is the representative's
   ``id``. With the default scope ``"all"`` only the representative is kept,
   whichever repository the others live in; ``"cross_repo"`` drops only the members
   in *another* repository than the representative's, which keep its ``cluster``.
5. **Splits by repository** (`splits`): whole repositories, balanced on rows
   (overall and per flavor), sticky across builds. Every kept member of a cluster
   lives in its representative's repository, so a cluster never straddles splits.
6. **Shards** (`shards`), **statistics** (`stats`), the **card** (`card`) and its
   **plots** (`plots`), written by `publish` only when the shrink guard allows.

Pair key, the total order used everywhere: ``(repo, path, start_line, end_line, kind,
input, output, ...)``. Rows are written in that order within a shard, so reruns are
byte-identical; every file is rewritten only when its bytes change, atomically.
"""

from .publish import DatasetRefused, DatasetStats, previous_rows
from .rows import (
    DEFAULT_SHARD_SIZE,
    JSONL_DIR,
    PARQUET_DIR,
    SCHEMA,
    UNKNOWN_LICENSE,
    is_non_commercial,
    pair_id,
    pair_key,
)
from .settings import DatasetSettings
from .splits import SPLITS

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "JSONL_DIR",
    "PARQUET_DIR",
    "SCHEMA",
    "SPLITS",
    "UNKNOWN_LICENSE",
    "DatasetRefused",
    "DatasetSettings",
    "DatasetStats",
    "is_non_commercial",
    "pair_id",
    "pair_key",
    "previous_rows",
]
