"""Import analysis: direct imports, fallbacks for broken files, repository resolution."""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import pytest

from beam_pipeline.manim_imports import ImportFacts, analyze_file, resolve_repository


def facts_of(path: str, source: str | bytes) -> ImportFacts:
    data = source.encode("utf-8") if isinstance(source, str) else source
    return analyze_file(path, data)


def resolve(files: dict[str, str | bytes]) -> dict[str, str | None]:
    return resolve_repository({p: facts_of(p, s) for p, s in files.items()})


# -- direct imports -------------------------------------------------------------


@pytest.mark.parametrize(
    "source, flavor",
    [
        ("import manim\n", "manimce"),
        ("import manim.animation\n", "manimce"),
        ("import manim.animation.creation as c\n", "manimce"),
        ("from manim import *\n", "manimce"),
        ("from manim.mobject.geometry import Circle\n", "manimce"),
        ("import manimlib\n", "manimgl"),
        ("import manimlib.imports\n", "manimgl"),
        ("from manimlib.imports import *\n", "manimgl"),
        ("from manimlib import *\n", "manimgl"),
        ("from big_ol_pile_of_manim_imports import *\n", "manimgl"),
        ("import os, manim\n", "manimce"),
        ("try:\n    from manim import Scene\nexcept ImportError:\n    pass\n", "manimce"),
        ("def f():\n    import manimlib\n", "manimgl"),
        ("from manim import *\nfrom manimlib import *\n", "both"),
        ("import importlib\nm = importlib.import_module('manim')\n", "manimce"),
        ("lib = __import__('manimlib.imports')\n", "manimgl"),
    ],
)
def test_direct_imports(source: str, flavor: str) -> None:
    facts = facts_of("scene.py", source)
    assert facts.parse_mode == "ast"
    assert facts.direct_flavor == flavor
    assert resolve({"scene.py": source}) == {"scene.py": flavor}


@pytest.mark.parametrize(
    "source",
    [
        "# import manim\nx = 1\n",
        "# from manim import *\n",
        "s = 'from manim import *'\n",
        '"""This uses manim.\n\nimport manim\n"""\n',
        "import zmanim\nfrom zmanim.zmanim_calendar import ZmanimCalendar\n",
        "import manimpango\n",
        "from manim_slides import Slide\n",  # a plugin alone is not Manim (documented)
        "import numpy as manim\n",
        "name = 'manim'\nmodule = importlib.import_module(name)\n",  # not a literal
        "x = manim.Circle()\n",  # a name, not an import
    ],
)
def test_not_imports(source: str) -> None:
    facts = facts_of("a.py", source)
    assert facts.direct_flavor is None
    assert resolve({"a.py": source}) == {"a.py": None}


def test_import_candidates() -> None:
    facts = facts_of("pkg/sub/mod.py", "import a.b.c\nfrom d.e import f\nfrom . import g\n"
                     "from ..h import i\n")
    assert facts.module == "pkg.sub.mod"
    assert facts.package == "pkg.sub"
    assert {"a.b.c", "a.b", "a", "d.e", "d.e.f", "d"} <= set(facts.imports)
    assert {"pkg.sub", "pkg.sub.g", "pkg.h", "pkg.h.i"} <= set(facts.relative_imports)
    init = facts_of("pkg/sub/__init__.py", "from .mod import x\n")
    assert (init.module, init.package) == ("pkg.sub", "pkg.sub")
    assert "pkg.sub.mod" in init.relative_imports


def test_facts_are_picklable_and_frozen() -> None:
    facts = facts_of("a.py", "from manim import *\n")
    assert pickle.loads(pickle.dumps(facts)) == facts
    with pytest.raises(AttributeError):
        facts.path = "b.py"  # type: ignore[misc]


# -- files that do not parse --------------------------------------------------------


def test_python2_falls_back_to_tokenize() -> None:
    source = 'print "hello"\nfrom manimlib.imports import *  # import manim\ns = "import manim"\n'
    facts = facts_of("old.py", source)
    assert (facts.parse_mode, facts.reason) == ("tokenize", "syntax_error")
    assert facts.direct_flavor == "manimgl"


def test_python2_one_liners_and_continuations() -> None:
    source = "print 'x'\nimport os; import manim.utils as u\nfrom manimlib.x import (\n  a,\n  b)\n"
    facts = facts_of("old.py", source)
    assert facts.parse_mode == "tokenize"
    assert facts.direct_flavor == "both"
    assert "manimlib.x.b" in facts.imports


def test_broken_tokenize_falls_back_to_regex() -> None:
    source = 'print "x"\nfrom manimlib import *\n# import manim\ns = """\nimport manim\n'
    facts = facts_of("broken.py", source)
    assert facts.parse_mode == "regex"
    assert facts.direct_flavor == "manimgl"  # not manimce: comment and open string


