"""What dataset/ was built from (state/dataset.json): a rerun with the same inputs keeps it.

The inputs are the pairs, the settings, the skip counts and the code that builds
the dataset. The pairs are hashed as a multiset: the sum, modulo 2**256, of the
SHA-256 of every pair's fields, plus their count. A sum does not depend on the
order of the pairs nor on how they were split between workers, so partial digests
combine in any order to the one value a single pass would give (and, unlike a XOR,
a pair seen twice is not a pair unseen).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from ..layout import dataset_dir, dataset_state_path, dataset_stats_path
from ..records import Pair
from ..resultcache import module_files
from ..storage import list_files, read_bytes, write_if_changed

__all__ = [
    "CODE_MODULES",
    "PairsDigest",
    "inputs_digest",
    "record_dataset",
    "unchanged_dataset",
]

# The code whose change must rebuild the dataset (every module of a package).
CODE_MODULES = ("beam_pipeline.dataset", "beam_pipeline.transforms.dataset")
_MOD = 1 << 256
_FIELDS = tuple(f.name for f in dataclasses.fields(Pair))


class PairsDigest:
    """A multiset hash of pairs (count and sum of SHA-256 values), mergeable."""

    def __init__(self, count: int = 0, total: int = 0) -> None:
        self.count, self.total = count, total

    def add(self, p: Pair) -> PairsDigest:
        # repr of a tuple of strings, numbers and None: the same in every process
        text = repr(tuple(getattr(p, name) for name in _FIELDS))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        self.count += 1
        self.total = (self.total + int.from_bytes(digest, "big")) % _MOD
        return self

    def merge(self, other: PairsDigest) -> PairsDigest:
        self.count += other.count
        self.total = (self.total + other.total) % _MOD
        return self


def _canonical(value: Any) -> Any:
    """JSON-ready and the same in every process (sets sorted, dataclasses as dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def inputs_digest(pairs: PairsDigest, settings: Any, skipped: Any) -> str:
    """The digest of everything the dataset is built from: its code (every source file
    of `CODE_MODULES`), the package version, the settings, the skip counts, the pairs."""
    from .. import __version__

    digest = hashlib.sha256(f"{__version__}\0".encode())
    for module in CODE_MODULES:
        for path in module_files(module):
            with open(path, "rb") as f:
                digest.update(f.read())
    digest.update(json.dumps([_canonical(settings), _canonical(skipped)], sort_keys=True).encode())
    digest.update(f"{pairs.count}\0{pairs.total:064x}".encode())
    return digest.hexdigest()


def _dataset_files(output: str) -> dict[str, str]:
    """relative path -> sha256 of every file of <output>/dataset/."""
    root = dataset_dir(output)
    out: dict[str, str] = {}
    for path in list_files(root):
        data = read_bytes(path)
        if data is not None:
            out[path[len(root):].lstrip("/\\")] = hashlib.sha256(data).hexdigest()
    return out


def unchanged_dataset(output: str, inputs: str) -> dict | None:
    """The statistics of the dataset in ``output`` if it was built from ``inputs``
    and is intact (every file as written, none added or removed); else None."""
    try:
        record = json.loads(read_bytes(dataset_state_path(output)) or b"null")
        if not isinstance(record, dict) or record.get("inputs") != inputs:
            return None
        if record.get("files") != _dataset_files(output):
            return None
        stats = json.loads(read_bytes(dataset_stats_path(output)) or b"null")
    except (OSError, ValueError):
        return None
    return stats if isinstance(stats, dict) else None


def record_dataset(output: str, inputs: str) -> None:
    """Remember what the dataset now in ``output`` was built from."""
    body = {"inputs": inputs, "files": _dataset_files(output)}
    write_if_changed(dataset_state_path(output),
                     json.dumps(body, sort_keys=True, indent=1).encode())
