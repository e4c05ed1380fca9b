from __future__ import annotations

import numpy as np
import pytest

from manim import DOWN, RIGHT, UP, Circle, MathTex, Square
from manim.mobject.annotation import Callout, StrikeThrough


def test_callout_is_placed_in_direction():
    square = Square()
    callout = Callout(square, "hi", direction=UP)
    assert callout.box.get_bottom()[1] > square.get_top()[1]


def test_callout_track_moves_box():
    """Tracking a moved target moves the box by the same amount."""
    circle = Circle()
    callout = Callout(circle, "c", direction=RIGHT)
    before = callout.box.get_center().copy()
    circle.shift(DOWN * 2)
    callout.track(circle)
    np.testing.assert_allclose(callout.box.get_center() - before, DOWN * 2, atol=1e-8)


@pytest.mark.parametrize("tex", ["x", "2 + 2 = 5"])
def test_strike_through_spans_mobject(tex):
    mob = MathTex(tex)
    line = StrikeThrough(mob)
    # the line must stick out on both sides
    assert line.get_left()[0] < mob.get_left()[0]
    assert line.get_right()[0] > mob.get_right()[0]


def test_pointer_touches_target(using_opengl_renderer):  # noqa: ARG001
    square = Square()
    callout = Callout(square, "x", direction=UP)
    tip = callout.pointer.get_vertices()[-1]
    assert np.isclose(tip[1], square.get_top()[1])
