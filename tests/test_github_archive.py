"""TarballReader on hostile archives, built in the test and streamed lazily."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from beam_pipeline.github import ArchiveError, TarballReader, unsafe_path_reason
from beam_pipeline.github.archive import _BoundedGunzip

TOP = "owner-repo-abc1234"
OK = b"from manim import *\n"


class ChunkStream:
    """A read()-able stream over a generator: the archive never exists whole."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buf = b""
        self.served = 0

    def read(self, size: int = -1) -> bytes:
        while len(self._buf) < max(size, 1):
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buf += chunk
        out, self._buf = (self._buf, b"") if size < 0 else (self._buf[:size], self._buf[size:])
        self.served += len(out)
        return out


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, **attrs) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data


def targz(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def read_all(blob: bytes, want=lambda p, s: True, **kw) -> tuple[dict[str, bytes], TarballReader]:
    kw.setdefault("max_archive_bytes", 1 << 20)
    kw.setdefault("max_member_bytes", 1 << 16)
    reader = TarballReader(io.BytesIO(blob), want=want, **kw)
    return {m.path: m.data for m in reader}, reader


def test_regular_archive_strips_the_top_folder_and_applies_want():
    blob = targz(
        [
            member(f"{TOP}/", kind=tarfile.DIRTYPE),
            member(f"{TOP}/a.py", OK),
            member(f"{TOP}/pkg/", kind=tarfile.DIRTYPE),
            member(f"{TOP}/pkg/b.py", b"x = 1\n"),
            member(f"{TOP}/README.md", b"# readme\n"),
        ]
    )
    seen: list[tuple[str, int]] = []

    def want(path: str, size: int) -> bool:
        seen.append((path, size))
        return path.endswith(".py")

    got, reader = read_all(blob, want)
    assert got == {"a.py": OK, "pkg/b.py": b"x = 1\n"}
    assert seen == [("a.py", len(OK)), ("pkg/b.py", 6), ("README.md", 9)]
    assert reader.skipped == []


def test_hostile_members_are_skipped_with_reasons():
    blob = targz(
        [
            member(f"{TOP}/", kind=tarfile.DIRTYPE),
            member(f"{TOP}/ok.py", OK),
            member("/tmp/abs.py", b"evil"),
            member("../parent.py", b"evil"),
            member(f"{TOP}/../../deep.py", b"evil"),
            member(f"{TOP}/sym.py", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
            member(f"{TOP}/hard.py", kind=tarfile.LNKTYPE, linkname="../../etc/hosts"),
            member(f"{TOP}/null.py", kind=tarfile.CHRTYPE, devmajor=1, devminor=3),
            member(f"{TOP}/disk.py", kind=tarfile.BLKTYPE, devmajor=8, devminor=0),
            member(f"{TOP}/fifo.py", kind=tarfile.FIFOTYPE),
            member(f"{TOP}/setuid.py", b"evil", mode=0o4755),
            member(f"{TOP}/big.py", b"#" * 5000),
            member(f"{TOP}/ok.py", b"a second copy"),
            member("other-top/x.py", b"evil"),
            member(f"{TOP}/back\\slash.py", b"evil"),
        ]
    )
    calls: list[tuple[str, str]] = []
    got, reader = read_all(blob, max_member_bytes=1000, on_skip=lambda p, r: calls.append((p, r)))
    assert got == {"ok.py": OK}
    reasons = {s.path: s.reason for s in reader.skipped}
    assert reasons == {
        "/tmp/abs.py": "absolute",
        "../parent.py": "parent_reference",
        f"{TOP}/../../deep.py": "parent_reference",
        "sym.py": "link",
        "hard.py": "link",
        "null.py": "device",
        "disk.py": "device",
        "fifo.py": "fifo",
        "setuid.py": "special_mode",
        "big.py": "too_large",
        "ok.py": "duplicate",
        "other-top/x.py": "outside_top_folder",
        f"{TOP}/back\\slash.py": "unsafe_name",
    }
    assert calls == [(s.path, s.reason) for s in reader.skipped]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("a/b.py", None),
        ("", "empty_name"),
        ("/etc/x", "absolute"),
        ("C:/x.py", "absolute"),
        ("a/../b", "parent_reference"),
        ("a\\..\\b", "parent_reference"),
        ("a//b", "unsafe_name"),
        ("./a", "unsafe_name"),
        ("a\x00b", "unsafe_name"),
        ("a\u202eb.py", "unsafe_name"),
    ],
)
def test_unsafe_path_reason(path, reason):
    assert unsafe_path_reason(path) == reason


