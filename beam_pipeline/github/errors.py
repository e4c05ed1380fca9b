"""Errors of the GitHub client, each with a stable ``reason`` code.

The reason doubles as the dead-letter reason of the pipeline, so it must stay
short and stable. Messages are built from the endpoint path only (never a
header, never a query string), so no token can end up in a log or an output.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "BadCredentials",
    "Blocked",
    "EmptyRepository",
    "GitHubError",
    "LegalTakedown",
    "MalformedResponse",
    "NotFound",
    "NotModified",
    "TreeTooLarge",
    "Unavailable",
]


class GitHubError(Exception):
    """A request GitHub answered (or failed to answer) in a way the caller must handle."""

    reason = "github_error"

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        if reason is not None:
            self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, reason={self.reason!r})"

    def __reduce__(self):  # keep reason/status when pickled between Beam workers
        return (_rebuild, (type(self), self.message, self.status, self.reason))


def _rebuild(cls: type[GitHubError], message: str, status: int | None, reason: str) -> GitHubError:
    return cls(message, status=status, reason=reason)


class NotFound(GitHubError):
    """404 (or a ref GitHub cannot resolve): the repository, ref or file is gone."""

    reason = "not_found"


class EmptyRepository(GitHubError):
    """409 "Git Repository is empty.": nothing to crawl, not a failure."""

    reason = "empty_repository"


class LegalTakedown(GitHubError):
    """451: the repository was taken down (DMCA); it must be skipped."""

    reason = "legal_takedown"


class Blocked(GitHubError):
    """403 with a ``block`` object: access blocked for terms of service."""

    reason = "blocked"


class BadCredentials(GitHubError):
    """401: a token is wrong or revoked. Never retried; the run must stop."""

    reason = "bad_credentials"


class Unavailable(GitHubError):
    """Retries exhausted (5xx, cut connections) or a rate-limit wait longer than allowed."""

    reason = "unavailable"


class MalformedResponse(GitHubError):
    """A 2xx answer whose body is not what the API documents, even after retries."""

    reason = "malformed_response"


class ArchiveError(GitHubError):
    """A tarball that is corrupt, cut short or too large: fall back to the blob API."""

    reason = "archive_error"


class TreeTooLarge(GitHubError):
    """A truncated tree whose walk would exceed the client's request bound."""

    reason = "tree_too_large"


class NotModified(Exception):
    """304 to a conditional request: the resource did not change since ``etag``.

    Deliberately not a GitHubError: it is the good outcome of a re-crawl, not a
    failure, and must not be caught by dead-letter handlers.
    """

    reason = "not_modified"

    def __init__(self, etag: str | None = None):
        super().__init__("not modified")
        self.etag = etag

    def __reduce__(self):
        return (type(self), (self.etag,))
