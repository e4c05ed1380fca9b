import pytest
from manim import ORIGIN, RIGHT

from manim_chemkit import Molecule


@pytest.fixture
def water():
    return Molecule([("O", ORIGIN), ("H", RIGHT), ("H", -RIGHT)], [(0, 1), (0, 2)])


def test_atoms_and_bonds(water):
    # Three atoms, two bonds
    assert len(water.atoms) == 3
    assert len(water.bonds) == 2


def test_highlight_returns_the_molecule(water):
    """Highlighting chains."""
    assert water.highlight("H") is water
