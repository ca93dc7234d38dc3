"""Winnow: separate article prose from scraped-page chaff, with labelled spans."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:  # Flask is the HTTP layer's: importing the engine (winnow.engine) never loads it
    from flask import Flask


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
