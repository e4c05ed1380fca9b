"""Repository archives as the codeload host serves them (``legacy.tar.gz``).

A normal archive mirrors ``git archive``: a ``pax_global_header`` carrying the
commit id, then one top folder ``{owner}-{repo}-{sha7}/`` in tree order. The
hostile variants exist to prove that the pipeline's extractor refuses what a
malicious repository could put in an archive; the gzip bomb is generated as a
stream so that it never exists in memory.
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import zlib
from collections.abc import Iterable, Iterator

__all__ = [
    "BOMB_SIZE",
    "CORRUPT",
    "ESCAPE_NAMES",
    "archive_top",
    "build_tarball",
    "gzip_bomb",
    "tar_escape",
]

BLOCK = tarfile.BLOCKSIZE
# What a broken download host might send: a gzip header, then garbage.
CORRUPT = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + b"not a deflate stream " * 8
BOMB_SIZE = 3 * 2**29  # 1.5 GiB of zeros inside one member
_CHUNK = 2**20
# Members of the tar-escape archive that must never land outside the target folder.
ESCAPE_NAMES = (
    "/tmp/manim_emulator_abs_escape.py",
    "../manim_emulator_parent_escape.py",
)


def archive_top(full_name: str, sha: str) -> str:
    owner, name = full_name.split("/", 1)
    return f"{owner}-{name}-{sha[:7]}"


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % BLOCK)


def _global_header(sha: str, mtime: int) -> bytes:
    """git archive's first member: a pax global header whose comment is the commit."""
    record = b"comment=" + sha.encode() + b"\n"
    size = len(record) + 3  # "52 " prefix for a 40-hex sha
    record = b"%d " % size + record
    info = tarfile.TarInfo("pax_global_header")
    info.type = tarfile.XGLTYPE
    info.size = len(record)
    info.mtime = mtime
    info.mode = 0o666
    return info.tobuf(tarfile.USTAR_FORMAT) + _pad(record)


def _info(
    name: str, mtime: int, *, size: int = 0, kind: bytes = tarfile.REGTYPE
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mtime = mtime
    info.mode = 0o775 if kind == tarfile.DIRTYPE else 0o664
    info.uname = info.gname = "root"
    return info


def build_tarball(
    top: str,
    entries: Iterable[tuple[str, bytes | None]],
    sha: str,
    mtime: int,
    header: bool = True,
) -> bytes:
    """A gzip tar of ``entries`` (path, data; None for a directory), byte-for-byte stable.

    ``header=False`` leaves out git's pax global header (the commit id), as some
    archivers do: only the top folder's short sha then names the commit.
    """
    buf = io.BytesIO()
    if header:
        buf.write(_global_header(sha, mtime))
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(_info(f"{top}/", mtime, kind=tarfile.DIRTYPE))
        for path, data in entries:
            if data is None:
                tar.addfile(_info(f"{top}/{path}/", mtime, kind=tarfile.DIRTYPE))
            else:
                tar.addfile(_info(f"{top}/{path}", mtime, size=len(data)), io.BytesIO(data))
    return gzip.compress(buf.getvalue(), compresslevel=6, mtime=0)


def tar_escape(top: str, sha: str, ok_py: bytes, mtime: int) -> bytes:
    """One good ``ok.py`` among members that try to escape or to exhaust the extractor."""
    payload = b"print('this file escaped the extraction folder')\n"
    out = io.BytesIO()
    out.write(_global_header(sha, mtime))

    def add(info: tarfile.TarInfo, data: bytes = b"") -> None:
        out.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        out.write(_pad(data))

    add(_info(f"{top}/", mtime, kind=tarfile.DIRTYPE))
    add(_info(f"{top}/ok.py", mtime, size=len(ok_py)), ok_py)
    for name in (*ESCAPE_NAMES, f"{top}/../../manim_emulator_deep_escape.py"):
        add(_info(name, mtime, size=len(payload)), payload)
    for name, target in (("link_to_passwd", "/etc/passwd"), ("link_up", "../../outside")):
        link = _info(f"{top}/{name}", mtime, kind=tarfile.SYMTYPE)
        link.linkname = target
        add(link)
    for name, target in (("hardlink_passwd", "/etc/passwd"), ("hardlink_up", "../../../etc/hosts")):
        link = _info(f"{top}/{name}", mtime, kind=tarfile.LNKTYPE)
        link.linkname = target
        add(link)
    dev = _info(f"{top}/dev_null", mtime, kind=tarfile.CHRTYPE)
    dev.devmajor, dev.devminor = 1, 3
    add(dev)
    add(_info(f"{top}/fifo", mtime, kind=tarfile.FIFOTYPE))
    setuid = _info(f"{top}/setuid.py", mtime, size=len(payload))
    setuid.mode = 0o4755
    add(setuid, payload)
    # Declares 1 TiB; the archive ends after one block of it.
    add(_info(f"{top}/huge.py", mtime, size=2**40))
    out.write(b"# huge\n".ljust(BLOCK, b" "))
    return gzip.compress(out.getvalue(), compresslevel=6, mtime=0)


def gzip_bomb(top: str, sha: str, mtime: int, size: int = BOMB_SIZE) -> Iterator[bytes]:
    """A valid .tar.gz whose one member is ``size`` zero bytes (~1000x compression).

    The compressed form of a 1 MiB run of zeros after a full flush never refers
    to earlier data, so it is computed once and repeated: serving the bomb costs
    almost no CPU and no memory. The CRC is accumulated only as far as the
    client keeps reading.
    """
    if size % _CHUNK:
        raise ValueError("size must be a multiple of 1 MiB")
    head = (
        _global_header(sha, mtime)
        + _info(f"{top}/", mtime, kind=tarfile.DIRTYPE).tobuf(tarfile.PAX_FORMAT)
        + _info(f"{top}/bomb.py", mtime, size=size).tobuf(tarfile.PAX_FORMAT)
    )
    tail = bytes(2 * BLOCK)  # end-of-archive marker
    tail += bytes(-(len(head) + size + len(tail)) % tarfile.RECORDSIZE)
    zeros = bytes(_CHUNK)
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    yield (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip header, mtime 0
        + first.compress(head)
        + first.flush(zlib.Z_FULL_FLUSH)
    )
    repeat = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = repeat.compress(zeros) + repeat.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(size // _CHUNK):
        crc = zlib.crc32(zeros, crc)
        yield block
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(tail, crc)
    total = len(head) + size + len(tail)
    yield last.compress(tail) + last.flush() + struct.pack("<II", crc, total & 0xFFFFFFFF)
