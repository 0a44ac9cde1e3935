"""What an operator runs the site with: the reverse proxy's headers, request ids, JSON
logs and Prometheus metrics.

- ``RCM_PROXY_HOPS`` proxies in front of the app are believed (werkzeug's ``ProxyFix``)
  for the client address, scheme, host and port; with 0 (the default) no forwarded
  header is believed. Flask's ``TRUSTED_HOSTS`` (from ``RCM_BASE_URL``) refuses any
  other Host, forwarded or not, with 400, so a forged host never reaches a link.
- Every request has an id: the proxy's ``X-Request-ID`` when it is a plain token,
  otherwise a new one; it is answered back and written into every log line.
- ``RCM_LOG_FORMAT=json`` writes one JSON object a line (python-json-logger), with an
  access line per request.
- Metrics use prometheus-client; under gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` set
  (``deploy/gunicorn.conf.py`` does) the workers' figures are added up.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

from flask import Flask, g, has_request_context, request
from flask_babel import gettext as _
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("rcm_exchange.access")


def init_app(app: Flask) -> None:
    hops = app.config["RCM_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    configure_logging(app.config["RCM_LOG_FORMAT"])
    metrics = RequestMetrics()
    app.extensions["rcm_metrics"] = metrics
    json_logs = app.config["RCM_LOG_FORMAT"] == "json"

    @app.errorhandler(SecurityError)
    def _untrusted_host(error):
        # Plain text: no page can be built, since no link may use the host it was asked for.
        return (
            _("This site does not answer to that host name."),
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.before_request
    def _start():
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        if "request_started" not in g:
            return response
        elapsed = time.perf_counter() - g.request_started
        endpoint = request.endpoint or "unmatched"
        metrics.observe(endpoint, request.method, response.status_code, elapsed)
        response.headers[REQUEST_ID_HEADER] = g.request_id
        if json_logs:
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "endpoint": endpoint,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "remote_addr": request.remote_addr,
                },
            )
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "") if has_request_context() else ""
        return True


def configure_logging(log_format: str) -> None:
    root = logging.getLogger()
    if log_format != "json":
        logging.basicConfig(level=logging.INFO)
        return
    from pythonjsonlogger.json import JsonFormatter

    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    # The plain handlers of logging.basicConfig give way; others (a test runner's) stay.
    root.handlers[:] = [h for h in root.handlers if type(h) is not logging.StreamHandler] + [handler]
    root.setLevel(logging.INFO)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class RequestMetrics:
    """Request latency by endpoint, method and status."""

    def __init__(self):
        # One registry per app (tests make many apps); under gunicorn the values go to
        # the shared multiprocess folder instead and are read from there.
        self.registry = None if _multiprocess() else CollectorRegistry()
        self.latency = Histogram(
            "rcm_request_duration_seconds",
            "Time to answer a request, by endpoint.",
            ["endpoint", "method", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.latency.labels(endpoint, method, str(status)).observe(seconds)

    def render(self, figures, queue_depth: int) -> bytes:
        """The exposition text: request latency, then the work figures read now."""
        if self.registry is None:
            from prometheus_client import multiprocess

            requests = CollectorRegistry()
            multiprocess.MultiProcessCollector(requests)
        else:
            requests = self.registry
        work = CollectorRegistry()
        work.register(_WorkCollector(figures, queue_depth))
        return generate_latest(requests) + generate_latest(work)


class _WorkCollector:
    def __init__(self, figures, queue_depth: int):
        self.figures = figures
        self.queue_depth = queue_depth

    def collect(self):
        f = self.figures
        for name, help_text, value in (
            ("rcm_queue_depth", "Tasks waiting in the task queue.", self.queue_depth),
            ("rcm_mail_waiting", "Outgoing messages not yet sent.", f.mail_waiting),
            ("rcm_mail_parked", "Outgoing messages parked after an error.", f.mail_parked),
            ("rcm_extraction_pending", "Attachments whose text is being extracted.", f.extraction_pending),
            ("rcm_search_log_lag", "Search-log entries this host's index has not applied.", f.search_log_lag),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)
