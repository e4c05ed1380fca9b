from manim import *

# Saved by an old editor: the next comment has a stray ÿþ byte pair.
class Broken(Scene):
    def construct(self):
        # café au lait (Latin-1 bytes in a file with no coding line)
        self.add(Circle())