def test_non_utf8_without_coding_line_is_scanned_lossily() -> None:
    data = b'# caf\xe9\nfrom manim import *\nt = "\xe9t\xe9"\n'
    facts = facts_of("latin.py", data)
    assert (facts.parse_mode, facts.reason) == ("ast", "undecodable")
    assert facts.direct_flavor == "manimce"
    py2 = facts_of("latin2.py", b'print "caf\xe9"\nfrom manimlib import *\n')
    assert (py2.parse_mode, py2.reason) == ("tokenize", "undecodable")
    assert py2.direct_flavor == "manimgl"


def test_coding_line_and_bom() -> None:
    latin = b"# -*- coding: latin-1 -*-\nfrom manim import *\nt = '\xe9'\n"
    assert facts_of("l.py", latin).parse_mode == "ast"
    assert facts_of("l.py", latin).direct_flavor == "manimce"
    bom = b"\xef\xbb\xbffrom manimlib import *\n"
    assert facts_of("b.py", bom).parse_mode == "ast"
    assert facts_of("b.py", bom).direct_flavor == "manimgl"


def test_binary_file() -> None:
    data = bytes(range(256)) * 20 + b"from manim import *\n"
    facts = facts_of("blob.py", data)
    assert (facts.parse_mode, facts.reason, facts.direct_flavor) == ("none", "binary", None)
    assert resolve({"blob.py": data}) == {"blob.py": None}


def test_null_bytes() -> None:
    # one stray NUL in a normal file: text, but the parser refuses it
    facts = facts_of("n.py", "from manim import *\nx = 1\0\n" + "y = 2\n" * 100)
    assert facts.reason == "null_bytes"
    assert facts.direct_flavor == "manimce"


@pytest.mark.parametrize(
    "expr",
    [
        "(" * 10_000 + "1" + ")" * 10_000,
        "-" * 10_000 + "1",
        "+".join(["1"] * 10_000),
        "[" * 10_000 + "]" * 10_000,
    ],
    ids=["parentheses", "unary", "long_sum", "lists"],
)
def test_deep_nesting_does_not_crash(expr: str) -> None:
    source = f"from manim import *\nx = {expr}\n"
    facts = facts_of("deep.py", source)
    assert facts.direct_flavor == "manimce"


# -- repository resolution ------------------------------------------------------------


def test_reexport_chain_of_three() -> None:
    files = {
        "base.py": "from manimlib import *\n",
        "mid.py": "from base import *\n",
        "top.py": "from mid import *\n",
        "scene.py": "from top import *\nclass S(Scene): pass\n",
        "other.py": "import os\n",
    }
    assert resolve(files) == {
        "base.py": "manimgl",
        "mid.py": "manimgl",
        "top.py": "manimgl",
        "scene.py": "manimgl",
        "other.py": None,
    }


def test_manim_imports_ext_in_a_subfolder_script() -> None:
    files = {
        "manim_imports_ext.py": "from manimlib import *\nfrom custom.characters import *\n",
        "custom/__init__.py": "",
        "custom/characters.py": "from manimlib import *\n",
        "_2022/video/intro.py": "from manim_imports_ext import *\n",
        "_2022/video/helpers.py": "import numpy as np\n",
        "_2022/video/outro.py": "from helpers import *\n",
    }
    flavors = resolve(files)
    assert flavors["_2022/video/intro.py"] == "manimgl"
    assert flavors["_2022/video/outro.py"] is None
    assert flavors["custom/__init__.py"] is None


def test_script_folder_wins_over_root() -> None:
    files = {
        "common.py": "from manim import *\n",
        "videos/common.py": "import numpy\n",  # the script's neighbour shadows the root
        "videos/scene.py": "from common import *\n",
        "scene2.py": "from common import *\n",
    }
    flavors = resolve(files)
    assert flavors["videos/scene.py"] is None
    assert flavors["scene2.py"] == "manimce"


def test_relative_imports_in_nested_packages() -> None:
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/core/__init__.py": "from .base import *\n",
        "src/pkg/core/base.py": "from manim import *\n",
        "src/pkg/scenes/__init__.py": "",
        "src/pkg/scenes/intro.py": "from ..core import Thing\n",
        "src/pkg/scenes/deep/x.py": "from ...core.base import Circle\n",
        "src/pkg/scenes/y.py": "from . import intro\n",
        "src/pkg/scenes/z.py": "from .... import nothing\n",  # beyond the top
        "src/pkg/scenes/w.py": "from .missing import q\n",
    }
    flavors = resolve(files)
    assert flavors["src/pkg/core/__init__.py"] == "manimce"
    assert flavors["src/pkg/scenes/intro.py"] == "manimce"
    assert flavors["src/pkg/scenes/deep/x.py"] == "manimce"
    assert flavors["src/pkg/scenes/y.py"] == "manimce"
    assert flavors["src/pkg/scenes/z.py"] is None
    assert flavors["src/pkg/scenes/w.py"] is None
    assert flavors["src/pkg/__init__.py"] is None


