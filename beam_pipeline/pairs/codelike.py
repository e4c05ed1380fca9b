"""The commented-out-code detector: which comment lines are code, not prose.

A comment line is code when it parses as Python of code shape (a call, attribute,
subscript, assignment, import, ``return``, a compound header ending in ``:``, a
decorator, a ``>>>`` prompt...), possibly after completing it as a line cut out of
a longer statement (closing brackets and strings, ``self.play(``, ``run_time=2)``,
``else:``), and so are the lines continuing an open bracket or the indented body of
a commented-out header; a whole block that parses as code is code. Prose that
happens to parse stays prose: a bare word ("Note"), names and operators only
("x-axis", "not needed", "red, green"), ``TODO: fix`` (an annotation of two names),
``Draw (circle)`` (space before the parenthesis), "e.g. Circle()", "scene.py", "x is
not available". Two plain names in a row ("Create the axes") never parse, which
settles most prose without parsing.
"""

from __future__ import annotations

import ast
import keyword
import re
import textwrap
from functools import lru_cache

from beam_pipeline.sourcetext import iter_comments_and_strings, parse

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
def line_is_code(line: str) -> bool:
    """Whether one comment/docstring line is Python code (see module docstring)."""
    s = line.strip()
    if not s:
        return False
    if s.startswith(">>>"):
        return True
    if s.startswith("... "):  # doctest continuation
        return line_is_code(s[4:])
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


def indent_width(s: str) -> int:
    return len(s) - len(s.lstrip(" \t"))


def block_is_code(texts: list[str]) -> bool:
    """Several lines that parse together as code, every statement code-shaped."""
    block = textwrap.dedent("\n".join(texts)).strip()
    if "\n" not in block or not _may_be_code(block):
        return False
    result = _code_statements(block)
    return result is not None and result[1]


def code_lines(texts: list[str]) -> list[bool]:
    """Per line: is it (part of) commented-out code?

    A whole block that parses as code is code. Otherwise line by line, and a code
    line that leaves a bracket open, or a code header ending in ":", makes the
    lines it continues code too.
    """
    if not texts:
        return []
    if len(texts) > 1 and block_is_code(texts):
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
        if body_indent is not None and s and indent_width(t) > body_indent:
            flags.append(True)
            continue
        body_indent = None
        is_code = line_is_code(t)
        flags.append(is_code)
        if is_code:
            closers, openers = _balance(s)
            depth = len(openers)
            if s.endswith(":"):
                body_indent = indent_width(t)
    return flags


def looks_like_code(text: str) -> bool:
    """Whether ``text`` (a comment or docstring text) is or contains Python code."""
    lines = text.split("\n")
    return any(code_lines(lines))
