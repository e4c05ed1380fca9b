from manim import *
from manim_voiceover import VoiceoverScene


class NarratedCircle(VoiceoverScene):
    """A circle drawn while the narrator speaks (needs the manim-voiceover plugin)."""

    def construct(self):
        circle = Circle()
        with self.voiceover(text="This is a circle."):
            self.play(Create(circle))
