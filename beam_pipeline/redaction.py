"""Credentials and e-mail addresses found in pair text, replaced by typed placeholders.

Public code is full of things that must not be republished in a training set:
tokens pasted into a script, cloud keys, private keys, passwords in assignments,
the author's e-mail address. The patterns of credentials come from Yelp's
``detect-secrets`` plugins (maintained, one per service); the e-mail pattern and
the PEM block pattern (the plugin only flags the ``BEGIN`` line, and the key is
the lines after it) are ours. High-entropy and IP plugins are left out: on code
they flag hashes, colours and version numbers far more often than secrets.

Each finding becomes ``<KIND>`` (``<GITHUB_TOKEN>``, ``<EMAIL>``, ...):

* in an ``input`` (a comment or docstring: prose) wherever it occurs;
* in an ``output`` (code) only inside string literals and comments, where a
  credential or an address can stand; a private-key block is replaced whole.
  A row whose code would no longer parse is dropped by the caller.

The functions are pure and deterministic: the quality report applies
`redact_code` to the raw file's snippet, so "outputs are verbatim" stays
checkable after redaction. Never raises on odd text.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector

from .sourcetext import iter_comments_and_strings
from .tokens import TOKEN_PATTERN

__all__ = [
    "KINDS",
    "PLACEHOLDER_RE",
    "count_placeholders",
    "has_findings",
    "redact_code",
    "redact_text",
]

# (placeholder kind, the plugin's patterns, whether group 1 is the secret, and lower-case
# strings one of which any match contains: a cheap test that skips a plugin, or None)
_PLUGINS: tuple[tuple[str, tuple[re.Pattern[str], ...], bool, tuple[str, ...] | None], ...] = (
    ("GITHUB_TOKEN", (*GitHubTokenDetector.denylist, TOKEN_PATTERN), False,
     ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    # the key id, or the secret key in quotes after an aws...key name
    ("AWS_KEY", tuple(AWSKeyDetector.denylist), True, ("a3t", "abia", "acca", "akia", "asia", "aws")),
    ("AZURE_KEY", tuple(AzureStorageKeyDetector.denylist), False, ("accountkey=",)),
    ("GITLAB_TOKEN", tuple(GitLabTokenDetector.denylist), False, ("gl", "gr1348941")),
    ("SLACK_TOKEN", tuple(SlackDetector.denylist), False, ("xox", "hooks.slack.com")),
    ("STRIPE_KEY", tuple(StripeDetector.denylist), False, ("k_live_",)),
    ("PYPI_TOKEN", tuple(PypiTokenDetector.denylist), False, ("pypi-",)),
    ("OPENAI_KEY", tuple(OpenAIDetector.denylist), False, ("t3blbkfj",)),
    ("SENDGRID_KEY", tuple(SendGridDetector.denylist), False, ("sg.",)),
    ("DISCORD_TOKEN", tuple(DiscordBotTokenDetector.denylist), False, None),
    ("TELEGRAM_TOKEN", tuple(TelegramBotTokenDetector.denylist), False, (":",)),
    ("SQUARE_SECRET", tuple(SquareOAuthDetector.denylist), False, ("sq0csp-",)),
    ("JWT", tuple(JwtTokenDetector.denylist), False, ("eyj",)),
    ("PASSWORD", tuple(BasicAuthDetector.denylist), True, ("://",)),  # user:PASSWORD@host
)
# A token does not end in the middle of a word: extend each match over what follows
# (a JWT's lazy signature part, a longer token than the pattern's fixed length).
_TOKEN_TAIL = re.compile(r"[\w\-.+/=]*")
_WORD_TAIL = re.compile(r"[\w\-]*")

# The key lines of a PEM block: from a BEGIN line whose kind detect-secrets' private-key
# plugin knows, through its END line; without one (a cut block), the base64 lines that
# follow, each possibly behind a comment marker or inside a string.
_PEM_KINDS = "|".join(
    re.escape(p.pattern.removeprefix("BEGIN ")) for p in PrivateKeyDetector.denylist
    if p.pattern.startswith("BEGIN ")
)
_PEM = re.compile(
    rf"-----BEGIN (?:{_PEM_KINDS})-----"
    r"(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    r"|(?:[ \t]*\r?\n[ \t#'\"]*(?:[A-Za-z0-9+/=]{16,}|[\w-]+:[^\r\n]*)[ \t]*)*)"
)
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d+:[^\r\n]*(?:\r?\n[^\r\n]*){0,40}?Private-MAC:[ \t]*\w+")

# An address: local part, @, dotted host, a letters-only top-level domain.
_EMAIL = re.compile(
    r"(?<![\w.%+\-@])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)

# Assignments of secret-sounding names (password, api_key, secret, ...) to a quoted value.
_KEYWORD = tuple(QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP.items())
_PASSWORD_WORDS = re.compile(r"pass|pwd|contrase", re.IGNORECASE)
# Values that are placeholders or references, not secrets.
_NOT_A_SECRET = re.compile(r"^(?:<[^<>]*>|\$\{?.*|\{.*\}|%\(.*|[*xX.\-_]*|None|null|)$")
_MIN_SECRET = 4

KINDS = tuple(sorted({k for k, *_ in _PLUGINS} | {"PRIVATE_KEY", "EMAIL", "SECRET"}))
PLACEHOLDER_RE = re.compile("<(" + "|".join(KINDS) + ")>")
# Words one of which every keyword pattern needs (lower case), and a quote: lines
# without both are not tried, which keeps the scan fast (the keyword patterns are the slow ones).
_KEYWORD_STEMS = ("key", "pass", "pwd", "secret", "contrase")

_Span = tuple[int, int, str]


def _token_spans(text: str) -> Iterator[_Span]:
    lower = text.lower()
    for kind, patterns, captured, literals in _PLUGINS:
        if literals is not None and not any(x in lower for x in literals):
            continue
        for pattern in patterns:
            for m in pattern.finditer(text):
                if captured and pattern.groups:
                    start, end = m.span(1)
                    if start < 0:
                        continue
                else:
                    start, end = m.span()
                    tail = _TOKEN_TAIL if kind == "JWT" else _WORD_TAIL
                    end = tail.match(text, end).end()
                yield start, end, kind


def _keyword_lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of the lines that contain a keyword stem."""
    lower = text.lower()
    if not any(stem in lower for stem in _KEYWORD_STEMS):
        return
    offset = 0
    for line in text.split("\n"):  # (lower() may change a line's length: test each line)
        low = line.lower()
        if any(stem in low for stem in _KEYWORD_STEMS) and any(q in line for q in "'\"`"):
            yield offset, line
        offset += len(line) + 1


