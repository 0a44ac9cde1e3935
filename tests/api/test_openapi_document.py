"""The served OpenAPI document describes every API address, however it is first read."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

from rcm_exchange.api.spec import API_PREFIX

# The document itself, and the reference page that shows it to people.
NOT_OPERATIONS = {f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs"}


def _routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/") or rule.rule in NOT_OPERATIONS:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def _operations(document: dict) -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    ]


def test_every_api_address_and_method_is_in_the_openapi_document(app, api_client):
    document = api_client().get(f"{API_PREFIX}/openapi.json").get_json()
    assert set(_operations(document)) == _routes(app)
    assert {tag["name"] for tag in document["tags"]} == set(
        app.extensions["flask-smorest"]["blp_name_to_api"]
    )


def test_readers_asking_for_the_document_at_once_all_get_the_same_whole_document(app):
    def read() -> bytes:
        with app.test_client() as client:
            return client.get(f"{API_PREFIX}/openapi.json").data

    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = list(pool.map(lambda _i: read(), range(8)))
    assert len(set(documents)) == 1
    assert sorted(_operations(json.loads(documents[0]))) == sorted(_routes(app))
