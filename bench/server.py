"""Start and stop `winnow serve` on loopback: shared by the integration tests and the benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers_of(master: int) -> list[int]:
    """The pids of ``master``'s children (gunicorn's workers), from /proc; none when it is gone."""
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def start_server(metrics_dir: Path, workers: int = 2, **env_overrides: str):
    """Start `winnow serve` on a free loopback port; return (process, base URL) once ready."""
    port = free_port()
    log_path = Path(metrics_dir).parent / f"winnow-server-{port}.log"
    log = open(log_path, "wb")  # kept open for the life of the server
    env = {**os.environ, "WINNOW_MAX_BODY_BYTES": "1000000", "WINNOW_MAX_TEXT_CHARS": "200000",
           "WINNOW_METRICS_DIR": str(metrics_dir), **env_overrides}
    proc = subprocess.Popen(
        [sys.executable, "-m", "winnow.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        # to a file, not a pipe: an unread pipe fills up and blocks a chatty server
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as resp:
                # gunicorn forks its workers a moment apart: the first may answer before the last
                # exists, and a bench that counts on every worker (probes per worker) must wait for it
                if resp.status == 200 and len(workers_of(proc.pid)) >= workers:
                    return proc, base
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"gunicorn did not become ready:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


