"""Addresses for the operator's probes and scrapers: ``/healthz`` (the process
answers), ``/readyz`` (database, this host's index, a live worker; 503 with the
reason) and ``/metrics`` (Prometheus, to configured addresses or a bearer token)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from rcm_exchange.errors import Forbidden
from rcm_exchange.queue import queue_depth
from rcm_exchange.services import access, background

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    state = background.readiness()
    return jsonify(status="ready" if state.ready else "not ready", checks=state.checks), (
        200 if state.ready else 503
    )


@bp.get("/metrics")
def metrics():
    config = current_app.config
    if not access.may_read_metrics(
        request.remote_addr,
        request.headers.get("Authorization", ""),
        allowed=config["RCM_METRICS_ALLOW"],
        token=config["RCM_METRICS_TOKEN"],
    ):
        raise Forbidden()
    body = current_app.extensions["rcm_metrics"].render(background.work_figures(), queue_depth())
    return (
        body,
        200,
        {"Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"},
    )
