"""Base classes every scene of the package derives from."""
from manim import *


class BaseScene(Scene):
    """A scene with a dark background and a helper to show a caption."""

    def setup(self):
        # A slightly lighter background than Manim's default black.
        self.camera.background_color = "#111122"

    def caption(self, text):
        # Captions sit at the bottom edge, small enough not to cover the action.
        label = Text(text, font_size=28).to_edge(DOWN)
        self.play(FadeIn(label))
        return label
