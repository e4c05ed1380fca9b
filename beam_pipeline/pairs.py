"""Comment/docstring → code pairs from one Python source file.

The dataset contract (DESIGN.md): ``input`` is natural-language text (never
commented-out code, markers or license headers); ``output`` is the code it
describes, verbatim: exactly the file's lines ``start_line..end_line`` dedented by
their common indent (`snippet`), a whole statement or block that parses alone.

Kinds and rules (all chosen for precision over recall):

* "comment": a block of consecutive full-line comments at one indentation, and the
  statement starting on the very next line at the same indentation, plus the
  siblings that follow it without a blank line, a comment line or a dedent
  between (a paragraph). A ``def``/``class`` is a unit of its own: it is taken
  whole (decorators included) and the paragraph stops at one. A blank line between
  comment and code ends the comment: such comments are mostly section headers
  that describe more than the next statement ("blank_line_gap").
* "inline": a trailing comment on the first line of a statement (a compound one
  is taken whole) or on the last line of a simple statement (a multi-line call
  ending ``)  # ...`` gives the whole call). A comment on a middle line describes
  an argument, not the statement, and is skipped ("inline_mid_statement").
* "docstring": a function or class docstring → the whole definition.
* "module_docstring": the module docstring → the module's class, when the module
  defines exactly one class and no function at top level (a scene file: its
  docstring describes that scene) and the class has no docstring of its own;
  otherwise skipped ("module_docstring"): it describes the module as a whole.

Outputs longer than ``max_output_lines`` are skipped, never truncated ("too_long").
Output text has no final line ending; inner line endings are the file's own
(CRLF stays CRLF). Lines of spaces and tabs only become empty, like
`textwrap.dedent` (for LF files ``output == textwrap.dedent("".join(lines))`` minus
one final "\\n"; for CRLF files `snippet` treats "\\r\\n" as the line end, where
`textwrap.dedent` would see a stray "\\r").

Input text: ``#`` markers off (also ``##`` and Sphinx ``#:``), the block dedented
as a whole so inner indentation stays, rstripped lines joined with "\n".
Dropped lines: tool markers (shebang, ``coding``/modelines, ``noqa``, ``type:``,
``pragma``, ``fmt:``, ``pylint:``...: "marker"), punctuation-only separators
("separator"; "=== Part 1 ===" keeps "Part 1"), and a ``TODO``/``FIXME``/``XXX``
line with the rest of its block ("todo": a note to the author, not a
description). A block with a license line (SPDX, Copyright, "Licensed under"...)
is dropped whole ("license"). Docstrings are `inspect.cleandoc`-ed; their code
examples go (doctest sessions, ``.. manim::``/``.. code-block::`` directives,
fenced blocks, ``::`` literal blocks holding code).

Commented-out code is found by `looks_like_code`: a comment line is code when it
parses as Python of code shape (a call, attribute, subscript, assignment, import,
``return``, a compound header ending in ``:``, a decorator, a ``>>>`` prompt...),
possibly after completing it as a line cut out of a longer statement (closing
brackets and strings, ``self.play(``, ``run_time=2)``, ``else:``), and so are the
lines continuing an open bracket or the indented body of a commented-out header;
a whole block that parses as code is code. Prose that happens to parse stays
prose: a bare word ("Note"), names and operators only ("x-axis", "not needed",
"red, green"), ``TODO: fix`` (an annotation of two names), ``Draw (circle)``
(space before the parenthesis), "e.g. Circle()", "scene.py", "x is not
available". Two plain names in a row ("Create the axes") never parse, which
settles most prose without parsing. Code lines are dropped ("commented_out_code");
nothing left → no pair.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import posixpath
import re
import textwrap
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from beam_pipeline.informative import (
    docstring_summary,
    line_is_noise,
    remove_urls,
    strip_decoration,
    why_uninformative,
)
from beam_pipeline.sourcetext import iter_comments_and_strings, parse, safe_parse, split_lines

__all__ = [
    "parses",
    "FILE_FAILURES",
    "RawPair",
    "extract_pairs",
    "extract_pairs_with_stats",
    "looks_like_code",
    "snippet",
]


# Reasons of `extract_pairs_with_stats` that concern the whole file (it does not
# parse, so it gives no pairs); the other reasons count skipped candidates.
FILE_FAILURES = frozenset({"syntax_error", "null_bytes", "recursion"})

# Part of the key of cached pairs (see resultcache.py): bump it when the pairs
# extracted from the same text change, so that no run serves the old ones.
EXTRACTOR_VERSION = "1"


@dataclass(frozen=True)
class RawPair:
    """A pair before the pipeline adds where it comes from (repo, path, flavor...)."""

    input: str
    output: str
    kind: str  # "comment" | "inline" | "docstring" | "module_docstring"
    start_line: int  # 1-based, inclusive, of output in the file
    end_line: int
    site_line: int = 0  # 1-based line where the input text starts (comment, docstring)


# ---------------------------------------------------------------------------
# Verbatim snippets


def _dedent(lines: list[str]) -> tuple[str, str, bool]:
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
    return _dedent(lines[max(start_line, 1) - 1 : end_line])[0]


def parses(code: str) -> bool:
    """Whether `code` parses on its own as Python 3 (never raises)."""
    try:
        parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# ---------------------------------------------------------------------------
# Commented-out code detection

_DUMMY = "__pairs_dummy__"
_CODE_EXPR_NODES = (
    ast.Attribute,
    ast.Subscript,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Dict,
    ast.JoinedStr,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
    ast.NamedExpr,
    ast.Starred,
    ast.IfExp,
    ast.Slice,
)
# A code-shaped line has a bracket, an "=", an attribute access, a keyword, or is a
# header ending in ":"; lines without any of these are prose without parsing.
_CODE_PUNCT_RE = re.compile(r"[()\[\]{}=]")
_ATTRIBUTE_RE = re.compile(r"[\w)\]]\.[A-Za-z_]")


def _may_be_code(s: str) -> bool:
    return bool(
        _CODE_PUNCT_RE.search(s)
        or s.endswith(":")
        or ("." in s and _ATTRIBUTE_RE.search(s))
        or "lambda" in s
        or _KEYWORD_START_RE.match(s)
        or (":" in s and _COMPOUND_START_RE.match(s))
    )


_KEYWORD_START_RE = re.compile(
    r"(?:pass|break|continue|return|raise|del|assert|import|from|yield|await|print"
    r"|global|nonlocal)\b"
)
_CLAUSE_RE = re.compile(r"(?:else|try|finally|except\b[^:]*|elif\b.+|case\b.+)\s*:")
_CLAUSE_WORD_RE = re.compile(r"(?:elif|else|except|finally|try)\b")
_COMPOUND_START_RE = re.compile(
    r"(?:if|elif|else|for|while|with|try|except|finally|def|class|async)\b[^:]*:"
)
_DEF_RE = re.compile(r"(?:async\s+)?def\s+[A-Za-z_]\w*\s*\(|class\s+[A-Za-z_]\w*\s*[(:]")
_FROM_IMPORT_RE = re.compile(r"from\s+\.*[A-Za-z_][\w.]*\s+import\b|from\s+\.+\s+import\b")
_DECORATOR_RE = re.compile(r"@[A-Za-z_][\w.]*(?:\(.*\))?")
_HEADER_START_RE = re.compile(r"(?:async\s+)?(?:def|class|if|elif|for|while|with)\b")
_ADJACENT_NAMES_RE = re.compile(r"(?<![\w.])(?=([A-Za-z_]\w*)[ \t]+([A-Za-z_]\w*)\b)")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"print", "exec"}
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
_ABBREVIATION_RE = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|resp)\.(?:\s|$)", re.IGNORECASE)
_QUOTED_RE = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\"")


_FILE_EXTENSIONS = frozenset(
    "py txt md rst png jpg jpeg gif svg mp4 mov json csv yml yaml toml cfg ini html "
    "sh tex pdf ipynb".split()
)


def _expr_is_code(expr: ast.AST, lines_b: list[bytes]) -> bool:
    if (  # "os.posix_spawn() is not available", "the result is cached"
        isinstance(expr, ast.Compare)
        and all(isinstance(op, (ast.Is, ast.IsNot)) for op in expr.ops)
        and all(isinstance(c, ast.Name) for c in expr.comparators)
    ):
        return False
    if (  # "scene.py": a file name
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.attr in _FILE_EXTENSIONS
    ):
        return False
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id == _DUMMY:
                    if node.keywords or not node.args:
                        return True
                    continue
                line = lines_b[func.end_lineno - 1] if func.end_lineno else b""
                if line[func.end_col_offset : func.end_col_offset + 1] == b" ":
                    continue  # "Draw (circle)": prose with a parenthesis
            return True
        if isinstance(node, _CODE_EXPR_NODES):
            return True
    return False


def _stmt_is_code(stmt: ast.stmt, lines_b: list[bytes]) -> bool:
    if isinstance(stmt, ast.Expr):
        return _expr_is_code(stmt.value, lines_b)
    if isinstance(stmt, ast.AnnAssign):  # "TODO: fix", "x : float" are prose
        return (
            stmt.value is not None
            or not isinstance(stmt.target, ast.Name)
            or _expr_is_code(stmt.annotation, lines_b)
        )
    if isinstance(stmt, (ast.Global, ast.Nonlocal)):  # "global variables" is prose
        return len(stmt.names) > 1
    return True


def _code_statements(src: str) -> tuple[bool, bool] | None:
    """None if ``src`` does not parse, else (any statement is code, all are)."""
    try:
        tree = parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not tree.body:
        return False, False
    lines_b = src.encode("utf-8", "replace").split(b"\n")
    try:
        flags = [_stmt_is_code(s, lines_b) for s in tree.body]
    except RecursionError:
        return True, True
    return any(flags), all(flags)


def _balance(s: str) -> tuple[str, str]:
    """(unmatched closers, unmatched openers) of a line, ignoring quoted text."""
    s = _QUOTED_RE.sub('""', s)
    stack: list[str] = []
    closers: list[str] = []
    for c in s:
        if c in _OPEN:
            stack.append(c)
        elif c in _CLOSE:
            if stack and stack[-1] == _CLOSE[c]:
                stack.pop()
            else:
                closers.append(c)
    return "".join(closers), "".join(stack)


_LEADING_OP_RE = re.compile(r"(?:and|or|if|else|in|not\s+in|is)\s|(?:[-+*/%&|^<>]|[=!<>]=|//|\*\*)\s")
_TRAILING_OP_RE = re.compile(r"(?:\s(?:and|or|not|in|is)|[-+*/%&|^<>=,]|[=!<>]=|//|\*\*)$")


def _candidates(s: str) -> list[str]:
    """``s`` completed the ways a line cut out of a statement may need."""
    variants = [s]
    if s.endswith(":"):  # a header whose body is missing, or "key: value,"
        variants.append(s[:-1].rstrip())
    if _LEADING_OP_RE.match(s):  # "and x.visible", "+ offset" continue an expression
        variants.append(f"{_DUMMY} {s}")
    if _TRAILING_OP_RE.search(s) and not s.endswith(","):
        variants += [f"{v} {_DUMMY}" for v in variants]
    for triple in ('"""', "'''"):  # a string going on: 'x = """', 'print("Hello'
        if s.count(triple) % 2:
            variants.append(s + triple)
            break
    else:
        unquoted = _QUOTED_RE.sub("", s)
        for quote in "\"'":
            if quote in unquoted:
                variants.append(s + quote)
                break
    out = []
    for v in variants:
        closers, openers = _balance(v)
        prefix = "".join(_DUMMY + "(" if c == ")" else _CLOSE[c] for c in reversed(closers))
        suffix = "".join(_OPEN[c] for c in reversed(openers))
        full = prefix + v + suffix
        out.append(full)
        if v.endswith(":") or _HEADER_START_RE.match(v):
            out.append(full + ("" if full.endswith(":") else ":") + "\n    pass")
        if not (closers or openers) and ("=" in v or v.endswith(",")):
            out.append(f"{_DUMMY}({v.rstrip(',')})")  # "color=RED, run_time=2,"
    for i, src in enumerate(out):  # clauses need the statement they continue
        clause = _CLAUSE_WORD_RE.match(src)
        if clause is None:
            continue
        if clause.group(0) in ("elif", "else"):
            out[i] = "if 1:\n    pass\n" + src
        elif clause.group(0) == "try":
            out[i] = src + "\nexcept:\n    pass"
        else:
            out[i] = "try:\n    pass\n" + src
    return out


def _strip_comment(s: str) -> str:
    """A commented-out line's own trailing comment off: "x = 1  # one" → "x = 1"."""
    if "#" in s:
        for m in iter_comments_and_strings(s):
            if m.group("comment") is not None:
                return s[: m.start()].rstrip()
    return s


@lru_cache(maxsize=1 << 16)
def _line_is_code(line: str) -> bool:
    """Whether one comment/docstring line is Python code (see module docstring)."""
    s = line.strip()
    if not s:
        return False
    if s.startswith(">>>"):
        return True
    if s.startswith("... "):  # doctest continuation
        return _line_is_code(s[4:])
    s = _strip_comment(s)
    if s.endswith("\\"):  # explicit line continuation
        s = s[:-1].rstrip()
    if not s:
        return False
    if (
        _DECORATOR_RE.fullmatch(s)
        or _CLAUSE_RE.fullmatch(s)
        or _FROM_IMPORT_RE.match(s)
        or _DEF_RE.match(s)
    ):
        return True
    if not _may_be_code(s):
        return False  # plain words: cannot be code-shaped
    bare = _QUOTED_RE.sub('""', s)
    if "." in bare and _ABBREVIATION_RE.search(bare):  # "e.g. Circle()" parses
        return False
    for m in _ADJACENT_NAMES_RE.finditer(bare):
        if m.group(1) not in _KEYWORDS and m.group(2) not in _KEYWORDS:
            return False  # "Create the axes": two names in a row never parse
    for src in _candidates(s):
        result = _code_statements(src)
        if result is not None and result[0]:
            return True
    return False


def _indent_width(s: str) -> int:
    return len(s) - len(s.lstrip(" \t"))


def _block_is_code(texts: list[str]) -> bool:
    """Several lines that parse together as code, every statement code-shaped."""
    block = textwrap.dedent("\n".join(texts)).strip()
    if "\n" not in block or not _may_be_code(block):
        return False
    result = _code_statements(block)
    return result is not None and result[1]


def _code_lines(texts: list[str]) -> list[bool]:
    """Per line: is it (part of) commented-out code?

    A whole block that parses as code is code. Otherwise line by line, and a code
    line that leaves a bracket open, or a code header ending in ":", makes the
    lines it continues code too.
    """
    if not texts:
        return []
    if len(texts) > 1 and _block_is_code(texts):
        return [bool(t.strip()) for t in texts]
    flags = []
    depth = 0
    body_indent: int | None = None  # indent of a commented-out compound header
    for t in texts:
        s = t.strip()
        if depth > 0:
            closers, openers = _balance(s)
            depth = max(0, depth - len(closers) + len(openers))
            flags.append(True)
            continue
        if body_indent is not None and s and _indent_width(t) > body_indent:
            flags.append(True)
            continue
        body_indent = None
        is_code = _line_is_code(t)
        flags.append(is_code)
        if is_code:
            closers, openers = _balance(s)
            depth = len(openers)
            if s.endswith(":"):
                body_indent = _indent_width(t)
    return flags


def looks_like_code(text: str) -> bool:
    """Whether ``text`` (a comment or docstring text) is or contains Python code."""
    lines = text.split("\n")
    return any(_code_lines(lines))


# ---------------------------------------------------------------------------
# Comment text cleaning

_MARKER_START_RE = re.compile(
    r"""\s*(?:
        (?:vim?|ex):                            # vim modeline
      | (?:noqa|type:|pragma\b|fmt:|pylint:|mypy:|pyright:|pyre-|isort:|ruff:
          |flake8[:\s]|nosec\b|yapf:|autopep8:|lgtm\b|nolint\b|coverage:|nocover\b)
    )""",
    re.VERBOSE,
)
_MARKER_ANYWHERE_RE = re.compile(r"-\*-.*-\*-|\bnoqa\b|\btype:\s*ignore|\bpylint:\s*(?:dis|en)able")


def _is_marker(text: str) -> bool:
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


def _comment_text(raw: str) -> str:
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


def _clean_block(
    raws: list[str], first_line: int, stats: Counter[str]
) -> str | None:
    """Input text of a comment block, or None (reason counted in ``stats``)."""
    texts = []
    for i, raw in enumerate(raws):
        text = _comment_text(raw)
        if raw.startswith("#!") or _is_marker(text) or (
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
    flags = _code_lines(texts)
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
    if "\n" in text and _block_is_code(text.split("\n")):
        stats["commented_out_code"] += 1
        return None
    return text


_MANIM_DIRECTIVE_RE = re.compile(r"([ \t]*)\.\.[ \t]+manim::[ \t]*[A-Za-z_]\w*")
_DIRECTIVE_RE = re.compile(
    r"\s*\.\.\s+(?:manim|code-block|code|sourcecode|testcode|testsetup|doctest"
    r"|jupyter-execute|ipython|plot)::"
)


def _clean_docstring(doc: str, stats: Counter[str], labels_ok: bool = False) -> str | None:
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
            indent = _indent_width(line)
            i += 1
            while i < n:
                t = lines[i]
                if fence:
                    i += 1
                    if t.strip().startswith("```"):
                        break
                    continue
                if t.strip() and _indent_width(t) <= indent:
                    break
                i += 1
            stats["commented_out_code"] += 1
            continue
        if s.endswith("::") and not _DIRECTIVE_RE.match(line):  # RST literal block
            indent = _indent_width(line)
            j = i + 1
            while j < n and (not lines[j].strip() or _indent_width(lines[j]) > indent):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1  # the blank lines after the block stay
            literal = lines[i + 1 : j]
            if any(_code_lines([t for t in literal if t.strip()])):
                kept.append(line.rstrip()[:-1])  # "Example::" -> "Example:"
                stats["commented_out_code"] += 1
                i = j
                continue
        kept.append(line)
        i += 1
    flags = _code_lines(kept)
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


# ---------------------------------------------------------------------------
# Names a step binds and uses

_PAUSES = frozenset({"wait", "pause", "wait_until"})


def _dotted(node: ast.AST) -> str | None:
    """"self.circle" for an attribute chain on a name, the name for a Name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _bound_names(node: ast.AST, out: set[str]) -> None:
    """Names (and ``self.x`` attributes) that ``node`` assigns, defines or imports."""
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Name, ast.Attribute)) and isinstance(sub.ctx, ast.Store):
            name = _dotted(sub)
            if name and name != "self":
                out.add(name)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                out.add(alias.asname or alias.name.split(".")[0])


def _uses(node: ast.AST, names: set[str]) -> bool:
    """Whether ``node`` reads one of ``names`` (a name, or an attribute like self.x)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if sub.id in names:
                return True
        elif isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load):
            name = _dotted(sub)
            if name is not None and name in names:
                return True
    return False


def _is_pause(node: ast.stmt) -> bool:
    """``self.wait()``, ``self.wait(2)``, ``wait()``: a pause after a step."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    if isinstance(func, ast.Attribute):
        return func.attr in _PAUSES and isinstance(func.value, ast.Name)
    return isinstance(func, ast.Name) and func.id in _PAUSES


def _continues(paragraph: list[ast.stmt], bound: set[str]) -> bool:
    """Whether a later paragraph goes on with a step that bound ``bound``."""
    if all(_is_pause(n) for n in paragraph):
        return True
    return bool(bound) and any(_uses(n, bound) for n in paragraph)



# ---------------------------------------------------------------------------
# Statements


@dataclass
class _Stmt:
    node: ast.stmt
    start: int  # first line, decorators included
    first: int  # the statement's own line (``def``/``class`` line when decorated)
    end: int
    depth: int
    body: list[ast.stmt]
    index: int
    is_def: bool
    is_compound: bool
    is_elif: bool
    in_function: bool  # inside a def (a nested def may then be part of a step)


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BODY_FIELDS = ("body", "orelse", "finalbody")


def _statements(tree: ast.Module, lines: list[str]) -> list[_Stmt]:
    """Every statement at any depth, in pre-order, with its line range."""
    out: list[_Stmt] = []
    stack: list[tuple[list[ast.stmt], int, ast.AST | None, bool]] = [(tree.body, 0, None, False)]
    while stack:
        body, depth, parent, in_function = stack.pop()
        for index, node in enumerate(body):
            decorators = getattr(node, "decorator_list", None)
            start = min(node.lineno, decorators[0].lineno) if decorators else node.lineno
            is_elif = (
                isinstance(parent, ast.If)
                and isinstance(node, ast.If)
                and body is parent.orelse
                and len(body) == 1
                and lines[node.lineno - 1].lstrip().startswith("elif")
            )
            compound = False
            children = []
            for field in _BODY_FIELDS:
                sub = getattr(node, field, None)
                if sub and isinstance(sub, list):
                    compound = True
                    children.append(sub)
            for handler in getattr(node, "handlers", ()):
                compound = True
                children.append(handler.body)
            for case in getattr(node, "cases", ()):
                compound = True
                children.append(case.body)
            out.append(
                _Stmt(
                    node,
                    start,
                    node.lineno,
                    node.end_lineno or node.lineno,
                    depth,
                    body,
                    index,
                    isinstance(node, _DEFS),
                    compound,
                    is_elif,
                    in_function,
                )
            )
            inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(node, ast.ClassDef):
                inner = False
            for sub in reversed(children):
                stack.append((sub, depth + 1, node, inner))
    return out


def _start_of(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min(node.lineno, decorators[0].lineno) if decorators else node.lineno


def _is_string_expr(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


class _Extractor:
    """State for one file: its lines, statements and the running skip counts."""

    def __init__(self, text: str, tree: ast.Module, max_lines: int, min_chars: int) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.tree = tree
        self.max_lines = max_lines
        self.min_chars = min_chars
        self.stats: Counter[str] = Counter()
        self.pairs: list[RawPair] = []
        self.stmts = _statements(tree, self.lines)
        self.full: dict[int, tuple[str, str]] = {}  # line -> (indent, raw) of full-line comments
        self._describing: dict[int, bool] = {}

    # -- output ----------------------------------------------------------------

    def _rest_after(self, node: ast.stmt) -> str:
        """What follows ``node`` on its last line (end_col_offset is in UTF-8 bytes)."""
        line = self.lines[(node.end_lineno or node.lineno) - 1].rstrip("\r\n")
        col = node.end_col_offset or 0
        if line.isascii():
            return line[col:]
        return line.encode("utf-8")[col:].decode("utf-8", "replace")

    def _add(
        self,
        kind: str,
        make_text: Callable[[], str | None],
        first: _Stmt,
        last_node: ast.stmt,
        site_line: int,
    ) -> None:
        """Add the pair of ``make_text()`` and lines first..last_node, if it qualifies.

        The length is checked before the (costlier) text cleaning.
        """
        start, end = first.start, last_node.end_lineno or last_node.lineno
        if end - start + 1 > self.max_lines:
            self.stats["too_long"] += 1
            return
        text = make_text()
        if text is None:
            return
        if len(text.strip()) < self.min_chars:
            self.stats["too_short"] += 1
            return
        out, margin, tab = _dedent(self.lines[start - 1 : end])
        first_line = self.lines[start - 1]
        indent = first_line[: len(first_line) - len(first_line.lstrip(" \t"))]
        rest = self._rest_after(last_node).strip(" \t\x0c")
        if rest.startswith(";"):  # a trailing semicolon
            rest = rest[1:].strip(" \t\x0c")
        safe = (
            indent == margin
            and len(indent) == first.node.col_offset
            and not (tab and margin)
            and (not rest or rest.startswith("#"))
        )
        if not safe and not parses(out):
            self.stats["unparsable_output"] += 1
            return
        self.pairs.append(RawPair(text, out, kind, start, end, site_line))

    # -- comments ----------------------------------------------------------------

    def comments(self) -> None:
        if "#" not in self.text:
            return
        starts = [0, *accumulate(map(len, self.lines))]
        full: dict[int, tuple[str, str]] = {}  # line -> (indent, raw comment)
        inline: dict[int, str] = {}
        for m in iter_comments_and_strings(self.text):
            raw = m.group("comment")
            if raw is None:
                continue
            pos = m.start()
            row = bisect_right(starts, pos) - 1
            prefix = self.text[starts[row] : pos]
            if prefix.strip(" \t\x0c"):
                inline[row + 1] = raw
            else:
                full[row + 1] = (prefix, raw)
        self.full = full
        self._comment_blocks(full)
        self._inline(inline)

    def _comment_blocks(self, full: dict[int, tuple[str, str]]) -> None:
        starts: dict[int, _Stmt] = {}
        for st in self.stmts:
            if not st.is_elif:
                prev = starts.get(st.start)
                if prev is None or st.depth < prev.depth:
                    starts[st.start] = st
        for line in sorted(full):
            if line + 1 in full and full[line + 1][0] == full[line][0]:
                continue  # not the last line of its block
            indent = full[line][0]
            first = line
            while first - 1 in full and full[first - 1][0] == indent:
                first -= 1
            st = starts.get(line + 1)
            if st is None:  # a blank line, a continuation line, "else:", the end
                blank = line < len(self.lines) and not self.lines[line].strip()
                self.stats["blank_line_gap" if blank else "no_statement"] += 1
                continue
            st_line = self.lines[st.start - 1]
            if st_line[: len(st_line) - len(st_line.lstrip(" \t"))] != indent:
                self.stats["indent_mismatch"] += 1
                continue
            if _is_string_expr(st.node):
                self.stats["no_code"] += 1
                continue
            raws = [full[i][1] for i in range(first, line + 1)]
            self._add(
                "comment",
                lambda raws=raws, first=first: _clean_block(raws, first, self.stats),
                st,
                self._step_end(st),
                first,
            )

    # -- steps -----------------------------------------------------------------

    def _step_end(self, st: _Stmt) -> ast.stmt:
        """The last statement of the step that a full-line comment above ``st`` describes.

        A ``def``/``class`` is a step of its own. Otherwise the step is the paragraph
        starting at ``st`` (the siblings up to a blank line), then each following
        paragraph of the same block that goes on with it: one that uses a name the
        step bound (objects built, a blank line, the ``self.play`` animating them) or
        that only waits. It never passes the next describing comment at its
        indentation (commented-out code and markers are not such comments), the end
        of its block, or a ``def``/``class`` outside a function. A step longer than
        ``max_lines`` ends at the last paragraph boundary that fits, or within its
        first paragraph at the last statement boundary that fits.
        """
        if st.is_def:
            return self._same_line_siblings(st.body, st.index)
        indent = _indent_width(self.lines[st.start - 1])
        paragraphs: list[list[ast.stmt]] = [[st.node]]
        last = st.node
        for node in st.body[st.index + 1 :]:
            if isinstance(node, _DEFS) and not st.in_function:
                break
            gap = self._gap(last.end_lineno or last.lineno, _start_of(node), indent)
            if gap == "stop":
                break
            if gap == "blank":
                paragraphs.append([node])
            else:
                paragraphs[-1].append(node)
            last = node
        bound: set[str] = set()
        for node in paragraphs[0]:
            _bound_names(node, bound)
        taken = [paragraphs[0]]
        for para in paragraphs[1:]:
            if not _continues(para, bound):
                break
            for node in para:
                _bound_names(node, bound)
            taken.append(para)
        return self._fit(st, taken)

    def _fit(self, st: _Stmt, taken: list[list[ast.stmt]]) -> ast.stmt:
        """The end of ``taken`` cut to ``max_lines`` at a paragraph, else statement, boundary."""
        limit = st.start + self.max_lines - 1
        for para in reversed(taken):
            if (para[-1].end_lineno or para[-1].lineno) <= limit:
                return para[-1]
        first = taken[0]
        for k in range(len(first) - 2, -1, -1):
            end = first[k].end_lineno or first[k].lineno
            if end <= limit and _start_of(first[k + 1]) > end:
                return first[k]
        return first[-1]  # even the first statement is too long: `_add` says so

    def _gap(self, prev_end: int, next_start: int, indent: int) -> str:
        """Between two siblings: "stop" (a describing comment), "blank" or "none"."""
        blank = False
        for ln in range(prev_end + 1, next_start):
            comment = self.full.get(ln)
            if comment is None:
                blank = blank or not self.lines[ln - 1].strip()
                continue
            if _indent_width(comment[0]) <= indent and self._describes(ln):
                return "stop"
        return "blank" if blank else "none"

    def _describes(self, line: int) -> bool:
        """Whether the comment block holding ``line`` has a line of text (not code,
        markers or TODO notes): such a comment starts a new step."""
        indent = self.full[line][0]
        first = line
        while first - 1 in self.full and self.full[first - 1][0] == indent:
            first -= 1
        cached = self._describing.get(first)
        if cached is not None:
            return cached
        texts = []
        ln = first
        while ln in self.full and self.full[ln][0] == indent:
            text = _comment_text(self.full[ln][1])
            if text.strip() and not _is_marker(text) and line_is_noise(text) is None:
                texts.append(text)
            ln += 1
        result = bool(texts) and not all(_code_lines(texts))
        self._describing[first] = result
        return result

    @staticmethod
    def _same_line_siblings(body: list[ast.stmt], index: int) -> ast.stmt:
        last = body[index]
        for node in body[index + 1 :]:
            if _start_of(node) != (last.end_lineno or last.lineno):
                break
            last = node
        return last

    def _inline(self, inline: dict[int, str]) -> None:
        if not inline:
            return
        wanted = sorted(inline)
        best: dict[int, _Stmt] = {}
        for st in self.stmts:
            lo = bisect_left(wanted, st.start)
            hi = bisect_right(wanted, st.end)
            for line in wanted[lo:hi]:
                cur = best.get(line)
                if cur is None or st.start > cur.start:
                    best[line] = st
        for line in wanted:
            st = best.get(line)
            if st is None:
                self.stats["no_statement"] += 1
                continue
            if st.is_elif or not (line == st.first or (not st.is_compound and line == st.end)):
                self.stats["inline_mid_statement"] += 1
                continue
            if _is_string_expr(st.node):
                self.stats["no_code"] += 1
                continue
            self._add(
                "inline",
                lambda line=line: _clean_block([inline[line]], line, self.stats),
                st,
                self._same_line_siblings(st.body, st.index),
                line,
            )

    # -- docstrings --------------------------------------------------------------

    def docstrings(self) -> None:
        top_defs = []
        for st in self.stmts:
            if not st.is_def:
                continue
            if st.depth == 0:
                top_defs.append(st)
            doc = ast.get_docstring(st.node, clean=True)  # type: ignore[arg-type]
            if doc is None:
                continue
            self._add(
                "docstring",
                lambda doc=doc: _clean_docstring(doc, self.stats),
                st,
                st.node,
                st.node.body[0].lineno,
            )
            self._doc_examples(st.node.body[0], doc)
        doc = ast.get_docstring(self.tree, clean=False)
        if doc is None:
            return
        self._doc_examples(self.tree.body[0], inspect.cleandoc(doc))
        if (
            len(top_defs) != 1
            or not isinstance(top_defs[0].node, ast.ClassDef)
            or ast.get_docstring(top_defs[0].node) is not None
        ):
            self.stats["module_docstring"] += 1
            return
        self._add(
            "module_docstring",
            lambda: _clean_docstring(inspect.cleandoc(doc), self.stats),
            top_defs[0],
            top_defs[0].node,
            self.tree.body[0].lineno,
        )

    # -- documentation examples ---------------------------------------------------

    def _doc_examples(self, node: ast.stmt, doc: str) -> None:
        """A pair per ``.. manim:: Name`` block of a docstring: its code, verbatim.

        Input: the paragraph introducing the block, else the documented object's
        summary. The code lines are the file's own, so a docstring whose text differs
        from its source (escapes in a non-raw string) gives no pair.
        """
        first, last = node.lineno, node.end_lineno or node.lineno
        if "manim::" not in doc:
            return
        raw_prefix = self._string_prefix(node)
        for ln in range(first, last + 1):
            m = _MANIM_DIRECTIVE_RE.match(self.lines[ln - 1])
            if m is None:
                continue
            block = self._directive_block(ln, len(m.group(1).expandtabs()), last)
            if block is None:
                self.stats["doc_example_incomplete"] += 1
                continue
            start, end = block
            if end - start + 1 > self.max_lines:
                self.stats["too_long"] += 1
                continue
            out = _dedent(self.lines[start - 1 : end])[0]
            if "\\" in out and "r" not in raw_prefix.lower():
                self.stats["doc_example_escapes"] += 1  # the docstring says something else
                continue
            if not parses(out):
                self.stats["unparsable_output"] += 1
                continue
            text = self._example_intro(first, ln, doc)
            if text is None:
                continue
            self.pairs.append(RawPair(text, out, "doc_example", start, end, ln))

    def _string_prefix(self, node: ast.stmt) -> str:
        line = self.lines[node.lineno - 1]
        col = node.col_offset if line.isascii() else len(
            line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")
        )
        rest = line[col:]
        return rest[: len(rest) - len(rest.lstrip("rRbBuUfF"))]

    def _directive_block(self, ln: int, indent: int, last: int) -> tuple[int, int] | None:
        """(first, last) line of the code under the directive on line ``ln``."""
        i = ln + 1
        while i <= last:  # options (":quality: low") and blank lines
            body = self.lines[i - 1]
            stripped = body.strip()
            if stripped and not (
                stripped.startswith(":") and _indent_width(body.expandtabs()) > indent
            ):
                break
            i += 1
        start = i
        end = start - 1
        while i <= last:
            body = self.lines[i - 1]
            if body.strip():
                if _indent_width(body.expandtabs()) <= indent:
                    break
                end = i
            i += 1
        if end < start:
            return None
        closing = self.lines[end - 1]
        if end == last and ('"""' in closing or "'''" in closing):
            return None  # the closing quotes share the last code line: no whole example
        return start, end

    def _example_intro(self, doc_first: int, directive: int, doc: str) -> str | None:
        """The paragraph before the directive, else the docstring's summary."""
        lines: list[str] = []
        ln = directive - 1
        while ln >= doc_first and not self.lines[ln - 1].strip():
            ln -= 1
        while ln >= doc_first and self.lines[ln - 1].strip():
            lines.append(self.lines[ln - 1].rstrip("\r\n"))
            ln -= 1
        lines.reverse()
        if lines and ln < doc_first:  # the docstring's opening line: quotes off
            lines[0] = lines[0].lstrip()
            lines[0] = lines[0][len(lines[0]) - len(lines[0].lstrip("rRbBuUfF")) :]
            lines[0] = lines[0].lstrip("\"'")
        stats: Counter[str] = Counter()
        text = None
        if lines and not _MANIM_DIRECTIVE_RE.match(lines[0]):
            para = textwrap.dedent("\n".join(lines)).strip()
            para = para.rstrip(":").rstrip()  # "... shows how to move a dot::"
            if docstring_summary(para).strip() == para:
                text = _clean_docstring(para, stats, labels_ok=True)
        if text is None:
            text = _clean_docstring(doc, stats, labels_ok=True)
        if text is None:
            self.stats["doc_example_no_text"] += 1
            return None
        return text



def extract_pairs_with_stats(
    text: str, *, max_output_lines: int = 60, min_input_chars: int = 3
) -> tuple[list[RawPair], dict[str, int]]:
    """Pairs of one file's text, and how many candidates were skipped, by reason.

    A file that does not parse gives no pairs and one of "syntax_error",
    "null_bytes", "recursion" (counted once).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    tree, reason = safe_parse(text)
    if tree is None:
        return [], {reason or "syntax_error": 1}
    ex = _Extractor(text, tree, max_output_lines, min_input_chars)
    try:
        ex.comments()
        ex.docstrings()
    except RecursionError:  # pathological nesting met while walking: keep what we have
        ex.stats["walk_recursion"] += 1
    pairs = sorted(ex.pairs, key=lambda p: (p.start_line, p.end_line, p.kind))
    return pairs, dict(ex.stats)


def extract_pairs(
    text: str, *, max_output_lines: int = 60, min_input_chars: int = 3
) -> list[RawPair]:
    """Pairs of one file's text (see the module docstring for the rules)."""
    return extract_pairs_with_stats(
        text, max_output_lines=max_output_lines, min_input_chars=min_input_chars
    )[0]
