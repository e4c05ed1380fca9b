"""A GitHub REST emulator serving a folder of repositories, for offline crawls and tests.

Corpus format: ``<root>/repos.json`` (a list of repository metadata: full_name,
created_at, pushed_at, license (SPDX id or null), description, topics, stars,
fork, archived, default_branch, status "ok" | "empty" | "dmca" | "blocked",
optional renamed_from, id, parent, language) and ``<root>/repos/<owner>/<name>/``
plain file trees. Folders without metadata are served with defaults.

Usage::

    with GitHubEmulator(clones=2000, faults=FaultConfig(error_5xx_every=7)) as emu:
        requests.get(f"{emu.url}/search/repositories", params={"q": "manim"})
        emu.stats()["search"]
"""

from .corpus import blob_sha, bundled_corpus_root
from .faults import FaultConfig
from .server import GitHubEmulator

__all__ = ["FaultConfig", "GitHubEmulator", "blob_sha", "bundled_corpus_root"]
