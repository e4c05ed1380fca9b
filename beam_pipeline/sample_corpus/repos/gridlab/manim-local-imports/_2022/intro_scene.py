from manim_imports_ext import *


class Intro(TitledScene):
    title = "Grids and lattices"

    def construct(self):
        # A square lattice of dots, slightly smaller than the frame.
        dots = VGroup(*[Dot([x, y, 0]) for x in range(-5, 6) for y in range(-3, 4)])
        dots.set_color(GRID_BLUE)
        self.play(ShowCreation(dots, lag_ratio=0.05))
        self.wait()
