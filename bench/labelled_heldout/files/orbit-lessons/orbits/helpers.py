"""Geometry helpers for the orbit lessons."""

import numpy as np
from manim import ORIGIN, Polygon


def ellipse_point(t, a, e):
    """Point of the ellipse of semi-major axis ``a`` and eccentricity ``e`` at angle ``t``.

    The ellipse is centred on the origin, its major axis horizontal.
    """
    b = a * np.sqrt(1 - e**2)
    return np.array([a * np.cos(t), b * np.sin(t), 0])


def swept_sector(start, stop, a, e, samples=40):
    """The region swept from the right focus between the angles ``start`` and ``stop``."""
    focus = np.array([a * e, 0, 0])
    # Sample the arc, then close the polygon at the focus
    arc = [ellipse_point(t, a, e) for t in np.linspace(start, stop, samples)]
    return Polygon(focus, *arc)


def period(a):
    # Kepler's third law in units where the sun's GM is 1
    return 2 * np.pi * a**1.5


def _unused_origin():
    return ORIGIN  # legacy, kept for the old lesson files
