"""The OpenAPI 3.1 contract of the HTTP API, served at GET /openapi.json.

Built in code, not kept as a file, so its enums (labels, offset units) and limits are the
ones the server enforces: the labels come from ``document.LABELS``, the limits from the
server's own ``Settings``. tests/test_openapi.py fuzzes the real app against it
(schemathesis): every answer must match it, and no request may get a 5xx.
"""

from __future__ import annotations

from .config import Settings
from .document import KEPT_LABELS_DEFAULT, LABELS
from .engine import ENGINE_VERSION
from .offsets import UNITS

_JSON, _PROBLEM, _TEXT, _HTML = "application/json", "application/problem+json", "text/plain", "text/html"
_NDJSON = "application/x-ndjson"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str, headers: dict | None = None) -> dict:
    answer: dict = {"description": description, "content": {_PROBLEM: {"schema": _ref("Problem")}}}
    if headers:
        answer["headers"] = headers
    return answer


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
_NOT_FOUND = _problem("no such route (or file)")
_NOT_READY = _problem("the engine (rules, thresholds, model) is not loaded")


def _schemas(settings: Settings) -> dict:
    label = {"type": "string", "enum": list(LABELS)}
    nullable_string = {"type": ["string", "null"]}
    schemas = {
        "Label": label,
        "CleanOptions": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "keep": {"type": "array", "items": _ref("Label"),
                         "description": f"labels kept in the clean text; default {sorted(KEPT_LABELS_DEFAULT)}"},
                "offsets": {"type": "string", "enum": list(UNITS),
                            "description": "the unit of span offsets: code points, UTF-16 code units "
                                           "(JavaScript string indices) or UTF-8 bytes"},
                "spans": {"type": "boolean", "description": "false: leave the spans out of the answer"},
                "extracted": {"type": ["boolean", "null"],
                              "description": "true: the text is a page's main content already (an "
                                             "extractor's output), so only the rules remove anything: no "
                                             "segment model, no main block. Absent, null or false: every line is "
                                             "judged by its page (for `html`, the whole page's rendering)"},
            },
        },
        "CleanRequest": {
            "type": "object",
            "description": "exactly one of `text` and `html`",
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string", "maxLength": settings.max_text_chars,
                         "description": "raw scraped text (any Unicode except lone surrogates)"},
                "html": {"type": "string",  # no maxLength: the body limit (413) always comes first
                         "description": "an HTML page; its rendered text is cleaned and returned as "
                                        f"input_text (at most {settings.max_text_chars} characters of it)"},
                "url": {**nullable_string, "description": "metadata only: never fetched"},
                "options": {"anyOf": [_ref("CleanOptions"), {"type": "null"}],
                            "description": "absent or null: the defaults"},
            },
            "oneOf": [{"required": ["text"], "not": {"required": ["html"]}},
                      {"required": ["html"], "not": {"required": ["text"]}}],
        },
        "Span": {
            "type": "object",
            "additionalProperties": False,
            "required": ["start", "end", "label", "score", "tagger", "rule", "kept"],
            "properties": {
                "start": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 1},
                "label": _ref("Label"),
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "tagger": {"type": "string", "description": "the tagger that decided, with its version"},
                "rule": {**nullable_string, "description": "the rule id, when a rule decided"},
                "kept": {"type": "boolean",
                         "description": "the span's text is in the clean text: its label is kept, and it "
                                        "is not the page's <title> line (rule title.page_title) or a repeat "
                                        "of the headline (rule title.headline_repeat), which are labelled "
                                        "title but never shown, so the headline is kept once"},
            },
        },
        "Version": {
            "type": "object",
            "required": ["engine", "rules", "model"],
            "properties": {"engine": {"type": "string"}, "rules": {"type": "string"}, "model": nullable_string},
        },
        "CleanResponse": {
            "type": "object",
            "additionalProperties": False,
            "required": ["text", "stats", "paywalled", "version"],
            "properties": {
                "text": {"type": "string", "description": "the clean text: the kept spans, whitespace tidied"},
                "spans": {"type": "array", "items": _ref("Span"), "maxItems": settings.max_spans,
                          "description": "in order, contiguous, covering the whole input (absent with "
                                         "options.spans=false)"},
                "input_text": {"type": "string", "description": "html input only: the page's text, "
                                                                "which the spans index"},
                "stats": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["chars_in", "chars_out", "removed_chars_by_label"],
                    "properties": {
                        "chars_in": {"type": "integer", "minimum": 0},
                        "chars_out": {"type": "integer", "minimum": 0},
                        "removed_chars_by_label": {
                            "type": "object",
                            "propertyNames": _ref("Label"),
                            "additionalProperties": {"type": "integer", "minimum": 1},
                        },
                    },
                },
                "paywalled": {"type": "boolean"},
                "version": _ref("Version"),
            },
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail", "instance"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string", "minLength": 1},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
            },
        },
        "Status": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
        "Ready": {"type": "object", "additionalProperties": False, "required": ["status", "version"],
                  "properties": {"status": {"const": "ready"}, "version": _ref("Version")}},
        "Labels": {
            "type": "object",
            "required": ["labels"],
            "properties": {"labels": {"type": "array", "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["label", "description", "kept_by_default"],
                "properties": {"label": _ref("Label"), "description": {"type": "string"},
                               "kept_by_default": {"type": "boolean"}},
            }}},
        },
        "Rules": {
            "type": "object",
            "required": ["version", "rules"],
            "properties": {"version": _ref("Version"), "rules": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "label", "scope", "languages", "score"],
                "properties": {
                    "id": {"type": "string"}, "label": _ref("Label"), "description": {"type": "string"},
                    "scope": {"type": "string", "enum": ["line", "start", "anywhere"]},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    "max_chars": {"type": ["integer", "null"]},
                    "opens_block": {"type": "boolean"}, "opens_section": {"type": "boolean"},
                    "thread_replies": {"type": "boolean"},
                    "opens_article": {"type": "boolean"}, "marks_paywalled": {"type": "boolean"},
                    "inline": {"type": "boolean"}, "pack": {"type": "string"},
                },
            }}},
        },
    }
    return {**schemas, **_batch_schemas(schemas)}


