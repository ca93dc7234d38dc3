"""The HTTP API: one blueprint. It parses and validates HTTP requests and serialises the answers;
the answer itself is built by ``answer.build_answer`` and all cleaning is the engine's."""

from __future__ import annotations

import json
import math
import re
import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from .answer import CleanRequest, build_answer, check_string, request_from_payload
from .budget import BudgetExceeded, Deadline, check
from .config import Settings
from .document import KEPT_LABELS_DEFAULT, LABEL_DESCRIPTIONS, LABELS
from .engine import Engine
from .errors import (
    LengthRequired,
    MalformedBody,
    NotReady,
    PayloadTooLarge,
    ProblemError,
    TimeBudgetExceeded,
    UnsupportedMediaType,
)
from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from .metrics import Metrics
from .openapi import openapi_document

bp = Blueprint("winnow", __name__)
_READ_CHUNK = 64 * 1024


def _engine() -> Engine:
    engine = current_app.extensions.get("winnow.engine")
    if engine is None:
        raise NotReady("the engine is not loaded")
    return engine


def _settings() -> Settings:
    return current_app.extensions["winnow.settings"]


def _read_body(limit: int, deadline: Deadline | None = None) -> bytes:
    """The whole body, refusing (not truncating) anything over ``limit``, chunked or not.

    Read from ``wsgi.input`` directly: werkzeug's ``max_content_length`` stream stops at the
    limit on a chunked body instead of refusing it. ``content_length`` is None for chunked
    bodies (Transfer-Encoding wins over a Content-Length header).
    """
    environ = request.environ
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"the body is {length} bytes; the limit is {limit}")
    if length is None and not environ.get("wsgi.input_terminated"):
        # WSGI: without a length the input may only be read to its end if the server says it
        # ends there (gunicorn and werkzeug do, for chunked bodies); else there is no body.
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            raise LengthRequired("this server cannot read a chunked body; send a Content-Length")
        return b""
    stream = environ["wsgi.input"]
    chunks, total = [], 0
    while True:
        chunk = stream.read(_READ_CHUNK if length is None else min(_READ_CHUNK, length - total))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"the body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
        check(deadline, "reading the body")  # a trickled upload must not hold a thread forever
        if length is not None and total >= length:
            break
    return b"".join(chunks)


def parse_clean_request(settings: Settings, deadline: Deadline | None = None) -> CleanRequest:
    mimetype = request.mimetype
    if mimetype not in ("application/json", "text/plain", "text/html"):
        raise UnsupportedMediaType(
            "send application/json ({\"text\": ...} or {\"html\": ...}), text/plain or text/html")
    body = _read_body(settings.max_body_bytes, deadline)
    if mimetype in ("text/plain", "text/html"):
        charset = request.mimetype_params.get("charset", "utf-8")
        try:
            decoded = body.decode(charset)
        except LookupError:
            raise UnsupportedMediaType(f"unknown charset {charset!r}") from None
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"the body is not valid {charset}: {exc.reason} at byte {exc.start}") \
                from None
        except (UnicodeError, ValueError) as exc:  # odd codecs (idna, punycode...) raise their own kinds
            raise MalformedBody(f"the body is not valid {charset}: {exc}") from None
        limit = settings.max_text_chars if mimetype == "text/plain" else settings.max_body_bytes
        value = check_string("body", decoded, limit)
        return CleanRequest(value if mimetype == "text/plain" else None,
                            value if mimetype == "text/html" else None,
                            KEPT_LABELS_DEFAULT, "codepoint", True)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # bad syntax or encoding; also over-long integers
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None
    return parse_clean_object(payload, settings)


def parse_clean_object(payload: object, settings: Settings) -> CleanRequest:
    """A decoded JSON request object (the body of /v1/clean, a line of /v1/clean/batch without its id)."""
    return request_from_payload(payload, settings.max_text_chars, settings.max_body_bytes)


def _metrics() -> Metrics | None:
    return current_app.extensions.get("winnow.metrics")


@bp.before_app_request
def _start_timer() -> None:
    g.winnow_started = time.perf_counter()


