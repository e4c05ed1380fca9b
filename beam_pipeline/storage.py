"""File I/O through Beam's FileSystems, so a local folder and gs:// behave alike.

The one module every writer of the output (and of the DVC snapshot) goes
through. Writes are whole or absent: a local file is written under a temporary
name in the same folder and renamed into place (atomic on POSIX), a GCS object
is only visible once its upload completes. A file whose bytes are already what
we would write is left alone, which makes reruns idempotent and cheap.

One temporary-file scheme (`temp_path`): ``.<name>.tmp-<pid>-<8 hex>`` beside
the target. Readers skip such names (`is_temp`); a killed run's leftovers are
recognised by their process id and removed before the next run starts
(`remove_stale_temps`, from the command line's pre-run checks, so it never races
a writer).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

__all__ = [
    "TMP_MARKER",
    "copy_atomic",
    "file_sizes",
    "is_remote",
    "is_temp",
    "join",
    "list_files",
    "read_bytes",
    "remove_stale_temps",
    "same_bytes",
    "temp_path",
    "write_atomic",
    "write_if_changed",
]

# Temporary files carry this in their name; a crashed run may leave some behind,
# and nothing reading the output treats them as data.
TMP_MARKER = ".tmp-"
_RAW = CompressionTypes.UNCOMPRESSED
_CHUNK = 1 << 20
# The name write_atomic gives a temporary file: ".<name>.tmp-<pid>-<hex>".
_TMP_NAME = re.compile(r"^\..+" + re.escape(TMP_MARKER) + r"(\d{1,10})-[0-9a-f]+$")


def is_remote(path: str) -> bool:
    return "://" in path


def temp_path(path: str) -> str:
    """The temporary name a write of local ``path`` goes to before its rename."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{TMP_MARKER}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def is_temp(name: str) -> bool:
    """Whether a file name (not a path) is a temporary file's: a hidden name with
    the marker (this scheme's, and older ones without a process id)."""
    return name.startswith(".") and TMP_MARKER in name


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
    _write_from(path, lambda f: f.write(data))


def copy_atomic(source: str, path: str) -> None:
    """Copy the file ``source`` (local or any Beam filesystem) to ``path``, streamed,
    as `write_atomic` writes."""

    def copy(out) -> None:
        with FileSystems.open(source, compression_type=_RAW) as f:
            shutil.copyfileobj(f, out, _CHUNK)

    _write_from(path, copy)


def _write_from(path: str, fill) -> None:
    """``fill(file)`` writes the content; the file appears whole or not at all."""
    if is_remote(path):
        with FileSystems.create(path, compression_type=_RAW) as f:
            fill(f)
        return
    folder = os.path.dirname(path)
    tmp = temp_path(path)
    try:
        try:
            f = open(tmp, "xb")  # noqa: SIM115 - closed below, before the rename
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            f = open(tmp, "xb")  # noqa: SIM115
        with f:
            fill(f)
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
    return sorted(file_sizes(prefix))


def file_sizes(prefix: str) -> dict[str, int]:
    """Path -> size of every file below a folder or URI prefix; temporary files left out."""
    if is_remote(prefix):
        pattern = prefix.rstrip("/") + "/**"
        found = {m.path: m.size_in_bytes for r in FileSystems.match([pattern])
                 for m in r.metadata_list if not m.path.endswith("/")}
    else:
        found = {}
        for root, _dirs, files in os.walk(prefix):
            for f in files:
                path = os.path.join(root, f)
                try:
                    found[path] = os.path.getsize(path)
                except FileNotFoundError:  # removed meanwhile
                    pass
    return {p: n for p, n in found.items() if not is_temp(p.rsplit("/", 1)[-1])}


def same_bytes(a: str, b: str) -> bool:
    """Whether two files (local or any Beam filesystem) hold the same bytes; streamed."""
    with FileSystems.open(a, compression_type=_RAW) as x, FileSystems.open(
        b, compression_type=_RAW
    ) as y:
        while True:
            chunk = x.read(_CHUNK)
            if chunk != y.read(_CHUNK):
                return False
            if not chunk:
                return True


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
