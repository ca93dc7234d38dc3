"""Rebuild the clean text from the kept spans: the only place output text is made.

Nothing is invented: the output is the kept input with the whitespace between kept
pieces tidied. A removed line becomes a line break, a removed blank-line gap keeps
the paragraph break, a removed piece inside a line becomes one space, unless punctuation
closes or opens there (``_Reuters_.`` gives ``Reuters.``, not ``Reuters .``).
"""

from __future__ import annotations

import re

from .document import Span, shown

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\xa0]*\n")
# starts only where a run of blanks starts, and never gives back: a long run of blanks that ends
# in text (not a line break) is then scanned once, not once per position (linear, not quadratic)
_TRAILING_BLANKS = re.compile(r"(?<![ \t\r\f\v\xa0])[ \t\r\f\v\xa0]++(?=\n)")
_MANY_BREAKS = re.compile(r"\n{3,}")
_CLOSERS = frozenset(".,;:!?)]}”’»")  # no space before these where a piece was cut out
_OPENERS = frozenset("([{“‘«")  # nor after these


def _break_in(piece: str) -> str:
    if "\n" not in piece:
        return " "
    return "\n\n" if _BLANK_LINE.search(piece) else "\n"


def _join(out: list[str], pending: str, following: str) -> None:
    tail = out[-1]
    if pending == " ":
        if not (tail[-1:].isspace() or following in _CLOSERS or tail[-1:] in _OPENERS):
            out.append(" ")
        return
    trailing = len(tail) - len(tail.rstrip("\n"))
    if trailing < len(pending):
        out.append(pending[trailing:])


def render(text: str, spans: tuple[Span, ...] | list[Span], keep: frozenset[str]) -> str:
    out: list[str] = []
    pending = ""
    for span in spans:
        piece = text[span.start:span.end]
        if shown(span, keep):
            if out and pending:
                _join(out, pending if not piece[:1].isspace() else "", piece[:1])
            out.append(piece)
            pending = ""
        elif out:
            brk = _break_in(piece)
            if len(brk.strip(" ")) > len(pending.strip(" ")) or not pending:
                pending = brk
    clean = "".join(out)
    clean = _TRAILING_BLANKS.sub("", clean)
    clean = _MANY_BREAKS.sub("\n\n", clean)
    return clean.strip()