@bp.after_app_request
def _count_request(response: Response) -> Response:
    metrics = _metrics()
    started = g.get("winnow_started")
    if g.get("winnow_streamed"):  # a streamed answer is counted once its last line is sent (batch.py)
        return response
    if metrics is not None and started is not None:
        endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        metrics.observe_request(endpoint, response.status_code, time.perf_counter() - started)
    return response


@bp.post("/v1/clean")
def clean() -> Response:
    settings = _settings()
    metrics = _metrics()
    # the budget runs from here: reading the body, rendering HTML and every engine stage spend it
    deadline = Deadline(settings.request_budget_s) if settings.request_budget_s > 0 else None
    try:
        req = parse_clean_request(settings, deadline)
        answer, result = build_answer(_engine(), req, settings.max_text_chars, deadline, settings.max_spans,
                                      settings.max_segments, settings.max_html_nodes)
    except BudgetExceeded as exc:
        if metrics is not None:
            metrics.observe_budget_exceeded(exc.stage)
        retry = str(max(1, math.ceil(settings.request_budget_s)))
        raise TimeBudgetExceeded(f"{exc}; the document is too slow to clean within the budget, or the "
                                 "server was busy: retry later or send a smaller document",
                                 headers=[("Retry-After", retry)]) from None
    if metrics is not None:
        metrics.observe_result(result, "text" if req.text is not None else "html")
    return jsonify(answer)


@bp.post("/v1/clean/batch")
def clean_batch() -> Response:
    """NDJSON in, NDJSON out, in input order: service/batch.py."""
    from .batch import batch_response  # imported here: batch.py uses this module's request parsers

    response = batch_response(_engine(), _settings(), _metrics(), g.winnow_started)
    g.winnow_streamed = True
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 contract of this API, with this server's limits filled in."""
    return jsonify(openapi_document(_settings()))


@bp.get("/metrics")
def metrics() -> Response:
    m = _metrics()
    if m is None:
        raise NotReady("metrics are disabled (WINNOW_METRICS=0)")
    # content_type, not mimetype: Flask would append its own charset and drop the format's version
    return Response(m.exposition(), content_type=METRICS_CONTENT_TYPE)


# The inspector may load only its own files and call only this server: pasted pages stay here.
_INSPECTOR_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@bp.get("/")
def inspector() -> Response:
    """The inspector page (service/static/, served by Flask's own /static/ route)."""
    response = current_app.send_static_file("inspector.html")
    response.headers["Content-Security-Policy"] = _INSPECTOR_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    engine = _engine()
    return jsonify({"status": "ready", "version": engine.version})


@bp.get("/v1/labels")
def labels() -> Response:
    return jsonify({"labels": [
        {"label": name, "description": LABEL_DESCRIPTIONS[name],
         "kept_by_default": name in KEPT_LABELS_DEFAULT}
        for name in LABELS
    ]})


@bp.get("/v1/rules")
def rules() -> Response:
    engine = _engine()
    return jsonify({"version": engine.version, "rules": engine.rules_info()})


# --- every known label value of the request and error counters starts at 0 ----------------------

def _problem_kinds() -> set[str]:
    """Every ``winnow_errors_total`` kind: errors.py's slugs, and the HTTP errors problems.py answers."""
    kinds, todo = set(), [ProblemError]
    while todo:
        cls = todo.pop()
        kinds.add(cls.slug)
        todo += cls.__subclasses__()
    for exc in (NotFound, MethodNotAllowed):  # named as problems.py names werkzeug's errors
        kinds.add(exc().name.lower().replace(" ", "-"))
    return kinds | {"internal-error"}


@bp.record_once
def _preset_metrics(state) -> None:
    """Start at 0 every status the OpenAPI document gives each route, and every problem kind.

    Registered last in this module: it runs when the app registers the blueprint, after its routes.
    """
    app = state.app
    metrics = app.extensions.get("winnow.metrics")
    if metrics is None:
        return
    paths = openapi_document(app.extensions["winnow.settings"])["paths"]
    pairs = [("<unmatched>", 404), ("<unmatched>", 405)]  # components.responses NotFound, MethodNotAllowed
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^:<>]+)>", r"{\1}", rule.rule)  # /static/<path:filename> -> {filename}
        for operation in paths.get(path, {}).values():
            pairs += [(rule.rule, int(status)) for status in operation["responses"]]
    metrics.preset(sorted(set(pairs)), sorted(_problem_kinds()))
