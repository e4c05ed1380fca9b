"""Uses both halves of the project: reaches manim and manimlib."""
import ce_side
import gl_bridge


def describe():
    # Report which scene classes are available from each flavour.
    return {"ce": ce_side.CeSquare.__name__, "gl": gl_bridge.GLScene.__name__}
