import math

import numpy as np
import pytest
from manim import LEFT, RIGHT, UP

from manim_optics import Lens, Ray
from manim_optics.utils import focal_points, image_distance


@pytest.fixture
def lens():
    return Lens(f=2, height=4)


def test_power(lens):
    assert lens.power == pytest.approx(0.5)


def test_parallel_ray_goes_through_focus(lens):
    """A ray parallel to the axis crosses the axis at the focal point."""
    ray = Ray(LEFT * 4 + UP, RIGHT, lenses=[lens], length=20)
    direction = ray.get_end_direction()
    # follow the last segment down to y = 0
    t = -ray.points[-2][1] / direction[1]
    crossing = ray.points[-2] + t * direction
    assert crossing[0] == pytest.approx(2, abs=1e-6)


def test_ray_misses_small_lens():
    small = Lens(f=2, height=0.5)
    ray = Ray(LEFT * 4 + UP * 2, RIGHT, lenses=[small])
    # Arrange
    expected = np.array([1.0, 0.0, 0.0])
    # Assert
    np.testing.assert_allclose(ray.get_end_direction(), expected)


@pytest.mark.parametrize("f, d, expected", [(2, 4, 4), (1, 3, 1.5), (2, 2, math.inf)])
def test_image_distance(f, d, expected):
    assert image_distance(f, d) == expected


def test_focal_points_count(lens):
    # two dots and two labels
    assert len(focal_points(lens)) == 4
    assert len(focal_points(lens, labels=False)) == 2  # no labels
