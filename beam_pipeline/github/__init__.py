"""A pure-Python GitHub REST client for the crawl (no Beam imports).

The Beam transforms create one :class:`GitHubClient` per worker in
``DoFn.setup`` and map :class:`GitHubError` reasons to dead letters.
"""

from .archive import TarballReader, unsafe_path_reason
from .blobs import BlobCache, git_blob_sha
from .client import GitHubClient
from .errors import (
    ArchiveError,
    BadCredentials,
    Blocked,
    EmptyRepository,
    GitHubError,
    LegalTakedown,
    MalformedResponse,
    NotFound,
    NotModified,
    TreeTooLarge,
    Unavailable,
)
from .models import ArchiveMember, SkippedMember, TreeEntry
from .ratelimit import RateInfo, parse_rate_headers
from .slicing import SEARCH_RESULT_CAP, DateSlice, build_query, iter_date_slices
from .stats import RequestStats

__all__ = [
    "SEARCH_RESULT_CAP",
    "ArchiveError",
    "ArchiveMember",
    "BadCredentials",
    "BlobCache",
    "Blocked",
    "DateSlice",
    "EmptyRepository",
    "GitHubClient",
    "GitHubError",
    "LegalTakedown",
    "MalformedResponse",
    "NotFound",
    "NotModified",
    "RateInfo",
    "RequestStats",
    "SkippedMember",
    "TarballReader",
    "TreeEntry",
    "TreeTooLarge",
    "Unavailable",
    "build_query",
    "git_blob_sha",
    "iter_date_slices",
    "parse_rate_headers",
    "unsafe_path_reason",
]
