"""Which scenes a repository holds, and which of its files each scene file needs.

Static, from the source text only (nothing is imported here):

* `scan_text` lists a file's top-level classes (name, base names, lines) and its
  ``.. manim:: Name`` documentation examples (the code under the directive).
* `resolve_scenes` decides which classes are scenes: a base named like a
  ManimCE/ManimGL scene class (``Scene``, ``ThreeDScene``, ``MovingCameraScene``,
  any ``...Scene``, the ``Slide`` classes of manim-slides), or a class of the same
  repository that is a scene itself (``class Intro(BaseVideoScene)`` with
  ``BaseVideoScene(MovingCameraScene)`` in ``common.py``), to a fixpoint.
  The sandbox has the last word: a class that turns out not to subclass
  ``manim.Scene`` gets no verdict.
* `local_closure` lists the repository files a scene file imports, directly or
  not, resolved the way the Manim import filter resolves them (the importing
  file's folder, then its parents up to the repository root; relative imports
  against the package), with the ``__init__.py`` of every package on the way.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass

from ..manim_imports import ImportFacts, local_imports, module_index
from ..sourcetext import safe_parse

__all__ = [
    "ClassInfo",
    "DocExample",
    "SceneFacts",
    "example_closure",
    "example_file",
    "example_source",
    "is_library_path",
    "local_closure",
    "packages_of",
    "resolve_scenes",
    "scan_text",
]

_SCENE_SUFFIX = "Scene"
_SCENE_NAMES = frozenset({"Slide", "ThreeDSlide"})  # manim-slides
_DIRECTIVE = re.compile(r"^([ \t]*)\.\.[ \t]+manim::[ \t]*([A-Za-z_]\w*)[ \t]*$")
_LIBRARY_DIRS = ("manim", "manimlib")


@dataclass(frozen=True)
class ClassInfo:
    name: str
    bases: tuple[str, ...]  # last component of each base: ``manim.Scene`` -> ``Scene``
    start_line: int  # decorators included
    end_line: int


@dataclass(frozen=True)
class DocExample:
    """A ``.. manim:: Name`` block of a docstring; lines are the file's."""

    name: str
    code: str
    directive_line: int
    start_line: int
    end_line: int


@dataclass(frozen=True)
class SceneFacts:
    path: str
    classes: tuple[ClassInfo, ...] = ()
    examples: tuple[DocExample, ...] = ()


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # Generic[...]-style bases
        return _base_name(node.value)
    return None


def _examples_of(node: ast.AST) -> list[DocExample]:
    body = getattr(node, "body", None)
    if not body or not isinstance(body[0], ast.Expr):
        return []
    value = body[0].value
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return []
    text = value.value
    if "manim::" not in text:
        return []
    lines = text.split("\n")
    first_line = value.lineno  # line of the opening quotes = line of text[0]
    found: list[DocExample] = []
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if m is None:
            i += 1
            continue
        indent = len(m.group(1).expandtabs())
        j = i + 1
        while j < len(lines) and (
            not lines[j].strip()
            or (lines[j].strip().startswith(":") and _indent(lines[j]) > indent)
        ):
            j += 1
        start = j
        end = start - 1
        while j < len(lines):
            if lines[j].strip():
                if _indent(lines[j]) <= indent:
                    break
                end = j
            j += 1
        if end >= start:
            block = lines[start : end + 1]
            width = min(_indent(x) for x in block if x.strip())
            code = "\n".join(x.expandtabs()[width:] if x.strip() else "" for x in block)
            found.append(DocExample(m.group(2), code + "\n", first_line + i,
                                    first_line + start, first_line + end))
        i = max(j, i + 1)
    return found


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


def scan_text(path: str, text: str) -> SceneFacts:
    """Top-level classes and documentation examples of one file (nothing if it does not parse)."""
    tree, _reason = safe_parse(text)
    if tree is None:
        return SceneFacts(path)
    classes = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            bases = tuple(b for b in (_base_name(x) for x in node.bases) if b)
            classes.append(ClassInfo(node.name, bases, start, node.end_lineno or node.lineno))
    examples: list[DocExample] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            examples.extend(_examples_of(node))
    examples.sort(key=lambda e: e.directive_line)
    return SceneFacts(path, tuple(classes), tuple(examples))


