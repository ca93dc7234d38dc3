"""A clean request and its JSON answer: the engine side of ``POST /v1/clean``, without Flask.

Shared by the HTTP API (``api.py`` reads the body, ``request_from_payload`` checks it, then
``build_answer`` answers it), ``winnow clean`` (``cli.py``) and the library (``library.py``: a
request body as a dict, checked and answered by the same two functions). Imports no web framework.
"""

from __future__ import annotations

from dataclasses import dataclass

from .budget import Deadline, active
from .document import KEPT_LABELS_DEFAULT, LABEL_SET, Result, shown
from .engine import Engine
from .errors import InvalidRequest, TooManySegments, TooManySpans
from .html import read_html
from .offsets import UNITS, offset_table
from .segment import more_segments_than


@dataclass(frozen=True)
class CleanRequest:
    text: str | None
    html: str | None
    keep: frozenset[str]
    offsets: str
    spans: bool
    extracted: bool | None = None  # true: the text is a page's main content already (no judging)


def check_string(name: str, value: object, max_chars: int) -> str:
    """``value`` as the text of field ``name``: a string, at most ``max_chars`` long, valid Unicode."""
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string")
    if len(value) > max_chars:
        raise InvalidRequest(f"'{name}' has {len(value)} characters; the limit is {max_chars}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"'{name}' contains a lone surrogate (invalid Unicode)") from None
    return value


def parse_options(raw: object) -> tuple[frozenset[str], str, bool, bool | None]:
    """A request's ``options`` object: (keep, offsets, spans, extracted), checked; None: the defaults."""
    if raw is None:
        return KEPT_LABELS_DEFAULT, "codepoint", True, None
    if not isinstance(raw, dict):
        raise InvalidRequest("'options' must be an object")
    unknown = set(raw) - {"keep", "offsets", "spans", "extracted"}
    if unknown:
        raise InvalidRequest(f"unknown options: {sorted(unknown)}")
    keep = raw.get("keep", sorted(KEPT_LABELS_DEFAULT))
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise InvalidRequest("'options.keep' must be a list of labels")
    bad = sorted(set(keep) - LABEL_SET)
    if bad:
        raise InvalidRequest(f"unknown labels in 'options.keep': {bad}; see GET /v1/labels")
    offsets = raw.get("offsets", "codepoint")
    if offsets not in UNITS:
        raise InvalidRequest(f"'options.offsets' must be one of {list(UNITS)}")
    spans = raw.get("spans", True)
    if not isinstance(spans, bool):
        raise InvalidRequest("'options.spans' must be true or false")
    extracted = raw.get("extracted")
    if extracted is not None and not isinstance(extracted, bool):
        raise InvalidRequest("'options.extracted' must be true, false or null")
    return frozenset(keep), offsets, spans, extracted


def request_from_payload(payload: object, max_text_chars: int, max_html_chars: int) -> CleanRequest:
    """The clean request a JSON body (decoded: a dict) asks for, checked as ``POST /v1/clean`` checks
    it: exactly one of ``text`` and ``html``, an optional ``url`` (metadata, never fetched) and
    ``options``. Raises InvalidRequest, naming what is wrong."""
    if not isinstance(payload, dict):
        raise InvalidRequest("the JSON body must be an object")
    unknown = set(payload) - {"text", "html", "url", "options"}
    if unknown:
        raise InvalidRequest(f"unknown fields: {sorted(unknown)}")
    if ("text" in payload) == ("html" in payload):
        raise InvalidRequest("send exactly one of 'text' and 'html'")
    if "url" in payload and payload["url"] is not None and not isinstance(payload["url"], str):
        raise InvalidRequest("'url' must be a string (it is metadata only and never fetched)")
    keep, offsets, spans, extracted = parse_options(payload.get("options"))
    text = check_string("text", payload["text"], max_text_chars) if "text" in payload else None
    html = check_string("html", payload["html"], max_html_chars) if "html" in payload else None
    return CleanRequest(text, html, keep, offsets, spans, extracted)


def build_answer(engine: Engine, req: CleanRequest, max_text_chars: int | None = None,
                 deadline: Deadline | None = None, max_spans: int | None = None,
                 max_segments: int | None = None, max_html_nodes: int | None = None) -> tuple[dict, Result]:
    """The JSON answer for a parsed request, and the engine's result behind it.

    Shared by the HTTP API and `winnow clean --json`. ``max_text_chars`` bounds the text
    rendered from HTML (raw text is checked while parsing), ``max_segments`` its lines and
    table cells (what the engine's cost and memory grow with), ``max_html_nodes`` the nodes of an
    HTML page (what its rendering's cost grows with), and ``max_spans`` the spans
    returned; None means no bound (the CLI). ``deadline`` raises BudgetExceeded between
    stages, and inside the long ones (it is the active deadline meanwhile: budget.checkpoint);
    once the engine is done the answer is given, however late.
    """
    with active(deadline):
        page = None
        if req.text is not None:
            source = req.text
        else:
            source, page = read_html(req.html or "", deadline, max_lines=max_segments, max_nodes=max_html_nodes)
        if max_text_chars is not None and len(source) > max_text_chars:
            raise InvalidRequest(f"the page's text has {len(source)} characters; the limit is {max_text_chars}")
        if max_segments is not None and more_segments_than(source, max_segments):
            raise TooManySegments(max_segments)
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