def lazy_bomb(header: tarfile.TarInfo | None, chunks: int) -> Iterator[bytes]:
    """A gzip stream: one tar header, then ``chunks`` MiB of zeros; ~1000x compression.

    The compressed MiB is computed once and repeated (a full flush makes every
    copy independent), so producing the bomb costs neither memory nor CPU. The
    stream has no gzip trailer: a reader that gets to the end sees it cut short.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = header.tobuf(tarfile.GNU_FORMAT) if header is not None else b""
    yield comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(bytes(1 << 20)) + comp.flush(zlib.Z_FULL_FLUSH)
    for _ in range(chunks):
        yield block


def file_header(size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"{TOP}/bomb.py")
    info.size = size
    return info


def test_gzip_bomb_declared_size_is_refused_before_inflating():
    stream = ChunkStream(lazy_bomb(file_header(1 << 40), 1 << 20))  # 1 TiB declared and available
    reader = TarballReader(stream, want=lambda p, s: True, max_archive_bytes=8 << 20, max_member_bytes=1 << 20)
    with pytest.raises(ArchiveError, match="budget"):
        list(reader)
    assert reader.bytes_inflated < 1 << 20
    assert stream.served < 1 << 20


def test_gzip_bomb_in_a_pax_header_hits_the_inflate_budget():
    """tarfile reads a pax header whole; the inflate budget is what bounds it."""
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 1 << 30
    reader = TarballReader(ChunkStream(lazy_bomb(header, 1 << 10)), want=lambda p, s: True,
                           max_archive_bytes=8 << 20, max_member_bytes=1 << 20)
    with pytest.raises(ArchiveError, match="inflates to more than"):
        list(reader)
    assert reader.bytes_inflated <= (8 << 20) + (64 << 10)


def test_unwanted_member_is_streamed_through_in_bounded_memory():
    tracemalloc.start()
    try:
        reader = TarballReader(ChunkStream(lazy_bomb(file_header(24 << 20), 24)), want=lambda p, s: False,
                               max_archive_bytes=64 << 20, max_member_bytes=1 << 20)
        with pytest.raises(ArchiveError, match="cut short"):
            list(reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reader.bytes_inflated >= 24 << 20
    assert peak < 4 << 20  # the 24 MiB member was never held


def test_bounded_gunzip_stops_at_its_budget():
    gunzip = _BoundedGunzip(ChunkStream(lazy_bomb(None, 1 << 20)), max_out=5 << 20)
    with pytest.raises(ArchiveError, match="inflates to more than"):
        while gunzip.read(10240):
            pass
    assert gunzip.total_out <= (5 << 20) + 10240


def test_bounded_gunzip_reads_concatenated_members():
    data = zlib.compress(b"")  # not gzip: refused
    with pytest.raises(zlib.error):
        _BoundedGunzip(io.BytesIO(data), 100).read(10)
    one = targz([member(f"{TOP}/a.py", b"A")])
    gunzip = _BoundedGunzip(io.BytesIO(one + one), 1 << 20)
    out = b""
    while chunk := gunzip.read(100):
        out += chunk
    assert len(out) == 2 * len(zlib.decompress(one, 31))


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_cut_stream_raises_archive_error(cut):
    blob = targz([member(f"{TOP}/f{i}.py", bytes([65 + i]) * 2000) for i in range(20)])
    reader = TarballReader(io.BytesIO(blob[: int(len(blob) * cut)]), want=lambda p, s: True,
                           max_archive_bytes=1 << 20, max_member_bytes=1 << 20, label="tarball o/r@abc1234")
    got = []
    with pytest.raises(ArchiveError) as exc:
        for m in reader:
            got.append(m)
    assert "o/r@abc1234" in str(exc.value)
    assert all(m.data == bytes([65 + int(m.path[1:-3])]) * 2000 for m in got)


@pytest.mark.parametrize("blob", [b"", b"not a gzip stream at all", b"\x1f\x8b\x08\x00garbage" * 10])
def test_garbage_raises_archive_error(blob):
    with pytest.raises(ArchiveError):
        read_all(blob)


def test_close_stops_early_and_calls_the_closer():
    closed = []
    blob = targz([member(f"{TOP}/f{i}.py", b"x") for i in range(5)])
    reader = TarballReader(io.BytesIO(blob), want=lambda p, s: True, max_archive_bytes=1 << 20,
                           max_member_bytes=100, close=lambda: closed.append(1))
    with reader:
        assert next(reader).path == "f0.py"
    assert closed == [1]
    reader.close()
    assert closed == [1]


# ------------------------------------------------------- the commit an archive holds

COMMIT = "abc1234" + "5" * 33


def git_archive(members: list[tuple[tarfile.TarInfo, bytes]], comment: str | None = COMMIT) -> bytes:
    """Like ``git archive``: a pax global header whose comment is the commit, then the files."""
    buf = io.BytesIO()
    headers = {"comment": comment} if comment is not None else {}
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers=headers) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def test_the_pax_header_names_the_commit_and_the_folder_agrees():
    got, reader = read_all(git_archive([member(f"{TOP}/a.py", OK)]))
    assert got == {"a.py": OK}
    assert (reader.commit, reader.short_sha, reader.complete) == (COMMIT, "abc1234", True)


def test_without_the_header_only_the_folder_names_the_commit():
    _, reader = read_all(git_archive([member(f"{TOP}/a.py", OK)], comment=None))
    assert reader.commit is None and reader.short_sha == "abc1234"
    _, reader = read_all(git_archive([member("no-sha-here/a.py", OK)], comment="not a sha"))
    assert reader.commit is None and reader.short_sha is None


@pytest.mark.parametrize(
    ("top", "expect"),
    [("owner-repo-fff0000", None), (TOP, "f" * 40)],
    ids=["folder disagrees with header", "archive is not the commit asked for"],
)
def test_an_archive_that_contradicts_itself_or_the_request_is_refused(top, expect):
    with pytest.raises(ArchiveError, match="commit"):
        read_all(git_archive([member(f"{top}/a.py", OK)]), expect_commit=expect)


def test_an_oversized_wanted_member_is_skipped_but_named_by_its_blob():
    from beam_pipeline.github import git_blob_sha

    big = b"# big\n" * 5000
    got, reader = read_all(git_archive([member(f"{TOP}/big.py", big), member(f"{TOP}/a.py", OK)]),
                           max_member_bytes=1000)
    assert got == {"a.py": OK}
    [skipped] = reader.skipped
    assert (skipped.path, skipped.reason, skipped.size, skipped.blob) == (
        "big.py", "too_large", len(big), git_blob_sha(big))


def test_a_cut_download_is_asked_again_for_the_commit_it_named():
    blob = git_archive([member(f"{TOP}/f{i}.py", bytes([65 + i]) * 3000) for i in range(20)])
    asked: list[str | None] = []

    def reopen(commit):
        asked.append(commit)
        return io.BytesIO(blob), lambda: None

    reader = TarballReader(io.BytesIO(blob[: len(blob) // 2]), want=lambda p, s: True,
                           max_archive_bytes=1 << 20, max_member_bytes=1 << 20,
                           reopen=reopen, max_reopens=1)
    assert len(list(reader)) == 20
    assert asked == [COMMIT] and reader.reopens == 1


def test_a_branch_that_moved_between_two_downloads_is_refused():
    first = git_archive([member(f"{TOP}/f{i}.py", b"x" * 3000) for i in range(20)], comment=None)
    other = git_archive([member(f"owner-repo-def5678/f{i}.py", b"y" * 3000) for i in range(20)],
                        comment=None)
    reader = TarballReader(io.BytesIO(first[: len(first) // 2]), want=lambda p, s: True,
                           max_archive_bytes=1 << 20, max_member_bytes=1 << 20,
                           reopen=lambda commit: (io.BytesIO(other), lambda: None), max_reopens=1)
    with pytest.raises(ArchiveError, match="changed between two downloads"):
        list(reader)
