"""The probe of odd query values reaches every name a page reads, however it reads it."""

from __future__ import annotations

from flask import Flask, request

from tests.query_reads import probe_query


def _app() -> Flask:
    app = Flask(__name__)

    @app.get("/plain")
    def plain():
        return request.args.get("page", "")

    @app.get("/conditional")
    def conditional():
        # ``since`` is read only once ``year`` is given
        return request.args.get("since", "") if "year" in request.args else ""

    @app.get("/whole")
    def whole():
        return ",".join(request.args.to_dict())

    return app


NAMES = {"page": ["x"], "year": ["1"], "since": ["y"], "sort": ["z", ["a", "b"]]}


def _probed(path: str) -> list[tuple[str, object]]:
    client = _app().test_client()
    return [(probe.name, probe.value) for probe in probe_query(client, path, NAMES)]


def test_a_page_is_probed_on_the_names_it_reads_and_on_one_it_does_not():
    assert _probed("/plain") == [("page", "x"), ("year", "1")]


def test_a_name_read_only_once_another_is_given_is_probed_too():
    assert _probed("/conditional") == [("year", "1"), ("page", "x"), ("since", "y")]


def test_a_page_reading_the_query_whole_is_probed_on_every_name_and_repeated_name():
    assert _probed("/whole") == [
        ("page", "x"),
        ("year", "1"),
        ("since", "y"),
        ("sort", "z"),
        ("sort", ["a", "b"]),
    ]
