from manim import *


class MisspelledKeyword(Scene):
    def construct(self):
        # British spelling of the keyword: not what Circle expects.
        circle = Circle(radius=1.5, colour=RED)
        self.play(Create(circle))
