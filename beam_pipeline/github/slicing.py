"""Split a search into ``created:`` date ranges that each hold fewer than 1,000 results.

GitHub returns at most the first 1,000 results of a query, whatever its
``total_count``. Bisecting the creation date until every range fits is the
documented way to read them all. The logic is pure (it takes a probe function)
so that it can be tested without HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Generic, TypeVar

__all__ = [
    "GITHUB_EPOCH",
    "SEARCH_RESULT_CAP",
    "DateSlice",
    "build_query",
    "iter_date_slices",
]

SEARCH_RESULT_CAP = 1000
GITHUB_EPOCH = date(2007, 10, 1)  # no repository was created before GitHub existed

P = TypeVar("P")


@dataclass(frozen=True)
class DateSlice(Generic[P]):
    """An inclusive date range, its total_count and what the probe returned for it."""

    start: date
    end: date
    total: int
    payload: P = field(repr=False, compare=False)


def build_query(query: str, start: date | None, end: date | None, include_forks: bool) -> str:
    """The ``q`` of a search: the user's words plus the range and fork qualifiers."""
    parts = [query.strip()]
    if start is not None or end is not None:
        lo = start.isoformat() if start else "*"
        hi = end.isoformat() if end else "*"
        parts.append(f"created:{lo}..{hi}")
    if include_forks:
        parts.append("fork:true")
    return " ".join(p for p in parts if p)


def iter_date_slices(
    probe: Callable[[date, date], tuple[int, P]],
    start: date,
    end: date,
    *,
    cap: int = SEARCH_RESULT_CAP,
    on_oversize: Callable[[date, int], None] | None = None,
) -> Iterator[DateSlice[P]]:
    """Yield ranges covering ``start..end`` exactly once, in date order, each under ``cap``.

    Depth-first, so the caller can page through a slice as soon as it is found
    (one page in memory, not the whole plan). A single day that still has
    ``cap`` or more results cannot be split further: it is yielded anyway and
    reported through ``on_oversize`` so the loss is visible, never a crash.
    Probes are bounded: at most two per day of the range.
    """
    if start > end:
        raise ValueError(f"empty date range {start}..{end}")
    stack = [(start, end)]
    while stack:
        lo, hi = stack.pop()
        total, payload = probe(lo, hi)
        if total >= cap and lo < hi:
            mid = lo + timedelta(days=(hi - lo).days // 2)
            stack.append((mid + timedelta(days=1), hi))
            stack.append((lo, mid))
            continue
        if total >= cap and on_oversize is not None:
            on_oversize(lo, total)
        yield DateSlice(lo, hi, total, payload)
