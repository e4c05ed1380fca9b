"""ManimGL-only pieces."""
from manimlib import Scene as GLScene
from manimlib import ShowCreation


def gl_draw(scene: GLScene, mobject):
    # Interactive embedding is a ManimGL feature.
    scene.play(ShowCreation(mobject))
