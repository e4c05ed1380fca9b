"""What a file of a repository is for: code that makes animations, a library, or tests.

The dataset is for models that *write Manim scenes*, so code written to make
animations comes first. Every Manim file gets a ``source``:

* ``test``: tests — a file in a ``test``/``tests``/``testing`` folder, or named
  ``test_*.py``/``*_test.py``/``conftest.py``, that is a test by its name or its
  imports (pytest, unittest, hypothesis...). A ``test.py`` of scenes in a video
  repository is not a test.
* ``library``: the importable package of Manim itself or of an extension built on
  it — what ``pip install`` of the repository would install. Found from the
  repository's layout alone (code is never run): a package (a folder with
  ``__init__.py``) named ``manim`` or ``manimlib`` at any depth (the library or a
  vendored copy of it), and a top-level package (at the root or under ``src/``)
  whose name says it extends Manim (``manim_physics``, ``manimpkg``, ``chanim``
  for the repository ``chanim``...). Inside such a package, files that define
  scenes (a class with ``construct``) or live in an ``example``/``demo``/
  ``tutorial``/``scenes`` folder are ``user`` code all the same.
* ``user``: everything else — scenes, examples, tutorials, video code.

A documentation example (``.. manim::``) is ``user`` code wherever it is written.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from .manim_imports import ImportFacts

__all__ = ["LIBRARY", "SOURCES", "TEST", "USER", "classify_sources"]

USER = "user"
LIBRARY = "library"
TEST = "test"
SOURCES = (USER, LIBRARY, TEST)

_TEST_DIRS = frozenset({"test", "tests", "testing", "unit_tests", "integration_tests"})
_TEST_NAME = re.compile(r"^(?:test_.*|.*_test|conftest)\.py$")
_TEST_FRAMEWORKS = frozenset({"pytest", "unittest", "hypothesis", "nose", "nose2"})
_USER_DIRS = re.compile(
    r"^(?:examples?|example_scenes|demos?|tutorials?|scenes|gallery|showcase|docs?)$",
    re.IGNORECASE,
)
_CORE_LIBRARIES = frozenset({"manim", "manimlib"})


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _packages(paths: list[str]) -> set[str]:
    """Folders holding an ``__init__.py``."""
    out = set()
    for path in paths:
        if path == "__init__.py" or path.endswith("/__init__.py"):
            out.add(posixpath.dirname(path))
    return out


def _library_roots(packages: set[str], repo_name: str) -> set[str]:
    """The package folders whose files are library code (see the module docstring)."""
    roots = set()
    repo = _norm(repo_name)
    for pkg in packages:
        if not pkg:
            continue
        parts = pkg.split("/")
        if parts[-1] in _CORE_LIBRARIES:
            roots.add(pkg)
            continue
        top = parts[1:] if parts[0] == "src" and len(parts) > 1 else parts
        if len(top) != 1:
            continue  # only top-level packages are what a repository installs
        name = _norm(top[0])
        if "manim" in name or (repo and name == repo):
            roots.add(pkg)
    return roots


def _is_test(path: str, facts: ImportFacts | None) -> bool:
    parts = path.split("/")
    in_test_dir = any(p.lower() in _TEST_DIRS for p in parts[:-1])
    named = bool(_TEST_NAME.match(parts[-1]))
    if not (in_test_dir or named):
        return False
    if named:
        return True
    imports = {name.split(".")[0] for name in facts.imports} if facts else set()
    return bool(imports & _TEST_FRAMEWORKS)


def classify_sources(facts: Mapping[str, ImportFacts], full_name: str) -> dict[str, str]:
    """``user``, ``library`` or ``test`` for every file of one repository."""
    paths = list(facts)
    packages = _packages(paths)
    roots = _library_roots(packages, full_name.split("/", 1)[-1])
    out = {}
    for path in paths:
        f = facts[path]
        if _is_test(path, f):
            out[path] = TEST
            continue
        folder = posixpath.dirname(path)
        in_library = any(folder == r or folder.startswith(r + "/") for r in roots)
        if in_library and not f.scenes and not any(
            _USER_DIRS.match(p) for p in path.split("/")[:-1]
        ):
            out[path] = LIBRARY
        else:
            out[path] = USER
    return out
