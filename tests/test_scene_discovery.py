"""Scene discovery, local import closures, pair labels and the verdict cache (no sandbox, no Beam)."""

from __future__ import annotations

import json

from beam_pipeline.manim_imports import analyze_text
from beam_pipeline.records import Pair, SceneVerdict
from beam_pipeline.scenes.discovery import (
    example_source,
    is_library_path,
    local_closure,
    packages_of,
    resolve_scenes,
    scan_text,
)
from beam_pipeline.scenes.labels import label_pairs
from beam_pipeline.scenes.runner import SceneChecker, SceneTarget, SceneTask
from beam_pipeline.scenes.sandbox import SandboxInfo, SandboxUnavailable

COMMON = '''from manim import *

class VideoScene(MovingCameraScene):
    def setup(self):
        super().setup()
'''
CHAPTER = '''from manim import *
from common import VideoScene
import config


@some_decorator
class Intro(VideoScene):
    """Opens the video."""

    def construct(self):
        self.wait()


class Helper:
    pass


class Outro(manim.Scene):
    def construct(self):
        pass


def make():
    class Nested(Scene):  # not importable by name: not a scene to run
        pass
'''
DOCS = '''"""Shapes.

.. manim:: ModuleExample
    :save_last_frame:

    class ModuleExample(Scene):
        def construct(self):
            self.add(Circle())
"""


class Star:
    r"""A star.

    Examples
    --------
    .. manim:: StarExample

        class StarExample(Scene):
            def construct(self):
                self.add(MathTex(r"\\star"))

    Text after.
    """
'''


def test_scan_lists_top_level_classes_with_decorators_and_bases():
    facts = scan_text("ch1/chapter.py", CHAPTER)
    assert [(c.name, c.bases) for c in facts.classes] == [
        ("Intro", ("VideoScene",)), ("Helper", ()), ("Outro", ("Scene",))]
    intro = facts.classes[0]
    assert (intro.start_line, intro.end_line) == (6, 11)  # the decorator line is included


def test_scenes_are_found_through_the_repositorys_own_base_classes():
    facts = {"common.py": scan_text("common.py", COMMON),
             "ch1/chapter.py": scan_text("ch1/chapter.py", CHAPTER)}
    scenes = resolve_scenes(facts)
    assert [c.name for c in scenes["common.py"]] == ["VideoScene"]
    assert [c.name for c in scenes["ch1/chapter.py"]] == ["Intro", "Outro"]


def test_a_chain_of_base_classes_across_files():
    facts = {
        "a.py": scan_text("a.py", "class A(ThreeDScene):\n    pass\n"),
        "b.py": scan_text("b.py", "from a import A\nclass B(A):\n    pass\n"),
        "c.py": scan_text("c.py", "from b import B\nclass C(B):\n    pass\nclass D(dict):\n    pass\n"),
    }
    assert {p: [c.name for c in v] for p, v in resolve_scenes(facts).items()} == {
        "a.py": ["A"], "b.py": ["B"], "c.py": ["C"]}


def test_documentation_examples_with_their_lines_and_raw_strings():
    facts = scan_text("shapes.py", DOCS)
    assert [e.name for e in facts.examples] == ["ModuleExample", "StarExample"]
    module_ex, star = facts.examples
    assert module_ex.directive_line == 3
    assert (module_ex.start_line, module_ex.end_line) == (6, 8)
    assert module_ex.code == ("class ModuleExample(Scene):\n    def construct(self):\n"
                              "        self.add(Circle())\n")
    assert (star.directive_line, star.start_line, star.end_line) == (17, 19, 21)
    assert 'MathTex(r"\\star")' in star.code  # the raw docstring's text: one backslash
    assert example_source(star).startswith(b"from manim import *\n\nclass StarExample")


def test_a_file_that_does_not_parse_has_no_scenes():
    assert scan_text("py2.py", "print 'hello'\nclass A(Scene): pass\n").classes == ()


def test_local_closure_follows_imports_the_way_the_manim_filter_does():
    files = {
        "videos/ep1/scene.py": "from manim import *\nfrom helpers import tools\nimport config\n",
        "videos/ep1/helpers/__init__.py": "",
        "videos/ep1/helpers/tools.py": "from .colors import RED_ISH\n",
        "videos/ep1/helpers/colors.py": "RED_ISH = '#f00'\n",
        "config.py": "FPS = 30\n",
        "unrelated.py": "import os\n",
        "videos/config.py": "X = 1\n",  # nearer than the root's config.py: wins
    }
    facts = {p: analyze_text(p, t) for p, t in files.items()}
    assert local_closure("videos/ep1/scene.py", facts) == (
        "videos/config.py",
        "videos/ep1/helpers/__init__.py",
        "videos/ep1/helpers/colors.py",
        "videos/ep1/helpers/tools.py",
        "videos/ep1/scene.py",
    )


def test_a_scene_inside_a_package_brings_its_package_inits():
    files = {"pkg/__init__.py": "", "pkg/scenes/__init__.py": "from . import demo\n",
             "pkg/scenes/demo.py": "from ..core import base\n", "pkg/core/__init__.py": "",
             "pkg/core/base.py": ""}
    facts = {p: analyze_text(p, t) for p, t in files.items()}
    assert local_closure("pkg/scenes/demo.py", facts) == tuple(sorted(files))


