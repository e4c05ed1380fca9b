from manim import *


class ConfiguredSquare(Scene):
    CONFIG = {
        "square_color": GREEN,
        "square_side": 3,
    }

    def construct(self):
        # The CONFIG values used to become attributes of the scene.
        square = Square(side_length=self.square_side, color=self.square_color)
        self.play(FadeIn(square))
