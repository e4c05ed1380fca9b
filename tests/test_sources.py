"""What a Manim file is for: user code, a library's package, or tests (pure)."""

from __future__ import annotations

from beam_pipeline.manim_imports import analyze_text, resolve_repository
from beam_pipeline.sources import classify_sources

SCENE = "from manim import *\n\nclass S(Scene):\n    def construct(self):\n        pass\n"
LIB = "from manim import VMobject\n\nclass Thing(VMobject):\n    pass\n"


def _classify(files: dict[str, str], repo: str = "owner/repo") -> dict[str, str]:
    facts = {path: analyze_text(path, text) for path, text in files.items()}
    return classify_sources(facts, repo)


def test_manim_itself():
    got = _classify({
        "manim/__init__.py": "from .mobject.thing import *\n",
        "manim/mobject/__init__.py": "",
        "manim/mobject/thing.py": LIB,
        "manim/scene/scene.py": "class Scene:\n    def construct(self):\n        pass\n",
        "example_scenes/basic.py": SCENE,
        "tests/test_thing.py": "import pytest\nfrom manim import Thing\n",
        "tests/helpers/graphics.py": "import pytest\nfrom manim import *\n",
        "docs/source/conf.py": "import manim\n",
    }, "ManimCommunity/manim")
    assert got["manim/__init__.py"] == "library"
    assert got["manim/mobject/thing.py"] == "library"
    assert got["manim/scene/scene.py"] == "user"  # defines construct: a scene
    assert got["example_scenes/basic.py"] == "user"
    assert got["tests/test_thing.py"] == "test"
    assert got["tests/helpers/graphics.py"] == "test"  # a tests/ folder using pytest
    assert got["docs/source/conf.py"] == "user"


def test_extension_and_its_examples():
    got = _classify({
        "src/manim_physics/__init__.py": "from .rigid import *\n",
        "src/manim_physics/rigid.py": LIB,
        "src/manim_physics/examples/pendulum.py": LIB,
        "example.py": SCENE,
        "tests/conftest.py": "import numpy\n",
    }, "Matheart/manim-physics")
    assert got["src/manim_physics/__init__.py"] == "library"
    assert got["src/manim_physics/rigid.py"] == "library"
    assert got["src/manim_physics/examples/pendulum.py"] == "user"
    assert got["example.py"] == "user"
    assert got["tests/conftest.py"] == "test"


def test_package_named_after_the_repository_is_a_library():
    got = _classify({"chanim/__init__.py": "", "chanim/chem.py": LIB}, "raghavg/chanim")
    assert got["chanim/chem.py"] == "library"


def test_video_repositories_are_user_code():
    got = _classify({
        "_2023/intro.py": SCENE,
        "custom/__init__.py": "",
        "custom/characters.py": LIB,
        "test.py": SCENE,  # a scratch file of scenes, not a test
        "manim_imports_ext.py": "from manimlib import *\n",
    }, "3b1b/videos")
    assert set(got.values()) == {"user"}


def test_vendored_copy_of_manim_is_library():
    got = _classify({
        "vendor/manimlib/__init__.py": "from .mobject import *\n",
        "vendor/manimlib/mobject.py": "from manimlib.constants import *\n",
        "scenes.py": SCENE,
    })
    assert got["vendor/manimlib/mobject.py"] == "library"
    assert got["scenes.py"] == "user"


def test_library_modules_that_import_nothing_of_manim_are_not_manim_files():
    files = {
        "manim/__init__.py": "from .utils import logging\nfrom .mobject import Thing\n",
        "manim/utils/__init__.py": "",
        "manim/utils/logging.py": "import logging\n",
        "manim/mobject.py": LIB,
    }
    facts = {path: analyze_text(path, text) for path, text in files.items()}
    flavors = resolve_repository(facts)
    assert flavors["manim/utils/logging.py"] is None
    assert flavors["manim/utils/__init__.py"] is None
    assert flavors["manim/mobject.py"] == "manimce"
    assert flavors["manim/__init__.py"] == "manimce"