def test_absolute_package_import_from_root() -> None:
    files = {
        "lib/__init__.py": "",
        "lib/anim.py": "import manim\n",
        "lib/tools/x.py": "from lib.anim import go\n",
        "run.py": "import lib.anim\n",
        "run2.py": "from lib import anim\n",
    }
    flavors = resolve(files)
    assert flavors["lib/tools/x.py"] == "manimce"
    assert flavors["run.py"] == "manimce"
    assert flavors["run2.py"] == "manimce"


def test_importing_a_submodule_runs_its_package() -> None:
    files = {
        "kit/__init__.py": "from manimlib import *\n",
        "kit/shapes.py": "import numpy\n",
        "scene.py": "from kit.shapes import Blob\n",
    }
    assert resolve(files)["scene.py"] == "manimgl"


def test_cycles_and_flavor_both() -> None:
    files = {
        "a.py": "from b import *\nfrom manim import *\n",
        "b.py": "from a import *\n",
        "c.py": "from b import *\nfrom gl import *\n",
        "gl.py": "from manimlib import *\n",
        "d.py": "from d import *\n",
        "e.py": "from f import x\n",
        "f.py": "from e import y\n",
    }
    flavors = resolve(files)
    assert flavors["a.py"] == flavors["b.py"] == "manimce"
    assert flavors["c.py"] == "both"
    assert flavors["d.py"] is None
    assert flavors["e.py"] is None and flavors["f.py"] is None


def test_local_manim_package_is_manim_where_it_is_imported() -> None:
    files = {
        "manim/__init__.py": "from .scene.scene import *\n",
        "manim/scene/__init__.py": "",
        "manim/scene/scene.py": "import numpy as np\nfrom ..utils.color import RED\nclass Scene: pass\n",
        "manim/utils/color.py": "RED = '#FF0000'\n",
        "manim/utils/logging.py": "import logging\n",
        "docs/conf.py": "import manim\n",
        "tests/test_scene.py": "from manim.scene.scene import Scene\n",
        "tools/unrelated.py": "import json\n",
        "vendor/manimlib/__init__.py": "",
        "vendor/manimlib/mobject.py": "import numpy\n",
        "vendor/manimlib/scene.py": "from .mobject import *\n",
        "notes/manim/scratch.py": "import numpy\n",  # a folder, not a package
    }
    flavors = resolve(files)
    # modules of the library that import the library (relatively or not) are Manim
    assert flavors["manim/__init__.py"] == "manimce"
    assert flavors["manim/scene/scene.py"] == "manimce"
    assert flavors["vendor/manimlib/scene.py"] == "manimgl"
    # ... and so are the files importing it
    assert flavors["docs/conf.py"] == "manimce"
    assert flavors["tests/test_scene.py"] == "manimce"
    # modules of the package that import nothing of Manim are not Manim code
    assert flavors["manim/utils/color.py"] is None
    assert flavors["manim/utils/logging.py"] is None
    assert flavors["manim/scene/__init__.py"] is None
    assert flavors["vendor/manimlib/mobject.py"] is None
    assert flavors["vendor/manimlib/__init__.py"] is None
    assert flavors["tools/unrelated.py"] is None
    assert flavors["notes/manim/scratch.py"] is None


def test_local_plugin_named_module_resolves_locally() -> None:
    files = {"manim_helpers.py": "from manim import *\n", "s.py": "from manim_helpers import *\n"}
    assert resolve(files)["s.py"] == "manimce"


def test_five_thousand_files_is_fast() -> None:
    files: dict[str, ImportFacts] = {}
    for i in range(5000):
        folder = f"pkg{i % 50}/sub{i % 7}"
        if i == 0:
            source = "from manimlib import *\n"
        else:  # a long chain through every file, plus some fan-out
            source = f"from pkg{(i - 1) % 50}.sub{(i - 1) % 7}.m{i - 1} import *\nimport os\n"
        path = f"{folder}/m{i}.py"
        files[path] = facts_of(path, source)
    t0 = time.perf_counter()
    flavors = resolve_repository(files)
    elapsed = time.perf_counter() - t0
    assert all(f == "manimgl" for f in flavors.values())
    assert elapsed < 5.0, elapsed  # linear: well under a second on a laptop


CORPUS = Path(__file__).resolve().parent.parent / "beam_pipeline" / "sample_corpus"


@pytest.mark.skipif(not (CORPUS / "EXPECTED.json").is_file(), reason="no sample corpus")
def test_sample_corpus_ground_truth() -> None:
    expected = json.loads((CORPUS / "EXPECTED.json").read_text(encoding="utf-8"))
    checked = 0
    for name, info in expected["repos"].items():
        repo = CORPUS / "repos" / name
        if info.get("status") != "ok" or not repo.is_dir():
            continue
        facts = {}
        for file in repo.rglob("*.py"):
            rel = file.relative_to(repo).as_posix()
            facts[rel] = analyze_file(rel, file.read_bytes())
        want = dict.fromkeys(info.get("non_manim", []))
        want.update(info.get("manim", {}))
        assert resolve_repository(facts) == want, name
        checked += 1
    assert checked
