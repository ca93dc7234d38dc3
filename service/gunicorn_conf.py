"""gunicorn settings for `winnow serve` (and the container): all from WINNOW_* variables.

gthread workers: a slow document occupies one thread, and health probes are answered by
another, so a probe never queues behind heavy requests.
"""

from service.config import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "gthread"
threads = _settings.threads
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 0
accesslog = None
loglevel = _settings.log_level
preload_app = True
# gunicorn 27's control socket lives in $HOME, which a sidecar's read-only root cannot hold
control_socket_disable = True
