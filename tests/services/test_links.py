"""Absolute links in mail and API bodies follow RCM_BASE_URL."""

from rcm_exchange.links import external_url


def test_links_use_the_configured_base_address_even_after_it_changes(app):
    with app.app_context():
        app.config["RCM_BASE_URL"] = "https://rcm.example/exchange"
        assert external_url("documents.detail", document_id=7) == "https://rcm.example/exchange/documents/7"
        app.config["RCM_BASE_URL"] = "http://other.example"
        assert external_url("documents.detail", document_id=7) == "http://other.example/documents/7"
