"""Molecules and bonds for Manim."""

from .bonds import bond_between, double_bond
from .molecule import Atom, Molecule

__all__ = ["Atom", "Molecule", "bond_between", "double_bond"]
__version__ = "0.3.1"
