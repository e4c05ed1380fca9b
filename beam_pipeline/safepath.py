"""Validation of names that come from GitHub and end up in output paths.

Repository names and file paths in API answers and archives are untrusted: a
crafted `..`, an absolute path, a NUL or a bidirectional-override character must
never let a write land outside `<output>/`, nor make two files collide. Names in
either Unicode normal form are accepted: macOS writes NFD, and an NFC and an NFD
name are different files on Linux and in GCS. Names too long for a file system
are `layout`'s business, not a reason to refuse them.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["UnsafePath", "check_full_name", "check_repo_path"]

# GitHub's own rules: owners are alphanumerics and hyphens, repositories add '.'
# and '_'. Anything else in an API answer is not a real repository.
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_MAX_PATH = 1024


class UnsafePath(ValueError):
    """A name or path that must not be used to build an output path."""


def check_full_name(full_name: object) -> str:
    """Return `owner/name` unchanged if it is a valid GitHub repository name."""
    if not isinstance(full_name, str):
        raise UnsafePath(f"repository name is not a string: {type(full_name).__name__}")
    owner, sep, name = full_name.partition("/")
    if not sep or not _OWNER.match(owner) or not _NAME.match(name) or name in {".", ".."}:
        raise UnsafePath(f"invalid repository name {full_name!r}")
    return full_name


def _bad_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Cc: controls incl. NUL; Cf: format chars incl. RTL overrides; Zl/Zp: separators.
    return cat in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"} or ch == "\\"


def check_repo_path(path: object) -> str:
    """Return a repository-relative file path unchanged if it is safe to write."""
    if not isinstance(path, str) or not path:
        raise UnsafePath("file path is empty or not a string")
    if len(path) > _MAX_PATH:
        raise UnsafePath(f"file path longer than {_MAX_PATH} characters")
    if path.startswith("/"):
        raise UnsafePath(f"absolute file path {path!r}")
    if any(_bad_char(ch) for ch in path):
        raise UnsafePath(f"control, format or backslash character in file path {path!r}")
    for part in path.split("/"):
        if part in {"", ".", ".."}:
            raise UnsafePath(f"empty, '.' or '..' component in file path {path!r}")
    return path
