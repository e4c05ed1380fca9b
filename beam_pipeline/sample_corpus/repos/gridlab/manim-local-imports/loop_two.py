from manim import Circle

import loop_one


def make_circle():
    return Circle()
