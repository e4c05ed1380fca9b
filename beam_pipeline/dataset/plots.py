"""The plots of the card (PNG bytes, the same bytes for the same statistics).

matplotlib is imported only here, inside the functions: the final step of a build
is the only place that draws.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

__all__ = ["render_plots"]


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # No "Software" chunk and no timestamp: the same figure gives the same bytes.
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _figure(size: tuple[float, float]) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def _plot_histogram(histogram: Mapping[str, int], xlabel: str, title: str) -> bytes:
    import matplotlib.style

    with matplotlib.style.context("default"):  # ignore any local matplotlibrc
        fig = _figure((7, 4))
        ax = fig.add_subplot()
        labels, values = list(histogram), list(histogram.values())
        bars = ax.bar(labels, values, color="#4c72b0")
        ax.bar_label(bars, fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("pairs")
        ax.set_title(f"{title} ({sum(values)} pairs)")
        ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        return _png(fig)


def _plot_output_lines(histogram: Mapping[str, int]) -> bytes:
    return _plot_histogram(histogram, "lines of code in `output`", "Output length")


def _plot_counts(*panels: tuple[str, Mapping[str, int]]) -> bytes:
    """One horizontal bar chart per (title, counts), side by side."""
    import matplotlib.style

    with matplotlib.style.context("default"):
        fig = _figure((4 * len(panels), 3.5))
        for k, (title, counts) in enumerate(panels):
            ax = fig.add_subplot(1, len(panels), k + 1)
            bars = ax.barh(list(counts) or ["(none)"], list(counts.values()) or [0])
            ax.bar_label(bars, fontsize=8, padding=2)
            ax.margins(x=0.2)
            ax.invert_yaxis()
            ax.set_title(f"pairs per {title}")
        fig.tight_layout()
        return _png(fig)


_SPLIT_COLORS = {"train": "#4c72b0", "validation": "#dd8452", "test": "#55a868"}
_TOP_REPOSITORIES = 30


def _plot_repositories(table: Mapping[str, Mapping[str, Any]]) -> bytes:
    """Pairs of the largest repositories, coloured by split."""
    import matplotlib.patches
    import matplotlib.style

    top = sorted(table.items(), key=lambda kv: (-kv[1]["rows"], kv[0]))[:_TOP_REPOSITORIES]
    with matplotlib.style.context("default"):
        fig = _figure((8, 1.5 + 0.28 * max(len(top), 1)))
        ax = fig.add_subplot()
        names = [name for name, _ in top] or ["(none)"]
        values = [entry["rows"] for _, entry in top] or [0]
        colors = [_SPLIT_COLORS.get(entry["split"], "gray") for _, entry in top] or ["gray"]
        bars = ax.barh(names, values, color=colors)
        ax.bar_label(bars, fontsize=7, padding=2)
        ax.tick_params(axis="y", labelsize=7)
        ax.margins(x=0.15)
        ax.invert_yaxis()
        shown = f"the {len(top)} largest of {len(table)}" if len(table) > len(top) else "all"
        ax.set_title(f"pairs per repository ({shown}; colour = split)")
        handles = [
            matplotlib.patches.Patch(color=c, label=s) for s, c in _SPLIT_COLORS.items()
        ]
        ax.legend(handles=handles, fontsize=7, loc="lower right")
        fig.tight_layout()
        return _png(fig)



def render_plots(stats: Mapping[str, Any]) -> dict[str, bytes]:
    """plots/<name>.png -> bytes, for the card (paths relative to dataset/)."""
    return {
        "plots/output_lines.png": _plot_output_lines(stats["output_length"]["lines"]["histogram"]),
        "plots/flavors.png": _plot_counts(("flavor", stats["by_flavor"]), ("kind", stats["by_kind"])),
        "plots/splits_licenses.png": _plot_counts(
            ("split", stats["splits"]), ("license", stats["by_license"])
        ),
        "plots/input_words.png": _plot_histogram(
            stats["input_length"]["words"]["histogram"], "words in `input`", "Input length"
        ),
        "plots/repositories.png": _plot_repositories(stats["by_repository"]),
    }
