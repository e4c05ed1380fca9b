from manim import *


class PlotParabola(GraphScene):
    """Plot y = x^2 on axes configured through the CONFIG dictionary."""

    CONFIG = {
        "x_min": -3,
        "x_max": 3,
        "y_min": 0,
        "y_max": 9,
        "graph_origin": DOWN * 3,
    }

    def construct(self):
        self.setup_axes(animate=True)
        # The parabola itself, drawn from left to right.
        parabola = self.get_graph(lambda x: x ** 2, color=YELLOW)
        self.play(ShowCreation(parabola))
