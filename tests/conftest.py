"""Shared fixtures: the engine, the Flask app and client, and a real gunicorn on loopback."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench.server import start_server, stop_server
from winnow import create_app
from winnow.config import Settings
from winnow.engine import Engine
from winnow.model.features import StopWordHashes
from winnow.rules import load_word_lists

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(os.environ.get("WINNOW_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(max_body_bytes=1_000_000, max_text_chars=200_000)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    return Engine.from_settings(settings)


@pytest.fixture(scope="session")
def rules_engine() -> Engine:
    """The engine on the built-in rules without the segment model (what `winnow train` measures with)."""
    return Engine.from_settings(replace(Settings(), model_path=Path("off")))


@pytest.fixture(scope="session")
def stop_hashes() -> StopWordHashes:
    return StopWordHashes(load_word_lists(Settings().rules_dir / "stopwords"))


@pytest.fixture(scope="session")
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """`winnow serve` with 2 workers on a free loopback port, as a user would start it."""
    proc, base = start_server(tmp_path_factory.mktemp("metrics"))
    yield base
    stop_server(proc)


def cpu_time(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best CPU time of this thread over ``repeat`` calls of ``fn``: other processes on a shared machine
    do not count, nor does the garbage collector (its full passes cost what the whole test session
    holds, not what the code under test does)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            started = time.thread_time()
            fn()
            best = min(best, time.thread_time() - started)
    finally:
        gc.enable()
    return best
