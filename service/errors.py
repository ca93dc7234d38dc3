"""One small error hierarchy, answered as RFC 9457 problem+json (never an HTML error page)."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "https://winnow.dev/problems/"
log = logging.getLogger("winnow")


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


class UnsupportedMediaType(ProblemError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class InvalidRequest(ProblemError):
    status, title, slug = 422, "Invalid request", "invalid-request"


class TooManySpans(ProblemError):
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


def problem(status: int, title: str, detail: str, slug: str,
            headers: list[tuple[str, str]] | None = None) -> Response:
    metrics = current_app.extensions.get("winnow.metrics")
    if metrics is not None:
        metrics.observe_error(slug)  # slugs are a fixed set: these classes and HTTP status names
    body = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail,
            "instance": request.path}
    # ASCII-escaped: a detail quoting a lone surrogate must not break the error answer itself
    return Response(json.dumps(body, ensure_ascii=True), status=status, headers=headers,
                    mimetype="application/problem+json")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError) -> Response:
        return problem(exc.status, exc.title, exc.detail, exc.slug, exc.headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        slug = (exc.name or "error").lower().replace(" ", "-")
        # keep what the status needs (Allow on 405, Retry-After...), not werkzeug's HTML content type
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return problem(status, exc.name or "Error", exc.description or "", slug, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.path)
        return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged",
                       "internal-error")
