"""Every failure answers in the contract's shape, with the right status."""

from __future__ import annotations


def test_unknown_path_is_a_json_404(app, api_client):
    response = api_client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "message": response.get_json()["message"]}


def test_wrong_method_is_405_with_allow(app, api_client):
    response = api_client().put("/api/v1/tags", json={})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["code"] == 405


def test_a_body_that_is_not_json_is_415(app, api_client):
    response = api_client().post(
        "/api/v1/auth/tokens", data="email=a&password=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.get_json()["code"] == 415


def test_validation_failures_are_422_with_messages_by_field(app, api_client):
    response = api_client().post("/api/v1/auth/tokens", json={"email": "a@example.org", "colour": "blue"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422
    assert body["errors"] == {"password": ["This field is required."], "colour": ["Unknown field."]}


def test_field_messages_follow_the_callers_language(app, api_client):
    response = api_client().post(
        "/api/v1/auth/tokens", json={"email": "a@example.org"}, headers={"Accept-Language": "es"}
    )
    assert response.get_json()["errors"]["password"] == ["Este campo es obligatorio."]


def test_malformed_json_is_400_in_the_same_shape(app, api_client):
    response = api_client().post("/api/v1/auth/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.get_json()) == {"code", "message"}


def test_a_nul_character_is_refused_not_stored(app, api_client):
    response = api_client().get("/api/v1/tags", query_string={"x": "a\x00b"})
    assert response.status_code == 422
    response = api_client().post("/api/v1/auth/tokens", json={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 422
    assert "email" in response.get_json()["errors"]


def test_messages_that_name_a_limit_follow_the_callers_language_and_every_field_has_a_list(app, api_client):
    from tests.builders import make_user

    api = api_client(make_user(org="MX"))
    body = {
        "title": "x" * 400,
        "summary": "S",
        "body_html": "<p>B</p>",
        "doc_type": "no-such-type",
        "language": "en",
        "tags": ["", "gender"],
        "countries": ["MEX"],
    }
    spanish = api.post("/api/v1/documents", json=body, headers={"Accept-Language": "es"}).get_json()["errors"]
    assert spanish["title"] == ["La longitud debe estar entre 1 y 300."]
    # An item of a list reports under its field, as every field does: a list of messages.
    assert spanish["tags"] == ["La longitud debe estar entre 1 y 80."]
    assert spanish["countries"] == ["La longitud debe ser 2."]
    assert all(isinstance(messages, list) for messages in spanish.values()), spanish
    english = api.post("/api/v1/documents", json=body).get_json()["errors"]
    assert english["title"] == ["Length must be between 1 and 300."]
    assert english["tags"] == ["Length must be between 1 and 80."]
    query = api.get("/api/v1/documents", query_string={"per_page": "500"}, headers={"Accept-Language": "es"})
    assert query.get_json()["errors"]["per_page"] == ["Debe ser mayor o igual que 1 y menor o igual que 100."]


def test_a_bad_item_of_a_list_in_a_form_is_explained_not_numbered(app, login_as):
    from rcm_exchange.models import DocumentStatus, Role
    from tests.builders import make_document, make_user

    make_document(status=DocumentStatus.SUBMITTED)  # the queue shows its bulk form
    moderator = login_as(make_user(role=Role.MODERATOR))
    response = moderator.post_form("/review/bulk", {"action": "claim", "items": ["a:b"]})
    assert response.status_code == 422
    summary = response.get_data(as_text=True).split('id="error-summary"')[1].split("</div>")[0]
    assert "Not a valid document reference." in summary
