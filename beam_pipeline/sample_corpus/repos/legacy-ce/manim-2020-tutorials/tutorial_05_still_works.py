from manim import *


class StillWorks(Scene):
    """Code from 2020 that needs no change: shapes, a transform and a fade."""

    def construct(self):
        square = Square()
        circle = Circle()
        # Morph the square into the circle, then let it disappear.
        self.play(FadeIn(square))
        self.play(Transform(square, circle))
        self.play(FadeOut(square))
