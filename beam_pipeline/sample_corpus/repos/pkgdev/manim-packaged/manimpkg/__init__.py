"""manimpkg: reusable building blocks for ManimCE scenes."""

__version__ = "0.2.0"
