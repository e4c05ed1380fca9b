from manim import *
import numpy as np

from orbits.helpers import ellipse_point, swept_sector

ECCENTRICITY = 0.6  # the orbit of a comet, not a planet


class KeplerSecondLaw(Scene):
    def construct(self):
        # Title
        title = Text("Equal areas in equal times").to_edge(UP)
        self.play(Write(title))

        # Draw the elliptical orbit with the sun at one focus
        orbit = ParametricFunction(
            lambda t: ellipse_point(t, 3, ECCENTRICITY),
            t_range=[0, TAU],
            color=GREY_B,
        )
        sun = Dot(orbit.get_center() + 3 * ECCENTRICITY * RIGHT, color=YELLOW).scale(2)

        self.play(Create(orbit), FadeIn(sun, scale=0.5))

        # Put the comet on the orbit and keep a tracker of its angle
        angle = ValueTracker(0)
        comet = always_redraw(
            lambda: Dot(ellipse_point(angle.get_value(), 3, ECCENTRICITY), color=BLUE)
        )
        self.add(comet)

        # Sweep two sectors of the same area, one near the sun and one far from it
        for start, stop in [(0, 0.6), (2.6, 3.7)]:
            sector = swept_sector(start, stop, 3, ECCENTRICITY).set_fill(BLUE, 0.4)
            self.play(angle.animate.set_value(stop), Create(sector), run_time=2)
            if stop > 3:
                break  # why does this look slower??
            self.wait(0.5)

        # hmm
        self.wait()

        # Compare the two areas side by side
        areas = VGroup(
            MathTex(r"A_1 = A_2"),
            Text("(same time)", font_size=28),
        ).arrange(DOWN).to_corner(DR)
        self.play(FadeIn(areas, shift=UP))
        self.wait(2)


class OrbitSpeed(Scene):
    """Speed of the comet along its orbit, plotted against time."""

    def construct(self):
        axes = Axes(x_range=[0, 10, 1], y_range=[0, 3, 1], tips=False)
        labels = axes.get_axis_labels("t", "v")

        # Faster near the sun, slower far away
        graph = axes.plot(lambda t: 1 + np.cos(t * TAU / 10) ** 2, color=BLUE)

        self.play(Create(axes), Write(labels))
        self.play(Create(graph), run_time=3)

        # TODO: label the perihelion and the aphelion

        # Mark the fastest point with a dot and a dashed line to the axis
        peak = axes.c2p(0, 2)
        dot = Dot(peak, color=YELLOW)
        line = axes.get_vertical_line(peak)  # dashed by default
        self.play(FadeIn(dot), Create(line))

        # lol
        self.wait()
        if not config.preview:
            pass  # nothing else to do for a final render
