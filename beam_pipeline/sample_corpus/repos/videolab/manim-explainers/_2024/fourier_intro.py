from manim import *

from common import *


class FourierIntro(Scene):
    """Introduce the idea of building a square wave out of sines."""

    def construct(self):
        # ── Part 1 ──
        title = titled("Adding up waves")
        self.play(Write(title))
        self.wait()

        # Set up the axes for the plots, with a little room for the labels
        axes = Axes(
            x_range=[0, 2 * PI, PI / 2],
            y_range=[-1.5, 1.5, 0.5],
            x_length=10,
            y_length=4,
            tips=False,
        ).shift(0.5 * DOWN)
        labels = axes.get_axis_labels(x_label="t", y_label="f(t)")

        self.play(Create(axes), FadeIn(labels))

        # Draw the first harmonic
        first = axes.plot(lambda t: np.sin(t), color=SERIES[0])
        first_label = MathTex(r"\sin t", color=SERIES[0]).next_to(axes, UP, buff=0.2)

        self.play(Create(first), Write(first_label))
        self.wait()

        # Add the third harmonic on top of it
        third = axes.plot(lambda t: np.sin(3 * t) / 3, color=SERIES[1])
        partial = axes.plot(lambda t: np.sin(t) + np.sin(3 * t) / 3, color=ACCENT)

        self.play(Create(third))
        self.play(ReplacementTransform(VGroup(first, third), partial))
        self.wait()

        # setup
        terms = 15

        # Keep adding odd harmonics until the curve looks square
        for n in range(5, 2 * terms, 2):
            # the partial sum with every odd harmonic up to n
            next_partial = axes.plot(
                lambda t, n=n: sum(np.sin(k * t) / k for k in range(1, n + 1, 2)),
                color=ACCENT,
            )
            self.play(Transform(partial, next_partial), run_time=0.4)

        self.wait()

        # TODO: the Gibbs overshoot deserves its own scene
        # self.play(Indicate(partial))

        # ── Part 2 ──
        # Fade the plot out, keeping only the title
        self.play(FadeOut(axes, labels, partial, first_label))

        formula = MathTex(
            r"f(t) = \frac{4}{\pi} \sum_{k \text{ odd}} \frac{\sin(k t)}{k}",
        ).scale(1.2)

        self.play(Write(formula))
        self.wait(2)

        # copied from https://example.com/fourier-series-notes
        # lol this took me forever
        self.play(formula.animate.scale(0.8).to_edge(DOWN))


class PhaseShift(Scene):
    def construct(self):
        # Axes
        axes = Axes(x_range=[0, 4 * PI, PI], y_range=[-1.2, 1.2, 1], x_length=11, y_length=3)
        self.add(axes)

        # Slide a sine wave to the right with a value tracker
        shift = ValueTracker(0)
        wave = always_redraw(
            lambda: axes.plot(lambda t: np.sin(t - shift.get_value()), color=SOFT_BLUE)
        )
        self.add(wave)

        self.play(shift.animate.set_value(PI), run_time=3, rate_func=smooth)
        self.wait()

        # Show the grid of sample points under the wave
        grid = dot_grid(3, 12).next_to(axes, DOWN)
        self.play(FadeIn(grid, lag_ratio=0.05))
        flash_all(self, grid[:12])
