from manim import *
import numpy as np


# Utils

def square_wave(x):
    """Square wave of period 2*pi: +1 on (0, pi), -1 on (-pi, 0)."""
    return np.sign(np.sin(x))


def fourier_partial_sum(x, n_terms):
    # Only odd harmonics show up for the square wave
    total = 0
    for k in range(1, 2 * n_terms, 2):
        total += 4 / (k * PI) * np.sin(k * x)
    return total


def get_partial_sum_graph(axes, n_terms, **kwargs):
    """Graph of the partial sum with ``n_terms`` odd harmonics on ``axes``.

    Args:
        axes: the Axes to plot on.
        n_terms: how many nonzero terms to add up.

    Returns:
        A ParametricFunction, thin and white unless kwargs say otherwise.
    """
    kwargs.setdefault("color", WHITE)
    kwargs.setdefault("stroke_width", 2)
    return axes.plot(
        lambda x: fourier_partial_sum(x, n_terms),
        use_smoothing=False,  # smoothing rounds off the wiggles we want to show
        **kwargs,
    )


def get_vector_sum(plane, coefs, freqs, time=0.0):
    """Chain of arrows, tip to tail, one per term of the complex series."""
    vectors = VGroup()
    origin = plane.n2p(0)
    for c, f in zip(coefs, freqs):
        z = c * np.exp(TAU * 1j * f * time)
        end = origin + plane.n2p(z) - plane.n2p(0)
        vect = Arrow(origin, end, buff=0, stroke_width=2, max_tip_length_to_length_ratio=0.2)
        vectors.add(vect)
        origin = end  # next arrow starts where this one ends
    return vectors


def label_terms(tex, colors):
    # color each term of the sum
    for part, color in zip(tex, colors):
        part.set_color(color)
    return tex


# def old_get_graph(axes, n):
#     return axes.get_graph(lambda x: fourier_partial_sum(x, n))
