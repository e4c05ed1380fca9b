#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2021 Manim Tutor
# Licensed under the MIT License. See LICENSE in the project root.
"""First steps with Manim Community.

Each scene introduces one idea: creating shapes, moving them, transforming one
into another and grouping objects. Render one with::

    manim -pql gallery/basics.py SquareToCircle
"""

from manim import *  # noqa: F401,F403

from gallery.palette import PALETTE

# ---------------------------------------------------------------------------
# Shared settings
# ---------------------------------------------------------------------------

# How long most animations last, in seconds; short enough for a quick preview.
DEFAULT_RUN_TIME = 1.5

# The accent colour used to highlight whatever the narration talks about.
ACCENT = PALETTE[2]


class SquareToCircle(Scene):
    """Morph a square into a circle: the "hello world" of Manim."""

    def construct(self):
        # Create a blue circle with a semi-transparent fill.
        circle = Circle()
        circle.set_fill(BLUE, opacity=0.5)

        # Start from a square rotated by 45 degrees so that it looks like a diamond.
        square = Square()
        square.rotate(PI / 4)

        # Draw the square first, then turn it into the circle, then fade it out.
        self.play(Create(square))
        self.play(Transform(square, circle), run_time=DEFAULT_RUN_TIME)
        self.play(FadeOut(square))
        # self.play(Write(Text("Done!")))
        # self.wait(2)


class ShapesInARow(Scene):
    """Several basic shapes lined up, to show `arrange` and `next_to`."""

    def construct(self):
        # Build one of each basic shape, all with the same side length.
        shapes = VGroup(
            Square(side_length=1.5),
            Circle(radius=0.75),
            Triangle().scale(0.9),
            RegularPolygon(n=6).scale(0.8),
        )

        # Line them up horizontally with a comfortable gap between them.
        shapes.arrange(RIGHT, buff=0.6)

        # Give each shape its own colour from the channel palette.
        for shape, colour in zip(shapes, PALETTE[1:]):
            shape.set_stroke(colour, width=6)

        # Put a caption under the row of shapes.
        caption = Text("Four basic shapes", font_size=36)
        caption.next_to(shapes, DOWN, buff=0.8)

        # Draw every shape at once, with a small delay between them.
        self.play(LaggedStart(*[Create(s) for s in shapes], lag_ratio=0.2))
        self.play(Write(caption))
        self.wait()


class MovingDot(Scene):
    """A dot that travels along a path and leaves a trace behind it."""

    def construct(self):
        # The path is a sine-like curve drawn from left to right.
        path = VMobject()
        path.set_points_smoothly(
            [LEFT * 5, LEFT * 2.5 + UP * 1.5, ORIGIN, RIGHT * 2.5 + DOWN * 1.5, RIGHT * 5]
        )
        path.set_stroke(GREY, width=2)

        # Place the dot at the start of the path.
        dot = Dot(path.get_start(), color=ACCENT)

        # TracedPath redraws itself every frame from the dot's position.
        trace = TracedPath(dot.get_center, stroke_color=ACCENT, stroke_width=4)

        self.add(path, trace, dot)
        # Move the dot along the whole path at constant speed.
        self.play(MoveAlongPath(dot, path), run_time=4, rate_func=linear)
        self.wait(0.5)


class UpdaterDemo(Scene):
    """Keep a label attached to a moving object with an updater."""

    def construct(self):
        square = Square(color=YELLOW)
        label = Text("square", font_size=28)

        # The updater runs on every frame, so the label follows the square.
        label.add_updater(lambda mob: mob.next_to(square, UP))

        self.add(square, label)
        self.play(square.animate.shift(RIGHT * 3))
        self.play(square.animate.shift(LEFT * 6).scale(0.5))

        # Remove the updater before the label is animated on its own.
        label.clear_updaters()
        self.play(FadeOut(label, shift=UP))  # fade upwards, away from the square


class ValueTrackerCounter(Scene):
    """Animate a number with a ValueTracker and an always_redraw decimal."""

    def construct(self):
        # The tracker holds the value; nothing on screen yet.
        tracker = ValueTracker(0)

        # always_redraw rebuilds the decimal from the tracker on every frame.
        number = always_redraw(
            lambda: DecimalNumber(tracker.get_value(), num_decimal_places=1).scale(2)
        )

        self.add(number)
        # Count up to 10, then back down to 3, easing in and out.
        self.play(tracker.animate.set_value(10), run_time=3)
        self.play(tracker.animate.set_value(3), rate_func=smooth)
        # self.play(tracker.animate.set_value(-5))
        self.wait()


# ---------------------------------------------------------------------------
# Groups and layout
# ---------------------------------------------------------------------------


def make_grid(rows: int, cols: int, size: float = 0.5) -> VGroup:
    """Return a rows x cols grid of squares, centred on the origin.

    Kept as a function because two scenes below need the same grid.
    """
    # One square per cell; VGroup.arrange_in_grid does the positioning.
    cells = VGroup(*[Square(side_length=size) for _ in range(rows * cols)])
    cells.arrange_in_grid(rows=rows, cols=cols, buff=0.05)
    return cells


class GridHighlight(Scene):
    """Highlight the diagonal of a grid, one cell at a time."""

    def construct(self):
        grid = make_grid(5, 5)
        self.play(Create(grid), run_time=2)

        # Walk along the diagonal: cell (i, i) has index i * 5 + i.
        for i in range(5):
            cell = grid[i * 5 + i]
            # Fill the cell, then shrink its border a little to make it stand out.
            self.play(
                cell.animate.set_fill(ACCENT, opacity=0.8).scale(0.9),
                run_time=0.4,
            )

        # Flash the whole diagonal at the end.
        diagonal = VGroup(*[grid[i * 6] for i in range(5)])
        self.play(Indicate(diagonal, color=WHITE))


if __name__ == "__main__":
    # Rendering from the command line is the usual way; this is only for quick checks.
    with tempconfig({"quality": "low_quality", "preview": True}):
        SquareToCircle().render()
