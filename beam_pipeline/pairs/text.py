"""Comment and docstring text cleaning: what of a comment block or docstring becomes ``input``.

Comments: ``#`` markers off (also ``##`` and Sphinx ``#:``), the block dedented
as a whole so inner indentation stays, rstripped lines joined with "\\n".
Dropped lines: tool markers (shebang, ``coding``/modelines, ``noqa``, ``type:``,
``pragma``, ``fmt:``, ``pylint:``...: "marker"), punctuation-only separators
("separator"; "=== Part 1 ===" keeps "Part 1"), commented-out code (`codelike`),
and a ``TODO``/``FIXME``/``XXX`` line with the rest of its block ("todo": a note
to the author, not a description). A block with a license line (SPDX, Copyright,
"Licensed under"...) is dropped whole ("license"). Docstrings: summary and
description only; their code examples go (doctest sessions, ``.. manim::``/``..
code-block::`` directives, fenced blocks, ``::`` literal blocks holding code).
What is left must instruct (`beam_pipeline.informative`), else no pair.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter

from beam_pipeline.informative import (
    docstring_summary,
    line_is_noise,
    remove_urls,
    strip_decoration,
    why_uninformative,
)

from .codelike import block_is_code, code_lines, indent_width

_MARKER_START_RE = re.compile(
    r"""\s*(?:
        (?:vim?|ex):                            # vim modeline
      | (?:noqa|type:|pragma\b|fmt:|pylint:|mypy:|pyright:|pyre-|isort:|ruff:
          |flake8[:\s]|nosec\b|yapf:|autopep8:|lgtm\b|nolint\b|coverage:|nocover\b)
    )""",
    re.VERBOSE,
)
_MARKER_ANYWHERE_RE = re.compile(r"-\*-.*-\*-|\bnoqa\b|\btype:\s*ignore|\bpylint:\s*(?:dis|en)able")


def is_marker(text: str) -> bool:
    """Tool directives: modelines, noqa, type: ignore, pragma, fmt: off, pylint..."""
    if _MARKER_START_RE.match(text):
        return True
    return ("-*-" in text or ":" in text or "noqa" in text) and bool(
        _MARKER_ANYWHERE_RE.search(text)
    )


_CODING_RE = re.compile(r".*?coding[:=][ \t]*[-\w.]+")
_LICENSE_HINT_RE = re.compile(
    r"copyright|©|\(c\)|licen[cs]|permission|warrant|rights|redistribution|free software"
)
_LICENSE_RE = re.compile(
    r"spdx-license-identifier|\bcopyright\b|©|\(c\)\s*\d{4}|licensed\s+under"
    r"|permission\s+is\s+hereby\s+granted|the\s+software\s+is\s+provided"
    r"|all\s+rights\s+reserved|general\s+public\s+license|without\s+any\s+warranty"
    r"|without\s+warranties|apache\s+license|mit\s+license|redistribution\s+and\s+use"
    r"|this\s+program\s+is\s+free\s+software"
)


def _is_license(text: str) -> bool:
    low = text.lower()
    return bool(_LICENSE_HINT_RE.search(low)) and bool(_LICENSE_RE.search(low))


_BLANK_LINES_RE = re.compile(r"\n{3,}")
_ALNUM_RE = re.compile(r"[^\W_]")


def comment_text(raw: str) -> str:
    """``#`` markers off: "## foo" → " foo", "#: foo" (Sphinx) → " foo"."""
    text = raw.lstrip("#")
    if text.startswith(":") and (len(text) == 1 or text[1] in " \t"):
        text = text[1:]
    return text


def _undecorated(text: str) -> str:
    """``text`` without numbering and drawing characters, its inner indent kept."""
    bare = text.strip()
    plain = strip_decoration(bare)
    if plain == bare:
        return text
    return text[: len(text) - len(text.lstrip())] + plain


