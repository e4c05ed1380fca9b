from manim import *

from .palette import ACCENT, SOFT_BLUE


def titled(text, scale=1.0):
    """Return a title pinned to the top edge, underlined in the accent colour."""
    title = Text(text, font_size=44).scale(scale).to_edge(UP)
    underline = Line(LEFT, RIGHT, color=ACCENT).match_width(title).next_to(title, DOWN, buff=0.1)
    return VGroup(title, underline)


def dot_grid(rows, cols, spacing=0.5):
    """Build a grid of small dots, centred on the origin."""
    dots = VGroup(*[Dot(radius=0.04, color=SOFT_BLUE) for _ in range(rows * cols)])
    dots.arrange_in_grid(rows, cols, buff=spacing)
    return dots


def flash_all(scene, mobjects, color=ACCENT):
    # Indicate every mobject at the same time
    scene.play(*[Indicate(m, color=color) for m in mobjects])
