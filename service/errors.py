"""One small error hierarchy: the failures a client can cause, each with its HTTP status.

Plain exceptions, importable without Flask: the engine side (``service/answer.py``, the CLI)
raises them too. The app answers them as RFC 9457 problem+json (``service/problems.py``).
"""

from __future__ import annotations


class ProblemError(Exception):
    """A client-facing failure with its HTTP status and a human-readable detail."""

    status = 400
    title = "Bad Request"
    slug = "bad-request"

    def __init__(self, detail: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or []


class MalformedBody(ProblemError):
    status, title, slug = 400, "Malformed request body", "malformed-body"


class LengthRequired(ProblemError):
    status, title, slug = 411, "Length required", "length-required"


class PayloadTooLarge(ProblemError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class TooManyLines(PayloadTooLarge):
    """A batch with more lines than the limit: refused whole (413), never cut short."""

    status, title, slug = 413, "Too many lines", "too-many-lines"


class LineTooLarge(PayloadTooLarge):
    """One line of a batch over the per-line limit: that line's answer, the others go on."""

    status, title, slug = 413, "Line too large", "line-too-large"


class UnsupportedMediaType(ProblemError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class InvalidRequest(ProblemError, ValueError):
    """Wrong fields, types or options, or a text over a limit. A ValueError too: the library
    (``winnow.Cleaner``) raises it for bad input."""

    status, title, slug = 422, "Invalid request", "invalid-request"


class TooManySegments(InvalidRequest):
    """A text (raw, or rendered from HTML) with more segments than the engine may judge."""

    def __init__(self, max_segments: int) -> None:
        super().__init__(f"the page's text has more than {max_segments} segments (non-blank lines and table "
                         f"cells); the limit is {max_segments}: send a smaller document")


class TooManySpans(ProblemError, ValueError):
    """The answer would carry more spans than the limit: refused, never silently cut short."""

    status, title, slug = 422, "Too many spans", "too-many-spans"


class NotReady(ProblemError):
    status, title, slug = 503, "Not ready", "not-ready"


class TimeBudgetExceeded(ProblemError):
    """One document took longer than the request budget: given up so the worker stays free.

    503, not 504: no upstream timed out, this server declined to go on. Retry-After is sent
    because a busy moment can cause it; the same document on an idle server may pass.
    """

    status, title, slug = 503, "Time budget exceeded", "time-budget-exceeded"
