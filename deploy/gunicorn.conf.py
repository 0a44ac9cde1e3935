"""gunicorn settings of an RCM Exchange web host:

    gunicorn -c deploy/gunicorn.conf.py wsgi:app

Every value can be changed from the environment (the systemd unit reads
/etc/rcm-exchange/env). Sync workers serve about (workers / mean request time)
requests a second and one slow request holds a whole worker, so nginx buffers
uploads and slow clients in front of them.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("RCM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("RCM_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("RCM_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced now and then, so a slow leak never grows without end.
max_requests = 2000
max_requests_jitter = 200
# The app believes forwarded headers itself (RCM_PROXY_HOPS, werkzeug's ProxyFix).
forwarded_allow_ips = os.environ.get("RCM_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "rcm-exchange"
errorlog = "-"
# With RCM_LOG_FORMAT=json the app writes one access line per request, with its id.
accesslog = None if os.environ.get("RCM_LOG_FORMAT") == "json" else "-"

# Prometheus figures of all workers are added up from one folder (prometheus-client's
# multiprocess mode); it must exist before the app is imported, and start empty.
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"rcm-metrics-{os.getpid()}")
)


def on_starting(server):
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    # Several workers on memory:// count sign-in failures each on their own.
    from rcm_exchange.config import limiter_storage_warning

    warning = limiter_storage_warning(server.cfg.workers)
    if warning:
        server.log.warning(warning)
