"""Turn untrusted bytes from GitHub into Python source text, and parse it safely.

Shared by the import analysis (`manim_imports`), the pair extraction (`pairs`) and
the quality report, so that all three see the same text, the same line numbers and
the same reasons for giving up. Nothing here raises on bad input: crawled files are
binary, Latin-1 without a coding line, nested ten thousand levels deep, ...

Line numbering follows CPython's tokenizer: a line ends at ``\\r\\n``, ``\\r`` or
``\\n`` and nowhere else (``str.splitlines`` would also split at form feeds,
``\\x1c``, ``\\x85``, ``\\u2028``..., shifting every later line number).
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import threading
import tokenize
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "DecodedSource",
    "decode_as",
    "decode_lossy",
    "decode_source",
    "generate_tokens",
    "is_binary",
    "parse",
    "iter_comments_and_strings",
    "safe_parse",
    "split_lines",
    "strip_comments_and_strings",
]

# Bytes that do not occur in text files; tab, LF, VT, FF, CR and ESC (ANSI colours
# in string literals) are allowed.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
_BINARY_FRACTION = 0.01

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

# The only places where a quote or a '#' can occur in valid Python are string
# literals and comments, so scanning left to right for the earliest of the two, and
# consuming the whole literal, finds exactly the comments and strings (no tokenizer
# needed). Unterminated literals (broken files) end at the line end or at EOF.
_SCAN_RE = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>
        '''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*(?:'''|\Z)
      | \"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
      | '[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*(?:'|(?=[\r\n])|\Z)
      | "[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*(?:"|(?=[\r\n])|\Z)
    )
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class DecodedSource:
    """Decoded text, or why there is none.

    ``reason`` is None when ``text`` is the exact text of the file (what Python
    would read, or for a UTF-16/32 file with a byte-order mark, which Python does
    not run, its unambiguous text); otherwise "binary" or "undecodable" and
    ``text`` is None.
    """

    text: str | None
    encoding: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.text is not None


def is_binary(data: bytes) -> bool:
    """More than 1% control bytes (NUL included): not a source file.

    A single stray NUL in an otherwise normal file is *not* binary: the file decodes,
    and the parsers then report "null_bytes" and fall back to a token scan.
    """
    if not data:
        return False
    sample = data[:65536]
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control > _BINARY_FRACTION * len(sample)


def _detect(data: bytes) -> str:
    """PEP 263 encoding of ``data`` (BOM and coding line); raises like tokenize."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


