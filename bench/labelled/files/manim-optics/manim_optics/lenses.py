"""Thin lenses and the rays that pass through them.

This module provides :class:`Lens`, a VMobject drawn as a biconvex or
biconcave outline, and :class:`Ray`, a polyline that refracts at every lens
it crosses.
"""

from __future__ import annotations

__all__ = ["Lens", "Ray"]

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, WHITE, YELLOW, ArcBetweenPoints, VMobject

# Rays further than this from the axis are treated as missing the lens.
_APERTURE_EPS = 1e-6


class Lens(VMobject):
    """A thin lens with focal length ``f``.

    The outline is made of two circular arcs whose bulge grows as ``f`` gets
    shorter, so a strongly converging lens also looks thick.

    Parameters
    ----------
    f
        Focal length in scene units. Negative values give a diverging lens.
    height
        Height of the lens (its aperture).
    kwargs
        Passed on to :class:`~.VMobject`.

    Examples
    --------
    .. manim:: ConvergingLensExample
        :save_last_frame:

        from manim_optics import Lens

        class ConvergingLensExample(Scene):
            def construct(self):
                lens = Lens(f=2, height=3)
                focus = Dot(RIGHT * 2, color=RED)
                self.add(lens, focus)

    A diverging lens curves the other way:

    .. manim:: DivergingLensExample
        :quality: low

        from manim_optics import Lens

        class DivergingLensExample(Scene):
            def construct(self):
                lens = Lens(f=-2, height=3, color=BLUE)
                self.play(Create(lens))
                self.play(lens.animate.shift(LEFT * 2))
    """

    def __init__(self, f: float = 2.0, height: float = 3.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.f = f
        self.height = height
        bulge = min(1.0, 1.5 / abs(f)) * np.sign(f)
        top, bottom = UP * height / 2, DOWN * height / 2
        right = ArcBetweenPoints(bottom, top, angle=bulge)
        left = ArcBetweenPoints(top, bottom, angle=bulge)
        self.append_points(right.points)
        self.append_points(left.points)

    @property
    def power(self) -> float:
        """Optical power in diopters (1 / f)."""
        return 1 / self.f

    def refract(self, point: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """New direction of a ray hitting the lens at ``point``.

        Uses the thin-lens rule: a ray at height ``h`` is bent by ``-h / f``
        in slope; the lens is assumed to be vertical and centred on its own
        center.

        Parameters
        ----------
        point
            Where the ray meets the lens.
        direction
            The ray's direction before the lens (need not be normalized).

        Returns
        -------
        :class:`numpy.ndarray`
            The unit direction after the lens.
        """
        h = point[1] - self.get_center()[1]
        slope = direction[1] / direction[0] - h / self.f
        new = np.array([1.0, slope, 0.0]) * np.sign(direction[0])
        return new / np.linalg.norm(new)

    def focal_point(self, side=RIGHT):
        return self.get_center() + side * self.f


class Ray(VMobject):
    """A light ray that starts at ``start`` and bends at every lens it meets.

    .. manim:: RayThroughLens

        from manim_optics import Lens, Ray

        class RayThroughLens(Scene):
            def construct(self):
                lens = Lens(f=2)
                ray = Ray(LEFT * 5 + UP, RIGHT, lenses=[lens], length=10)
                self.add(lens)
                self.play(Create(ray), run_time=2)

    :param start: the ray's starting point
    :param direction: its initial direction
    :param lenses: the lenses it may cross, in any order
    :param length: total length of the drawn path
    """

    def __init__(self, start, direction, lenses=(), length=10.0, color=YELLOW, **kwargs):
        super().__init__(color=color, **kwargs)
        points = [np.array(start, dtype=float)]
        direction = np.array(direction, dtype=float)
        remaining = length
        # Visit lenses from left to right along the ray
        for lens in sorted(lenses, key=lambda l: l.get_x() * np.sign(direction[0])):
            dx = lens.get_x() - points[-1][0]
            if dx * direction[0] <= 0:
                continue  # the lens is behind us
            hit = points[-1] + direction * dx / direction[0]
            if abs(hit[1] - lens.get_y()) > lens.height / 2 + _APERTURE_EPS:
                continue
            remaining -= np.linalg.norm(hit - points[-1])
            points.append(hit)
            direction = lens.refract(hit, direction)
        points.append(points[-1] + direction * max(remaining, 0))
        self.set_points_as_corners(points)
        self.set_stroke(color, 2)

    def get_end_direction(self):
        """Unit direction of the last segment."""
        v = self.points[-1] - self.points[-2]
        return v / np.linalg.norm(v)

