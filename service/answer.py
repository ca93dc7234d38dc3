"""A clean request and its JSON answer: the engine side of ``POST /v1/clean``, without Flask.

Shared by the HTTP API (``api.py`` parses the request, then serialises this answer) and
``winnow clean`` (``cli.py``); library users may call it too. Imports no web framework.
"""

from __future__ import annotations

from dataclasses import dataclass

from .budget import Deadline, active
from .document import Result, shown
from .engine import Engine
from .errors import InvalidRequest, TooManySpans
from .html import read_html
from .offsets import offset_table
from .segment import more_segments_than


@dataclass(frozen=True)
class CleanRequest:
    text: str | None
    html: str | None
    keep: frozenset[str]
    offsets: str
    spans: bool
    extracted: bool | None = None  # true: the text is a page's main content already (no judging)


def build_answer(engine: Engine, req: CleanRequest, max_text_chars: int | None = None,
                 deadline: Deadline | None = None, max_spans: int | None = None,
                 max_segments: int | None = None) -> tuple[dict, Result]:
    """The JSON answer for a parsed request, and the engine's result behind it.

    Shared by the HTTP API and `winnow clean --json`. ``max_text_chars`` bounds the text
    rendered from HTML (raw text is checked while parsing), ``max_segments`` its lines and
    table cells (what the engine's cost and memory grow with), and ``max_spans`` the spans
    returned; None means no bound (the CLI). ``deadline`` raises BudgetExceeded between
    stages, and inside the long ones (it is the active deadline meanwhile: budget.checkpoint);
    once the engine is done the answer is given, however late.
    """
    with active(deadline):
        page = None
        if req.text is not None:
            source = req.text
        else:
            source, page = read_html(req.html or "", deadline)
        if max_text_chars is not None and len(source) > max_text_chars:
            raise InvalidRequest(f"the page's text has {len(source)} characters; the limit is {max_text_chars}")
        if max_segments is not None and more_segments_than(source, max_segments):
            raise InvalidRequest(f"the page's text has more than {max_segments} segments (non-blank lines and "
                                 f"table cells); the limit is {max_segments}: send a smaller document")
        extracted = bool(req.extracted)
        result = engine.clean(source, keep=req.keep, deadline=deadline, extracted=extracted, page=page)
    if req.spans and max_spans is not None and len(result.spans) > max_spans:
        raise TooManySpans(f"the answer has {len(result.spans)} spans; the limit is {max_spans}: "
                           "send options.spans=false for the clean text alone, or a smaller document")
    answer: dict = {
        "text": result.text,
        "stats": {
            "chars_in": result.chars_in,
            "chars_out": result.chars_out,
            "removed_chars_by_label": result.removed_chars_by_label,
        },
        "paywalled": result.paywalled,
        "version": engine.version,
    }
    if req.html is not None:
        answer["input_text"] = source
    if req.spans:
        array = offset_table(source, req.offsets)
        table = None if array is None else array.tolist()  # list indexing beats numpy per item
        answer["spans"] = [
            {
                "start": s.start if table is None else table[s.start],
                "end": s.end if table is None else table[s.end],
                "label": s.label,
                "score": round(s.score, 4),
                "tagger": s.tagger,
                "rule": s.rule,
                "kept": shown(s, req.keep),
            }
            for s in result.spans
        ]
    return answer, result
