"""Claim checks: a crawled file's bytes live in raw/ and are read back from there.

FetchAndUploadRaw stores each file once (`crawl.fetch_files`) and passes on a
`SourceFile`, a reference: repository, commit, path, blob id, size and how the
bytes decode (`describe`, found once). A step that needs the text reads the bytes
back (`read_source`: from the process's blob cache when they are still there,
else from ``raw/`` through `storage`, local or ``gs://``), checks them against the
blob id, and decodes them in the encoding already found (`source_text`). So file
contents never travel through a shuffle, and what a runner buffers between
stages does not grow with the size of the files.
"""

from __future__ import annotations

from .github.blobs import git_blob_sha
from .layout import raw_path
from .records import SourceFile
from .sourcetext import decode_as, decode_source
from .storage import read_bytes

__all__ = ["RawMissing", "describe", "read_source", "source_text"]


class RawMissing(Exception):
    """The stored copy of a file is gone, or no longer the bytes of its blob."""


def describe(data: bytes) -> tuple[str, str | None]:
    """(encoding of the exact text, why there is none): what a SourceFile carries."""
    decoded = decode_source(data)
    return decoded.encoding, decoded.reason


def read_source(output: str, f: SourceFile, blobs=None) -> bytes:
    """The bytes of ``f``, checked against its blob id; RawMissing when raw/ has
    them no more. ``blobs``: a `github.BlobCache` of this process, tried first."""
    data = blobs.get(f.blob) if blobs is not None else None
    if data is not None:
        return data
    data = read_bytes(raw_path(output, f.repo.full_name, f.path))
    if data is None:
        raise RawMissing("no copy in raw/")
    if git_blob_sha(data) != f.blob:
        raise RawMissing("the copy in raw/ is not the blob listed (changed since the fetch)")
    return data


def source_text(f: SourceFile, data: bytes) -> str | None:
    """The exact text of ``f`` (bytes from `read_source`), or None when it has none."""
    if f.not_text is not None:
        return None
    return decode_as(data, f.encoding)
