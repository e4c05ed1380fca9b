"""Is a comment or docstring text an instruction a model can learn to follow?

A pair teaches "given this text, write this code", so its input must describe
what the code does. Much of what people write in comments does not: a bare label
("Setup", "Test", "psi", "Part 2"), a question, a joke or complaint, a note to
the author, a credit or a link, a debugging note, a divider. `line_is_noise`
drops such lines from a block (a credit line above a real description, say);
`why_uninformative` judges what is left, as a whole. `strip_decoration` removes
numbering and drawing characters from the text that stays.

The rules are lexical on purpose: they are cheap, deterministic and explainable
(each refusal has a reason that is counted), and they were checked against the
hand-labelled sites in bench/labelled/.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "docstring_summary",
    "line_is_noise",
    "remove_urls",
    "strip_decoration",
    "why_uninformative",
]

# Verbs that say what to do to something on screen or in code. One or two words
# without any of them are a label ("Title", "Part 2"), not an instruction; with one
# ("Show angle", "Fade title") they are a short instruction.
_VERBS = frozenset(
    """
    add adjust align animate annotate append apply arrange attach bounce bring build
    calculate center centre change check choose circumscribe clear collapse
    color colour combine compute connect construct convert copy count cover create
    crop cut darken decrease define delete demonstrate describe dim display distribute divide
    double draw drop duplicate emphasise emphasize enlarge erase evaluate expand explain
    extend fade fill find fit flash flip focus follow generate get give go grow
    halve hide highlight illustrate increase indicate initialise initialize insert integrate
    interpolate introduce invert join keep label lay lift limit link load lower
    make mark match measure merge mirror morph move multiply normalise
    normalize open orbit oscillate outline pan pause place play plot
    position project pulse push put raise randomize reflect remove render
    reduce reorder repeat replace reposition reset resize restore return reveal reverse roll
    rotate run save scale select send set shade shift show shrink shuffle simplify
    slide solve sort spin split spread stack start stop store stretch subtract
    sum surround swap switch take trace track transform transition translate
    transpose trim turn uncover underline undo unfold update use wait wiggle
    write zoom
    """.split()
)

# Words that make a text chatter rather than description: jokes, complaints and
# asides to the reader.
_CHATTER_RE = re.compile(
    r"\b(?:lol|lmao|rofl|haha\w*|hehe\w*|ugh+|wtf|omg|meh|damn\w*|dammit|crap|shit\w*|"
    r"fuck\w*|stupid|dumb|idiot\w*|sucks?|annoying|hate|hated|idk|dunno|no\s+idea|"
    r"don'?t\s+ask|do\s+not\s+ask|don'?t\s+touch|do\s+not\s+touch|black\s+magic|voodoo|"
    r"magic\s+numbers?|for\s+some\s+reason|somehow\s+works|no\s+clue|took\s+me\s+"
    r"(?:hours|ages|forever|days)|kludge|yolo|sorry|good\s+luck|pray|fingers\s+crossed|"
    r"fight\s+me|trust\s+me|don'?t\s+judge|"
    r"why\s+(?:does|did|is|isn'?t|doesn'?t|won'?t)\s+(?:this|it|that))\b",
    re.IGNORECASE,
)
_EMOTICON_RE = re.compile(r"(?:^|\s)(?::-?[)(DPp/|]|;-?\)|xD|XD|<3|\^_\^|:'\()(?=\s|$)")

# Notes to the author, not descriptions of the code.
_TODO_RE = re.compile(r"\s*(?:TODO|FIXME|XXX|HACK|BUG|TBD|WIP|NB)\b|\s*(?:todo|fixme)\s*:|"
                      r"\s*note\s+to\s+self\b", re.IGNORECASE)
_DEBUG_RE = re.compile(
    r"\b(?:debug\w*|for\s+testing|testing\s+(?:only|purposes)|just\s+(?:testing|a\s+test)|"
    r"test\s+only|can\s+(?:be\s+)?(?:deleted?|removed?)|(?:delete|remove)\s+(?:this\s+|me\s+)?"
    r"later|temp(?:orary)?\s+(?:fix|hack|code|workaround)|uncomment|comment\s+(?:this\s+|it\s+)?"
    r"out|sanity\s+check|print\s+statements?)\b",
    re.IGNORECASE,
)
# Maintenance notes: why code is still there or which old versions it serves, not
# what it does ("unused, kept for old plugins", "older manim versions without X").
# "unused", "deprecated", "legacy" only open such a note: "Remove unused mobjects" is
# an instruction.
_MAINTENANCE_RE = re.compile(
    r"^\s*(?:unused|deprecated|legacy|obsolete|no\s+longer\s+used)\b|"
    r"(?:^\s*|\b(?:for|on|in|with|supports?|supporting)\s+)(?:old|older|legacy)\s+"
    r"(?:\w+\s+)?(?:versions?|releases?)\b|"
    r"\b(?:kept\s+(?:only\s+)?for\s+(?:old|older|legacy|backwards?|compat\w*)|"
    r"backwards?[\s-]+compat\w*|for\s+compat\w*\s+with)\b",
    re.IGNORECASE,
)
# Credits and links: where code came from, not what it does.
_URL_SPAN_RE = re.compile(
    r"[(\[<]?\s*(?:(?:see|from|at|via|cf\.?|here|link)\s*:?\s*)?"
    r"(?:https?://|www\.)[^\s)\]>]+[)\]>]?",
    re.IGNORECASE,
)
_CREDIT_RE = re.compile(
    r"\s*(?:(?:copied|taken|adapted|borrowed|stolen|ported|forked|derived|translated|"
    r"lifted|modified)\s+(?:\w+\s+){0,2}from\b|inspired\s+by\b|based\s+on\s+(?:the\s+)?"
    r"(?:code|example|work|video|tutorial|answer|post|implementation|repo\w*|gist|blog)\b|"
    r"credits?\b|thanks?\s+(?:to|you)\b|courtesy\s+of\b|(?:written|created|made|authored|"
    r"coded)\s+by\b|@?author\s*:|@author\b|source\s*:|see\s+also\b|ref(?:erence)?s?\s*:|"
    r"cf\.)",
    re.IGNORECASE,
)
_QUESTION_START_RE = re.compile(
    r"(?:why|what|how|when|where|which|who|is|are|does|do|did|can|could|should|would|will|"
    r"shall|may|might|isn'?t|doesn'?t|don'?t|won'?t|am)\b",
    re.IGNORECASE,
)

# Numbering and section words that head a line: "1.", "(a)", "Step 3:", "Part 2 -".
_NUMBERING_RE = re.compile(
    r"^\s*(?:(?:step|part|phase|section|stage|scene|chapter|act)\s*[\dIVXivx]+[a-z]?\s*"
    r"(?:[:.)\-\u2013\u2014]+|$)|\(?\d{1,3}(?:\.\d{1,3})*[.)]\s|\(?[a-h][.)]\s|\(\d{1,3}\)\s)\s*",
    re.IGNORECASE,
)
_SECTION_ONLY_RE = re.compile(
    r"^(?:step|part|phase|section|stage|scene|chapter|act|intro|introduction|outro|ending|"
    r"conclusion|end|start|main|setup|set\s+up|init|initialization|config|configuration|"
    r"constants?|helpers?|utils?|utilities|imports?|globals?|variables?|parameters?|"
    r"settings|misc|other|stuff|test|tests|testing|example|examples|demo|animations?|"
    r"objects?|mobjects?|scene\s+objects?|title|titles|text|labels?)\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def _is_drawing(ch: str) -> bool:
    """Box drawing, blocks, arrows, bullets, dingbats: decoration, not text."""
    code = ord(ch)
    if 0x2190 <= code <= 0x21FF or 0x2500 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF:
        return True
    return unicodedata.category(ch) == "So" or ch in "•·◦‣※"


_EDGE_PUNCT = set("-=#*~_+<>/\\|.:;,!'\"`")


def strip_decoration(line: str) -> str:
    """One line without drawing characters, ruled edges and leading numbering.

    "── Phase 2: Transform ──" → "Transform"; "1. Create the axes" → "Create the axes";
    "==== Part 1 ====" → "" (a header only).
    """
    if any(ord(c) > 0x2000 for c in line):
        line = "".join(" " if _is_drawing(c) else c for c in line)
    s = line.strip()
    # ruled edges: "===== Title =====", "--- text ---", "#### x ####"
    while len(s) >= 3 and s[0] in _EDGE_PUNCT and s[0] == s[1] == s[2]:
        s = s.lstrip(s[0]).strip()
    while len(s) >= 3 and s[-1] in _EDGE_PUNCT and s[-1] == s[-2] == s[-3]:
        s = s.rstrip(s[-1]).strip()
    m = _NUMBERING_RE.match(s)
    if m:
        s = s[m.end():].strip()
    return s


def line_is_noise(line: str) -> str | None:
    """Why one line of a block is not description ("todo", "credit"), or None.

    A credit line is left out of an otherwise good block; a note to the author
    ends the block (what follows a TODO continues the note).
    """
    if _TODO_RE.match(line):
        return "todo"
    if _CREDIT_RE.match(line):
        return "credit"
    return None


def remove_urls(line: str) -> str:
    """The line without links (and a "see"/"from" leading into them)."""
    if "//" not in line and "www." not in line.lower():
        return line
    return re.sub(r"\s{2,}", " ", _URL_SPAN_RE.sub(" ", line)).rstrip(" :,-(")


def _lemma(word: str) -> str:
    w = word.lower().strip("'’-")
    if w in _VERBS:
        return w
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
                         ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 2:
            stem = w[: -len(suffix)] + repl
            if stem in _VERBS:
                return stem
            if suffix in ("ing", "ed") and len(stem) >= 3 and stem[-1] == stem[-2]:
                if stem[:-1] in _VERBS:  # "setting" -> "set", "dropped" -> "drop"
                    return stem[:-1]
    return w


def _is_question(text: str) -> bool:
    s = text.strip()
    first_line = s.split("\n", 1)[0].strip()
    if first_line.endswith("?") or s.endswith("?"):
        return True
    sentences = re.split(r"(?<=[.!?])\s+", s)
    return len(sentences) <= 2 and "?" in s and bool(_QUESTION_START_RE.match(s))


def why_uninformative(text: str) -> str | None:
    """The reason ``text`` (a cleaned comment or docstring) teaches nothing, or None.

    Reasons: "label" (one or two words naming no action: "Setup", "Part 2", "psi"),
    "header" (a section heading), "question", "chatter" (jokes, complaints, asides),
    "debug" (debugging notes), "maintenance" (why code is kept, which old versions it
    serves), "todo".
    """
    s = text.strip()
    if not s:
        return "label"
    if _TODO_RE.match(s):
        return "todo"
    if _is_question(s):
        return "question"
    if _CHATTER_RE.search(s) or _EMOTICON_RE.search(s):
        return "chatter"
    if _DEBUG_RE.search(s):
        return "debug"
    if _MAINTENANCE_RE.search(re.split(r"(?<=[.!?])\s+", s, maxsplit=1)[0]):
        return "maintenance"  # in the first sentence: a later one may add a note
    words = _WORD_RE.findall(s)
    if len(words) <= 2:
        if not words or _lemma(words[0]) not in _VERBS:
            return "label"  # "Title", "A circle.", "in place": no action named first
        if len(words) == 1:  # "Animate", "Draw": an action on nothing named
            return "label"
    elif len(words) <= 4 and _SECTION_ONLY_RE.match(s) and not _VERBS.intersection(
        _lemma(w) for w in words[1:]
    ) and not _imperative(words):
        return "header"  # "Part 2 of the intro", "Scene objects and labels"
    return None


# Words that, after a verb, open its object: "Label both curves", "Set up the scene".
_DETERMINERS = frozenset(
    "a an the both all each every its their this these those his her our your my".split()
)
_PARTICLES = frozenset("up out in off down".split())


def _imperative(words: list[str]) -> bool:
    """A section word used as a verb on an object: "Label both curves", "Title the
    graph", "Set up the scene", "Start the animation" (not "Labels and titles")."""
    lowered = [w.lower() for w in words]
    if lowered[0] not in _VERBS:
        return False
    rest = lowered[2:] if len(lowered) > 2 and lowered[1] in _PARTICLES else lowered[1:]
    return bool(rest) and rest[0] in _DETERMINERS


