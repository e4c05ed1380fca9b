"""What a dataset build is asked for, and the per-pair filters that follow from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import Pair
from .rows import DEFAULT_SHARD_SIZE, license_label
from .splits import normalize_ratios

__all__ = ["NUM_PERM", "DatasetSettings", "removal"]

NUM_PERM = 128


@dataclass(frozen=True)
class DatasetSettings:
    """The knobs of a build (the job's flags map onto the first seven).

    ``licenses``: an allow-list of SPDX ids (case-insensitive; ``"unknown"`` admits
    pairs whose repository has no license); None keeps every pair and labels it.
    ``sources``: the pair sources kept (``user``, ``library``, ``test``).
    ``near_dup_threshold``: Jaccard similarity of the output shingles; None turns
    near-duplicate detection off. ``runnable_only``: keep only pairs whose scene ran.
    ``allow_shrink=False``: publish nothing when the new dataset would be empty or
    have less than half the rows of the one already in the output.
    ``sticky_splits``: keep the split of every repository the previous build placed.
    ``extra_stats``: copied into stats.json (must be deterministic).
    """

    split_ratios: Sequence[float] = (0.8, 0.1, 0.1)
    licenses: frozenset[str] | None = None
    near_dup_threshold: float | None = 0.85
    sources: frozenset[str] = frozenset({"user"})
    allow_shrink: bool = True
    runnable_only: bool = False
    near_dup_scope: str = "all"
    seed: str = "manim"
    shard_size: int = DEFAULT_SHARD_SIZE
    num_perm: int = NUM_PERM
    sticky_splits: bool = True
    extra_stats: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.shard_size < 1:
            raise ValueError("shard_size must be positive")
        if self.near_dup_scope not in ("cross_repo", "all"):
            raise ValueError("near_dup_scope must be 'cross_repo' or 'all'")
        if self.near_dup_threshold is not None and not 0.0 < self.near_dup_threshold <= 1.0:
            raise ValueError("near_dup_threshold must be in (0, 1]")
        object.__setattr__(self, "split_ratios", normalize_ratios(self.split_ratios))
        allow = None if self.licenses is None else frozenset(x.casefold() for x in self.licenses)
        object.__setattr__(self, "_allow", allow)

    @property
    def allow(self) -> frozenset[str] | None:
        """The license allow-list, case-folded (None: every license)."""
        return self._allow  # type: ignore[attr-defined]


def removal(p: Pair, settings: DatasetSettings) -> tuple[str, str] | None:
    """Why the build leaves ``p`` out before any de-duplication, or None to keep it:
    ``("not_runnable", "")``, ``("license", label)`` or ``("source", source)``.

    The license allow-list comes before de-duplication, so that a duplicate is never
    lost because its "first" copy lived in a repository whose license is not allowed.
    """
    if settings.runnable_only and p.exec_status != "ok":
        return ("not_runnable", "")
    allow = settings.allow
    label = license_label(p.license)
    if allow is not None and label.casefold() not in allow:
        return ("license", label)
    if p.source not in settings.sources:
        return ("source", p.source)
    return None
