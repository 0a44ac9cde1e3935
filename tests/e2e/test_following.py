"""In Chromium: follow a topic from its listing, manage it, and unsubscribe from the
digest mail's link without signing in; axe-core finds no violation at all on the pages
this adds, in English and Spanish."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from rcm_exchange.services.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import AXE_SCRIPT, in_language, sign_in
from tests.e2e.test_accessibility import _first_public_document_id
from tests.local_servers import Inbox, free_test_port

READER = "contributor@gt.demo.rcm"
TOPIC = "return-and-reintegration"


@pytest.fixture
def mail_to_sink(live_site):
    """The live site mails to a real SMTP sink while the test runs."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_test_port())
    controller.start()
    config = live_site.app.config
    saved = config["RCM_MAIL_URL"], config["RCM_BASE_URL"]
    config["RCM_MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
    config["RCM_BASE_URL"] = live_site.base_url
    try:
        yield handler
    finally:
        config["RCM_MAIL_URL"], config["RCM_BASE_URL"] = saved
        controller.stop()


def no_axe_violations(page, name: str, artifacts) -> None:
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    page.screenshot(path=str(artifacts / f"following-{name}.png"), full_page=True)
    found = [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    assert found == [], json.dumps(found, indent=2)


def publish_in_topic_and_send_digests(live_site) -> None:
    """A moderator's approval in the followed topic, then the worker's digest run a day on."""
    from sqlalchemy import select

    from rcm_exchange.extensions import db
    from rcm_exchange.models import DocType, Document, DocumentStatus, Language, Tag, User, Visibility, utcnow
    from rcm_exchange.services import following, search_log
    from rcm_exchange.services.unit_of_work import unit_of_work

    with live_site.app.app_context():
        author = db.session.scalar(select(User).where(User.email == "contributor@mx.demo.rcm"))
        tag = db.session.scalar(select(Tag).where(Tag.slug == TOPIC))
        with unit_of_work():
            document = Document(
                title="Retorno digno: guía para consulados",
                summary="Cómo acompañar el retorno.",
                body_html="<p>Guía.</p>",
                doc_type=DocType.GUIDANCE,
                language=Language.ES,
                visibility=Visibility.PUBLIC,
                status=DocumentStatus.PUBLISHED,
                organization_id=author.organization_id,
                author_id=author.id,
                tags=[tag],
                published_at=utcnow(),
            )
            db.session.add(document)
            db.session.flush()
            search_log.record_change(document)
        assert following.send_due_digests(utcnow() + timedelta(days=1) + following.SETTLE_TIME * 2) >= 1
        db.session.remove()


def test_follow_a_topic_from_its_listing_manage_it_and_unsubscribe_from_the_mail(
    live_site, new_page, artifacts, mail_to_sink
):
    page = new_page("es")
    sign_in(page, live_site, READER, DEMO_PASSWORD)
    in_language(page, "es")
    page.goto(live_site.url(f"/browse/topics/{TOPIC}"))
    no_axe_violations(page, "topic-es", artifacts)
    page.get_by_role("button", name="Seguir").click()
    page.wait_for_load_state()
    assert "Ahora sigue Tema: Retorno y reintegración" in page.locator(".flash").inner_text()
    assert page.locator(".following-state").is_visible()

    page.get_by_role("link", name="Gestionar lo que sigue").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Seguimientos"
    no_axe_violations(page, "manage-es", artifacts)
    page.get_by_label("Frecuencia: Tema: Retorno y reintegración").select_option("weekly")
    page.locator("form.frequency-form button").click()
    page.wait_for_load_state()
    assert page.get_by_label("Frecuencia: Tema: Retorno y reintegración").input_value() == "weekly"
    page.get_by_label("Frecuencia: Tema: Retorno y reintegración").select_option("daily")
    page.locator("form.frequency-form button").click()
    page.wait_for_load_state()

    publish_in_topic_and_send_digests(live_site)
    [message] = [m for m in mail_to_sink.messages if "Retorno digno" in m.get_content()]
    assert message["Subject"].startswith("RCM Exchange: 1 documento nuevo")
    body = message.get_content()
    section = body.split("Tema: Retorno y reintegración")[1]
    link = re.search(r"Dejar de seguir esto: (\S+)", section).group(1)

    anonymous = new_page("es")  # the mail is opened where nobody is signed in
    anonymous.goto(link)
    assert "Tema: Retorno y reintegración" in anonymous.locator("main").inner_text()
    no_axe_violations(anonymous, "unsubscribe-es", artifacts)
    anonymous.get_by_role("button", name="Cancelar la suscripción").click()
    anonymous.wait_for_load_state()
    assert "Listo. Ya no recibirá:" in anonymous.locator("main").inner_text()
    no_axe_violations(anonymous, "unsubscribed-es", artifacts)

    page.goto(live_site.url("/following"))
    assert "Todavía no sigue nada." in page.locator("main").inner_text()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_new_pages_have_no_accessibility_violations(live_site, new_page, artifacts, language):
    from rcm_exchange.extensions import db
    from rcm_exchange.models import SubscriptionKind, User
    from rcm_exchange.services import following

    with live_site.app.app_context():
        reader = db.session.query(User).filter_by(email="observer@co.demo.rcm").one()
        subscription, _ = following.follow(
            reader, {"kind": SubscriptionKind.SEARCH, "q": "trata", "country": ["GT"], "frequency": "weekly"}
        )
        token = following.unsubscribe_token(reader.id, [subscription.id])
        db.session.remove()
    page = new_page(language)
    page.goto(live_site.url(f"/following/unsubscribe/{token}"))
    no_axe_violations(page, f"unsubscribe-{language}", artifacts)
    sign_in(page, live_site, "observer@co.demo.rcm", DEMO_PASSWORD)
    page.goto(live_site.url("/"))
    in_language(page, language)
    document_id = _first_public_document_id(live_site)
    for name, path in (
        ("manage", "/following"),
        ("search", "/search?q=trata"),
        ("country", "/browse/countries/GT"),
        ("cite", f"/documents/{document_id}"),
    ):
        page.goto(live_site.url(path))
        assert page.locator("html").get_attribute("lang") == language
        no_axe_violations(page, f"{name}-{language}", artifacts)