def test_library_files_are_recognised():
    paths = ["manim/__init__.py", "manim/mobject/geometry.py", "examples/manim/scene.py"]
    packages = packages_of(paths)
    assert is_library_path("manim/mobject/geometry.py", packages)
    assert not is_library_path("examples/manim/scene.py", packages)  # not a package


def _pair(start: int, end: int, kind: str = "comment") -> Pair:
    return Pair("text", "code", kind, "o/r", "a.py", "c" * 40, "b" * 40, start, end,
                "manimce", "MIT")


def test_pairs_get_the_innermost_scene_verdict():
    verdicts = [
        SceneVerdict("Intro", "scene", 10, 40, "error", "NameError: x", "manim 0.22.0"),
        SceneVerdict("IntroExample", "doc_example", 12, 20, "ok", "", "manim 0.22.0"),
    ]
    outside, whole, inside, example = label_pairs(
        [_pair(1, 5), _pair(10, 40, "docstring"), _pair(25, 26), _pair(14, 18, "doc_example")],
        verdicts)
    assert outside.scene is None and outside.exec_status is None
    assert (whole.scene, whole.exec_status, whole.exec_detail) == ("Intro", "error", "NameError: x")
    assert (inside.scene, inside.exec_engine) == ("Intro", "manim 0.22.0")
    assert (example.scene, example.exec_status, example.exec_detail) == ("IntroExample", "ok", None)


class FakePool:
    """Answers like a sandbox; counts runs."""

    def __init__(self, status="ok", detail="", engine="manim 0.22.0", unavailable=None):
        self.status, self.detail, self.engine, self.unavailable = status, detail, engine, unavailable
        self.jobs = []

    def probe(self):
        if self.unavailable:
            raise SandboxUnavailable(self.unavailable)
        return SandboxInfo(self.engine, "", True)

    def run(self, job):
        self.jobs.append(job)
        return [{"status": self.status, "detail": self.detail} for _ in job.scenes]


def _task(blob="1" * 40, flavor="manimce") -> SceneTask:
    return SceneTask("o/r", "c" * 40, "v/scene.py", flavor,
                     (SceneTarget("Intro", "scene", 1, 9, "v/scene.py"),
                      SceneTarget("Ex", "doc_example", 3, 5, "doc_examples/Ex.py", b"code")),
                     (("v/scene.py", blob), ("v/helper.py", "2" * 40)))


def _checker(pool, store, **kw):
    files = {("o/r", "v/scene.py"): b"scene", ("o/r", "v/helper.py"): b"helper"}
    return SceneChecker(lambda repo, path, blob: files.get((repo, path)), pool=pool,
                        cache_get=store.get, cache_put=store.__setitem__, **kw)


def test_verdicts_are_cached_by_blobs_and_engine():
    store: dict = {}
    pool = FakePool()
    checker = _checker(pool, store, timeout_s=30)
    first = checker.check(_task())
    assert [v.status for v in first] == ["ok", "ok"]
    # The scenes run with the repository files; the example alone (nothing may shadow manim).
    assert sorted(pool.jobs[0].files) == ["v/helper.py", "v/scene.py"]
    assert list(pool.jobs[1].files) == ["doc_examples/Ex.py"]  # no example_closure here
    assert checker.check(_task()) == first and len(pool.jobs) == 2  # from the cache
    checker.check(_task(blob="3" * 40))  # a changed file runs again
    assert len(pool.jobs) == 4
    newer = _checker(FakePool(engine="manim 0.23.0"), store, timeout_s=30)
    newer.check(_task())
    assert len(newer.pool.jobs) == 2  # another engine runs again
    (body,) = {json.loads(v)["mode"] for v in store.values()}
    assert body == "low_quality"


def test_a_cached_timeout_runs_again_with_more_time():
    store: dict = {}
    _checker(FakePool(status="timeout"), store, timeout_s=10).check(_task())
    again = _checker(FakePool(), store, timeout_s=10)
    assert [v.status for v in again.check(_task())] == ["timeout", "timeout"]
    assert again.pool.jobs == []
    longer = _checker(FakePool(), store, timeout_s=60)
    assert [v.status for v in longer.check(_task())] == ["ok", "ok"]


def test_not_checked_verdicts_need_no_sandbox_and_are_never_cached():
    store: dict = {}
    gl = _checker(FakePool(), store).check(_task(flavor="manimgl"))
    assert [(v.status, v.detail) for v in gl] == [("not_checked", "manimgl")] * 2
    none = _checker(FakePool(unavailable="bwrap (bubblewrap) is not installed"), store)
    assert [(v.status, v.detail) for v in none.check(_task())] == [("not_checked", "no_sandbox")] * 2
    no_engine = _checker(FakePool(engine=None), store)
    assert {v.detail for v in no_engine.check(_task())} == {"engine_not_installed"}
    latex = _checker(FakePool(status="not_checked", detail="no_latex"), store)
    assert {v.detail for v in latex.check(_task())} == {"no_latex"}
    assert store == {}


def test_a_scene_file_missing_from_raw_is_not_checked():
    checker = SceneChecker(lambda repo, path, blob: None, pool=FakePool())
    assert {v.detail for v in checker.check(_task())} == {"source_unavailable"}
