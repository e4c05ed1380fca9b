# -*- coding: latin-1 -*-
"""Scènes pour un cours de géométrie (fichier encodé en Latin-1)."""
from manim import *


class Carre(Scene):
    def construct(self):
        # Un carré qui tourne d'un quart de tour.
        carre = Square()
        self.play(Rotate(carre, angle=PI / 2))
        self.play(Write(Text("Très bien !")))
