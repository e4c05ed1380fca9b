"""What scene checks need is installed the same way everywhere: CI, the worker image, the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ci_packages() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text()
    block = re.search(r"SYSTEM_PACKAGES=\(\n(.*?)\n\)", text, flags=re.S)
    assert block, "no SYSTEM_PACKAGES in .ci/run"
    return set(block.group(1).split())


def test_ci_image_and_readme_install_the_same_system_packages():
    ci = _ci_packages()
    assert {"bubblewrap", "dvisvgm", "texlive-latex-extra", "libcairo2-dev"} <= ci
    docker = (ROOT / "Dockerfile").read_text()
    block = re.search(r"apt-get install -y --no-install-recommends \\\n(.*?)&& rm", docker,
                      flags=re.S)
    assert block
    assert set(block.group(1).replace("\\", " ").split()) == ci
    readme = (ROOT / "README.md").read_text()
    line = next(ln for ln in readme.splitlines() if ln.startswith("sudo apt-get install"))
    assert set(line.split()[5:]) == ci, line


def test_scenes_extra_pins_manim_and_test_includes_it():
    setup = (ROOT / "setup.py").read_text()
    version = re.search(r'MANIM_VERSION = "([\d.]+)"', setup).group(1)
    assert '"scenes": [f"manim=={MANIM_VERSION}", "pyseccomp>=0.1.2"]' in setup
    test_extra = setup.split('"test": [', 1)[1].split("]", 1)[0]
    assert 'f"manim=={MANIM_VERSION}"' in test_extra and '"pyseccomp>=0.1.2"' in test_extra
    import manim

    assert manim.__version__ == version  # the engine the tests ran is the pinned one
