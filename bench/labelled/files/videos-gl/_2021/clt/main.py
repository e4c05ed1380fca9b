from manimlib import *
import random


# Helpers

def get_die_face(n, side_length=1.0, dot_color=BLUE_B):
    square = RoundedRectangle(side_length, side_length, corner_radius=0.15)
    square.set_fill(GREY_E, 1)
    square.set_stroke(WHITE, 2)
    # Pip layout on a 3x3 grid, indexed like a keypad
    positions = {
        1: [4],
        2: [0, 8],
        3: [0, 4, 8],
        4: [0, 2, 6, 8],
        5: [0, 2, 4, 6, 8],
        6: [0, 2, 3, 5, 6, 8],
    }[n]
    grid = [
        square.get_center() + side_length * 0.3 * (x * RIGHT + y * DOWN)
        for y in (-1, 0, 1)
        for x in (-1, 0, 1)
    ]
    dots = VGroup(*(Dot(grid[i], radius=0.08 * side_length, color=dot_color) for i in positions))
    return VGroup(square, dots)


class DiceSums(Scene):
    CONFIG = {
        "n_dice": 10,
        "n_rolls": 60,
        "bar_width": 0.25,
        "random_seed": 1,
    }

    def construct(self):
        # Row of dice
        dice = VGroup(*(get_die_face(random.randint(1, 6), 0.6) for _ in range(self.n_dice)))
        dice.arrange(RIGHT, buff=0.2)
        dice.to_edge(UP)

        self.play(LaggedStartMap(FadeIn, dice, lag_ratio=0.1, scale=0.5))
        self.wait()

        # Histogram of the sums
        axes = Axes((0, 60, 5), (0, 0.1, 0.02), width=12, height=4)
        axes.to_edge(DOWN)
        axes.add_coordinate_labels(font_size=18)
        bars = VGroup()
        for x in range(0, 61):
            bar = Rectangle(self.bar_width, 0)
            bar.set_fill(BLUE, 0.8)
            bar.set_stroke(width=0)
            bar.move_to(axes.c2p(x, 0), DOWN)
            bars.add(bar)

        self.play(ShowCreation(axes))
        self.add(bars)

        # Roll many times and grow the bars
        counts = [0] * 61
        for n in range(1, self.n_rolls + 1):
            values = [random.randint(1, 6) for _ in dice]
            new_dice = VGroup(*(
                get_die_face(v, 0.6).move_to(die)
                for v, die in zip(values, dice)
            ))
            total = sum(values)
            counts[total] += 1
            # Rescale every bar to the new frequencies
            for x, bar in enumerate(bars):
                height = axes.y_axis.unit_size * counts[x] / n
                bar.stretch_to_fit_height(max(height, 1e-3), about_edge=DOWN)
            self.play(
                Transform(dice, new_dice),
                bars[total].animate.set_fill(YELLOW),
                run_time=0.2,
            )
            bars[total].set_fill(BLUE)  # back to normal for the next roll

        # Overlay the bell curve
        mean = 3.5 * self.n_dice
        sigma = np.sqrt(self.n_dice * 35 / 12)
        bell = axes.get_graph(
            lambda x: np.exp(-((x - mean) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(TAU)),
            color=YELLOW,
        )

        self.play(ShowCreation(bell, run_time=2))
        self.wait()
        self.embed()


class MeanAndVariance(InteractiveScene):
    CONFIG = {
        "distribution": [0.1, 0.2, 0.1, 0.1, 0.2, 0.3],
    }

    def construct(self):
        # Bar chart of the distribution
        chart = BarChart(self.distribution, bar_names=list("123456"), height=3.5)
        chart.to_edge(LEFT)
        self.play(FadeIn(chart, lag_ratio=0.1))

        # Mean
        mu = sum((i + 1) * p for i, p in enumerate(self.distribution))
        mu_line = DashedLine(chart.c2p(mu - 0.5, 0), chart.c2p(mu - 0.5, 0.35))
        mu_label = Tex(R"\mu = " + f"{mu:.2f}")
        mu_label.next_to(mu_line, UP)

        self.play(ShowCreation(mu_line), Write(mu_label))

        # Standard deviation as a double arrow around the mean
        var = sum((i + 1 - mu) ** 2 * p for i, p in enumerate(self.distribution))
        sigma = np.sqrt(var)
        arrow = DoubleArrow(
            chart.c2p(mu - 0.5 - sigma, 0.3),
            chart.c2p(mu - 0.5 + sigma, 0.3),
            buff=0,
        )
        sigma_label = Tex(R"2\sigma").next_to(arrow, UP, SMALL_BUFF)

        self.play(GrowFromCenter(arrow), FadeIn(sigma_label, 0.25 * UP))
        self.wait()

        # Tinker by hand from here
        self.embed()
