"""Git object helpers: blob ids and a small LRU of fetched blobs."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

__all__ = ["BlobCache", "git_blob_sha"]


def git_blob_sha(data: bytes) -> str:
    """The id git gives ``data`` as a blob: lets us verify downloads and de-duplicate."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


class BlobCache:
    """Least-recently-used blobs by sha, bounded in bytes.

    Vendored copies and forks of the same examples share blobs; keeping recent
    ones means each is fetched once per worker instead of once per repository.
    """

    def __init__(self, max_bytes: int, max_item_bytes: int | None = None) -> None:
        self.max_bytes = max(0, max_bytes)
        # One big blob must not flush everything else out.
        self.max_item_bytes = self.max_bytes // 16 if max_item_bytes is None else max_item_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def get(self, sha: str) -> bytes | None:
        with self._lock:
            data = self._items.get(sha)
            if data is not None:
                self._items.move_to_end(sha)
            return data

    def put(self, sha: str, data: bytes) -> None:
        if len(data) > min(self.max_item_bytes, self.max_bytes):
            return
        with self._lock:
            old = self._items.pop(sha, None)
            if old is not None:
                self._size -= len(old)
            self._items[sha] = data
            self._size += len(data)
            while self._size > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted)
