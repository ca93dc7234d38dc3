"""Prometheus metrics for quality dashboards, correct under several gunicorn workers.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set by service/gunicorn_conf.py before anything
imports prometheus_client, so every worker writes its values to files there and a scrape of
any worker adds them all up. Without it (tests, the CLI) one process's registry is exported.
Which directory: service/metrics_dir.py.

Label values come only from bounded sets: route rules, status codes, labels, shipped rule
ids, problem slugs, input kinds, budget stages. Never a document, URL or other request-supplied value.
Every value of a labelled counter that is known in advance is exported at 0 from the start:
``rate()`` and ``increase()`` see a series only from its second sample, so a series born at 5
would hide its first 5 events.

A batch (POST /v1/clean/batch) is counted so that no dashboard counts twice: the HTTP request
once, in ``winnow_requests_total`` and ``winnow_request_duration_seconds`` with its route and
status (200 once streaming began; the duration runs to its last line), and each of its lines
as a document: the per-document series (documents, characters, removed characters by label,
spans, rule hits, model scores, paywalled) exactly as a single /v1/clean would count it, a
bad line's problem in ``winnow_errors_total{kind}`` and a line given up at its budget in
``winnow_budget_exceeded_total``; plus ``winnow_batch_lines_total{status}`` (every line
answered, by the status its answer carries) and ``winnow_batch_line_duration_seconds`` (each
line's latency). Documents per second over both routes: ``winnow_documents_total``; HTTP
requests per second: ``winnow_requests_total``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .budget import STAGES
from .document import KEPT_LABELS_DEFAULT, LABELS, Result

CONTENT_TYPE = CONTENT_TYPE_LATEST
INPUT_KINDS = ("text", "html")
BATCH_LINE_STATUSES = (200, 400, 413, 422, 500, 503)  # what a batch line's answer can carry (batch.py)
# the content-vs-boilerplate scorers: the segment model, and the heuristic for pages too short for it
MODEL_TAGGERS = frozenset({"segment_model_v1", "quality_v1"})
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_CHARS_BUCKETS = (1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6)
_SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


def multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


class Metrics:
    """The service's metrics, registered in a registry of their own (one per app)."""

    def __init__(self, rule_ids: frozenset[str], version: dict[str, str]) -> None:
        self.rule_ids = rule_ids
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("winnow_requests", "HTTP requests by route and status",
                                ["endpoint", "status"], registry=r)
        self.request_seconds = Histogram("winnow_request_duration_seconds", "HTTP request duration",
                                         ["endpoint"], buckets=_LATENCY_BUCKETS, registry=r)
        self.documents = Counter("winnow_documents", "documents cleaned, by input kind", ["input"], registry=r)
        self.input_chars = Counter("winnow_input_chars", "characters received for cleaning", registry=r)
        self.output_chars = Counter("winnow_output_chars", "characters of clean text returned", registry=r)
        self.document_chars = Histogram("winnow_document_chars", "size of the documents cleaned",
                                        buckets=_CHARS_BUCKETS, registry=r)
        self.removed_chars = Counter("winnow_removed_chars", "characters removed, by label", ["label"], registry=r)
        self.spans = Counter("winnow_spans", "spans returned, by label", ["label"], registry=r)
        self.rule_hits = Counter("winnow_rule_hits", "spans decided by each shipped rule", ["rule"], registry=r)
        self.model_score = Histogram("winnow_model_score", "content scores of the content-vs-boilerplate model",
                                     buckets=_SCORE_BUCKETS, registry=r)
        self.paywalled = Counter("winnow_paywalled_documents", "documents with a paywall", registry=r)
        self.mostly_removed = Counter("winnow_mostly_removed_documents",
                                      "documents of which more than half was removed", registry=r)
        self.errors = Counter("winnow_errors", "problem answers by kind", ["kind"], registry=r)
        self.batch_lines = Counter("winnow_batch_lines", "lines of /v1/clean/batch answered, by the status "
                                   "their answer carries", ["status"], registry=r)
        self.batch_line_seconds = Histogram("winnow_batch_line_duration_seconds", "time to answer one batch line",
                                            buckets=_LATENCY_BUCKETS, registry=r)
        for status in BATCH_LINE_STATUSES:
            self.batch_lines.labels(str(status))
        self.budget_exceeded = Counter("winnow_budget_exceeded", "requests given up at the time budget, by stage",
                                       ["stage"], registry=r)
        # every label value known in advance starts at 0 (the module's docstring says why)
        for stage in STAGES:
            self.budget_exceeded.labels(stage.replace(" ", "_"))
        for kind in INPUT_KINDS:
            self.documents.labels(kind)
        for label in LABELS:
            self.removed_chars.labels(label)
            self.spans.labels(label)
        for rule in sorted(rule_ids):
            self.rule_hits.labels(rule)
        self.build_info = Gauge("winnow_build_info", "versions of the service, its rules and model (always 1)",
                                ["version", "rules", "model"], multiprocess_mode="max", registry=r)
        self.build_info.labels(version.get("engine", ""), version.get("rules", ""),
                               version.get("model", "none")).set(1)

    def preset(self, requests: Iterable[tuple[str, int]], error_kinds: Iterable[str]) -> None:
        """Export at 0 the (route, status) pairs and problem kinds the HTTP layer can answer."""
        for endpoint, status in requests:
            self.requests.labels(endpoint, str(status))
            self.request_seconds.labels(endpoint)
        for kind in error_kinds:
            self.errors.labels(kind)

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        self.request_seconds.labels(endpoint).observe(seconds)

    def observe_batch_line(self, status: int, seconds: float) -> None:
        self.batch_lines.labels(str(status)).inc()
        self.batch_line_seconds.observe(seconds)

    def observe_error(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    def observe_budget_exceeded(self, stage: str) -> None:
        """``stage`` is a literal of the code that noticed (budget.check callers): a bounded set."""
        self.budget_exceeded.labels(stage.replace(" ", "_")).inc()

    def observe_result(self, result: Result, input_kind: str) -> None:
        self.documents.labels(input_kind).inc()
        self.input_chars.inc(result.chars_in)
        self.output_chars.inc(result.chars_out)
        self.document_chars.observe(result.chars_in)
        for label, chars in result.removed_chars_by_label.items():
            self.removed_chars.labels(label).inc(chars)
        by_label: dict[str, int] = {}
        by_rule: dict[str, int] = {}
        for span in result.spans:
            by_label[span.label] = by_label.get(span.label, 0) + 1
            if span.rule in self.rule_ids:
                by_rule[span.rule] = by_rule.get(span.rule, 0) + 1
            if span.tagger in MODEL_TAGGERS:
                content = span.score if span.label in KEPT_LABELS_DEFAULT else 1.0 - span.score
                self.model_score.observe(content)
        for label, n in by_label.items():
            self.spans.labels(label).inc(n)
        for rule, n in by_rule.items():
            self.rule_hits.labels(rule).inc(n)
        if result.paywalled:
            self.paywalled.inc()
        if result.chars_in and result.chars_in - result.chars_out > result.chars_in / 2:
            self.mostly_removed.inc()

    def exposition(self) -> bytes:
        """The text exposition: all workers' values in multiprocess mode, else this process's."""
        path = multiprocess_dir()
        if path is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry, path=path)
        return generate_latest(registry)
