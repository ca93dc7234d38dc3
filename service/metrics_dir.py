"""The directory of Prometheus multiprocess files for one `winnow serve` (gunicorn master and workers).

Imported by service/gunicorn_conf.py before anything imports prometheus_client (which picks its
storage when first imported), so it must not import prometheus_client itself.

The operator's own PROMETHEUS_MULTIPROC_DIR, when set, is used as is and never emptied
(prometheus-client's rule: whoever sets it empties it before the server starts). Otherwise the
server makes a private directory under WINNOW_METRICS_DIR (default: ``default_metrics_parent()``),
fresh at start, removed at exit, and never shared with, nor deleted under, another live server.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# A private directory is ``<parent>/server-XXXXXXXX/`` with an ``owner.lock`` file. Its server holds
# a shared flock on that file for as long as it runs (its workers inherit the descriptor, so the
# lock lives while any of them does), and takes it before the file gets its name: a directory
# whose owner.lock can be locked exclusively belongs to no live process. A starting server removes
# such abandoned directories (a server that was SIGKILLed); a server at exit removes its own only
# if no other live process holds it. (A gunicorn USR2 re-exec starts from the environment gunicorn
# started with, so the new master makes a directory of its own.)

OWNER_LOCK = "owner.lock"
PRIVATE_PREFIX = "server-"
_HELD: dict[str, MultiprocessDir] = {}  # this process's directories: a config reload finds its own


def default_metrics_parent() -> Path:
    """Where private directories go without WINNOW_METRICS_DIR: the user's runtime directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "winnow-metrics"
    return Path(tempfile.gettempdir()) / f"winnow-metrics-{os.getuid()}"


@dataclass
class MultiprocessDir:
    """The directory of this server's multiprocess files; ``owned``: private, removed at exit."""

    path: Path
    owned: bool
    lock: IO[str] | None = None

    def release(self) -> bool:
        """At exit: remove a private directory unless another live process still holds it."""
        if not self.owned or self.lock is None:
            return False
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # no other holder left
        except OSError:
            return False
        shutil.rmtree(self.path, ignore_errors=True)
        self.lock.close()
        self.lock = None
        _HELD.pop(str(self.path), None)
        return True


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the private directories under ``parent`` that no live process holds; return them."""
    removed = []
    for child in sorted(parent.glob(PRIVATE_PREFIX + "*")):
        try:
            lock = open(child / OWNER_LOCK)  # noqa: SIM115 -- closed below
        except OSError:  # not a directory of ours, or its server is making it right now
            continue
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a live server (or one of its workers) holds it
                continue
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


def setup_multiprocess_dir(parent: Path | None) -> MultiprocessDir:
    """Choose this server's multiprocess directory and export it as PROMETHEUS_MULTIPROC_DIR.

    PROMETHEUS_MULTIPROC_DIR, if set, wins and is used as is (prometheus-client's rule: whoever
    sets it empties it before the server starts). Otherwise a new private directory under
    ``parent`` (WINNOW_METRICS_DIR, else ``default_metrics_parent()``).
    """
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        if given in _HELD:  # gunicorn re-read its configuration: the same server
            return _HELD[given]
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        return MultiprocessDir(path, False)
    if parent is None:
        parent = default_metrics_parent()
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if parent.stat().st_uid != os.getuid():  # in a shared temp dir: never another user's
            raise RuntimeError(f"{parent} belongs to another user; set WINNOW_METRICS_DIR")
    else:
        parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(parent)
    path = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX, dir=parent))
    lock = open(path / (OWNER_LOCK + ".new"), "a")  # noqa: SIM115 -- held open for the life of the server
    fcntl.flock(lock, fcntl.LOCK_SH)  # locked before it has the name others look for
    os.rename(path / (OWNER_LOCK + ".new"), path / OWNER_LOCK)
    held = MultiprocessDir(path, True, lock)
    _HELD[str(path)] = held
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return held