# Byte-order marks of the encodings whose text is full of NUL bytes. UTF-32 first:
# its little-endian mark starts with UTF-16's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode_wide(data: bytes) -> DecodedSource | None:
    """A UTF-16/32 file (by its byte-order mark) decoded, or None when it has none."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)  # the codec reads and drops the mark
            except UnicodeDecodeError:
                return DecodedSource(None, encoding, "undecodable")
            if "\x00" in text or is_binary(text.encode("utf-8", "surrogatepass")):
                return DecodedSource(None, encoding, "binary")
            return DecodedSource(text, encoding, None)
    return None


def decode_source(data: bytes) -> DecodedSource:
    """Decode ``data`` the way the Python 3 interpreter would, never raising.

    Files Python itself would refuse (Latin-1 bytes without a coding line, an
    unknown codec, a BOM contradicting the coding line) are "undecodable": there is
    no exact text to take code from. `decode_lossy` still gives a text to scan for
    imports. UTF-16 and UTF-32 files with a byte-order mark are decoded (their
    NUL bytes are not a sign of binary data).
    """
    wide = _decode_wide(data)
    if wide is not None:
        return wide
    if is_binary(data):
        return DecodedSource(None, "", "binary")
    try:
        encoding = _detect(data)
    except (SyntaxError, LookupError, ValueError):
        return DecodedSource(None, "", "undecodable")
    try:
        text = codecs.decode(data, encoding)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        return DecodedSource(None, encoding, "undecodable")
    if not isinstance(text, str):  # a bytes-to-bytes codec named in a coding line
        return DecodedSource(None, encoding, "undecodable")
    return DecodedSource(text, encoding, None)


def decode_as(data: bytes, encoding: str) -> str | None:
    """The exact text of ``data`` in the encoding `decode_source` found for these
    bytes: no detection and no binary scan, so a step that knows the encoding
    decodes cheaply. None if they do not decode in it (then they are other bytes)."""
    try:
        text = codecs.decode(data, encoding)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        return None
    return text if isinstance(text, str) else None


def decode_lossy(data: bytes) -> str:
    """Best-effort text for scanning only (imports): never used as pair content."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    try:
        encoding = _detect(data)
    except (SyntaxError, LookupError, ValueError):
        encoding = "utf-8"
    try:
        text = codecs.decode(data, encoding, "replace")
    except (LookupError, ValueError, TypeError):
        text = data.decode("utf-8", "replace")
    return text if isinstance(text, str) else data.decode("utf-8", "replace")


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with their endings, numbered as CPython numbers them."""
    return _LINE_RE.findall(text)


# Crawled code and comment lines trigger compile-time warnings ("invalid escape
# sequence", "invalid decimal literal") by the thousand; they say nothing about
# the pipeline. Parsing under our own file name lets one filter, installed once
# here (thread-safe, unlike warnings.catch_warnings), silence exactly those.
_PARSE_FILENAME = "<crawled-source>"
for _category in (SyntaxWarning, DeprecationWarning):
    warnings.filterwarnings("ignore", category=_category, module=re.escape(_PARSE_FILENAME))


def parse(text: str) -> ast.Module:
    """``ast.parse`` without compile-time warnings; raises like it."""
    return ast.parse(text, filename=_PARSE_FILENAME)


def safe_parse(text: str) -> tuple[ast.Module | None, str | None]:
    """``ast.parse`` that reports why it failed instead of raising.

    Reasons: "syntax_error" (incl. Python 2 code), "null_bytes", "recursion"
    (deep nesting overflows the parser: RecursionError or MemoryError).

    The result is shared with the next caller that parses the same text soon
    after (see `_RecentTrees`): callers read the tree and never change it.
    """
    found = _recent.get(text)
    if found is not None:
        return found
    result = _parse_or_reason(text)
    _recent.put(text, result)
    return result


def _parse_or_reason(text: str) -> tuple[ast.Module | None, str | None]:
    try:
        return parse(text), None
    except SyntaxError as exc:
        if "null bytes" in str(exc):
            return None, "null_bytes"
        return None, "syntax_error"
    except ValueError:  # NUL bytes on older Pythons
        return None, "null_bytes"
    except (RecursionError, MemoryError):
        return None, "recursion"


class _RecentTrees:
    """The parse results of the texts parsed last in this process, by text.

    On a worker the import analysis and the pair extraction of a file run one
    after the other (fused, same process; the extraction within a repository's
    worth of files after the analysis), and parsing is the larger part of both:
    keeping the last trees lets the second step reuse the first's. Bounded by
    the characters of the texts held (a tree takes some 30-50 times its text);
    a text over `max_text` is never held. A miss only costs a parse.
    """

    def __init__(self, max_chars: int, max_text: int) -> None:
        self.max_chars, self.max_text = max_chars, max_text
        self._items: OrderedDict[str, tuple[ast.Module | None, str | None]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, text: str) -> tuple[ast.Module | None, str | None] | None:
        if len(text) > self.max_text:
            return None
        with self._lock:
            found = self._items.get(text)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                self._items.move_to_end(text)
            return found

    def put(self, text: str, result: tuple[ast.Module | None, str | None]) -> None:
        if len(text) > self.max_text:
            return
        with self._lock:
            if text in self._items:
                return
            self._items[text] = result
            self._chars += len(text)
            while self._chars > self.max_chars:
                old, _ = self._items.popitem(last=False)
                self._chars -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0
            self.hits = self.misses = 0


_recent = _RecentTrees(max_chars=1_000_000, max_text=200_000)


def iter_comments_and_strings(text: str) -> Iterator[re.Match[str]]:
    """Matches of every comment (group "comment") and string literal (group "string").

    Exact for code that parses; best effort for code that does not. Prefixes such
    as ``rb`` or ``f`` are not part of the match (the literal starts at its quote).
    """
    return _SCAN_RE.finditer(text)


def strip_comments_and_strings(text: str) -> str:
    """``text`` with comments removed and string literals replaced by ``""``.

    Newlines inside literals are kept, so line numbers do not move.
    """

    def repl(m: re.Match[str]) -> str:
        if m.group("comment") is not None:
            return ""
        body = m.group(0)
        return '""' + "".join(c for c in body if c in "\r\n")

    return _SCAN_RE.sub(repl, text)


def generate_tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """``tokenize.generate_tokens`` over ``text`` (raises like it)."""
    return tokenize.generate_tokens(io.StringIO(text).readline)
