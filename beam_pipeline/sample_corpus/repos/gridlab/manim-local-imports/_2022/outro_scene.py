from manim_imports_ext import *


class Outro(TitledScene):
    title = "Thanks for watching"

    def construct(self):
        # Fade everything out except the title.
        self.play(FadeOut(self.title_mob, UP))
