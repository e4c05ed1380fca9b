from manimlib.imports import *


class FourierCirclesScene(Scene):
    CONFIG = {
        "n_vectors": 10,
        "slow_factor": 0.25,
    }

    def construct(self):
        # One rotating vector per frequency, tip to tail.
        vectors = self.get_rotating_vectors()
        self.add(vectors)
        self.wait(8)

    def get_rotating_vectors(self):
        vectors = VGroup()
        last_tip = ORIGIN
        for n in range(self.n_vectors):
            # Radius falls off like 1/n for a square-wave-like shape.
            vector = Vector(RIGHT / (n + 1))
            vector.shift(last_tip)
            last_tip = vector.get_end()
            vectors.add(vector)
        return vectors