def clean_block(
    raws: list[str], first_line: int, stats: Counter[str]
) -> str | None:
    """Input text of a comment block, or None (reason counted in ``stats``)."""
    texts = []
    for i, raw in enumerate(raws):
        text = comment_text(raw)
        if raw.startswith("#!") or is_marker(text) or (
            first_line + i <= 2 and _CODING_RE.match(text)
        ):
            stats["marker"] += 1
            continue
        if _is_license(text):
            stats["license"] += 1
            return None
        noise = line_is_noise(text)
        if noise == "todo":  # a note to the author, not a description: it and
            stats["todo"] += 1  # the lines continuing it go
            break
        if noise is not None:
            stats[noise] += 1
            continue
        text = remove_urls(text)
        if not _ALNUM_RE.search(text):
            if text.strip():
                stats["separator"] += 1
            texts.append("")  # a separator or empty line splits paragraphs
            continue
        text = _undecorated(text.rstrip())  # "==== Part 1 ====" -> "" ; "1. Draw" -> "Draw"
        if not text.strip():
            stats["separator"] += 1
            texts.append("")
            continue
        texts.append(text)
    flags = code_lines(texts)
    kept = []
    for text, is_code in zip(texts, flags, strict=True):
        if is_code:
            stats["commented_out_code"] += 1
        else:
            kept.append(text)
    return _informative(_finish_text(kept, stats), stats)


def _informative(text: str | None, stats: Counter[str], labels_ok: bool = False) -> str | None:
    """``text`` if it instructs (see `informative`), else None with the reason counted.

    ``labels_ok``: a short noun phrase is enough ("A circle." introducing a whole
    example scene of circles).
    """
    if text is None:
        return None
    reason = why_uninformative(text)
    if reason is not None and not (labels_ok and reason in ("label", "header")):
        stats[f"uninformative.{reason}"] += 1
        return None
    return text


def _finish_text(lines: list[str], stats: Counter[str]) -> str | None:
    """Dedent, drop surrounding and repeated blank lines; None if nothing is left."""
    if len(lines) == 1:
        text = lines[0].strip()
    else:
        text = textwrap.dedent("\n".join(line.rstrip() for line in lines)).strip("\n")
        if "\n\n\n" in text:
            text = _BLANK_LINES_RE.sub("\n\n", text)
    if not text.strip():
        stats["empty"] += 1
        return None
    # No line is code (the caller dropped those), so only the lines taken together
    # can be: this is `looks_like_code` without checking each line again.
    if "\n" in text and block_is_code(text.split("\n")):
        stats["commented_out_code"] += 1
        return None
    return text


MANIM_DIRECTIVE_RE = re.compile(r"([ \t]*)\.\.[ \t]+manim::[ \t]*[A-Za-z_]\w*")
_DIRECTIVE_RE = re.compile(
    r"\s*\.\.\s+(?:manim|code-block|code|sourcecode|testcode|testsetup|doctest"
    r"|jupyter-execute|ipython|plot)::"
)


def clean_docstring(doc: str, stats: Counter[str], labels_ok: bool = False) -> str | None:
    """Docstring text (already `inspect.cleandoc`-ed): summary and description only.

    Cut before the first section (Parameters, Returns, Examples, Tests, reST
    fields...); doctest sessions, code directives (``.. manim::``,
    ``.. code-block::``), fenced blocks and indented literal blocks that hold code
    are removed, then credit and TODO lines, links, and any remaining code line.
    """
    lines = docstring_summary(doc).split("\n")
    kept: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        s = line.strip()
        if s.startswith(">>>"):  # a doctest session: prompts, continuations, output
            while i < n and lines[i].strip():
                i += 1
            stats["commented_out_code"] += 1
            continue
        if _DIRECTIVE_RE.match(line) or s.startswith("```"):
            fence = s.startswith("```")
            indent = indent_width(line)
            i += 1
            while i < n:
                t = lines[i]
                if fence:
                    i += 1
                    if t.strip().startswith("```"):
                        break
                    continue
                if t.strip() and indent_width(t) <= indent:
                    break
                i += 1
            stats["commented_out_code"] += 1
            continue
        if s.endswith("::") and not _DIRECTIVE_RE.match(line):  # RST literal block
            indent = indent_width(line)
            j = i + 1
            while j < n and (not lines[j].strip() or indent_width(lines[j]) > indent):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1  # the blank lines after the block stay
            literal = lines[i + 1 : j]
            if any(code_lines([t for t in literal if t.strip()])):
                kept.append(line.rstrip()[:-1])  # "Example::" -> "Example:"
                stats["commented_out_code"] += 1
                i = j
                continue
        kept.append(line)
        i += 1
    flags = code_lines(kept)
    out = []
    for text, is_code in zip(kept, flags, strict=True):
        noise = None if is_code else line_is_noise(text)
        if is_code:
            stats["commented_out_code"] += 1
        elif noise is not None:
            stats[noise] += 1
        else:
            out.append(remove_urls(text))
    return _informative(_finish_text(out, stats), stats, labels_ok)