def _keyword_spans(text: str) -> Iterator[_Span]:
    for offset, line in _keyword_lines(text):
        for pattern, group in _KEYWORD:
            for m in pattern.finditer(line):
                value = m.group(group) or ""
                if len(value) < _MIN_SECRET or _NOT_A_SECRET.match(value):
                    continue
                name = m.group(0)[: m.start(group) - m.start()]
                kind = "PASSWORD" if _PASSWORD_WORDS.search(name) else "SECRET"
                yield offset + m.start(group), offset + m.end(group), kind


def _spans(text: str, *, multiline: bool) -> list[_Span]:
    """Findings in ``text``, earliest first, without overlaps."""
    found: list[_Span] = list(_token_spans(text))
    found += list(_keyword_spans(text))
    found += [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
    if multiline:
        found += [(m.start(), m.end(), "PRIVATE_KEY") for m in _PEM.finditer(text)]
        found += [(m.start(), m.end(), "PRIVATE_KEY") for m in _PUTTY.finditer(text)]
    # At one position a credential wins over an address (``user:password@host``).
    found.sort(key=lambda s: (s[0], s[2] == "EMAIL", -(s[1] - s[0]), s[2]))
    out: list[_Span] = []
    for span in found:
        if out and span[0] < out[-1][1]:
            continue  # inside (or overlapping) an earlier, longer finding
        if span[1] > span[0]:
            out.append(span)
    return out


def _apply(text: str, spans: list[_Span], counts: Counter[str]) -> str:
    parts: list[str] = []
    last = 0
    for start, end, kind in spans:
        parts += [text[last:start], f"<{kind}>"]
        counts[kind] += 1
        last = end
    parts.append(text[last:])
    return "".join(parts)


def has_findings(text: str) -> bool:
    """Whether ``text`` (a whole file) holds anything `redact_text` would replace.

    A snippet of a file can only hold a finding if the file does, so a file
    without any is passed through untouched (the common case, and the fast one).
    """
    return bool(_spans(text, multiline=True))


def redact_text(text: str) -> tuple[str, Counter[str]]:
    """Prose (a comment or a docstring): every finding replaced; counts by kind."""
    counts: Counter[str] = Counter()
    spans = _spans(text, multiline=True)
    return (_apply(text, spans, counts) if spans else text), counts


def redact_code(code: str) -> tuple[str, Counter[str]]:
    """Code: findings inside string literals and comments replaced, and private-key
    blocks wherever they are; counts by kind. The result may not parse (the caller
    checks)."""
    counts: Counter[str] = Counter()
    spans = _spans(code, multiline=True)
    if not spans:
        return code, counts
    literals = [m.span() for m in iter_comments_and_strings(code)]
    starts = [a for a, _ in literals]
    kept = []
    for span in spans:
        k = bisect.bisect_right(starts, span[0]) - 1
        inside = k >= 0 and span[1] <= literals[k][1]
        if inside or span[2] == "PRIVATE_KEY":
            kept.append(span)
    return (_apply(code, kept, counts) if kept else code), counts


def count_placeholders(text: str) -> Counter[str]:
    """Placeholders in a published text, by kind (for the dataset's statistics)."""
    return Counter(m.group(1) for m in PLACEHOLDER_RE.finditer(text))
