"""Which files of a repository use Manim, directly or through the repository's modules.

Two steps, so that the expensive one runs per file (in parallel) and only small
facts meet per repository:

* `analyze_file` reads one file: where it sits in the module tree, what it imports,
  and whether it imports Manim itself.
* `resolve_repository` links the files of one repository through their imports and
  propagates the Manim flavours along the links to a fixpoint, so that
  ``from manim_imports_ext import *`` (whose module does ``from manimlib import *``)
  counts, through re-export chains of any length and through cycles.

What counts as Manim:

* ``manim`` / ``manim.*`` is ManimCE ("manimce"); ``manimlib`` / ``manimlib.*`` (incl.
  ``manimlib.imports``) and ``big_ol_pile_of_manim_imports`` are ManimGL ("manimgl").
* Only real imports count: ``import``/``from`` statements anywhere in the file
  (also inside functions and ``try``), and ``importlib.import_module("manim")`` /
  ``__import__("manim")`` with a literal absolute name. Words in comments and
  strings never count.
* ``zmanim``, ``manimpango`` and the plugins ``manim_slides``, ``manim_physics``,
  ``manim_voiceover``... are other top-level packages, so *not* Manim: a plugin
  needs Manim installed, but a file that only imports the plugin does not show
  Manim code itself (and almost every such file also imports ``manim``). A module of
  the repository with such a name is resolved like any other local module.
* A package named ``manim`` or ``manimlib`` inside the repository (a folder with an
  ``__init__.py``: the library's own repository or a vendored copy) *is* Manim, so
  a file importing any of its modules (absolutely or relatively, from inside the
  package or outside) imports Manim of that flavour. A module of the package that
  imports nothing of it (an empty ``__init__.py``, a logging helper) is not Manim.

A file that does not parse (Python 2, syntax errors, NUL bytes, pathological
nesting) is still scanned: with `tokenize` over its logical lines, or when even
that fails, with a line regex over the text stripped of comments and strings.
"""

from __future__ import annotations

import ast
import posixpath
import re
import tokenize
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from beam_pipeline.sourcetext import (
    DecodedSource,
    decode_lossy,
    decode_source,
    generate_tokens,
    safe_parse,
    strip_comments_and_strings,
)

__all__ = [
    "FLAVORS",
    "ImportFacts",
    "analyze_file",
    "analyze_text",
    "flavor_of_name",
    "resolve_repository",
]

# Part of the key of cached import facts (see resultcache.py): bump it when the
# facts of the same file change, so that no run serves the old ones.
ANALYSIS_VERSION = "1"

MANIMCE = "manimce"
MANIMGL = "manimgl"
BOTH = "both"
FLAVORS = (MANIMCE, MANIMGL, BOTH)

_TOP_LEVEL_FLAVOR = {
    "manim": MANIMCE,
    "manimlib": MANIMGL,
    "big_ol_pile_of_manim_imports": MANIMGL,
}
_BITS = {MANIMCE: 1, MANIMGL: 2}
_BITS_TO_FLAVOR = {0: None, 1: MANIMCE, 2: MANIMGL, 3: BOTH}
# Local package names that make their own modules Manim (see module docstring).
_LIBRARY_DIRS = {"manim": MANIMCE, "manimlib": MANIMGL}


@dataclass(frozen=True)
class ImportFacts:
    """What one file tells about its imports; small and picklable.

    ``imports`` are absolute dotted names as written, expanded to every module they
    may load (``import a.b.c`` → a.b.c, a.b, a; ``from a.b import c`` → a.b.c
    (if ``c`` is a submodule), a.b, a: importing a module runs its packages).
    ``relative_imports`` are the relative ones, already resolved against the
    repository root by the file's package position. ``direct_flavors`` is the
    sorted subset of ("manimce", "manimgl") the file imports itself.
    ``parse_mode`` is "ast", "tokenize", "regex" or "none" (binary: not scanned);
    ``reason`` says why the AST was not used, or "undecodable" when the AST is of
    a text decoded with replacement characters. ``scenes`` names the top-level
    classes that define ``construct`` (Manim's scene method; AST mode only).
    """

    path: str
    module: str
    package: str
    imports: tuple[str, ...] = ()
    relative_imports: tuple[str, ...] = ()
    direct_flavors: tuple[str, ...] = ()
    parse_mode: str = "ast"
    reason: str | None = None
    scenes: tuple[str, ...] = ()  # top-level classes with a ``construct`` method

    @property
    def direct_flavor(self) -> str | None:
        """"manimce", "manimgl", "both" or None, from direct imports only."""
        return _BITS_TO_FLAVOR[sum(_BITS[f] for f in self.direct_flavors)]

    @property
    def imports_manim(self) -> bool:
        return bool(self.direct_flavors)


