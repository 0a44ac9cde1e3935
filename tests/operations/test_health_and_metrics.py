"""Probes and scrapers: /healthz, /readyz (503 with the reason when no worker reports),
/metrics for configured addresses or a bearer token, and JSON logs with request ids."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import update

from rcm_exchange.extensions import db
from rcm_exchange.models import OutgoingMail, WorkerHeartbeat, utcnow
from rcm_exchange.services import background, mail
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.operations.conftest import queued_config

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def app_config(tmp_path):
    return queued_config(tmp_path, RCM_METRICS_TOKEN="scrape-secret", RCM_MAIL_URL="smtp://127.0.0.1:1")


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_is_503_with_the_reason_until_a_worker_reports_then_200(app, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["worker"] == "no worker has reported"
    assert response.json["checks"]["database"] == "ok"

    background.heartbeat("host-a:1")
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json["status"] == "ready"

    db.session.execute(update(WorkerHeartbeat).values(seen_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "no worker has reported for" in response.json["checks"]["worker"]

    background.heartbeat("host-a:1")
    background.forget_worker("host-a:1")  # a worker that stops cleanly
    assert client.get("/readyz").status_code == 503


def test_metrics_show_latency_by_endpoint_and_the_work_waiting(app, client):
    with unit_of_work():
        parked = mail.queue_mail("a@example.org", "Broken", "x")
        mail.queue_mail("b@example.org", "Waiting", "x")
    db.session.execute(update(OutgoingMail).where(OutgoingMail.id == parked.id).values(parked_at=utcnow()))
    db.session.commit()
    client.get("/")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'rcm_request_duration_seconds_count{endpoint="main.home",method="GET",status="200"} 1.0' in text
    assert "rcm_mail_parked 1.0" in text and "rcm_mail_waiting 1.0" in text
    assert "rcm_queue_depth 2.0" in text  # the two delivery tasks, no worker yet
    assert "rcm_extraction_pending 0.0" in text and "rcm_search_log_lag 0.0" in text


def test_metrics_are_refused_to_other_addresses_unless_they_bring_the_token(client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    assert (
        client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer wrong"}).status_code
        == 403
    )
    allowed = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer scrape-secret"})
    assert allowed.status_code == 200 and "rcm_mail_parked" in allowed.get_data(as_text=True)


@pytest.fixture
def json_app(database, tmp_path):
    """An app logging JSON; what its log handler writes is kept in ``app.log_output``."""
    from pythonjsonlogger.json import JsonFormatter

    from tests.conftest import make_app

    app = make_app(database, tmp_path, RCM_LOG_FORMAT="json")
    root = logging.getLogger()
    [handler] = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    app.log_output = io.StringIO()
    handler.setStream(app.log_output)
    yield app
    root.removeHandler(handler)


def log_lines(app) -> list[dict]:
    return [json.loads(line) for line in app.log_output.getvalue().splitlines()]


def test_json_logs_carry_the_request_id_the_proxy_gave(json_app):
    client = json_app.test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a"})
    assert response.headers["X-Request-ID"] == "edge-7f3a"
    [line] = [entry for entry in log_lines(json_app) if entry["message"] == "request"]
    assert line["request_id"] == "edge-7f3a" and line["status"] == 200 and line["path"] == "/healthz"
    assert line["level"] == "INFO" and "time" in line


def test_a_request_without_a_usable_id_gets_a_new_one(json_app):
    client = json_app.test_client()
    first = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    second = client.get("/healthz")
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2 and "bad id\twith spaces" not in ids
    logged = {entry["request_id"] for entry in log_lines(json_app)}
    assert ids <= logged
