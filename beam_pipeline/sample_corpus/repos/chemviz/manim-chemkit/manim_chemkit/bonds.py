from manim import Line, VGroup, normalize

from ._logging import logger


def bond_between(a, b, buff=0.1, **kwargs):
    """Draw a single bond between two atoms.

    The line starts and ends a little outside each atom, so that the bond
    never covers an atom's label.

    Args:
        a: The first atom.
        b: The second atom.
        buff: Gap left between the line and each atom.

    Returns:
        A :class:`~manim.Line` from ``a`` to ``b``.
    """
    start, end = a.get_center(), b.get_center()
    direction = normalize(end - start)
    logger.debug("bond from %s to %s", start, end)
    return Line(
        start + direction * (a.radius + buff),
        end - direction * (b.radius + buff),
        **kwargs,
    )


def double_bond(a, b, gap=0.08, **kwargs):
    """Two parallel bonds between two atoms.

    This is how a double bond is drawn in skeletal formulas:

    .. manim:: DoubleBondExample
        :save_last_frame:

        from manim_chemkit import Atom, double_bond

        class DoubleBondExample(Scene):
            def construct(self):
                carbon = Atom("C").shift(LEFT)
                oxygen = Atom("O").shift(RIGHT)
                self.add(carbon, oxygen, double_bond(carbon, oxygen))

    Args:
        a: The first atom.
        b: The second atom.
        gap: Distance between the two lines.
    """
    first = bond_between(a, b, **kwargs)
    second = first.copy()
    offset = normalize(first.copy().rotate(90 * 3.14159 / 180).get_vector()) * gap
    # Move the lines apart so that they read as two bonds
    first.shift(offset)
    second.shift(-offset)
    return VGroup(first, second)
