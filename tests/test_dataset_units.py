"""The plain-Python pieces of the dataset stage (no Beam): what makes partial results merge
into the answer of one pass, and what makes LSH candidates datasketch's."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from beam_pipeline.dataset.clusters import UnionFind
from beam_pipeline.dataset.dedup import content_key, duplicate_copies
from beam_pipeline.dataset.minhash import (
    MinHasher,
    band_keys,
    lsh_params,
    shingle_digest,
    shingles,
    similar_pairs,
)
from beam_pipeline.dataset.state import PairsDigest
from beam_pipeline.dataset.stats import distribution
from beam_pipeline.records import Pair

ROOT = Path(__file__).resolve().parents[1] / "beam_pipeline"


def test_no_step_of_the_dataset_stage_gathers_a_whole_collection():
    files = [*sorted((ROOT / "dataset").glob("*.py")), ROOT / "transforms" / "dataset.py",
             ROOT / "transforms" / "write.py"]
    gather = re.compile(r"\b(ToList|AsList|AsIter|AsDict|ToDict|ToSet)\b")
    found = [f"{f.name}: {m.group()}" for f in files for m in gather.finditer(f.read_text())]
    assert found == []


def test_union_find_components_do_not_depend_on_edge_order_or_partition():
    rng = random.Random(7)
    edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(250)]
    whole = UnionFind().add_edges(edges).roots()
    for _ in range(5):
        rng.shuffle(edges)
        cut = sorted(rng.sample(range(len(edges)), 4))
        bounds = zip([0, *cut], [*cut, len(edges)], strict=True)
        parts = [UnionFind().add_edges(edges[a:b]) for a, b in bounds]
        merged = parts[0]
        for part in parts[1:]:
            merged.merge(part)
        assert merged.roots() == whole
    # every root is the smallest member of its component
    members: dict[int, set[int]] = {}
    for node, root in whole.items():
        members.setdefault(root, set()).add(node)
    assert all(root == min(nodes) for root, nodes in members.items())


def _pair(k: int) -> Pair:
    return Pair(f"in {k}", f"x = {k}", "comment", f"o/r{k % 3}", "a.py", "c" * 40, "b" * 40,
                k, k, "manimce", "MIT")


def test_pairs_digest_is_a_multiset_hash():
    pairs = [_pair(k) for k in range(40)]
    whole = PairsDigest()
    for p in pairs:
        whole.add(p)
    halves = [PairsDigest(), PairsDigest()]
    for i, p in enumerate(reversed(pairs)):
        halves[i % 2].add(p)
    merged = halves[1].merge(halves[0])
    assert (merged.count, merged.total) == (whole.count, whole.total)
    twice = PairsDigest()
    for p in [*pairs, pairs[0]]:
        twice.add(p)
    assert twice.total != whole.total  # a pair seen twice is not a pair seen once
    other = PairsDigest()
    for p in [*pairs[:-1], _pair(99)]:
        other.add(p)
    assert other.total != whole.total


def test_distribution_from_value_counts_is_the_nearest_rank_of_the_values():
    rng = random.Random(3)
    for n in (1, 2, 7, 100, 1001):
        values = [rng.choice([1, 2, 3, 5, 8, 13, 400, 10_000]) for _ in range(n)]
        got = distribution(Counter(values), (1, 2, 5, 10, 100))
        s = sorted(values)
        for p in (50, 90, 99):
            assert got[f"p{p}"] == s[max(1, math.ceil(p / 100 * n)) - 1]
        assert (got["min"], got["max"], got["mean"]) == (s[0], s[-1], round(sum(s) / n, 2))
        assert sum(got["histogram"].values()) == n
    assert distribution(Counter(), (1, 2))["histogram"] == {"1": 0, "2": 0, "3+": 0}


def test_exact_duplicate_keys():
    a = _pair(1)
    assert content_key(a) == content_key(Pair(**{**a.to_json(), "repo": "z/z", "start_line": 9}))
    # the split between input and output is part of the key
    assert content_key(Pair(**{**a.to_json(), "input": "ab", "output": "c"})) != content_key(
        Pair(**{**a.to_json(), "input": "a", "output": "bc"}))
    assert duplicate_copies([("b/r", "x.py"), ("a/r", "y.py"), ("b/r", "x.py")]) == [("b/r", "x.py")]
    assert duplicate_copies([("a/r", "y.py")]) == []


def test_shingle_sets_ignore_comments_and_layout():
    code = "self.play(FadeIn(title), run_time=2)\nself.wait()"
    assert shingle_digest(code) == shingle_digest("# pause\n" + code.replace("\n", "\n\n"))
    assert shingle_digest(code) != shingle_digest(code.replace("2", "3"))
    assert shingle_digest("# only a comment") is None


@pytest.mark.parametrize("threshold", [0.5, 0.85, 0.95])
def test_lsh_candidates_and_checks_are_datasketchs(threshold):
    from datasketch import MinHash, MinHashLSH

    rng = random.Random(11)
    words = [f"w{k}" for k in range(60)]
    docs = []
    for _ in range(40):  # families of similar token sequences
        base = rng.sample(words, 30)
        for _ in range(3):
            doc = list(base)
            for _ in range(rng.randrange(4)):
                doc[rng.randrange(len(doc))] = rng.choice(words)
            docs.append(" ".join(doc))
    sets = [shingles(d) for d in docs]
    names = [f"{k:03d}".encode() for k in range(len(docs))]
    hasher = MinHasher(128)
    sigs = [hasher.signature(s) for s in sets]

    # datasketch: query each against those inserted before, check the estimate
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    reference = MinHash.bulk(sets, num_perm=128, seed=1)
    want = set()
    for i, mh in enumerate(reference):
        assert np.array_equal(mh.hashvalues, sigs[i])
        for j in lsh.query(mh):
            if mh.jaccard(reference[j]) >= threshold:
                want.add((names[j], names[i]))
        lsh.insert(i, mh)

    bands, rows = lsh_params(threshold, 128)
    assert (bands, rows) == (lsh.b, lsh.r)
    buckets: dict[bytes, list] = {}
    for name, sig in zip(names, sigs, strict=True):
        for key in band_keys(sig, bands, rows):
            buckets.setdefault(key, []).append((name, sig))
    got = {edge for members in buckets.values() for edge in similar_pairs(members, threshold)}
    assert got == want and got


def test_one_band_for_thresholds_near_one():
    bands, rows = lsh_params(0.99, 128)
    assert bands == 1 and rows <= 128


def test_code_tokens_and_shingles_are_those_of_the_named_group_tokenizer():
    """findall over the group-less pattern gives what finditer over the named groups
    gave (the serial build's tokenizer), on every file of the sample corpus."""
    from beam_pipeline.dataset.minhash import _CODE_TOKEN, SHINGLE_TOKENS, code_tokens

    def reference_tokens(code: str) -> list[str]:
        return [m.group() for m in _CODE_TOKEN.finditer(code) if m.lastgroup != "comment"]

    def reference_shingles(code: str) -> frozenset[bytes]:
        tokens = reference_tokens(code)
        k = min(SHINGLE_TOKENS, len(tokens))
        return frozenset("\x1f".join(tokens[i:i + k]).encode("utf-8", "surrogatepass")
                         for i in range(len(tokens) - k + 1)) if tokens else frozenset()

    texts = [f.read_bytes().decode("utf-8", "surrogateescape")
             for f in sorted((ROOT / "sample_corpus").rglob("*.py"))]
    texts += ["", "# only", "x", "a = '#'  # c", 'f"{x}#" + r"\\d"', "\ud800 = 1", "'''open"]
    assert len(texts) > 60
    for text in texts:
        assert code_tokens(text) == reference_tokens(text)
        for line in text.splitlines()[:40]:
            assert shingles(line) == reference_shingles(line)
        assert shingles(text) == reference_shingles(text)
