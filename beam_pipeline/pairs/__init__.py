"""Comment/docstring → code pairs from one Python source file.

The contract: ``input`` is natural-language text (never commented-out code,
markers or license headers); ``output`` is the code it describes, verbatim:
exactly the file's lines ``start_line..end_line`` dedented by their common indent
(`snippet`), a whole statement or block that parses alone.

Kinds and rules (all chosen for precision over recall; the README's "Output"
section says what each kind pairs):

* "comment": a block of full-line comments at one indentation → the whole step
  it describes: the statements after it, and each following paragraph of the same
  block that goes on with the step (uses a name it bound, or only waits). A
  ``def``/``class`` is a step of its own, taken whole (decorators included).
* "inline": a trailing comment on the first line of a statement (a compound one
  is taken whole) or on the last line of a simple statement (a multi-line call
  ending ``)  # ...`` gives the whole call). A comment on a middle line describes
  an argument, not the statement, and is skipped ("inline_mid_statement").
* "docstring": a function or class docstring → the whole definition.
* "module_docstring": the module docstring → the module's single class (a scene
  file: its docstring describes that scene); otherwise skipped.
* "doc_example": a ``.. manim::`` example in a docstring → its code.

Outputs longer than ``max_output_lines`` are skipped, never truncated ("too_long").

The package, along the seams of the work:

* `snippets`: the verbatim ``output`` of a line range (`snippet`, `parses`);
* `codelike`: the commented-out-code detector (`looks_like_code`);
* `text`: cleaning comment and docstring text into an ``input``;
* `extractor`: finding the sites and the code they describe (`extract_pairs`).
"""

from .codelike import looks_like_code
from .extractor import (
    EXTRACTOR_VERSION,
    FILE_FAILURES,
    RawPair,
    extract_pairs,
    extract_pairs_with_stats,
)
from .snippets import parses, snippet

__all__ = [
    "EXTRACTOR_VERSION",
    "FILE_FAILURES",
    "RawPair",
    "extract_pairs",
    "extract_pairs_with_stats",
    "looks_like_code",
    "parses",
    "snippet",
]
