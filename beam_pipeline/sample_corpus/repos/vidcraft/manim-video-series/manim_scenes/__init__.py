"""Base scenes and helpers for the episodes."""

from .base import VideoScene

__all__ = ["VideoScene"]
