"""Zmanim helpers. (Searching GitHub for "import manim" finds this package by mistake.)"""
__version__ = "1.0.2"
