from manim_imports_ext import *


def labeled_dot(label, point):
    # A dot with its label just above it.
    dot = Dot(point)
    text = Text(label).scale(0.5).next_to(dot, UP, buff=0.1)
    return VGroup(dot, text)
