"""Verbatim snippets: a pair's ``output`` from the file's lines, and whether it parses.

Output text has no final line ending and ``\\n`` line endings. Lines of spaces and
tabs only become empty, like `textwrap.dedent` (for LF files ``output ==
textwrap.dedent("".join(lines))`` minus one final "\\n"; for CRLF files `snippet`
treats "\\r\\n" as the line end, where `textwrap.dedent` would see a stray "\\r").
"""

from __future__ import annotations

import posixpath

from beam_pipeline.sourcetext import parse, split_lines


def dedent_lines(lines: list[str]) -> tuple[str, str, bool]:
    """(dedented text without final line ending, margin, tab in a margin-bearing indent).

    `textwrap.dedent` semantics, but the line ending ("\\r\\n", "\\r", "\\n") is not
    part of the line: blank lines (spaces/tabs only) become empty and do not count
    for the margin; the margin is the common prefix of the other lines' indents.
    """
    first = lines[0] if lines else ""
    if first.strip(" \t\r\n") and "\t" not in "".join(lines):
        # Fast path: when every line starts with the first line's indent, that is
        # the margin (the first line is not blank).
        margin = first[: len(first) - len(first.lstrip(" "))]
        if all(line.startswith(margin) or not line.strip(" \t\r\n") for line in lines):
            cut = len(margin)
            out = [line[cut:] if line.strip(" \t\r\n") else line.lstrip(" \t") for line in lines]
            out[-1] = out[-1].rstrip("\r\n")
            return _lf("".join(out)), margin, False
    margin = None
    tab = False
    for line in lines:
        body = line.rstrip("\r\n")
        stripped = body.lstrip(" \t")
        if not stripped:
            continue
        indent = body[: len(body) - len(stripped)]
        if "\t" in indent:
            tab = True
        if margin is None:
            margin = indent
        elif not indent.startswith(margin):
            margin = posixpath.commonprefix([margin, indent])
    margin = margin or ""
    cut = len(margin)
    out = []
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if not body.strip(" \t"):
            out.append(ending)
        else:
            out.append(body[cut:] + ending)
    if out:
        last = out[-1]
        out[-1] = last.rstrip("\r\n")
    return _lf("".join(out)), margin, tab


def _lf(text: str) -> str:
    """Line endings as "\\n" (outputs are verbatim modulo line endings)."""
    if "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def snippet(text: str, start_line: int, end_line: int) -> str:
    """Lines ``start_line..end_line`` (1-based, inclusive) of ``text``, dedented.

    This is the definition of a pair's ``output``: the quality report recomputes it
    from the raw file to check that every output is verbatim.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    return dedent_lines(lines[max(start_line, 1) - 1 : end_line])[0]


def parses(code: str) -> bool:
    """Whether `code` parses on its own as Python 3 (never raises)."""
    try:
        parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
