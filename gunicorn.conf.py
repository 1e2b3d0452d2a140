"""gunicorn settings of the production command: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT) or on the command line.
"""

import multiprocessing
import os
import tempfile

# This is the production command: settings checks apply unless told otherwise.
os.environ.setdefault("IVR_ENV", "production")

# Workers share their Prometheus counts through this directory (see ivr_module/metrics.py).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ivr-prometheus-")

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
if not os.environ.get("REDIS_URL"):
    # The in-process cache is per process: several workers would each keep their own copy.
    workers = 1
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# nginx in front keeps the access log, and every hook call has its row in the hook-call log;
# GUNICORN_ACCESSLOG=- adds gunicorn's own (JSON, on stdout) at some cost per request.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
logger_class = "ivr_module.logs.GunicornLogger"
errorlog = "-"
# gunicorn's control socket is one path per user: instances sharing a host would take it from
# each other. systemd (HUP to reload, TERM to stop) is the control interface here.
control_socket_disable = True

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ivr_module.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "ivr_module.logs.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}


def child_exit(server, worker):
    """Forget a dead worker's live gauges (counters it reported stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

