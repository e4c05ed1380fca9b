"""Two modules importing each other, neither of them using manim."""
import cycle_b


def ping():
    return cycle_b.pong()
