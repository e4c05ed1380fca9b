from __future__ import annotations

import math

import numpy as np
from manim import DashedLine, Dot, MathTex, VGroup, config

from .lenses import Lens


def image_distance(f: float, d_object: float) -> float:
    """Distance of the image from a thin lens.

    Solves the lens equation 1/f = 1/d_o + 1/d_i for d_i.

    Args:
        f: focal length.
        d_object: distance of the object from the lens (positive on the
            incoming side).

    Returns:
        The image distance; ``math.inf`` when the object sits at the focus.

    Tests:
        >>> image_distance(2, 4)
        4.0
        >>> image_distance(2, 2)
        inf
    """
    if math.isclose(d_object, f):
        return math.inf
    return 1 / (1 / f - 1 / d_object)


def magnification(f, d_object):
    """Lateral magnification m = -d_i / d_o."""
    return -image_distance(f, d_object) / d_object


def optical_axis(length=None, **kwargs):
    """Dashed horizontal line through the origin.

    Args:
        length: defaults to the frame width.
        **kwargs: passed to DashedLine.
    """
    length = length or config.frame_width
    return DashedLine(length / 2 * np.array([-1, 0, 0]), length / 2 * np.array([1, 0, 0]), **kwargs)


def focal_points(lens: Lens, labels: bool = True) -> VGroup:
    """Dots at both focal points of ``lens``, optionally labelled F and F'.

    Example:
        .. manim:: FocalPointsExample
            :save_last_frame:

            from manim_optics import Lens
            from manim_optics.utils import focal_points

            class FocalPointsExample(Scene):
                def construct(self):
                    lens = Lens(f=2.5)
                    self.add(lens, focal_points(lens))
    """
    group = VGroup()
    for sign, name in ((-1, "F"), (1, "F'")):
        dot = Dot(lens.get_center() + sign * lens.f * np.array([1, 0, 0]))
        group.add(dot)
        if labels:
            group.add(MathTex(name).next_to(dot, np.array([0, -1, 0])))
    return group


def _clamp(x, lo, hi):
    """Clamp."""
    return max(lo, min(hi, x))
