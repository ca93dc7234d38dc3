"""Winnow as a library: the engine the service runs, and the answer ``POST /v1/clean`` gives, without HTTP.

    import winnow

    cleaner = winnow.Cleaner()                      # rules, thresholds and model load once (~1 s)
    result = cleaner.clean(text=page)               # or html=...; keep=, offsets=, spans=, extracted=
    result.text, result.spans, result.stats, result.paywalled
    for result in cleaner.clean_many(pages, jobs=2):  # streaming, in order, bounded memory
        ...

A request is checked and answered by the service's own code (``answer.request_from_payload`` and
``answer.build_answer``), with the limits of the settings, so ``Result.to_dict()`` is the JSON
answer the service gives for the same body. Bad input raises ``InvalidRequest`` (a ValueError),
an answer with more spans than ``max_spans`` ``TooManySpans`` (a ValueError too). There is no
time budget here (``request_budget_s`` is the HTTP layer's); ``max_segments`` and ``max_html_nodes``
bound a page's cost.

A ``Cleaner`` is immutable once built and safe to share between threads (the engine holds no
per-request state; readability runs under a per-process lock, ``html.py``).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any, NamedTuple

from .answer import build_answer, request_from_payload
from .config import Settings
from .document import KEPT_LABELS_DEFAULT, LABEL_DESCRIPTIONS, LABELS
from .engine import Engine
from .errors import InvalidRequest, ProblemError

__all__ = ["LABELS", "LABEL_DESCRIPTIONS", "KEPT_LABELS_DEFAULT", "Cleaner", "Result", "Span", "Stats",
           "InvalidRequest"]

_OPTIONS = ("keep", "offsets", "spans", "extracted")


class Span(NamedTuple):
    """One labelled region of the input, as in the HTTP answer: ``[start, end)`` in the request's
    offset unit, the label, the score, the tagger and rule that decided it, and whether its text is
    in the clean text."""

    start: int
    end: int
    label: str
    score: float
    tagger: str
    rule: str | None
    kept: bool


@dataclass(frozen=True, slots=True)
class Stats:
    chars_in: int
    chars_out: int
    removed_chars_by_label: dict[str, int]


@dataclass(frozen=True, slots=True)
class Result:
    """The answer to one clean request: the fields of the HTTP answer (``to_dict()`` gives it back).

    ``spans`` is None when the request asked for none (``spans=False``); ``input_text`` is the text
    rendered from HTML (that the spans index), None for text input."""

    text: str
    spans: tuple[Span, ...] | None
    stats: Stats
    paywalled: bool
    version: dict[str, str | None]
    input_text: str | None = None

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any]) -> Result:
        spans = answer.get("spans")
        stats = answer["stats"]
        return cls(
            text=answer["text"],
            spans=None if spans is None else tuple(
                Span(s["start"], s["end"], s["label"], s["score"], s["tagger"], s["rule"], s["kept"]) for s in spans),
            stats=Stats(stats["chars_in"], stats["chars_out"], dict(stats["removed_chars_by_label"])),
            paywalled=answer["paywalled"],
            version=dict(answer["version"]),
            input_text=answer.get("input_text"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer of ``POST /v1/clean``, key for key."""
        answer: dict[str, Any] = {
            "text": self.text,
            "stats": {"chars_in": self.stats.chars_in, "chars_out": self.stats.chars_out,
                      "removed_chars_by_label": dict(self.stats.removed_chars_by_label)},
            "paywalled": self.paywalled,
            "version": dict(self.version),
        }
        if self.input_text is not None:
            answer["input_text"] = self.input_text
        if self.spans is not None:
            answer["spans"] = [dict(zip(Span._fields, s, strict=True)) for s in self.spans]
        return answer


def _options(keep: Iterable[str] | None, offsets: str | None, spans: bool | None,
             extracted: bool | None) -> dict[str, Any]:
    """The request's ``options`` object from keyword arguments (None: the HTTP default)."""
    options: dict[str, Any] = {}
    if keep is not None:
        if isinstance(keep, str):  # "content" would read as its letters
            raise InvalidRequest("'keep' must be a collection of labels, not a string")
        try:
            options["keep"] = list(keep)
        except TypeError:
            raise InvalidRequest("'keep' must be a collection of labels") from None
    if offsets is not None:
        options["offsets"] = offsets
    if spans is not None:
        options["spans"] = spans
    if extracted is not None:
        options["extracted"] = extracted
    return options


def _payload(item: object, defaults: dict[str, Any]) -> object:
    """A request body from one item of ``clean_many``: a string is text; a mapping is a request body
    (``text`` or ``html``, ``url``, ``options``) whose options win over the keyword defaults."""
    if isinstance(item, str):
        return {"text": item, "options": defaults} if defaults else {"text": item}
    if isinstance(item, Mapping):
        body = dict(item)
        own = body.get("options")
        if defaults and (own is None or isinstance(own, Mapping)):
            body["options"] = {**defaults, **(own or {})}
        return body
    raise InvalidRequest(f"an item must be a string (text) or a request body (a dict), not {type(item).__name__}")