def flavor_of_name(dotted: str) -> str | None:
    """Flavour of an absolute module name (``manim.animation`` → "manimce")."""
    return _TOP_LEVEL_FLAVOR.get(dotted.split(".", 1)[0])


def _normalize_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def _module_of(path: str) -> tuple[str, str]:
    """(module, package) of a repository path: a/b/c.py → (a.b.c, a.b)."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _expand_import(name: str) -> list[str]:
    """``a.b.c`` → [a.b.c, a.b, a]: importing a module runs its parents."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _resolve_relative(package: str, level: int, module: str | None) -> str | None:
    """Absolute (repository-root) name of ``from <level dots><module> import``."""
    base = package.split(".") if package else []
    if level - 1 > len(base):
        return None  # beyond the top of the repository
    if level > 1:
        base = base[: len(base) - (level - 1)]
    if module:
        base = base + module.split(".")
    return ".".join(base)


class _Collector:
    """Accumulates import facts from any of the three scanners."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.absolute: dict[str, None] = {}
        self.relative: dict[str, None] = {}
        self.bits = 0
        self.scenes: tuple[str, ...] = ()

    def add_import(self, name: str) -> None:
        """``import a.b.c``."""
        if not name:
            return
        for candidate in _expand_import(name):
            self.absolute[candidate] = None
        self.bits |= _BITS.get(flavor_of_name(name) or "", 0)

    def add_from(self, level: int, module: str | None, names: Iterable[str]) -> None:
        """``from <level dots><module> import names``."""
        names = [n for n in names if n and n != "*"]
        if level == 0:
            if not module:
                return
            for candidate in _expand_import(module):
                self.absolute[candidate] = None
            for n in names:
                self.absolute[f"{module}.{n}"] = None
            self.bits |= _BITS.get(flavor_of_name(module) or "", 0)
            return
        base = _resolve_relative(self.package, level, module)
        if base is None:
            return
        if base:
            self.relative[base] = None
        for n in names:
            self.relative[f"{base}.{n}" if base else n] = None

    def facts(self, path: str, module: str, mode: str, reason: str | None) -> ImportFacts:
        return ImportFacts(
            path=path,
            module=module,
            package=self.package,
            imports=tuple(self.absolute),
            relative_imports=tuple(self.relative),
            direct_flavors=tuple(f for f in (MANIMCE, MANIMGL) if self.bits & _BITS[f]),
            parse_mode=mode,
            reason=reason,
            scenes=self.scenes,
        )


_STMT_LIST_FIELDS = ("body", "orelse", "finalbody")


def _scan_ast(tree: ast.Module, text: str, out: _Collector) -> None:
    """Import statements at any depth; only statement lists are walked (cheap)."""
    stack: list[list[ast.stmt]] = [tree.body]
    while stack:
        for node in stack.pop():
            if isinstance(node, ast.Import):
                for alias in node.names:
                    out.add_import(alias.name)
            elif isinstance(node, ast.ImportFrom):
                out.add_from(node.level, node.module, (a.name for a in node.names))
            else:
                for field in _STMT_LIST_FIELDS:
                    body = getattr(node, field, None)
                    if body:
                        stack.append(body)
                for handler in getattr(node, "handlers", ()):
                    stack.append(handler.body)
                for case in getattr(node, "cases", ()):
                    stack.append(case.body)
    out.scenes = tuple(
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "construct"
            for item in node.body
        )
    )
    if "import_module" in text or "__import__" in text:
        for node in ast.walk(tree):
            name = _dynamic_import_name(node)
            if name:
                out.add_import(name)


def _dynamic_import_name(node: ast.AST) -> str | None:
    """The literal absolute module of ``importlib.import_module("x")`` / ``__import__("x")``."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if fname not in ("import_module", "__import__"):
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        name = arg.value.strip()
        if name and not name.startswith(".") and _DOTTED_RE.fullmatch(name):
            return name
    return None


