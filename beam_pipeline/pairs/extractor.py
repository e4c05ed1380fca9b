"""The extractor: find the comment and docstring sites of a file and the code each describes.

It parses the file once, lists its statements with their line ranges, and pairs
each site (comment block, trailing comment, docstring, ``.. manim::`` example)
with whole statements, snapped so that every output parses on its own; the
skipped candidates are counted by reason.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from beam_pipeline.informative import (
    docstring_summary,
    line_is_noise,
)
from beam_pipeline.sourcetext import iter_comments_and_strings, safe_parse, split_lines

from .codelike import code_lines, indent_width
from .snippets import dedent_lines, parses
from .text import MANIM_DIRECTIVE_RE, clean_block, clean_docstring, comment_text, is_marker

# Reasons of `extract_pairs_with_stats` that concern the whole file (it does not
# parse, so it gives no pairs); the other reasons count skipped candidates.
FILE_FAILURES = frozenset({"syntax_error", "null_bytes", "recursion"})

# Part of the key of cached pairs (see resultcache.py): bump it when the pairs
# extracted from the same text change, so that no run serves the old ones.
EXTRACTOR_VERSION = "2"


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


def _is_trivial(node: ast.stmt) -> bool:
    """A statement that does nothing a description could ask for: ``pass``,
    ``continue``, ``break``, ``...``, a bare ``return``."""
    if isinstance(node, ast.Pass | ast.Continue | ast.Break):
        return True
    if isinstance(node, ast.Return):
        return node.value is None
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and node.value.value is Ellipsis)


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
        if first.node is last_node and _is_trivial(last_node):
            self.stats["trivial_code"] += 1  # `pass`, `continue`...: nothing to learn
            return
        text = make_text()
        if text is None:
            return
        if len(text.strip()) < self.min_chars:
            self.stats["too_short"] += 1
            return
        out, margin, tab = dedent_lines(self.lines[start - 1 : end])
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
                lambda raws=raws, first=first: clean_block(raws, first, self.stats),
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
        indent = indent_width(self.lines[st.start - 1])
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
            if indent_width(comment[0]) <= indent and self._describes(ln):
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
            text = comment_text(self.full[ln][1])
            if text.strip() and not is_marker(text) and line_is_noise(text) is None:
                texts.append(text)
            ln += 1
        result = bool(texts) and not all(code_lines(texts))
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
                lambda line=line: clean_block([inline[line]], line, self.stats),
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
                lambda doc=doc: clean_docstring(doc, self.stats),
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
        # The file is one unit: its code after the docstring (the imports and constants
        # the class needs, through the end), else the class alone when that is too long.
        first = next(st for st in self.stmts if st.depth == 0 and st.index == 1)
        last = self.tree.body[-1]
        if (last.end_lineno or last.lineno) - first.start + 1 > self.max_lines:
            first, last = top_defs[0], top_defs[0].node
        self._add(
            "module_docstring",
            lambda: clean_docstring(inspect.cleandoc(doc), self.stats),
            first,
            last,
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
            m = MANIM_DIRECTIVE_RE.match(self.lines[ln - 1])
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
            out = dedent_lines(self.lines[start - 1 : end])[0]
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
                stripped.startswith(":") and indent_width(body.expandtabs()) > indent
            ):
                break
            i += 1
        start = i
        end = start - 1
        while i <= last:
            body = self.lines[i - 1]
            if body.strip():
                if indent_width(body.expandtabs()) <= indent:
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
        if lines and not MANIM_DIRECTIVE_RE.match(lines[0]):
            para = textwrap.dedent("\n".join(lines)).strip()
            para = para.rstrip(":").rstrip()  # "... shows how to move a dot::"
            if docstring_summary(para).strip() == para:
                text = clean_docstring(para, stats, labels_ok=True)
        if text is None:
            text = clean_docstring(doc, stats, labels_ok=True)
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
