"""Build a (comment -> code) fine-tuning dataset from public Manim code on GitHub."""

__version__ = "0.1.0"
