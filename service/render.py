"""Rebuild the clean text from the kept spans: the only place output text is made.

Nothing is invented: the output is the kept input with the whitespace between kept
pieces tidied. A removed line becomes a line break, a removed blank-line gap keeps
the paragraph break, a removed piece inside a line becomes one space, unless punctuation
closes or opens there (``_Reuters_.`` gives ``Reuters.``, not ``Reuters .``).
"""

from __future__ import annotations

import re

from .document import NOT_SHOWN, Span

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\xa0]*\n")
_LINE_BLANKS = " \t\r\f\v\xa0"  # what a line loses at its end before a line break
# three line breaks or more (a literal first: the scan jumps from one "\n\n\n" to the next)
_MANY_BREAKS = re.compile(r"\n\n\n+")
_CLOSERS = frozenset(".,;:!?)]}”’»")  # no space before these where a piece was cut out
_OPENERS = frozenset("([{“‘«")  # nor after these
# what a removed piece leaves in its place, weakest first: a space, a line break, a paragraph break
_BREAK_RANK = {"": -1, " ": 0, "\n": 1, "\n\n": 2}


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


def _strip_line_ends(text: str) -> str:
    """``text`` without the blanks that end a line before its line break (the last line, which has
    no line break after it, keeps them): one split and one join, no regex scan per position."""
    lines = text.split("\n")
    return "\n".join([line.rstrip(_LINE_BLANKS) for line in lines[:-1]] + lines[-1:])


def render(text: str, spans: tuple[Span, ...] | list[Span], keep: frozenset[str]) -> str:
    out: list[str] = []
    pending = ""  # the strongest break the removed pieces since the last kept one leave
    for start, end, label, _, _, rule in spans:
        if label in keep and rule not in NOT_SHOWN:  # document.shown, unpacked
            piece = text[start:end]
            if out and pending:
                _join(out, pending if not piece[:1].isspace() else "", piece[:1])
            out.append(piece)
            pending = ""
        elif out and pending != "\n\n":  # nothing breaks more than a paragraph break
            brk = _break_in(text[start:end])
            if _BREAK_RANK[brk] > _BREAK_RANK[pending]:
                pending = brk
    clean = _strip_line_ends("".join(out))
    clean = _MANY_BREAKS.sub("\n\n", clean)
    return clean.strip()