def _known_scene_base(name: str) -> bool:
    return name.endswith(_SCENE_SUFFIX) or name in _SCENE_NAMES


def resolve_scenes(facts: Mapping[str, SceneFacts]) -> dict[str, tuple[ClassInfo, ...]]:
    """The scene classes of each file, through the repository's own base classes."""
    by_name: dict[str, list[ClassInfo]] = defaultdict(list)
    for f in facts.values():
        for c in f.classes:
            by_name[c.name].append(c)
    scene_names: set[str] = set()
    subclasses: dict[str, set[str]] = defaultdict(set)
    queue: deque[str] = deque()
    for f in facts.values():
        for c in f.classes:
            for base in c.bases:
                subclasses[base].add(c.name)
                if base not in by_name and _known_scene_base(base) and c.name not in scene_names:
                    scene_names.add(c.name)
                    queue.append(c.name)
    # A local class named like a scene base (a vendored `Scene`) counts through its own bases.
    for name in by_name:
        if _known_scene_base(name) and name not in scene_names and any(
            any(_known_scene_base(b) for b in c.bases) for c in by_name[name]
        ):
            scene_names.add(name)
            queue.append(name)
    while queue:
        name = queue.popleft()
        for sub in subclasses.get(name, ()):
            if sub not in scene_names:
                scene_names.add(sub)
                queue.append(sub)
    return {
        path: tuple(c for c in f.classes if c.name in scene_names)
        for path, f in facts.items()
    }


def is_library_path(path: str, packages: set[str]) -> bool:
    """Whether `path` is inside the repository's own `manim`/`manimlib` package."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in _LIBRARY_DIRS and "/".join(parts[: i + 1]) in packages:
            return True
    return False


def packages_of(paths: list[str]) -> set[str]:
    return module_index(paths)[1]


def local_closure(path: str, imports: Mapping[str, ImportFacts]) -> tuple[str, ...]:
    """`path` and every repository file it imports, directly or not, sorted."""
    modules, packages = module_index(imports)
    seen = {path}
    queue = deque([path])
    parts = path.split("/")[:-1]
    for i in range(1, len(parts) + 1):  # a scene in a package is imported through it
        pkg = "/".join(parts[:i])
        if pkg in packages:
            seen.add(f"{pkg}/__init__.py")
            queue.append(f"{pkg}/__init__.py")
    while queue:
        current = queue.popleft()
        facts = imports.get(current)
        if facts is None:
            continue
        for target in local_imports(current, facts, modules):
            # Importing a module runs the __init__.py of each package above it.
            parts = target.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                pkg = "/".join(parts[:i])
                if pkg in packages:
                    targets_init = f"{pkg}/__init__.py"
                    if targets_init not in seen:
                        seen.add(targets_init)
                        queue.append(targets_init)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return tuple(sorted(seen))


def example_source(example: DocExample) -> bytes:
    """The module a documentation example runs as: what the manim directive runs."""
    return ("from manim import *\n\n" + example.code).encode("utf-8")


def example_file(path: str, example: DocExample) -> str:
    """A file name for an example at the repository root (so its imports of the
    repository's packages resolve), unique per file and directive line."""
    digest = hashlib.sha1(f"{path}:{example.directive_line}".encode()).hexdigest()[:12]
    return f"_doc_example_{example.name}_{digest}.py"


def example_closure(code: bytes, imports: Mapping[str, ImportFacts]) -> tuple[str, ...]:
    """The repository files a documentation example imports, minus a vendored manim."""
    from ..manim_imports import analyze_file

    name = "_doc_example_.py"
    facts = dict(imports)
    facts[name] = analyze_file(name, code)
    packages = packages_of(list(imports))
    return tuple(p for p in local_closure(name, facts)
                 if p != name and not is_library_path(p, packages))
