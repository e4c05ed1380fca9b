from big_ol_pile_of_manim_imports import *


class OpeningQuote(Scene):
    def construct(self):
        # The quote is split in two lines so it fits the old 16:9 frame.
        words = TextMobject(
            "``The introduction of numbers as coordinates is an act of violence.''"
        )
        words.set_width(FRAME_WIDTH - 1)
        words.to_edge(UP)
        author = TextMobject("-Hermann Weyl")
        author.set_color(YELLOW)
        author.next_to(words, DOWN, buff=0.5)

        self.play(FadeIn(words))
        self.wait(2)
        self.play(Write(author, run_time=3))
        self.wait()


class VectorAsArrow(VectorScene):
    def construct(self):
        # Draw the plane first, then the vector on top of it.
        self.add_plane()
        vector = self.add_vector([-3, 2], color=YELLOW)
        self.wait()