_SECTION_NAMES = (
    "args|arguments|attributes|example|examples|exceptions|keyword args|keyword arguments|"
    "methods|notes?|other parameters|parameters|params|raises|references|returns?|"
    "see also|tests?|todo|warns?|warnings?|yields?|usage|config|configuration"
)
_SECTION_COLON_RE = re.compile(rf"^\s*(?:{_SECTION_NAMES})\s*:\s*$", re.IGNORECASE)
_SECTION_WORD_RE = re.compile(rf"^\s*(?:{_SECTION_NAMES})\s*$", re.IGNORECASE)
_UNDERLINE_RE = re.compile(r"^\s*([-=~^*+#])\1{2,}\s*$")
_FIELD_RE = re.compile(
    r"^\s*(?::(?:param|parameter|arg|argument|key|keyword|type|raises?|except|exception|"
    r"var|ivar|cvar|vartype|returns?|rtype|yields?|ytype|meta)\b[^:]*:|\.\.\s+(?:rubric|"
    r"seealso|note|warning|versionadded|versionchanged|deprecated|todo|attribute|method)::|"
    r"@(?:param|return|returns|raise|raises|type|rtype)\b)",
    re.IGNORECASE,
)


def docstring_summary(doc: str) -> str:
    """A cleaned docstring cut before its first section (Parameters, Returns, Examples,
    Tests, a reST field or an underlined heading): the summary and description."""
    lines = doc.split("\n")
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _FIELD_RE.match(line) or _SECTION_COLON_RE.match(line):
            return "\n".join(lines[:i]).rstrip()
        if (  # a heading: its underline is about as long as its text
            line.strip()
            and _UNDERLINE_RE.match(nxt)
            and len(nxt.strip()) >= len(line.strip()) - 2
            and (_SECTION_WORD_RE.match(line) or i > 0)
        ):
            return "\n".join(lines[:i]).rstrip()
    return doc
