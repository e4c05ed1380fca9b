from manim import *


class DrawCircle(Scene):
    def construct(self):
        circle = Circle(color=BLUE)
        # Draw the outline, then fill it in.
        self.play(ShowCreation(circle))
        self.play(ApplyMethod(circle.set_fill, BLUE, 0.5))
