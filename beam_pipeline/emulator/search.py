"""The subset of GitHub's repository search syntax a crawler uses.

Free words match (case-insensitively, as substrings) the name, description and
topics; qualifiers narrow by creation/push date, forks, owner, language,
archived state and stars. Dates follow GitHub: a bare date covers its whole
day, ``a..b`` is inclusive, ``*`` leaves a side open.
"""

from __future__ import annotations

import calendar
import re
import shlex
import time
from dataclasses import dataclass, field

from .corpus import RepoRecord

__all__ = ["Query", "QueryError", "parse_query", "run_search"]

DAY = 86400
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$"
)
SORT_KEYS = {
    "stars": lambda r: r.stars,
    "forks": lambda r: r.forks,
    "updated": lambda r: r.pushed_ts,
}


class QueryError(ValueError):
    """The query cannot be parsed: GitHub answers 422 Validation Failed."""


@dataclass
class Query:
    """A parsed query; ranges are half-open epoch-second intervals [lo, hi)."""

    words: list[str] = field(default_factory=list)
    in_fields: tuple[str, ...] = ("name", "description", "topics")
    created: tuple[float, float] | None = None
    pushed: tuple[float, float] | None = None
    fork: str = "exclude"  # "exclude" | "include" | "only"
    owners: set[str] = field(default_factory=set)
    language: str | None = None
    archived: bool | None = None
    stars: tuple[float, float] | None = None

    def matches(self, rec: RepoRecord) -> bool:
        if self.fork == "exclude" and rec.fork or self.fork == "only" and not rec.fork:
            return False
        if self.created and not self.created[0] <= rec.created_ts < self.created[1]:
            return False
        if self.pushed and not self.pushed[0] <= rec.pushed_ts < self.pushed[1]:
            return False
        if self.owners and rec.owner.lower() not in self.owners:
            return False
        if self.language and (rec.language or "").lower() != self.language:
            return False
        if self.archived is not None and rec.archived != self.archived:
            return False
        if self.stars and not self.stars[0] <= rec.stars < self.stars[1]:
            return False
        hay = rec.haystack
        return all(any(w in hay[f] for f in self.in_fields) for w in self.words)


def _instant(text: str, upper: bool) -> float:
    """Start of a date/datetime; with ``upper`` the first second after it."""
    if _DATE_RE.match(text):
        try:
            start = calendar.timegm(time.strptime(text, "%Y-%m-%d"))
        except ValueError as exc:
            raise QueryError(f"invalid date {text!r}") from exc
        return start + DAY if upper else start
    m = _DATETIME_RE.match(text)
    if not m:
        raise QueryError(f"invalid date {text!r}")
    day, hh, mm, ss, tz = m.groups()
    try:
        ts = calendar.timegm(time.strptime(day, "%Y-%m-%d")) + int(hh) * 3600 + int(mm) * 60
    except ValueError as exc:
        raise QueryError(f"invalid date {text!r}") from exc
    ts += int(ss or 0)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        ts -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return ts + 1 if upper else ts


def _range(value: str, parse) -> tuple[float, float]:
    """``a..b``, ``>=a``, ``>a``, ``<=a``, ``<a`` or ``a`` as a half-open interval."""
    lo, hi = float("-inf"), float("inf")
    if ".." in value:
        a, b = value.split("..", 1)
        if a != "*":
            lo = parse(a, False)
        if b != "*":
            hi = parse(b, True)
    elif value.startswith(">="):
        lo = parse(value[2:], False)
    elif value.startswith("<="):
        hi = parse(value[2:], True)
    elif value.startswith(">"):
        lo = parse(value[1:], True)
    elif value.startswith("<"):
        hi = parse(value[1:], False)
    else:
        lo, hi = parse(value, False), parse(value, True)
    return lo, hi


def _number(text: str, upper: bool) -> float:
    try:
        n = int(text)
    except ValueError as exc:
        raise QueryError(f"invalid number {text!r}") from exc
    return n + 1 if upper else n


def parse_query(q: str) -> Query:
    """Parse ``q``; raises QueryError for an empty query or a malformed qualifier."""
    try:
        tokens = shlex.split(q)
    except ValueError:
        tokens = q.split()
    if not tokens:
        raise QueryError("q is missing")
    query = Query()
    for token in tokens:
        key, sep, value = token.partition(":")
        key = key.lower()
        if not sep or not value or key not in _QUALIFIERS:
            query.words.append(token.lower())
            continue
        _QUALIFIERS[key](query, value)
    return query


def _q_created(query: Query, value: str) -> None:
    query.created = _range(value, _instant)


def _q_pushed(query: Query, value: str) -> None:
    query.pushed = _range(value, _instant)


def _q_fork(query: Query, value: str) -> None:
    value = value.lower()
    query.fork = {"true": "include", "only": "only", "false": "exclude"}.get(value, query.fork)


def _q_in(query: Query, value: str) -> None:
    fields = tuple(f for f in value.lower().split(",") if f in ("name", "description", "topics"))
    if fields:
        query.in_fields = fields


def _q_owner(query: Query, value: str) -> None:
    query.owners.add(value.lower())


def _q_language(query: Query, value: str) -> None:
    query.language = value.lower()


def _q_archived(query: Query, value: str) -> None:
    query.archived = value.lower() == "true"


def _q_stars(query: Query, value: str) -> None:
    query.stars = _range(value, _number)


_QUALIFIERS = {
    "created": _q_created,
    "pushed": _q_pushed,
    "fork": _q_fork,
    "in": _q_in,
    "user": _q_owner,
    "org": _q_owner,
    "language": _q_language,
    "archived": _q_archived,
    "stars": _q_stars,
}


def run_search(
    repos: list[RepoRecord], q: str, sort: str | None, order: str | None
) -> list[RepoRecord]:
    """All matches in a deterministic order (ties broken by the default order)."""
    query = parse_query(q)
    found = [r for r in repos if query.matches(r)]
    key = SORT_KEYS.get((sort or "").lower())
    if key is not None:
        found.sort(key=key, reverse=(order or "desc").lower() != "asc")
    return found
