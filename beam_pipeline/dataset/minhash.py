"""Near-duplicate candidates: shingles of code tokens, MinHash signatures, LSH bands.

Outputs are compared as sets of shingles of 5 code tokens (comments and layout
ignored, a string literal is one token). Outputs with the *same* shingle set
(Jaccard 1) are joined by a digest of the set, without MinHash: this keeps very
common snippets (``self.wait()``) from flooding LSH buckets with O(n^2) checks.
Each distinct shingle set gets one MinHash signature (datasketch's permutations,
built once per `MinHasher`); its LSH bands (``b`` bands of ``r`` values, the
parameters datasketch's `MinHashLSH` picks for the threshold) are the keys of
candidate buckets, and a candidate pair is an edge only when the estimated
Jaccard similarity reaches the threshold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

__all__ = [
    "MINHASH_SEED",
    "SHINGLE_TOKENS",
    "MinHasher",
    "band_keys",
    "code_tokens",
    "digest_of",
    "lsh_params",
    "shingle_digest",
    "shingles",
    "similar_pairs",
]

SHINGLE_TOKENS = 5
MINHASH_SEED = 1

# Python code tokens for near-duplicate detection: comments skipped, a string literal is one
# token, layout ignored. A regex rather than `tokenize`: several times faster, and it never
# gives up on a fragment that does not tokenize (an unterminated string, a stray dedent).
_CODE_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>[rRbBuUfF]{0,2}
        (?:\"\"\"[\s\S]*?\"\"\" | '''[\s\S]*?''' | "(?:[^"\\\n]++|\\.)*+" | '(?:[^'\\\n]++|\\.)*+'))
    | (?P<name>[^\W\d]\w*)
    | (?P<number>\d[\w.]*)
    | (?P<op>\*\*=? | //=? | -> | <<=? | >>=? | [-+*/%&|^@<>=!:]= | \S)
    """,
    re.VERBOSE,
)


# The same alternatives without groups: `findall` gives whole tokens, and a token that
# starts with "#" can only be a comment (the first alternative).
_TOKEN = re.compile(re.sub(r"\(\?P<\w+>", "(?:", _CODE_TOKEN.pattern), re.VERBOSE)


def code_tokens(code: str) -> list[str]:
    return [t for t in _TOKEN.findall(code) if t[0] != "#"]


def shingles(code: str) -> frozenset[bytes]:
    """Every run of SHINGLE_TOKENS consecutive code tokens (all of them when fewer),
    joined by \\x1f, as UTF-8 bytes."""
    tokens = [t.encode("utf-8", "surrogatepass") for t in code_tokens(code)]
    if not tokens:
        return frozenset()
    k = min(SHINGLE_TOKENS, len(tokens))
    # the i-th of k shifted copies: zip stops at the shortest, the last full window
    return frozenset(map(b"\x1f".join, zip(*(tokens[i:] for i in range(k)), strict=False)))


def digest_of(shingle_set: frozenset[bytes]) -> bytes:
    """The identity of a shingle set."""
    return hashlib.sha1(b"\n".join(sorted(shingle_set))).digest()


def shingle_digest(code: str) -> bytes | None:
    """The identity of the output's shingle set (None when it has no code token)."""
    found = shingles(code)
    return digest_of(found) if found else None


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band): what datasketch's MinHashLSH would use for ``threshold``.

    Unlike MinHashLSH itself this accepts one band (thresholds near 1), which
    makes a candidate of two signatures equal in their first ``r`` values.
    """
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


class MinHasher:
    """MinHash signatures with one set of permutations (built once: it is the slow part)."""

    def __init__(self, num_perm: int, seed: int = MINHASH_SEED) -> None:
        from datasketch import MinHash

        self._template = MinHash(num_perm=num_perm, seed=seed)

    def signature(self, shingle_set: Iterable[bytes]) -> np.ndarray:
        m = self._template.copy()
        m.update_batch(shingle_set)
        return m.hashvalues


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """The LSH bucket of each band: the band's number and its values, as bytes."""
    return [
        bytes([b % 256, b // 256]) + signature[b * rows : (b + 1) * rows].tobytes()
        for b in range(bands)
    ]


def similar_pairs(
    members: Sequence[tuple[bytes, np.ndarray]], threshold: float
) -> Iterator[tuple[bytes, bytes]]:
    """The pairs ``(a, b)``, ``a < b``, of one LSH bucket whose signatures agree in at
    least ``threshold`` of their values (datasketch's Jaccard estimate, to the bit)."""
    ordered = sorted(members, key=lambda m: m[0])
    if len(ordered) < 2:
        return
    names = [name for name, _ in ordered]
    sigs = np.stack([sig for _, sig in ordered])
    width = float(sigs.shape[1])
    for i in range(len(ordered) - 1):
        agree = np.count_nonzero(sigs[i + 1 :] == sigs[i], axis=1)
        for j in np.nonzero(agree.astype(np.float64) / width >= threshold)[0]:
            yield names[i], names[i + 1 + int(j)]
