from manim import *
import numpy as np

WAVE_COLORS = [BLUE, RED]


def wave_graph(axes, amplitude, wavelength, phase, color):
    return axes.plot(
        lambda x: amplitude * np.sin(TAU * x / wavelength + phase),
        color=color,
    )


class TwoWaves(Scene):
    amplitude = 0.8
    wavelength = 2.0

    def construct(self):
        self.next_section("setup")
        # Two stacked axes, one per wave, and a third for their sum
        axes_group = VGroup(*(
            Axes(x_range=[0, 8], y_range=[-2, 2], x_length=10, y_length=1.8, tips=False)
            for _ in range(3)
        ))
        axes_group.arrange(DOWN, buff=0.4)
        phase = ValueTracker(0)
        waves = VGroup(
            always_redraw(lambda: wave_graph(axes_group[0], self.amplitude, self.wavelength, 0, WAVE_COLORS[0])),
            always_redraw(lambda: wave_graph(axes_group[1], self.amplitude, self.wavelength, phase.get_value(), WAVE_COLORS[1])),
        )

        self.play(LaggedStartMap(Create, axes_group, lag_ratio=0.3))
        self.play(Create(waves[0]), Create(waves[1]))
        self.wait()

        self.next_section("sum")
        # Sum of the two waves on the bottom axes
        total = always_redraw(lambda: axes_group[2].plot(
            lambda x: 2 * self.amplitude * np.cos(phase.get_value() / 2)
            * np.sin(TAU * x / self.wavelength + phase.get_value() / 2),
            color=PURPLE,
        ))
        plus = MathTex("+").next_to(axes_group[0], DOWN, buff=0.05).shift(5.5 * LEFT)
        equals = MathTex("=").next_to(axes_group[1], DOWN, buff=0.05).shift(5.5 * LEFT)

        self.play(Write(plus), Write(equals))
        self.play(TransformFromCopy(waves, total))
        self.wait()

        # Shift the phase of the red wave from 0 to pi: the sum dies out
        phase_label = always_redraw(lambda: MathTex(
            rf"\Delta\varphi = {phase.get_value() / PI:.2f}\pi"
        ).to_corner(UR))
        self.add(phase_label)
        self.play(phase.animate.set_value(PI), run_time=4)
        self.wait()

        # and back to constructive interference
        self.play(phase.animate.set_value(TAU), run_time=4)
        self.wait()


class StandingWave(Scene):
    def construct(self):
        axes = Axes(x_range=[0, 4], y_range=[-1.5, 1.5], x_length=10, tips=False)
        t = ValueTracker(0)
        self.add(axes)

        mode = 1
        while mode <= 3:
            # One standing mode, fixed at both ends
            graph = always_redraw(lambda m=mode: axes.plot(
                lambda x: np.sin(m * PI * x / 4) * np.cos(TAU * t.get_value()),
                color=YELLOW,
            ))
            label = Tex(f"mode {mode}").to_corner(UL)
            self.add(graph, label)
            self.play(t.animate.increment_value(2), run_time=4, rate_func=linear)
            self.remove(graph, label)
            mode += 1

        # Nodes of the third mode
        nodes = VGroup(*(Dot(axes.c2p(x, 0), color=RED) for x in np.linspace(0, 4, 4)))
        try:
            self.play(LaggedStartMap(GrowFromCenter, nodes))
        except Exception:
            # older manim versions without LaggedStartMap
            self.play(*map(GrowFromCenter, nodes))
        self.wait()


class DopplerCircles(Scene):
    def construct(self):
        source = Dot(LEFT * 4, color=YELLOW)
        self.add(source)
        circles = VGroup()
        colors = [
            # compressed in front of the source
            BLUE,
            BLUE_B,
            # stretched behind it
            RED_B,
            RED,
        ]

        with tempconfig({"frame_rate": 30}):
            for i in range(12):
                # emit a circle, then move the source a bit to the right
                circle = Circle(radius=0.05, color=colors[i % 4]).move_to(source)
                circle.add_updater(lambda c, dt: c.scale(1 + 1.5 * dt / c.width))
                circles.add(circle)
                self.add(circle)
                self.play(source.animate.shift(RIGHT * 0.6), run_time=0.5, rate_func=linear)

        if len(circles) > 10:
            self.wait(2)
        elif len(circles) > 5:
            self.wait(1)
        else:
            pass  # nothing to wait for


# -----------------------------------------------------------------------------
# Thumbnail
# -----------------------------------------------------------------------------

class Thumbnail(TwoWaves):
    # Same as TwoWaves but only the last frame, with a big title
    def construct(self):
        title = Text("Interference", font_size=96, weight=BOLD)
        title.to_edge(UP)
        self.add(title)
