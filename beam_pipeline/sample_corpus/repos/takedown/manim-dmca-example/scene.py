from manim import *


class Disputed(Scene):
    def construct(self):
        # This repository is unavailable for legal reasons.
        self.add(Text("451"))
