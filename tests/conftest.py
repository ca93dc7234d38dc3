"""Shared fixtures: the engine, the Flask app and client, and a real gunicorn on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import create_app
from service.config import Settings
from service.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(os.environ.get("WINNOW_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(max_body_bytes=1_000_000, max_text_chars=200_000)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    return Engine.from_settings(settings)


@pytest.fixture(scope="session")
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture()
def client(app):
    return app.test_client()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """`winnow serve` with 2 workers on a free loopback port, as a user would start it."""
    port = _free_port()
    env = {**os.environ, "WINNOW_MAX_BODY_BYTES": "1000000", "WINNOW_MAX_TEXT_CHARS": "200000"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"gunicorn did not become ready:\n{out}")
        time.sleep(0.2)
    yield base
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
