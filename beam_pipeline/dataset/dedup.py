"""Exact duplicates: copies of one file (forks, vendored code) and identical pairs.

1. **Files** by git blob sha: among the copies of a blob whose pairs pass the filters,
   the smallest ``(repo, path)`` keeps its pairs and every other copy's pairs are dropped.
2. **Pairs** by ``(input, output)``: of identical pairs, the one with the smallest
   `pair_key` is kept.

These are the decisions only; grouping the copies together is the caller's job
(one group per blob, one per content key), so no step ever needs all pairs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ..records import Pair
from .rows import pair_key

__all__ = ["content_key", "duplicate_copies", "smaller"]


def content_key(p: Pair) -> bytes:
    """The exact-duplicate key of a pair: a hash of its ``(input, output)``."""
    text = f"{len(p.input)}:{p.input}{p.output}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def duplicate_copies(copies: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``(repo, path)`` copies of one blob that lose their pairs: all but the smallest."""
    unique = sorted(set(copies))
    return unique[1:]


def smaller(a: Pair, b: Pair) -> Pair:
    """The pair that comes first in the total order (the copy a duplicate group keeps)."""
    return a if pair_key(a) <= pair_key(b) else b
