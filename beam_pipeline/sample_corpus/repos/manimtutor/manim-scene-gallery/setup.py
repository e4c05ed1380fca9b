"""Packaging for the scene gallery, so that `manim` can import `gallery` from anywhere."""

from setuptools import find_packages, setup

# Keep the version in one place: the README and the docs read it from here.
VERSION = "0.3.1"

setup(
    name="manim-scene-gallery",
    version=VERSION,
    description="Commented example scenes for Manim Community",
    packages=find_packages(exclude=["tests"]),
    python_requires=">=3.9",
    # Manim itself is a runtime dependency; numpy comes with it but we pin a floor.
    install_requires=["manim>=0.18", "numpy>=1.24"],
)
