"""Train/validation/test by repository, each split holding close to its share of rows.

Splitting by repository keeps a project's files (and every near-duplicate kept
inside it) on one side, so no repository leaks from train into evaluation.
Hashing repository names into splits does that but not the shares: repository
sizes are heavy-tailed, and on a real crawl a hash gave 96/2.5/1.4 % instead
of 80/10/10, each evaluation split one unrepresentative repository.

`assign_splits` places repositories greedily, largest first, each where it most
reduces the squared distance of every split from its target: for all rows, and
for the rows of each flavor (ManimCE, ManimGL, both), so each split has close
to the corpus' mix of dialects. Ties are broken by a hash of the seed and the
name: the result depends only on the counts, never on input order.

Repositories that a previous build placed keep their split (``previous``), so a
new crawl never moves a repository between train and evaluation; only new ones
are placed, in the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

__all__ = [
    "SPLITS",
    "assign_splits",
    "normalize_ratios",
    "previous_splits",
    "split_shares_note",
]

SPLITS = ("train", "validation", "test")


def normalize_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    if len(ratios) != len(SPLITS) or any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise ValueError(f"split_ratios must be 3 non-negative numbers, got {ratios!r}")
    total = float(sum(ratios))
    a, b, c = (float(r) / total for r in ratios)
    return a, b, c


def _tiebreak(seed: str, repo: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{repo}".encode("utf-8", "surrogatepass")).digest()


def assign_splits(
    counts: Mapping[str, Mapping[str, int]],
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
    seed: str = "manim",
    previous: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """repository -> split, from each repository's rows per stratum (flavor).

    ``counts``: repository -> {stratum: rows}. ``previous``: placements to keep
    (splits with a zero ratio are not kept).
    """
    norm = dict(zip(SPLITS, normalize_ratios(ratios), strict=True))
    open_splits = [s for s in SPLITS if norm[s] > 0]
    strata = sorted({k for c in counts.values() for k in c})
    totals = {k: sum(c.get(k, 0) for c in counts.values()) for k in strata}
    grand = sum(totals.values())
    # have[s][key]: rows placed in split s, overall ("") and per stratum
    have = {s: dict.fromkeys(["", *strata], 0) for s in SPLITS}
    target = {
        s: {"": norm[s] * grand, **{k: norm[s] * totals[k] for k in strata}} for s in SPLITS
    }

    def place(repo: str, split: str) -> None:
        rows = counts[repo]
        have[split][""] += sum(rows.values())
        for k, n in rows.items():
            have[split][k] += n
        out[repo] = split

    out: dict[str, str] = {}
    for repo in sorted(counts):
        prev = (previous or {}).get(repo)
        if prev in open_splits:
            place(repo, prev)
    rest = [r for r in counts if r not in out]
    rest.sort(key=lambda r: (-sum(counts[r].values()), _tiebreak(seed, r)))
    for repo in rest:
        rows = counts[repo]
        vector = {"": sum(rows.values()), **rows}

        def cost(split: str, vector=vector) -> float:
            # growth of sum((have - target)^2) if the repository went to ``split``
            return sum(
                v * v + 2 * v * (have[split][k] - target[split][k]) for k, v in vector.items()
            )

        place(repo, min(open_splits, key=lambda s: (cost(s), SPLITS.index(s))))
    return out


def split_shares_note(rows: Mapping[str, int], ratios: Sequence[float]) -> str | None:
    """A sentence when a split with a share is empty (the corpus is too small), else None."""
    norm = dict(zip(SPLITS, normalize_ratios(ratios), strict=True))
    empty = [s for s in SPLITS if norm[s] > 0 and not rows.get(s)]
    if not empty or not sum(rows.values()):
        return None
    return (
        f"The corpus has too few repositories for every split: {', '.join(empty)} "
        f"{'is' if len(empty) == 1 else 'are'} empty (splits are whole repositories)."
    )


def previous_splits(output_dir: str, ratios: Sequence[float], seed: str) -> dict[str, str]:
    """The repository -> split table of the dataset already in ``output_dir`` (its
    dataset/stats.json), if it was made with the same ratios and seed; else empty."""
    from ..layout import dataset_stats_path
    from ..storage import read_bytes

    try:
        data = read_bytes(dataset_stats_path(output_dir))
        if data is None:
            return {}
        split = json.loads(data).get("split", {})
        table = split.get("assignment", {})
        same = split.get("ratios") == list(ratios) and split.get("seed") == seed
    except (OSError, ValueError, AttributeError):
        return {}
    if not same or not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if v in SPLITS}
