from manim import *

import config
from manim_scenes import VideoScene


class VectorIntro(VideoScene):
    """A vector is an arrow from the origin: show one on a plane."""

    def construct(self):
        self.title_card("Vectors")
        plane = NumberPlane(background_line_style={"stroke_color": config.MUTED})
        self.play(Create(plane), run_time=config.BEAT * 2)
        # The vector (2, 1), drawn from the origin.
        arrow = Arrow(ORIGIN, plane.c2p(2, 1), buff=0, color=config.ACCENT)
        self.play(GrowArrow(arrow))
        self.beat()


class VectorAddition(VideoScene):
    def construct(self):
        plane = NumberPlane()
        self.add(plane)
        first = Arrow(ORIGIN, plane.c2p(2, 1), buff=0, color=BLUE)
        second = Arrow(ORIGIN, plane.c2p(-1, 2), buff=0, color=GREEN)
        self.play(GrowArrow(first), GrowArrow(second))
        # Tip to tail: slide the second arrow so it starts where the first ends.
        self.play(second.animate.shift(first.get_end()))
        total = Arrow(ORIGIN, second.get_end(), buff=0, color=config.ACCENT)
        self.play(GrowArrow(total))
        # Zoom in on the sum while keeping the whole triangle in view.
        self.play(self.camera.frame.animate.scale(0.7).move_to(total))
        self.beat(2)


class TipToTail(Scene):
    def construct(self):
        dots = VGroup(*[Dot(RIGHT * i) for i in range(4)])
        # Each step moves the group by one unit, like adding the same vector again.
        for _ in range(3):
            self.play(dots.animate.shift(UP * 0.5), run_time=0.3)
