r"""Mobjects that annotate other mobjects: callouts and strike-throughs."""

from __future__ import annotations

__all__ = ["Callout", "StrikeThrough"]

from typing import TYPE_CHECKING

import numpy as np

from manim import config
from manim.constants import DOWN, LEFT, RIGHT, SMALL_BUFF, UP
from manim.mobject.geometry.line import Line
from manim.mobject.geometry.polygram import Polygon, RoundedRectangle
from manim.mobject.text.text_mobject import Text
from manim.mobject.types.vectorized_mobject import VGroup
from manim.utils.color import WHITE, YELLOW

if TYPE_CHECKING:
    from manim.mobject.mobject import Mobject
    from manim.typing import Point3D


class Callout(VGroup):
    """A rounded box with a pointer, holding a short text next to a mobject.

    The box is placed in ``direction`` from the target and the pointer is a
    thin triangle from the box's nearest edge to the target's border.

    Parameters
    ----------
    target
        The mobject the callout points at.
    text
        What to write in the box.
    direction
        Where the box goes relative to ``target``.
    buff
        Distance between the target and the box.

    Examples
    --------
    .. manim:: CalloutExample
        :save_last_frame:

        class CalloutExample(Scene):
            def construct(self):
                square = Square().shift(LEFT)
                callout = Callout(square, "a square", direction=UR)
                self.add(square, callout)

    .. manim:: CalloutFollows

        class CalloutFollows(Scene):
            def construct(self):
                dot = Dot()
                callout = Callout(dot, "moving", direction=UP)
                callout.add_updater(lambda c: c.track(dot))
                self.add(dot, callout)
                self.play(dot.animate.shift(RIGHT * 3), run_time=2)
                self.play(dot.animate.shift(DOWN * 2))

    See also
    --------
    :class:`~.Brace`
    """

    def __init__(
        self,
        target: Mobject,
        text: str,
        direction: Point3D = UP + RIGHT,
        buff: float = 0.5,
        font_size: float = 28,
        color=WHITE,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.direction = np.array(direction, dtype=float)
        self.buff = buff
        self.label = Text(text, font_size=font_size, color=color)
        self.box = RoundedRectangle(
            width=self.label.width + 2 * SMALL_BUFF,
            height=self.label.height + 2 * SMALL_BUFF,
            corner_radius=0.1,
            color=color,
        )
        self.pointer = Polygon(*self._pointer_vertices(), color=color, fill_opacity=1)
        self.add(self.box, self.label, self.pointer)
        self.track(target)

    def _pointer_vertices(self) -> list[np.ndarray]:
        # Triangle with its base on the box and its tip at the target's border
        base = self.box.get_critical_point(-self.direction)
        tip = self.target.get_critical_point(self.direction)
        half = 0.08 * np.array([-self.direction[1], self.direction[0], 0])
        return [base - half, base + half, tip]

    def track(self, target: Mobject) -> Callout:
        """Move the box next to ``target`` and redraw the pointer."""
        self.box.next_to(target, self.direction, buff=self.buff)
        self.label.move_to(self.box)
        self.pointer.set_points_as_corners([*self._pointer_vertices(), self._pointer_vertices()[0]])
        return self


class StrikeThrough(Line):
    """A line drawn diagonally across a mobject to mark it as wrong.

    .. manim:: StrikeThroughExample

        class StrikeThroughExample(Scene):
            def construct(self):
                wrong = MathTex("2 + 2 = 5")
                self.add(wrong)
                self.play(Create(StrikeThrough(wrong)))
    """

    def __init__(self, mobject: Mobject, color=YELLOW, stroke_width=6, **kwargs) -> None:
        start = mobject.get_corner(DOWN + LEFT) + SMALL_BUFF * (DOWN + LEFT)
        end = mobject.get_corner(UP + RIGHT) + SMALL_BUFF * (UP + RIGHT)
        super().__init__(start, end, color=color, stroke_width=stroke_width, **kwargs)


def default_callout_font_size() -> float:
    # Scale with the output height so 480p previews stay readable
    return 28 * config.pixel_height / 1080 if config.pixel_height < 720 else 28


def _horizontal_side(direction: np.ndarray) -> np.ndarray:
    return RIGHT if direction[0] >= 0 else LEFT  # ties go right