def _clean_operation(settings: Settings) -> dict:
    # no "type": a raw body is text whatever it looks like ('{}' is a page too), so it has no wrong type
    raw = {"description": "the whole body, as text; charset from Content-Type, UTF-8 by default (undecodable: 400)"}
    return {
        "operationId": "clean",
        "summary": "Clean one page: the article text and a labelled span for every character",
        "requestBody": {
            "required": True,
            "content": {
                _JSON: {"schema": _ref("CleanRequest")},
                _TEXT: {"schema": {**raw, "maxLength": settings.max_text_chars}},
                _HTML: {"schema": raw},
            },
        },
        "responses": {
            "200": _json("the clean text, the spans and statistics", _ref("CleanResponse")),
            "400": _problem("malformed JSON, or a raw body not valid in its charset"),
            "411": _problem("a chunked body this server cannot delimit: send a Content-Length"),
            "413": _problem(f"the body is over {settings.max_body_bytes} bytes (chunked bodies included: "
                            "refused, never truncated)"),
            "415": _problem("a Content-Type other than application/json, text/plain or text/html, "
                            "or an unknown charset"),
            "422": _problem(f"wrong fields, types or options; a lone surrogate; text over "
                            f"{settings.max_text_chars} characters or {settings.max_segments} segments (lines "
                            f"and table cells); an HTML page of more than {settings.max_html_nodes} nodes; more than "
                            f"{settings.max_spans} spans"),
            "503": _problem(f"the engine is not loaded, or the document could not be cleaned within the "
                            f"time budget of {settings.request_budget_s:g} s", _RETRY_AFTER),
        },
    }


_BATCH_ID = {"type": ["string", "integer", "null"],
             "description": "any string or integer: echoed in this line's answer"}


def _batch_schemas(schemas: dict) -> dict:
    """A batch line's request and answer: CleanRequest and CleanResponse with an ``id``; a bad line's Problem
    with its ``line`` number. (additionalProperties: false does not see through allOf, so the first two are
    copies of the single request's schemas with the id added.)"""
    return {
        "BatchRequest": _with_id(schemas["CleanRequest"]),
        "BatchResponse": _with_id(schemas["CleanResponse"]),
        "BatchProblem": {
            "allOf": [_ref("Problem")],
            "type": "object",
            "description": "a bad line's answer in its place: RFC 9457, with the line number and the id",
            "required": ["line"],
            "properties": {"line": {"type": "integer", "minimum": 1,
                                    "description": "1-based, every line of the body counted (blank ones too)"},
                           "id": _BATCH_ID},
        },
        "BatchAnswer": {"oneOf": [_ref("BatchResponse"), _ref("BatchProblem")]},
    }


def _with_id(schema: dict) -> dict:
    return {**schema, "properties": {"id": _BATCH_ID, **schema["properties"]}}


