"""Every error answered as RFC 9457 problem+json (never an HTML error page): the app's side of errors.py.

Imports Flask: only ``create_app`` imports this module.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from .errors import ProblemError

PROBLEM_TYPE = "https://winnow.dev/problems/"
log = logging.getLogger("winnow")


def problem(status: int, title: str, detail: str, slug: str,
            headers: list[tuple[str, str]] | None = None) -> Response:
    metrics = current_app.extensions.get("winnow.metrics")
    if metrics is not None:
        metrics.observe_error(slug)  # slugs are a fixed set: errors.py's classes and HTTP status names
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
