"""Stream the members of a repository tarball, treating the archive as hostile.

A tarball is one request for a whole repository, but its content comes from
whoever controls the repository (or the server). Members are read one by one
from the network stream and never written to disk; paths that escape the
repository, links, devices and oversized files are skipped with a reason, and a
decompressed total over the budget (a gzip bomb) stops the read.

The archive also says which commit it holds: ``git archive`` (and so GitHub)
writes a pax global header whose ``comment`` is the full commit id, and names
the single top folder ``{owner}-{repo}-{short sha}``. Requesting the archive of
a branch by name therefore pins the commit and lists the files in one request.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from typing import NoReturn, Protocol

import requests
import urllib3

from ..safepath import UnsafePath, check_repo_path
from .errors import ArchiveError, GitHubError
from .models import ArchiveMember, SkippedMember

__all__ = ["TOO_LARGE", "TarballReader", "unsafe_path_reason"]

_READ_CHUNK = 64 * 1024
_HASH_CHUNK = 1 << 20
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_SHORT_SHA = re.compile(r"^[0-9a-f]{7,64}$")
# ArchiveError reason of an archive refused for its size (a gzip bomb, a member
# declaring terabytes): the archive's fault, not the network's, so worth recording.
TOO_LARGE = "archive_too_large"


class _StreamCut(ArchiveError):
    """The download ended or broke early: reading it again may well succeed."""


# A broken download (worth a second request) vs. a bad archive (the same every time).
_TRANSIENT_ERRORS = (
    _StreamCut,
    OSError,
    http.client.HTTPException,
    urllib3.exceptions.HTTPError,
    requests.RequestException,
)
_CORRUPT_ERRORS = (EOFError, zlib.error, tarfile.TarError)

# Opens the archive again after a cut download; given the commit read from the
# first download's header (None if it had none), so that a retry of a branch's
# archive cannot land on a newer commit.
Opener = Callable[[str | None], tuple["_Readable", Callable[[], None]]]


def unsafe_path_reason(path: str) -> str | None:
    """Why a repository path must not be used as an output path, or None if it is safe.

    Git never produces such paths; an archive or API answer that does is hostile.
    The two escapes get their own reasons; every other refusal is the project's
    common rule (``safepath.check_repo_path``), so archive and tree agree.
    """
    if not path:
        return "empty_name"
    if path.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(path):
        return "absolute"
    if ".." in re.split(r"[/\\]", path):
        return "parent_reference"
    try:
        check_repo_path(path)
    except UnsafePath:
        return "unsafe_name"
    return None


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _BoundedGunzip:
    """A gzip decoder with a budget, readable by tarfile's stream mode ("r|").

    tarfile's own "r|gz" inflates each 10 KB network chunk whole (up to 10 MB
    from a bomb); here every read returns at most ``size`` bytes and the
    running totals, in and out, are checked as they grow.
    """

    def __init__(self, raw: _Readable, max_out: int) -> None:
        self._raw = raw
        self._max_out = max_out
        self._max_in = max_out + (1 << 20)  # stored blocks grow data a little
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.total_in = 0
        self.total_out = 0
        self._done = False

    def _read_raw(self) -> bytes:
        chunk = self._raw.read(_READ_CHUNK)
        self.total_in += len(chunk)
        if self.total_in > self._max_in:
            raise ArchiveError(
                f"compressed archive is over {self._max_in} bytes", reason=TOO_LARGE
            )
        return chunk

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = _READ_CHUNK
        while not self._done:
            inflater = self._inflater
            if inflater.eof:  # a gzip stream may hold several members
                rest = inflater.unused_data or self._read_raw()
                if not rest:
                    self._done = True
                    break
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = self._inflater.decompress(rest, size)
            elif inflater.unconsumed_tail:
                data = inflater.decompress(inflater.unconsumed_tail, size)
            else:
                chunk = self._read_raw()
                if not chunk:
                    raise _StreamCut("gzip stream cut short")
                data = inflater.decompress(chunk, size)
            if data:
                self.total_out += len(data)
                if self.total_out > self._max_out:
                    raise ArchiveError(
                        f"archive inflates to more than {self._max_out} bytes (gzip bomb?)",
                        reason=TOO_LARGE,
                    )
                return data
        return b""


class TarballReader:
    """Iterator over the safe, wanted regular files of a ``.tar.gz`` stream.

    ``skipped`` lists what was refused and why (unwanted files are not listed;
    a wanted file over ``max_member_bytes`` is listed as ``too_large`` with its
    git blob id, hashed as it streams past). ``commit`` is the commit id of the
    pax global header, ``short_sha`` the hex suffix of the top folder and
    ``complete`` whether the archive was read to its end; an archive whose
    header and folder disagree (or disagree with ``expect_commit``) is refused.
    When the download breaks and ``reopen`` is given, the archive is requested
    again (up to ``max_reopens`` times) and the members already yielded are
    passed over, so a cut connection costs a re-download, not the whole
    listing. Otherwise, and for an archive that is corrupt or over budget,
    ArchiveError is raised: the members yielded before it are valid, and the
    caller should fetch the rest through the blob API.
    """

    def __init__(
        self,
        stream: _Readable,
        *,
        want: Callable[[str, int], bool],
        max_archive_bytes: int,
        max_member_bytes: int,
        on_skip: Callable[[str, str], None] | None = None,
        close: Callable[[], None] | None = None,
        reopen: Opener | None = None,
        max_reopens: int = 0,
        on_reopen: Callable[[], None] | None = None,
        label: str = "tarball",
        expect_commit: str | None = None,
    ) -> None:
        self.skipped: list[SkippedMember] = []
        self.reopens = 0
        self.commit: str | None = None
        self.top: str | None = None
        self.complete = False
        self._expect = expect_commit
        self._gunzip = _BoundedGunzip(stream, max_archive_bytes)
        self._want = want
        self._max_archive = max_archive_bytes
        self._max_member = max_member_bytes
        self._on_skip = on_skip
        self._close = close
        self._reopen = reopen
        self._max_reopens = max_reopens
        self._on_reopen = on_reopen
        self._label = label
        self._yielded: set[str] = set()
        self._reported: set[tuple[str, str]] = set()
        self._members = self._iter()

    @property
    def bytes_inflated(self) -> int:
        return self._gunzip.total_out

    @property
    def short_sha(self) -> str | None:
        """The abbreviated commit id ending the top folder's name, if it has one."""
        if not self.top:
            return None
        suffix = self.top.rsplit("-", 1)[-1]
        return suffix if _SHORT_SHA.match(suffix) else None

    def __iter__(self) -> Iterator[ArchiveMember]:
        return self

    def __next__(self) -> ArchiveMember:
        while True:
            try:
                return next(self._members)
            except StopIteration:
                self.complete = True
                self.close()
                raise
            except _TRANSIENT_ERRORS as exc:
                if self._reopen is None or self.reopens >= self._max_reopens:
                    self._fail(f"download cut short ({type(exc).__name__})", exc)
                self._restart()
            except ArchiveError as exc:
                self._fail(exc.message, exc)
            except _CORRUPT_ERRORS as exc:
                self._fail(f"archive is corrupt ({type(exc).__name__})", exc)

    def _fail(self, message: str, cause: BaseException) -> NoReturn:
        self.close()
        reason = cause.reason if isinstance(cause, ArchiveError) else None
        raise ArchiveError(f"{self._label}: {message}", reason=reason) from cause

    def _restart(self) -> None:
        """Request the archive again and read on past what was already yielded."""
        assert self._reopen is not None
        self.reopens += 1
        self.close()
        if self._on_reopen is not None:
            self._on_reopen()
        try:
            stream, self._close = self._reopen(self.commit)
        except ArchiveError:
            raise
        except GitHubError as exc:  # the API itself failed: same outcome as a bad archive
            raise ArchiveError(f"{self._label}: cannot download again ({exc.reason})") from exc
        self._gunzip = _BoundedGunzip(stream, self._max_archive)
        self._members = self._iter()

    def close(self) -> None:
        self._members.close()
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def __enter__(self) -> TarballReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _skip(self, path: str, reason: str, size: int = 0, blob: str | None = None) -> None:
        if (path, reason) in self._reported:  # seen before the download was restarted
            return
        self._reported.add((path, reason))
        item = SkippedMember(path, reason, size, blob)
        self.skipped.append(item)
        if self._on_skip is not None:
            self._on_skip(path, reason)

    def _header_commit(self, tar: tarfile.TarFile) -> None:
        """Take the commit id from the pax global header (``git archive``'s comment)."""
        comment = tar.pax_headers.get("comment", "").strip().lower()
        commit = comment if _COMMIT.match(comment) else None
        if self.commit is not None and commit != self.commit:
            raise ArchiveError("the archive changed between two downloads")
        self.commit = commit

    def _check_top(self, top: str) -> None:
        """One archive, one commit: the folder name, the header and the request agree."""
        if self.top is not None and top != self.top:
            raise ArchiveError("the archive changed between two downloads")
        self.top = top
        short = self.short_sha
        known = self.commit or self._expect
        if short and known and not known.startswith(short):
            raise ArchiveError(f"top folder {top!r} does not name commit {known[:12]}")
        if self._expect and self.commit and self.commit != self._expect:
            raise ArchiveError(f"archive holds commit {self.commit[:12]}, not {self._expect[:12]}")

    def _hash_member(self, tar: tarfile.TarFile, info: tarfile.TarInfo) -> str:
        """The git blob id of a member too large to keep, hashed as it streams past."""
        digest = hashlib.sha1(b"blob %d\0" % info.size, usedforsecurity=False)
        handle = tar.extractfile(info)
        read = 0
        while handle is not None and (chunk := handle.read(_HASH_CHUNK)):
            digest.update(chunk)
            read += len(chunk)
        if read != info.size:
            raise ArchiveError(f"member {info.name!r} cut short")
        return digest.hexdigest()

    def _iter(self) -> Iterator[ArchiveMember]:
        top: str | None = None
        seen: set[str] = set()
        with tarfile.open(fileobj=self._gunzip, mode="r|") as tar:  # type: ignore[arg-type]
            self._header_commit(tar)  # opening reads up to the first member
            while (info := tar.next()) is not None:
                tar.members.clear()  # stream mode keeps every header otherwise
                if info.offset_data + max(0, info.size) > self._max_archive:
                    raise ArchiveError(
                        f"member declares {info.size} bytes, past the {self._max_archive}-byte budget",
                        reason=TOO_LARGE,
                    )
                name = info.name
                reason = unsafe_path_reason(name)
                if reason is not None:
                    self._skip(name, reason, info.size)
                    continue
                head, _, path = name.partition("/")
                if top is None:
                    top = head
                    self._check_top(top)
                if head != top or not path:
                    if not (info.isdir() and head == top):
                        self._skip(name, "outside_top_folder", info.size)
                    continue
                if info.isdir():
                    continue
                if info.issym() or info.islnk():
                    self._skip(path, "link", info.size)
                    continue
                if info.ischr() or info.isblk():
                    self._skip(path, "device", info.size)
                    continue
                if info.isfifo():
                    self._skip(path, "fifo", info.size)
                    continue
                if not info.isreg():
                    self._skip(path, "special", info.size)
                    continue
                if info.mode & 0o7000:  # setuid/setgid/sticky: git archives never have them
                    self._skip(path, "special_mode", info.size)
                    continue
                if path in seen:
                    self._skip(path, "duplicate", info.size)
                    continue
                seen.add(path)
                if path in self._yielded or not self._want(path, info.size):
                    continue
                if info.size > self._max_member:
                    self._skip(path, "too_large", info.size, self._hash_member(tar, info))
                    continue
                handle = tar.extractfile(info)
                data = handle.read() if handle is not None else b""
                if len(data) != info.size:
                    raise ArchiveError(f"member {path!r} cut short")
                self._yielded.add(path)
                yield ArchiveMember(path, data)
