from manim import *


class Blocked(Scene):
    def construct(self):
        # Access to this repository is blocked.
        self.add(Text("403"))
