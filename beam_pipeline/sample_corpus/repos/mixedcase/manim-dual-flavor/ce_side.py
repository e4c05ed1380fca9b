"""ManimCE-only pieces."""
from manim import Create, Scene, Square


class CeSquare(Scene):
    def construct(self):
        # Draw a square with Create (ManimCE's name for ShowCreation).
        self.play(Create(Square()))
