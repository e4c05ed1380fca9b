from manim import *


class WindowsScene(Scene):
    """A scene saved on Windows: its lines end in CRLF."""

    def construct(self):
        # Write a greeting and underline it
        hello = Text("Hello from Windows")
        line = Underline(hello)

        self.play(Write(hello))
        self.play(Create(line))
