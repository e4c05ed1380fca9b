"""Helpers shared between scenes."""
