"""gunicorn settings for `winnow serve` (and the container): all from WINNOW_* variables.

gthread workers: a slow document occupies one thread, and health probes are answered by
another, so a probe never queues behind heavy requests. Under gthread, ``timeout`` only
catches a worker whose main loop is stuck, never one slow request: that is what the
per-request budget is for (WINNOW_REQUEST_BUDGET_S, service/budget.py), well below it.

Prometheus multiprocess mode is set up here, at module level: gunicorn reads this file
before it imports the app (preload), and prometheus_client picks its storage when first
imported, so the directory must exist and be empty before then.
"""

import os
from pathlib import Path

from service.config import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "gthread"
threads = _settings.threads
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 0  # every recycled worker would leave metric files that slow scrapes down
accesslog = None
loglevel = _settings.log_level
preload_app = True
# gunicorn 27's control socket lives in $HOME, which a sidecar's read-only root cannot hold
control_socket_disable = True

if _settings.metrics:
    _metrics_dir = Path(_settings.metrics_dir)
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    for _stale in _metrics_dir.glob("*.db"):  # values of an earlier run
        _stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def child_exit(server, worker):
    """A dead worker's live gauges must not be summed into later scrapes."""
    if _settings.metrics:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
