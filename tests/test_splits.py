"""Repository-level splits that hold close to their share of rows (pure, no Beam)."""

from __future__ import annotations

import random

import pytest

from beam_pipeline.dataset.splits import SPLITS, assign_splits, split_shares_note

# Rows per repository of a real crawl of 14 public Manim repositories (heavy-tailed: one
# repository holds most rows), where hashing names into splits gave 96 / 2.5 / 1.4 %.
REAL_CRAWL = [9120, 3410, 2210, 1290, 880, 610, 330, 240, 180, 120, 90, 60, 40, 20]


def _shares(counts, assignment):
    total = sum(sum(c.values()) for c in counts.values())
    return {s: sum(sum(counts[r].values()) for r in counts if assignment[r] == s) / total
            for s in SPLITS}


def _counts(sizes, flavors=("manimce",)):
    return {f"owner{i:02d}/repo": {flavors[i % len(flavors)]: n} for i, n in enumerate(sizes)}


def test_heavy_tailed_crawl_gets_usable_evaluation_splits():
    counts = _counts(REAL_CRAWL)
    shares = _shares(counts, assign_splits(counts))
    assert 0.05 <= shares["validation"] <= 0.15, shares
    assert 0.05 <= shares["test"] <= 0.15, shares
    assert shares["train"] >= 0.7


@pytest.mark.parametrize("seed", range(20))
def test_random_corpora_of_ten_or_more_repositories(seed):
    rng = random.Random(seed)
    sizes = [int(rng.paretovariate(1.1) * 30) for _ in range(rng.randint(10, 60))]
    counts = _counts(sizes, ("manimce", "manimgl", "both"))
    total = sum(sizes)
    largest = max(sizes)
    assignment = assign_splits(counts)
    shares = _shares(counts, assignment)
    for split in ("validation", "test"):
        assert shares[split] > 0, (sizes, shares)
        if largest <= 0.5 * total:  # else one repository is most of the corpus
            assert 0.05 <= shares[split] <= 0.15, (sizes, shares)
    assert set(assignment) == set(counts)


def test_flavors_are_stratified():
    # Two dialects of similar weight: each split gets both, close to the corpus mix.
    sizes = [400, 300, 200, 150, 120, 100, 80, 60, 50, 40, 30, 20] * 2
    counts = _counts(sizes, ("manimce", "manimgl"))
    assignment = assign_splits(counts)
    for split in ("validation", "test"):
        flavors = {f for r, c in counts.items() if assignment[r] == split for f in c}
        assert flavors == {"manimce", "manimgl"}, (split, flavors)


def test_deterministic_and_independent_of_order():
    counts = _counts(REAL_CRAWL, ("manimce", "manimgl"))
    reversed_counts = dict(reversed(list(counts.items())))
    assert assign_splits(counts) == assign_splits(reversed_counts)
    # equal sizes: ties broken by the seed, not by order
    equal = _counts([10] * 30)
    assert assign_splits(equal, seed="a") == assign_splits(dict(reversed(list(equal.items()))), seed="a")
    assert assign_splits(equal, seed="a") != assign_splits(equal, seed="b")


def test_previous_placements_are_kept_and_new_repositories_fill_the_gaps():
    counts = _counts(REAL_CRAWL)
    first = assign_splits(counts)
    grown = {**counts, **{f"new{i}/repo": {"manimgl": n} for i, n in enumerate([500, 300, 90])}}
    second = assign_splits(grown, previous=first)
    assert all(second[r] == first[r] for r in counts)  # nothing moves between splits
    assert {second[f"new{i}/repo"] for i in range(3)} <= set(SPLITS)
    # a placement in a split that now has no share is not kept
    moved = assign_splits(counts, ratios=(0.9, 0.1, 0.0), previous=first)
    assert "test" not in moved.values()


def test_small_corpus_says_which_split_is_empty():
    counts = _counts([100, 5])
    assignment = assign_splits(counts)
    rows = {s: sum(sum(counts[r].values()) for r in counts if assignment[r] == s) for s in SPLITS}
    note = split_shares_note(rows, (0.8, 0.1, 0.1))
    assert note is not None and "empty" in note
    assert split_shares_note({"train": 8, "validation": 1, "test": 1}, (0.8, 0.1, 0.1)) is None
    assert split_shares_note({"train": 8, "validation": 0, "test": 0}, (1, 0, 0)) is None


def test_zero_ratio_splits_stay_empty():
    counts = _counts(REAL_CRAWL)
    assert set(assign_splits(counts, ratios=(0.9, 0.1, 0.0)).values()) == {"train", "validation"}
    with pytest.raises(ValueError):
        assign_splits(counts, ratios=(1, 1))
