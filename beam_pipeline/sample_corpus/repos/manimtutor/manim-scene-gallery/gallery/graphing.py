"""Plotting functions on axes with Manim Community.

The scenes here only depend on Manim and NumPy, so the file can be copied into
other projects as it is.
"""

import numpy as np
from manim import *

# -----------------------------------------------------------------------------
# Axes helpers
# -----------------------------------------------------------------------------


def standard_axes(x_max: float = 6, y_max: float = 4) -> Axes:
    """Axes with ticks every unit and numbers on both axes."""
    # Symmetric ranges keep the origin in the middle of the frame.
    return Axes(
        x_range=[-x_max, x_max, 1],
        y_range=[-y_max, y_max, 1],
        x_length=10,
        y_length=6,
        axis_config={"include_numbers": True, "font_size": 24},
        tips=False,
    )


class PlotSine(Scene):
    """Draw sin(x) and cos(x) on the same axes, with labels."""

    def construct(self):
        axes = standard_axes(x_max=7, y_max=2)

        # Plot both curves over the visible range.
        sine = axes.plot(np.sin, x_range=[-7, 7], color=BLUE)
        cosine = axes.plot(np.cos, x_range=[-7, 7], color=RED)

        # Label each curve near its right end so the labels never overlap.
        sine_label = axes.get_graph_label(sine, "\\sin(x)", x_val=6, direction=UP)
        cosine_label = axes.get_graph_label(cosine, "\\cos(x)", x_val=6, direction=DOWN)

        self.play(Create(axes))
        self.play(Create(sine), Write(sine_label))
        self.play(Create(cosine), Write(cosine_label))
        self.wait()


class AreaUnderCurve(Scene):
    """Shade the area under a parabola and show its value."""

    def construct(self):
        axes = standard_axes(x_max=3, y_max=9).scale(0.9)
        parabola = axes.plot(lambda x: x**2, x_range=[-3, 3], color=YELLOW)

        # The shaded region between x = 0 and x = 2.
        area = axes.get_area(parabola, x_range=[0, 2], color=BLUE, opacity=0.5)

        # Integral of x^2 from 0 to 2 is 8/3.
        result = MathTex(r"\int_0^2 x^2\,dx = \frac{8}{3}").to_corner(UL)

        self.add(axes, parabola)
        self.play(FadeIn(area))
        self.play(Write(result))
        self.wait()


class TangentLine(Scene):
    """Slide a tangent line along a curve, driven by a ValueTracker."""

    def construct(self):
        axes = standard_axes(x_max=4, y_max=4)
        curve = axes.plot(lambda x: 0.25 * x**3 - x, color=GREEN)
        x_tracker = ValueTracker(-3)

        # Rebuild the tangent every frame at the tracker's x position.
        tangent = always_redraw(
            lambda: axes.get_secant_slope_group(
                x=x_tracker.get_value(),
                graph=curve,
                dx=0.01,
                secant_line_length=4,
                secant_line_color=ORANGE,
            )
        )

        # A dot that stays on the curve, at the point of tangency.
        dot = always_redraw(
            lambda: Dot(axes.i2gp(x_tracker.get_value(), curve), color=ORANGE)
        )

        self.add(axes, curve, tangent, dot)
        # Sweep from left to right; the slope changes sign twice.
        self.play(x_tracker.animate.set_value(3), run_time=6, rate_func=there_and_back)
        self.wait()


class ScatterAndFit(Scene):
    """Scatter noisy points and draw the least-squares line through them."""

    def construct(self):
        axes = standard_axes(x_max=5, y_max=5)

        # A fixed seed keeps the "random" points identical between renders.
        rng = np.random.default_rng(7)
        xs = np.linspace(-4, 4, 15)
        ys = 0.8 * xs + rng.normal(0, 0.6, size=xs.size)

        # One dot per data point.
        dots = VGroup(*[Dot(axes.c2p(x, y), radius=0.06) for x, y in zip(xs, ys)])

        # Fit y = a x + b with numpy's polyfit (degree 1).
        a, b = np.polyfit(xs, ys, 1)
        fit = axes.plot(lambda x: a * x + b, x_range=[-4.5, 4.5], color=RED)

        self.play(Create(axes), run_time=1)
        self.play(LaggedStartMap(FadeIn, dots, lag_ratio=0.1))
        self.play(Create(fit))
        self.wait()
