# -*- coding: utf-8 -*-
"""Animations for my physics presentation about the simple pendulum."""
from manim import *
import numpy as np

G = 9.81  # m/s^2
LENGTH = 2.5


def pendulum_angle(t, theta0=0.6):
    """Small-angle solution theta(t) = theta0 * cos(sqrt(g / L) * t)."""
    return theta0 * np.cos(np.sqrt(G / LENGTH) * t)


class Pendulum(Scene):
    def construct(self):
        # Ceiling, string and bob
        pivot = Dot(UP * 3, color=GREY)
        ceiling = Line(LEFT, RIGHT).next_to(pivot, UP, buff=0)
        time = ValueTracker(0)

        def get_bob_position():
            theta = pendulum_angle(time.get_value())
            return pivot.get_center() + LENGTH * np.array([np.sin(theta), -np.cos(theta), 0])

        string = always_redraw(lambda: Line(pivot.get_center(), get_bob_position()))
        bob = always_redraw(lambda: Dot(get_bob_position(), radius=0.2, color=BLUE))

        self.play(Create(ceiling), FadeIn(pivot))
        self.play(Create(string), GrowFromCenter(bob))

        # Angle arc and theta label that follow the string
        arc = always_redraw(
            lambda: Angle(
                Line(pivot.get_center(), pivot.get_center() + DOWN),
                Line(pivot.get_center(), get_bob_position()),
                radius=0.7,
                other_angle=pendulum_angle(time.get_value()) < 0,
            )
        )
        theta_label = always_redraw(
            lambda: MathTex(r"\theta").next_to(arc, DOWN, buff=0.1)
        )

        self.play(Create(arc), Write(theta_label))

        # Let it swing for ten seconds
        self.play(time.animate.set_value(10), run_time=10, rate_func=linear)
        self.wait()


class PeriodFormula(Scene):
    def construct(self):
        formula = MathTex(r"T = 2\pi \sqrt{\frac{L}{g}}")
        formula.scale(1.5)
        # Box the formula
        box = SurroundingRectangle(formula, color=YELLOW, buff=0.3)

        self.play(Write(formula))
        self.play(Create(box))
        self.wait(2)
