"""gunicorn settings for `winnow serve` (and the container): all from WINNOW_* variables.

gthread workers: a slow document occupies one thread, and health probes are answered by
another, so a probe never queues behind heavy requests. Under gthread, ``timeout`` only
catches a worker whose main loop is stuck, never one slow request: that is what the
per-request budget is for (WINNOW_REQUEST_BUDGET_S, service/budget.py), well below it.

Prometheus multiprocess mode is set up here, at module level: gunicorn reads this file
before it imports the app (preload), and prometheus_client picks its storage when first
imported, so PROMETHEUS_MULTIPROC_DIR must name an existing directory before then.
"""

from winnow.config import Settings
from winnow.metrics_dir import setup_multiprocess_dir

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

# the operator's PROMETHEUS_MULTIPROC_DIR, else a directory private to this server (metrics_dir.py)
_multiproc = setup_multiprocess_dir(_settings.metrics_dir) if _settings.metrics else None


def child_exit(server, worker):
    """A dead worker's live gauges must not be summed into later scrapes."""
    if _multiproc is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, path=str(_multiproc.path))


def on_exit(server):
    """The master is done (its workers have stopped): remove its private directory."""
    if _multiproc is not None:
        _multiproc.release()
