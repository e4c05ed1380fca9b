"""Import whichever manim is installed: ManimCE first, ManimGL as a fallback."""
try:
    from manim import *

    FLAVOR = "ce"
except ImportError:
    from manimlib import *

    FLAVOR = "gl"


def create_animation(mobject):
    # ManimCE renamed ShowCreation to Create; pick the right one.
    if FLAVOR == "ce":
        return Create(mobject)
    return ShowCreation(mobject)
