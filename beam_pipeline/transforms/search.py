"""SearchRepos: every repository matching the query, each once.

The search runs in one place, so the client's de-duplication by name (results
move between pages while they are read) is the only one needed.
"""

from __future__ import annotations

import apache_beam as beam

from .. import metrics
from ..config import JobConfig
from ..crawl import BadItem, repo_from_item
from ..safepath import UnsafePath
from ._common import DEAD, GitHubDoFn, dead_letter

__all__ = ["SearchRepos"]
_STAGE = "SearchRepos"


class _SearchFn(GitHubDoFn):
    """Runs the whole search in one place: the search API allows ~30 requests a
    minute per token, so parallel searching would only wait longer."""

    def process(self, query: str):
        from ..github import GitHubError

        created_from, created_to = self.cfg.date_range()
        try:
            for item in self.client.search_repositories(
                query,
                created_from=created_from,
                created_to=created_to,
                include_forks=self.cfg.include_forks,
                max_repos=self.cfg.max_repos,
            ):
                try:
                    repo = repo_from_item(item)
                except (BadItem, UnsafePath) as e:
                    name = item.get("full_name") if isinstance(item, dict) else None
                    yield dead_letter(_STAGE, "invalid_repository", repr(name)[:200], e)
                    continue
                metrics.count("repos_found")
                yield repo
        except GitHubError as e:
            yield dead_letter(_STAGE, e.reason, f"search:{query}", e)
        finally:
            self.flush_request_counts()


class SearchRepos(beam.PTransform):
    """Query -> Repo records (each name once), plus dead letters."""

    def __init__(self, cfg: JobConfig):
        super().__init__()
        self.cfg = cfg

    def expand(self, pbegin: beam.pvalue.PBegin):
        found = (
            pbegin
            | "Query" >> beam.Create([self.cfg.query])
            | "Search" >> beam.ParDo(_SearchFn(self.cfg)).with_outputs(DEAD, main="repos")
        )
        return found.repos | "Spread" >> beam.Reshuffle(), found[DEAD]
