from helpers.common import *


class LabeledPoints(Scene):
    def construct(self):
        # Three labelled corners of a triangle.
        points = [labeled_dot(name, p) for name, p in zip("ABC", [LEFT * 3, RIGHT * 3, UP * 2])]
        self.play(*[FadeIn(p) for p in points])
