"""POST /v1/clean/batch: NDJSON in (one /v1/clean request object a line, each with an optional
``id``), NDJSON out (one answer a line, in input order, the ``id`` echoed).

Errors after the first byte of a streamed answer cannot change its status, so the design puts
every error of the batch as a whole before the first byte, and every error of one line into
that line's answer:

- the batch: a wrong Content-Type (415), a body over ``max_batch_bytes`` (413, chunked bodies
  included: refused, never truncated), more than ``max_batch_lines`` lines (413
  ``too-many-lines``), an undelimited chunked body (411). The whole body is read and its lines
  counted before anything is sent, so these are ordinary problem+json answers.
- a line: invalid JSON (400), wrong fields or options (422), over ``max_batch_line_bytes``
  (413 ``line-too-large``), over ``max_text_chars`` or ``max_segments`` (422), over
  ``batch_line_budget_s`` (503 ``time-budget-exceeded``), or an unexpected failure (500,
  logged): an RFC 9457 problem object in that line's place, with its ``status``, the ``line``
  number (1-based, counting every line of the body) and the ``id`` when the line had a valid one.
  The other lines go on.

Blank lines (only whitespace) are skipped: they count towards the line limit and the line
numbers, but get no answer. Memory: the body (at most ``max_batch_bytes``) and one answer at a
time; lines are answered one by one as the client reads them (a client that stops reading
stops the work: the server's writes block, and a closed connection ends the generator).

Metrics: service/metrics.py's docstring (the HTTP request counted once, each line as a document).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator

from flask import Response, request

from .answer import build_answer
from .api import _read_body, parse_clean_object
from .budget import BudgetExceeded, Deadline
from .config import Settings
from .engine import Engine
from .errors import (
    InvalidRequest,
    LineTooLarge,
    MalformedBody,
    ProblemError,
    TimeBudgetExceeded,
    TooManyLines,
    UnsupportedMediaType,
)
from .metrics import Metrics
from .problems import PROBLEM_TYPE

NDJSON = "application/x-ndjson"
ROUTE = "/v1/clean/batch"
log = logging.getLogger("winnow")


class _LineFailed(ProblemError):
    """An unexpected failure on one line (a bug): answered in its place as the app answers one (500)."""

    status, title, slug = 500, "Internal Server Error", "internal-error"


def count_lines(body: bytes) -> int:
    """Lines of the body, blank ones included; a final newline ends the last line, it starts none."""
    if not body:
        return 0
    return body.count(b"\n") + (0 if body.endswith(b"\n") else 1)


def iter_lines(body: bytes, max_line_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for every non-blank line; the line is None when it is over ``max_line_bytes``
    (it is never copied then). One pass over the body."""
    pos, end_of_body, number = 0, len(body), 0
    while pos < end_of_body:
        end = body.find(b"\n", pos)
        if end < 0:
            end = end_of_body
        number += 1
        if end - pos > max_line_bytes:
            yield number, None
        else:
            line = body[pos:end]
            if line.strip():
                yield number, line
        pos = end + 1


def _line_id(payload: object) -> tuple[object, bool]:
    """The line's ``id`` (removed from the object) and whether it is valid to echo."""
    if not isinstance(payload, dict) or "id" not in payload:
        return None, False
    value = payload.pop("id")
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value, True
    raise InvalidRequest("'id' must be a string, an integer or null")


def _problem(exc: ProblemError, number: int, line_id: object, has_id: bool) -> dict:
    body: dict = {"type": PROBLEM_TYPE + exc.slug, "title": exc.title, "status": exc.status, "detail": exc.detail,
                  "instance": ROUTE, "line": number}
    if has_id:
        body["id"] = line_id
    return body


def answer_line(engine: Engine, settings: Settings, metrics: Metrics | None, number: int,
                line: bytes | None) -> dict:
    """One line's answer: the /v1/clean answer (with the id first, when given), or a problem object."""
    started = time.perf_counter()
    deadline = Deadline(settings.batch_line_budget_s) if settings.batch_line_budget_s > 0 else None
    line_id, has_id = None, False
    try:
        if line is None:
            raise LineTooLarge(f"line {number} is over the limit of {settings.max_batch_line_bytes} bytes")
        try:
            payload = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise MalformedBody(f"line {number} is not valid JSON: {exc}") from None
        line_id, has_id = _line_id(payload)
        req = parse_clean_object(payload, settings)
        answer, result = build_answer(engine, req, settings.max_text_chars, deadline, settings.max_spans,
                                      settings.max_segments, settings.max_html_nodes)
    except BudgetExceeded as exc:
        if metrics is not None:
            metrics.observe_budget_exceeded(exc.stage)
        out = _problem(TimeBudgetExceeded(f"{exc}; the document is too slow to clean within the budget, or the "
                                          "server was busy: retry it later or send a smaller document"),
                       number, line_id, has_id)
    except ProblemError as exc:
        out = _problem(exc, number, line_id, has_id)
    except Exception:  # noqa: BLE001 - one line's failure must not end the others' answers
        log.exception("unexpected error on line %d of a batch", number)
        out = _problem(_LineFailed("an unexpected error occurred on this line; it has been logged"),
                       number, line_id, has_id)
    else:
        if metrics is not None:
            metrics.observe_result(result, "text" if req.text is not None else "html")
        out = {"id": line_id, **answer} if has_id else answer
    if metrics is not None:
        problem = "line" in out  # only a problem has it
        if problem:
            metrics.observe_error(out["type"].removeprefix(PROBLEM_TYPE))
        metrics.observe_batch_line(out["status"] if problem else 200, time.perf_counter() - started)
    return out


def _encode(answer: dict) -> bytes:
    # problems ASCII-escaped, as problems.py does: a detail may quote a lone surrogate of the input
    ascii_only = "line" in answer
    return (json.dumps(answer, ensure_ascii=ascii_only, separators=(",", ":")) + "\n").encode("utf-8")


def read_batch(settings: Settings) -> bytes:
    """The body of a batch request, with every whole-batch check done (ProblemError otherwise)."""
    if request.mimetype != NDJSON:
        raise UnsupportedMediaType(f"send {NDJSON}: one JSON request object a line")
    charset = request.mimetype_params.get("charset", "utf-8")
    if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"NDJSON is UTF-8; charset {charset!r} is not supported")
    # reading the body has the single request's budget: a trickled upload must not hold a thread forever
    deadline = Deadline(settings.request_budget_s) if settings.request_budget_s > 0 else None
    try:
        body = _read_body(settings.max_batch_bytes, deadline)
    except BudgetExceeded as exc:
        retry = str(max(1, math.ceil(settings.request_budget_s)))
        raise TimeBudgetExceeded(f"{exc}; send the batch faster", headers=[("Retry-After", retry)]) from None
    lines = count_lines(body)
    if lines > settings.max_batch_lines:
        raise TooManyLines(f"the batch has {lines} lines; the limit is {settings.max_batch_lines}: split it")
    return body


def batch_response(engine: Engine, settings: Settings, metrics: Metrics | None, started: float) -> Response:
    """The streamed NDJSON answer; whole-batch problems are raised before it starts."""
    body = read_batch(settings)

    def generate() -> Iterator[bytes]:
        try:
            for number, line in iter_lines(body, settings.max_batch_line_bytes):
                yield _encode(answer_line(engine, settings, metrics, number, line))
        finally:  # also when the client goes away mid-stream (the server closes the generator)
            if metrics is not None:
                metrics.observe_request(ROUTE, 200, time.perf_counter() - started)

    response = Response(generate(), status=200, mimetype=NDJSON)
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front should pass each line on as it comes
    return response