_DOTTED_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_SKIP_TOKENS = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
}


def _parse_statement_tokens(words: list[str], out: _Collector) -> None:
    """One simple statement as a list of token strings (strings/comments removed)."""
    if not words:
        return
    if words[0] == "import":
        for part in _split_commas(words[1:]):
            if "as" in part:
                part = part[: part.index("as")]
            name = "".join(part)
            if _DOTTED_RE.fullmatch(name):
                out.add_import(name)
    elif words[0] == "from" and "import" in words:
        i = words.index("import")
        head = "".join(words[1:i])
        level = len(head) - len(head.lstrip("."))
        module = head[level:] or None
        if module is not None and not _DOTTED_RE.fullmatch(module):
            return
        names = []
        for part in _split_commas([w for w in words[i + 1 :] if w not in "()"]):
            if part:
                names.append(part[0])
        out.add_from(level, module, names)


def _split_commas(words: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for w in words:
        if w == ",":
            parts.append([])
        else:
            parts[-1].append(w)
    return parts


def _statements_of_logical_line(words: list[str]) -> list[list[str]]:
    """Split at ';' and after a compound header's ':' (``if x: import y``)."""
    out: list[list[str]] = [[]]
    depth = 0
    for w in words:
        if w in _OPENERS:
            depth += 1
        elif w in _CLOSERS:
            depth = max(0, depth - 1)
        if depth == 0 and (w == ";" or (w == ":" and out[-1] and out[-1][0] in _COMPOUND)):
            out.append([])
            continue
        out[-1].append(w)
    return out


_COMPOUND = {"if", "elif", "else", "for", "while", "try", "except", "finally", "with",
             "def", "class", "async"}
_OPENERS = {"(", "[", "{"}
_CLOSERS = {")", "]", "}"}


def _scan_tokens(text: str, out: _Collector) -> None:
    """Import statements from logical lines; comments and strings are never seen."""
    words: list[str] = []
    for tok in generate_tokens(text):
        if tok.type in _SKIP_TOKENS:
            continue
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            for stmt in _statements_of_logical_line(words):
                _parse_statement_tokens(stmt, out)
            words = []
        elif tok.type == tokenize.STRING:
            words.append('""')
        else:
            words.append(tok.string)
    for stmt in _statements_of_logical_line(words):
        _parse_statement_tokens(stmt, out)


_LINE_IMPORT_RE = re.compile(
    r"(?:^|[;:])[ \t]*(?:from[ \t]+(?P<from>\.*[\w.]*)[ \t]+import[ \t]+\(?(?P<names>[\w \t,\\]*)"
    r"|import[ \t]+(?P<mods>[\w. \t,]+))",
    re.MULTILINE,
)


def _scan_regex(text: str, out: _Collector) -> None:
    """Last resort: a line regex over the text without comments and strings."""
    for m in _LINE_IMPORT_RE.finditer(strip_comments_and_strings(text)):
        if m.group("mods") is not None:
            for part in m.group("mods").split(","):
                words = part.split()
                if words and _DOTTED_RE.fullmatch(words[0]):
                    out.add_import(words[0])
        else:
            head = m.group("from")
            level = len(head) - len(head.lstrip("."))
            module = head[level:] or None
            if module is not None and not _DOTTED_RE.fullmatch(module):
                continue
            names = [p.split()[0] for p in m.group("names").replace("\\", " ").split(",")
                     if p.split()]
            out.add_from(level, module, names)


def analyze_text(path: str, text: str, reason: str | None = None) -> ImportFacts:
    """`analyze_file` for text that is already decoded (``reason`` from decoding)."""
    path = _normalize_path(path)
    module, package = _module_of(path)
    out = _Collector(package)
    tree, parse_reason = safe_parse(text)
    reason = reason or parse_reason  # undecodable bytes often sit in comments only
    if tree is not None:
        _scan_ast(tree, text, out)
        return out.facts(path, module, "ast", reason)
    try:
        _scan_tokens(text, out)
        mode = "tokenize"
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        out = _Collector(package)
        _scan_regex(text, out)
        mode = "regex"
    return out.facts(path, module, mode, reason)


def analyze_file(path: str, data: bytes, decoded: DecodedSource | None = None) -> ImportFacts:
    """Import facts of one file of a repository, from its path and raw bytes.

    ``decoded``: how the bytes decode, when the caller knows already (then they
    are not decoded again, and ``data`` is only read for an undecodable file).
    """
    if decoded is None:
        decoded = decode_source(data)
    if decoded.reason == "binary":
        norm = _normalize_path(path)
        module, package = _module_of(norm)
        return ImportFacts(norm, module, package, parse_mode="none", reason="binary")
    if decoded.text is None:
        return analyze_text(path, decode_lossy(data), decoded.reason)
    return analyze_text(path, decoded.text)


def _library_flavor(path: str, packages: set[str]) -> int:
    """Bits of the local ``manim``/``manimlib`` packages that contain ``path``."""
    bits = 0
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        flavor = _LIBRARY_DIRS.get(part)
        if flavor and "/".join(parts[: i + 1]) in packages:
            bits |= _BITS[flavor]
    return bits


def module_index(paths: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """The modules of one repository's files and its package folders.

    Modules are keyed by their path without ".py" (a/b/c; a/b for a/b/__init__.py,
    "" for a root __init__.py).
    """
    modules: dict[str, str] = {}
    packages: set[str] = set()
    for path in paths:
        if not path.endswith(".py"):
            continue
        stem = path[:-3]
        if stem.endswith("/__init__") or stem == "__init__":
            pkg = stem[: -len("__init__")].rstrip("/")
            packages.add(pkg)
            modules.setdefault(pkg, path)
        else:
            modules[stem] = path
    return modules, packages


def local_imports(path: str, facts: ImportFacts, modules: Mapping[str, str]) -> set[str]:
    """The files of the repository that ``path`` imports (see `module_index`).

    An absolute import is looked up in the importing file's folder, then its parent
    folders up to the repository root (scripts run from their folder; packages
    import from the root), nearest first; relative imports are already resolved
    against the root.
    """
    folder = posixpath.dirname(path)
    bases = []
    while True:
        bases.append(folder + "/" if folder else "")
        if not folder:
            break
        folder = posixpath.dirname(folder)
    targets: set[str] = set()
    for name in facts.imports:
        rel = name.replace(".", "/")
        for base in bases:
            target = modules.get(base + rel)
            if target is not None:
                targets.add(target)
                break
    for name in facts.relative_imports:
        target = modules.get(name.replace(".", "/"))
        if target is not None:
            targets.add(target)
    return targets


def resolve_repository(facts: Mapping[str, ImportFacts]) -> dict[str, str | None]:
    """Flavour of every file of one repository, through the repository's own modules
    (`local_imports`). Flavours flow from imported to importing file until nothing
    changes; each file changes at most twice, so this is linear in the imports.
    """
    by_path = {_normalize_path(p): f for p, f in facts.items()}
    original = {_normalize_path(p): p for p in facts}
    modules, packages = module_index(by_path)

    bits: dict[str, int] = {}
    importers: dict[str, list[str]] = defaultdict(list)
    for path, f in by_path.items():
        bits[path] = sum(_BITS[x] for x in f.direct_flavors)
        targets = local_imports(path, f, modules)
        targets.discard(path)
        for target in targets:
            importers[target].append(path)
            # Importing a module of a local manim/manimlib package is importing Manim
            # (the library's own repository, or a vendored copy of it).
            bits[path] |= _library_flavor(target, packages)

    queue = deque(p for p, b in bits.items() if b)
    while queue:
        source = queue.popleft()
        b = bits[source]
        for importer in importers.get(source, ()):
            merged = bits[importer] | b
            if merged != bits[importer]:
                bits[importer] = merged
                queue.append(importer)
    return {original[p]: _BITS_TO_FLAVOR[b] for p, b in bits.items()}
