from manim import BLUE, GREY, RED, WHITE, Circle, Text, VGroup

from .bonds import bond_between

# Colours of the usual elements (CPK convention).
ELEMENT_COLORS = {"H": WHITE, "C": GREY, "O": RED, "N": BLUE}


class Atom(VGroup):
    """A circle with the element's symbol in it."""

    def __init__(self, symbol, radius=0.3, **kwargs):
        super().__init__(**kwargs)
        self.symbol = symbol
        self.radius = radius
        color = ELEMENT_COLORS.get(symbol, GREY)
        self.add(Circle(radius=radius, color=color, fill_opacity=0.8))
        self.add(Text(symbol, font_size=24, color="#000000"))


class Molecule(VGroup):
    """Atoms placed at given positions and joined by bonds.

    Parameters
    ----------
    atoms
        Pairs of an element symbol and a position.
    bonds
        Pairs of atom indices to join.

    Examples
    --------
    .. manim:: WaterMolecule
        :save_last_frame:

        from manim_chemkit import Molecule

        class WaterMolecule(Scene):
            def construct(self):
                water = Molecule(
                    [("O", ORIGIN), ("H", LEFT + DOWN), ("H", RIGHT + DOWN)],
                    [(0, 1), (0, 2)],
                )
                self.play(FadeIn(water))
    """

    def __init__(self, atoms, bonds, **kwargs):
        super().__init__(**kwargs)
        self.atoms = VGroup(*[Atom(symbol).move_to(pos) for symbol, pos in atoms])
        self.bonds = VGroup(*[bond_between(self.atoms[i], self.atoms[j]) for i, j in bonds])
        # Bonds go first so that the atoms are drawn on top of them
        self.add(self.bonds, self.atoms)

    def atom(self, index):
        """Return the atom at ``index``."""
        return self.atoms[index]

    def highlight(self, symbol, color=RED):
        """Colour every atom of one element.

        Returns
        -------
        Molecule
            The molecule itself, for chaining.
        """
        for atom in self.atoms:
            if atom.symbol == symbol:
                atom[0].set_fill(color)
        return self