class Cleaner:
    """The cleaning engine, built once (rules, thresholds, stop words and the segment model load here;
    a bad rule pack fails here) and shared: thread-safe, and cheap to call.

    ``settings``: a ``winnow.Settings``; None reads the ``WINNOW_*`` variables as the service does
    (``WINNOW_RULES_DIR``, ``WINNOW_MODEL_PATH``, the limits). Keyword ``overrides`` replace fields of
    it, e.g. ``Cleaner(model_path=Path("off"))`` or ``Cleaner(max_text_chars=20_000_000)``.
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings.from_env(**overrides)
        elif overrides:
            settings = replace(settings, **overrides)
        self.settings = settings
        self.engine = Engine.from_settings(settings)

    @property
    def version(self) -> dict[str, str | None]:
        """The engine's, the rules' and the model's versions (the answer's ``version``)."""
        return dict(self.engine.version)

    def answer(self, body: object) -> dict[str, Any]:
        """The JSON answer (a dict) to one request body (a dict as ``POST /v1/clean`` takes it),
        checked and built by the service's own code, with the settings' limits."""
        s = self.settings
        req = request_from_payload(body, s.max_text_chars, s.max_body_bytes)
        answer, _ = build_answer(self.engine, req, s.max_text_chars, None, s.max_spans, s.max_segments,
                                 s.max_html_nodes)
        return answer

    def clean(self, text: str | None = None, html: str | None = None, *, keep: Iterable[str] | None = None,
              offsets: str = "codepoint", spans: bool = True, extracted: bool | None = None,
              url: str | None = None) -> Result:
        """Clean one page: exactly one of ``text`` and ``html``.

        ``keep``: labels kept in the clean text (default content and title, ``winnow.LABELS``);
        ``offsets``: ``codepoint``, ``utf16`` or ``utf8``; ``spans``: False leaves them out;
        ``extracted``: the text is a page's main content already, so only the rules remove (default
        False: every line is judged by its page, for HTML the whole page's rendering).
        Raises ``InvalidRequest`` for bad input."""
        body: dict[str, Any] = {}
        if text is not None:
            body["text"] = text
        if html is not None:
            body["html"] = html
        if url is not None:
            body["url"] = url
        options = _options(keep, offsets, spans, extracted)
        if options:
            body["options"] = options
        return Result.from_answer(self.answer(body))

    def clean_many(self, items: Iterable[str | Mapping[str, Any]], *, jobs: int | None = None,
                   keep: Iterable[str] | None = None, offsets: str | None = None, spans: bool | None = None,
                   extracted: bool | None = None, errors: str = "raise", chunksize: int = 8,
                   mp_context: Any = None) -> Iterator[Result | ProblemError]:
        """Clean many pages, streaming: items are read as they are needed and results are yielded
        in the order of the items.

        An item is a string (text) or a dict like the HTTP request body (``{"text": ...}`` or
        ``{"html": ...}``, optionally ``url`` and ``options``; its options win over the keyword ones).
        ``errors``: ``"raise"`` (default) raises the item's ``InvalidRequest`` when its turn comes;
        ``"return"`` yields the exception in place of its result and goes on.

        ``jobs``: worker processes (None or 1: this process). Each worker builds its own engine once
        (from this cleaner's settings); at most ``2 * jobs`` chunks of ``chunksize`` items are in
        flight, so memory stays bounded however long the input is. Workers start with the
        ``forkserver`` method (``mp_context`` to choose another): forking a process whose other
        threads may hold a lock is unsafe. As with any process pool, guard the script's entry
        point with ``if __name__ == "__main__":``.
        """
        if errors not in ("raise", "return"):
            raise ValueError("errors must be 'raise' or 'return'")
        if chunksize < 1 or (jobs is not None and jobs < 1):
            raise ValueError("jobs and chunksize must be at least 1")
        defaults = _options(keep, offsets, spans, extracted)
        bodies = (_body_or_error(item, defaults) for item in items)
        if jobs is None or jobs == 1:
            outcomes: Iterator[dict[str, Any] | ProblemError] = (_outcome(self, b) for b in bodies)
        else:
            outcomes = _pooled(self.settings, bodies, jobs, chunksize, mp_context)
        for outcome in outcomes:
            if isinstance(outcome, ProblemError):
                if errors == "raise":
                    raise outcome
                yield outcome
            else:
                yield Result.from_answer(outcome)


def _body_or_error(item: object, defaults: dict[str, Any]) -> object:
    try:
        return _payload(item, defaults)
    except InvalidRequest as exc:
        return exc


def _outcome(cleaner: Cleaner, body: object) -> dict[str, Any] | ProblemError:
    if isinstance(body, ProblemError):
        return body
    try:
        return cleaner.answer(body)
    except ProblemError as exc:  # bad input, too many spans: the item's own answer
        return exc


# --- worker processes -------------------------------------------------------------------------------

_WORKER: Cleaner | None = None  # the engine of this worker process, built once by _start_worker


def _start_worker(settings: Settings) -> None:
    global _WORKER
    _WORKER = Cleaner(settings)


def _work(bodies: list[object]) -> list[dict[str, Any] | ProblemError]:
    assert _WORKER is not None, "a worker's engine is built by its initializer"
    return [_outcome(_WORKER, b) for b in bodies]


def _pooled(settings: Settings, bodies: Iterator[object], jobs: int, chunksize: int,
            mp_context: Any) -> Iterator[dict[str, Any] | ProblemError]:
    """Answers from ``jobs`` worker processes, in order, with at most ``2 * jobs`` chunks in flight."""
    context = mp_context if mp_context is not None else multiprocessing.get_context("forkserver")
    pending: deque[Future] = deque()
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(settings,)) as pool:
        try:
            while True:
                while len(pending) < 2 * jobs:
                    chunk = list(islice(bodies, chunksize))
                    if not chunk:
                        break
                    pending.append(pool.submit(_work, chunk))
                if not pending:
                    return
                yield from pending.popleft().result()
        finally:  # the caller stopped early or a worker failed: drop what is queued
            for future in pending:
                future.cancel()
