"""Behind a reverse proxy: forwarded headers are believed only for RCM_PROXY_HOPS
proxies, and a Host other than RCM_BASE_URL's is refused, never copied into a link."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from rcm_exchange.config import trusted_hosts
from rcm_exchange.extensions import db
from tests.clients import BrowserClient
from tests.conftest import make_app


@pytest.fixture
def app_config():
    return {
        "RCM_BASE_URL": "https://rcm.example.org",
        "TRUSTED_HOSTS": trusted_hosts("https://rcm.example.org", None),
    }


def test_a_forged_host_is_refused(client):
    response = client.get("/", headers={"Host": "evil.example.com"})
    assert response.status_code == 400
    assert "evil.example.com" not in response.get_data(as_text=True)
    assert "evil.example.com" not in response.headers.get("Location", "")


def test_the_sites_own_host_is_served_and_its_redirects_stay_on_it(client):
    assert client.get("/", headers={"Host": "rcm.example.org"}).status_code == 200
    response = client.get("/documents/new", headers={"Host": "rcm.example.org"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_without_proxy_hops_forwarded_headers_are_ignored(client):
    response = client.get(
        "/documents/new",
        headers={
            "Host": "rcm.example.org",
            "X-Forwarded-Host": "evil.example.com",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-For": "203.0.113.7",
        },
    )
    assert response.status_code == 302
    assert "evil.example.com" not in response.headers["Location"]
    # The forwarded address is not believed: /metrics still sees the local caller.
    metrics = client.get("/metrics", headers={"Host": "rcm.example.org", "X-Forwarded-For": "203.0.113.7"})
    assert metrics.status_code == 200


@contextmanager
def client_of(database, tmp_path, **config):
    app = make_app(database, tmp_path, **config)
    app.test_client_class = BrowserClient
    with app.app_context():
        db.create_all()
        yield app.test_client()
        db.session.remove()
        db.engine.dispose()


def test_a_host_forged_through_the_proxy_is_refused_too(database, tmp_path):
    with client_of(
        database, tmp_path, RCM_PROXY_HOPS=1, TRUSTED_HOSTS=trusted_hosts("https://rcm.example.org", None)
    ) as client:
        response = client.get(
            "/", headers={"Host": "rcm.example.org", "X-Forwarded-Host": "evil.example.com"}
        )
        assert response.status_code == 400


def test_with_one_proxy_hop_the_client_address_is_the_forwarded_one(database, tmp_path):
    with client_of(database, tmp_path, RCM_PROXY_HOPS=1) as client:
        # The proxy says the caller is outside: metrics are refused to it.
        response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        assert response.status_code == 403
        assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_a_loopback_base_url_also_answers_to_localhost():
    assert set(trusted_hosts("http://127.0.0.1:5000", None)) == {"127.0.0.1", "localhost", "::1"}
    assert trusted_hosts("https://rcm.example.org", "www.rcm.example.org") == [
        "rcm.example.org",
        "www.rcm.example.org",
    ]
