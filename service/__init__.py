"""Winnow: separate article prose from scraped-page chaff, with labelled spans.

As a library (``service/library.py``)::

    import winnow
    cleaner = winnow.Cleaner()
    result = cleaner.clean(text=page)   # result.text, .spans, .stats, .paywalled

The library's names load on first use (``import winnow`` alone loads neither the engine nor Flask:
gunicorn's config imports ``winnow.config`` before prometheus_client may be imported).
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from .config import Settings

if TYPE_CHECKING:  # Flask is the HTTP layer's: importing the engine (winnow.engine) never loads it
    from flask import Flask

    from .errors import InvalidRequest, ProblemError, TooManySpans
    from .library import KEPT_LABELS_DEFAULT, LABEL_DESCRIPTIONS, LABELS, Cleaner, Result, Span, Stats

_LAZY = {
    "Cleaner": "library", "Result": "library", "Span": "library", "Stats": "library", "LABELS": "library",
    "LABEL_DESCRIPTIONS": "library", "KEPT_LABELS_DEFAULT": "library",
    "InvalidRequest": "errors", "TooManySpans": "errors", "ProblemError": "errors",
}
__all__ = ["Settings", "create_app", "Cleaner", "Result", "Span", "Stats", "LABELS", "LABEL_DESCRIPTIONS",
           "KEPT_LABELS_DEFAULT", "InvalidRequest", "TooManySpans", "ProblemError"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def create_app(settings: Settings | None = None) -> Flask:
    """The one place that wires objects together. Rules load here: a bad rule fails the boot."""
    from flask import Flask

    from .api import bp
    from .engine import Engine
    from .metrics import Metrics
    from .problems import register_error_handlers

    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper())
    logging.getLogger("readability").setLevel(logging.WARNING)  # it logs INFO on every short page
    app = Flask(__name__)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["winnow.settings"] = settings
    engine = Engine.from_settings(settings)
    engine.self_check()
    app.extensions["winnow.engine"] = engine
    if settings.metrics:
        app.extensions["winnow.metrics"] = Metrics(frozenset(r.id for r in engine.rules.rules), engine.version)
    app.register_blueprint(bp)
    register_error_handlers(app)
    return app
