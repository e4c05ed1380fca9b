"""File I/O through Beam's FileSystems, so a local folder and gs:// behave alike.

Writes are whole or absent: a local file is written under a temporary name in
the same folder and renamed into place (atomic on POSIX), a GCS object is only
visible once its upload completes. A file whose bytes are already what we would
write is left alone, which makes reruns idempotent and cheap.
"""

from __future__ import annotations

import os
import re
import uuid

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

__all__ = [
    "TMP_MARKER",
    "is_remote",
    "join",
    "list_files",
    "read_bytes",
    "remove_stale_temps",
    "write_atomic",
    "write_if_changed",
]

# Temporary files carry this in their name; a crashed run may leave some behind,
# and nothing reading the output treats them as data.
TMP_MARKER = ".tmp-"
_RAW = CompressionTypes.UNCOMPRESSED
# The name write_atomic gives a temporary file: ".<name>.tmp-<pid>-<hex>".
_TMP_NAME = re.compile(r"^\..+" + re.escape(TMP_MARKER) + r"(\d{1,10})-[0-9a-f]+$")


def is_remote(path: str) -> bool:
    return "://" in path


def join(base: str, *parts: str) -> str:
    """Join path parts with '/' for URIs and os.path for local paths."""
    if is_remote(base):
        return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])
    return os.path.join(base, *parts)


def read_bytes(path: str) -> bytes | None:
    """The whole file, or None when it does not exist."""
    if not is_remote(path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path, compression_type=_RAW) as f:
        return f.read()


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` so that readers see the old file or the new one, never half."""
    if is_remote(path):
        with FileSystems.create(path, compression_type=_RAW) as f:
            f.write(data)
        return
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}{TMP_MARKER}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        try:
            f = open(tmp, "xb")  # noqa: SIM115 - closed below, before the rename
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            f = open(tmp, "xb")  # noqa: SIM115
        with f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_if_changed(path: str, data: bytes) -> bool:
    """Write unless the file already holds exactly `data`; True when written."""
    if read_bytes(path) == data:
        return False
    write_atomic(path, data)
    return True


def list_files(prefix: str) -> list[str]:
    """Every file below a folder or URI prefix, sorted; temporary files left out."""
    if is_remote(prefix):
        pattern = prefix.rstrip("/") + "/**"
        found = [m.path for r in FileSystems.match([pattern]) for m in r.metadata_list]
    else:
        found = [
            os.path.join(root, f)
            for root, _dirs, files in os.walk(prefix)
            for f in files
        ]
    return sorted(p for p in found if TMP_MARKER not in os.path.basename(p))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # EPERM: alive, someone else's; other: keep the file
        return True
    return True


def remove_stale_temps(root: str) -> int:
    """Delete the temporary files that killed runs left below a local folder; how many.

    A temporary file of `write_atomic` names the process writing it, and is
    stale once that process is gone: files of live processes (this one
    included) are kept, so this is safe while writes are under way. Object
    stores have no temporary files (an object appears when its upload
    completes), so a URI is left alone.
    """
    if is_remote(root):
        return 0
    removed = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            m = _TMP_NAME.match(name)
            if m is None or _pid_alive(int(m.group(1))):
                continue
            try:
                os.unlink(os.path.join(folder, name))
                removed += 1
            except FileNotFoundError:  # another cleaner got there first
                pass
    return removed