def _batch_operation(settings: Settings) -> dict:
    return {
        "operationId": "cleanBatch",
        "summary": "Clean many pages: NDJSON in (one CleanRequest a line, with an optional id), NDJSON answers "
                   "out, streamed in input order",
        "description": "Every line is answered in its place, in input order: the CleanResponse (with the line's "
                       "id first, when given) or, for a bad line, a Problem with its status and line number "
                       "(invalid JSON 400, over the per-line limit of "
                       f"{settings.max_batch_line_bytes} bytes 413, wrong fields 422, over the per-line time "
                       f"budget of {settings.batch_line_budget_s:g} s 503); the other lines go on. Blank lines "
                       "get no answer. Errors of the whole batch are found before the first byte is sent, so "
                       "they are ordinary problem answers.",
        "x-winnow-limits": {"max_batch_lines": settings.max_batch_lines,
                            "max_batch_bytes": settings.max_batch_bytes,
                            "max_batch_line_bytes": settings.max_batch_line_bytes,
                            "batch_line_budget_s": settings.batch_line_budget_s},
        "requestBody": {
            "required": True,
            "content": {_NDJSON: {
                # no schema to fail: each line is checked on its own, and answered in its place
                "schema": {"description": "UTF-8 NDJSON: one BatchRequest object a line (x-item-schema), "
                                          f"at most {settings.max_batch_lines} lines (blank ones included) and "
                                          f"{settings.max_batch_bytes} bytes"},
                "x-item-schema": _ref("BatchRequest"),
            }},
        },
        "responses": {
            "200": {"description": "one BatchAnswer a line (NDJSON), in input order, streamed",
                    "content": {_NDJSON: {"schema": {"type": "array", "items": _ref("BatchAnswer")},
                                          "x-item-schema": _ref("BatchAnswer")}}},
            "411": _problem("a chunked body this server cannot delimit: send a Content-Length"),
            "413": _problem(f"the body is over {settings.max_batch_bytes} bytes (chunked bodies included: "
                            f"refused, never truncated), or has more than {settings.max_batch_lines} lines"),
            "415": _problem(f"a Content-Type other than {_NDJSON}, or a charset other than UTF-8"),
            "503": _problem("the engine is not loaded, or the body took longer than "
                            f"{settings.request_budget_s:g} s to arrive", _RETRY_AFTER),
        },
    }


def _get(operation_id: str, summary: str, responses: dict) -> dict:
    return {"get": {"operationId": operation_id, "summary": summary, "responses": responses}}


def openapi_document(settings: Settings) -> dict:
    """The OpenAPI 3.1 document for a server running with ``settings``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Winnow",
            "version": ENGINE_VERSION,
            "description": "Separates the article prose of a scraped web page from everything around it, "
                           "and tells for every character what it was and why. Every error is RFC 9457 "
                           "application/problem+json: also a path that does not exist (404, "
                           "components.responses.NotFound) and a method a path does not serve (405 with "
                           "Allow, components.responses.MethodNotAllowed).",
        },
        "paths": {
            "/v1/clean": {"post": _clean_operation(settings)},
            "/v1/clean/batch": {"post": _batch_operation(settings)},
            "/v1/labels": _get("labels", "The labels, their meaning, which are kept by default",
                               {"200": _json("the labels", _ref("Labels"))}),
            "/v1/rules": _get("rules", "Every loaded rule", {"200": _json("the rules", _ref("Rules")),
                                                             "503": _NOT_READY}),
            "/healthz": _get("healthz", "Liveness: the process answers", {"200": _json("alive", _ref("Status"))}),
            "/readyz": _get("readyz", "Readiness: rules, thresholds and model are loaded",
                            {"200": _json("ready", _ref("Ready")), "503": _NOT_READY}),
            "/metrics": _get("metrics", "Prometheus metrics, summed over all workers", {
                "200": {"description": "Prometheus text exposition format",
                        "content": {_TEXT: {"schema": {"type": "string"}}}},
                "503": _problem("metrics are switched off (WINNOW_METRICS=0)"),
            }),
            "/openapi.json": _get("openapi", "This document", {
                "200": _json("OpenAPI 3.1", {"type": "object", "required": ["openapi", "paths"]})}),
            "/": _get("inspector", "The inspector page", {
                "200": {"description": "a self-contained HTML page",
                        "content": {_HTML: {"schema": {"type": "string"}}}},
            }),
            "/static/{filename}": {"get": {
                "operationId": "static",
                "summary": "The inspector's own files",
                "parameters": [{"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "a file of the inspector",
                            "content": {"text/css": {"schema": {"type": "string"}},
                                        "text/javascript": {"schema": {"type": "string"}},
                                        _HTML: {"schema": {"type": "string"}}}},
                    "404": _NOT_FOUND,
                },
            }},
        },
        "components": {
            "schemas": _schemas(settings),
            "responses": {
                "NotFound": _problem("no such path, on any method"),
                "MethodNotAllowed": _problem("the path exists, the method does not", {
                    "Allow": {"description": "the methods the path serves", "required": True,
                              "schema": {"type": "string", "minLength": 1}}}),
            },
        },
    }
