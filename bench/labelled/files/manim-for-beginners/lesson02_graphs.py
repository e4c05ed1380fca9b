"""
Lesson 2: plotting functions.

Copied parts of this from a YouTube tutorial, thanks!!
"""
from manim import *
import math


class SineGraph(Scene):
    def construct(self):
        # just for debugging, can delete
        print(config.pixel_width, config.pixel_height)

        ax = Axes(
            x_range=[-4, 4, 1],
            y_range=[-1.5, 1.5, 0.5],
            tips=False,  # no arrows at the ends
            axis_config={"include_numbers": True},
        )

        # plot sin(x) in blue and cos(x) in red
        sin_graph = ax.plot(lambda x: math.sin(x), color=BLUE)
        cos_graph = ax.plot(lambda x: math.cos(x), color=RED)
        labels = VGroup(
            ax.get_graph_label(sin_graph, "\\sin(x)"),
            ax.get_graph_label(cos_graph, "\\cos(x)", x_val=-3, direction=UL),
        )

        self.play(Create(ax))
        self.play(Create(sin_graph), Create(cos_graph), run_time=3)
        self.play(Write(labels))

        # Does anyone know how to make the labels not overlap???

        # Area under sin between 0 and pi
        area = ax.get_area(sin_graph, x_range=(0, PI), color=BLUE, opacity=0.3)
        self.play(FadeIn(area))
        self.wait()


class MovingDot(Scene):
    def construct(self):
        ax = Axes(x_range=[0, 10], y_range=[0, 100, 10])
        graph = ax.plot(lambda x: x**2, x_range=[0, 10])

        # Dot that slides along the parabola
        t = ValueTracker(0)
        dot = Dot(color=YELLOW)
        dot.add_updater(lambda d: d.move_to(ax.c2p(t.get_value(), t.get_value() ** 2)))

        # psi
        self.add(ax, graph, dot)
        self.play(t.animate.set_value(10), run_time=4)
        self.wait()

        # see https://www.youtube.com/watch?v=dQw4w9WgXcQ for how updaters work

        # FIXME the dot jumps at the start
        dot.clear_updaters()


if __name__ == "__main__":
    # render from python instead of the command line
    with tempconfig({"quality": "low_quality", "preview": True}):
        scene = MovingDot()
        scene.render()
