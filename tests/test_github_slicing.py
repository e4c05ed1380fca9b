"""Date-range bisection of searches, with a fake search function (no HTTP)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from beam_pipeline.github import SEARCH_RESULT_CAP, build_query, iter_date_slices


def fake_index(n: int, start: date, days: int, seed: int = 7, skew: bool = False) -> list[date]:
    rng = random.Random(seed)
    if skew:  # most repositories are recent, as on GitHub
        return [start + timedelta(days=int(days * rng.random() ** 0.3)) for _ in range(n)]
    return [start + timedelta(days=rng.randrange(days)) for _ in range(n)]


def run(created: list[date], start: date, end: date):
    probes: list[tuple[date, date]] = []
    oversize: list[tuple[date, int]] = []

    def probe(lo: date, hi: date) -> tuple[int, list[int]]:
        probes.append((lo, hi))
        hits = [i for i, d in enumerate(created) if lo <= d <= hi]
        return len(hits), hits  # the payload: what the first pages would read

    slices = list(iter_date_slices(probe, start, end, on_oversize=lambda d, n: oversize.append((d, n))))
    return slices, probes, oversize


@pytest.mark.parametrize("skew", [False, True])
def test_five_thousand_repos_over_ten_years_each_read_exactly_once(skew):
    start, end = date(2015, 1, 1), date(2024, 12, 31)
    created = fake_index(5000, start, (end - start).days + 1, skew=skew)
    slices, probes, oversize = run(created, start, end)
    assert oversize == []
    assert all(s.total < SEARCH_RESULT_CAP for s in slices)
    seen = Counter(i for s in slices for i in s.payload)
    assert len(seen) == 5000 and set(seen.values()) == {1}
    # The slices tile the range: in order, no gap, no overlap.
    assert slices[0].start == start and slices[-1].end == end
    for a, b in zip(slices, slices[1:], strict=False):
        assert b.start == a.end + timedelta(days=1)
    assert len(probes) == 2 * len(slices) - 1  # a binary tree: every split costs one probe


def test_a_day_over_the_cap_is_kept_and_reported():
    created = [date(2023, 5, 5)] * 1500 + [date(2023, 5, 6)] * 20 + [date(2023, 5, 1)] * 3
    slices, _, oversize = run(created, date(2023, 5, 1), date(2023, 5, 31))
    assert oversize == [(date(2023, 5, 5), 1500)]
    assert sum(s.total for s in slices) == len(created)
    day = [s for s in slices if s.start == s.end == date(2023, 5, 5)]
    assert len(day) == 1


def test_small_and_empty_ranges():
    slices, probes, _ = run([date(2020, 1, 1)] * 10, date(2020, 1, 1), date(2020, 1, 1))
    assert [(s.total, len(probes)) for s in slices] == [(10, 1)]
    slices, _, _ = run([], date(2020, 1, 1), date(2021, 1, 1))
    assert [s.total for s in slices] == [0]
    with pytest.raises(ValueError):
        list(iter_date_slices(lambda a, b: (0, None), date(2021, 1, 1), date(2020, 1, 1)))


def test_build_query():
    assert build_query("manim", None, None, False) == "manim"
    assert build_query("manim", date(2019, 1, 1), date(2019, 6, 30), False) == "manim created:2019-01-01..2019-06-30"
    assert build_query(" manim ", date(2019, 1, 1), None, True) == "manim created:2019-01-01..* fork:true"
