"""A call for practices in a real browser, in Spanish and in English: the Secretariat opens
a call; a Guatemalan contributor answers it with a new document; the moderator approves
it from the queue filtered by the call and records the meeting it was presented at; an
anonymous visitor finds it on the call's page and on the meeting's page. axe-core finds
no issue on the call's and the meeting's page.

Screenshots of each step go to test-artifacts/e2e/call-<language>/.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from rcm_exchange.services.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import AXE_SCRIPT, in_language, sign_in
from tests.e2e.test_journey import _fill_rich_text

MODERATOR = "moderator@ts.demo.rcm"
GUATEMALA = "contributor@gt.demo.rcm"
MEETING_ID = 2  # the demo's RCGM meeting

TEXTS = {
    "es": {
        "theme": "Prácticas de registro civil de personas migrantes",
        "title": "Registro tardío de nacimientos de niñez guatemalteca retornada",
        "summary": (
            "Brigadas del registro civil inscriben a niñas y niños retornados sin partida de nacimiento."
        ),
    },
    "en": {
        "theme": "Practices of civil registration of migrants",
        "title": "Late birth registration for returned Guatemalan children",
        "summary": "Civil registry teams register returned children who have no birth certificate.",
    },
}


def _axe(page) -> list:
    page.add_script_tag(path=str(AXE_SCRIPT))
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    ]


@pytest.fixture
def account_languages_restored(live_site):
    """The journey switches accounts to the language under test; the browser tests share
    one site, so every account gets its own language back afterwards."""
    from sqlalchemy import select

    from rcm_exchange.extensions import db
    from rcm_exchange.models import User

    with live_site.app.app_context():
        saved = dict(db.session.execute(select(User.id, User.preferred_language)).all())
        db.session.remove()
    yield
    with live_site.app.app_context():
        for user in db.session.scalars(select(User).where(User.id.in_(saved))):
            user.preferred_language = saved[user.id]
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_call_is_opened_answered_approved_and_found(
    language, live_site, new_page, artifacts, account_languages_restored
):
    site, text = live_site, TEXTS[language]
    folder = artifacts / f"call-{language}"
    folder.mkdir(exist_ok=True)
    shots = iter(range(1, 100))

    def shoot(page, name):
        page.screenshot(path=str(folder / f"{next(shots):02d}-{name}.png"), full_page=True)

    # 1. The Secretariat opens the call.
    secretariat = new_page(language)
    sign_in(secretariat, site, MODERATOR, DEMO_PASSWORD)
    in_language(secretariat, language)
    secretariat.goto(site.url_for("curation.new_call"))
    assert _axe(secretariat) == []
    secretariat.locator("#field-theme_en").fill(TEXTS["en"]["theme"])
    secretariat.locator("#field-theme_es").fill(TEXTS["es"]["theme"])
    secretariat.locator("#field-criteria_en").fill("Programmes that register migrants and returnees.")
    secretariat.locator("#field-criteria_es").fill(
        "Programas que registran a personas migrantes y retornadas."
    )
    secretariat.locator("#field-opens_on").fill(date.today().isoformat())
    secretariat.locator("#field-closes_on").fill((date.today() + timedelta(days=30)).isoformat())
    secretariat.locator("#field-ppt_year").fill(str(date.today().year))
    secretariat.locator("#tag-return-and-reintegration").check()
    shoot(secretariat, "call-form")
    secretariat.locator("main form button[type=submit]").click()
    secretariat.wait_for_load_state()
    call_id = int(re.search(r"/calls/(\d+)$", secretariat.url).group(1))
    assert secretariat.locator("h1").inner_text().strip() == text["theme"]
    shoot(secretariat, "call-opened")

    # 2. A Guatemalan contributor answers it from the call's page with a new document.
    contributor = new_page(language)
    sign_in(contributor, site, GUATEMALA, DEMO_PASSWORD)
    in_language(contributor, language)
    contributor.goto(site.url_for("calls.call", call_id=call_id))
    contributor.locator(f"main a[href*='/documents/new?call={call_id}']").click()
    contributor.wait_for_load_state()
    form = contributor.locator(f"main form[action$='{site.path_for('documents.new')}']")
    assert form.locator("#field-call").input_value() == str(call_id)
    form.locator("#field-title").fill(text["title"])
    form.locator("#field-summary").fill(text["summary"])
    _fill_rich_text(contributor, "body_html", text["summary"])
    form.locator("#field-doc_type").select_option("practice_report")
    form.locator("#field-language").select_option(language)
    form.locator("#field-visibility").select_option("public")
    shoot(contributor, "answer-form")
    form.locator("button[type=submit]").last.click()
    contributor.wait_for_load_state()
    document_id = int(re.search(r"/documents/(\d+)", contributor.url).group(1))
    contributor.goto(site.url_for("documents.detail", document_id=document_id))
    contributor.locator("form[action$='/submit'] button[type=submit]").click()
    contributor.wait_for_load_state()
    shoot(contributor, "answer-submitted")

    # 3. The moderator finds it in the queue filtered by the call, approves it and records
    #    the meeting where it was presented.
    secretariat.goto(site.url_for("review.queue", call=call_id))
    shoot(secretariat, "queue-of-the-call")
    secretariat.get_by_role("link", name=text["title"]).first.click()
    secretariat.wait_for_load_state()
    claim = secretariat.locator("button[name=action][value=claim]")
    if claim.count():
        claim.click()
        secretariat.wait_for_load_state()
    secretariat.locator("button[name=action][value=approve]").click()
    secretariat.wait_for_load_state()
    secretariat.goto(site.url_for("documents.detail", document_id=document_id))
    secretariat.locator(".forum-record-form summary").click()
    secretariat.locator("#forum-standing").select_option("national_practice")
    secretariat.locator("#forum-presented_at").select_option(str(MEETING_ID))
    secretariat.locator(".forum-record-form button[type=submit]").click()
    secretariat.wait_for_load_state()
    shoot(secretariat, "approved-and-recorded")

    # 4. An anonymous visitor finds it on the call's page and on the meeting's page.
    visitor = new_page(language)
    visitor.goto(site.url_for("calls.call", call_id=call_id))
    assert visitor.locator("html").get_attribute("lang") == language
    assert visitor.get_by_role("link", name=text["title"]).count() == 1
    assert _axe(visitor) == []
    shoot(visitor, "found-on-the-call")
    visitor.goto(site.url_for("meetings.meeting", meeting_id=MEETING_ID))
    visitor.get_by_role("link", name=text["title"]).first.click()
    visitor.wait_for_load_state()
    assert visitor.locator("h1").inner_text().strip() == text["title"]
    visitor.goto(site.url_for("meetings.meeting", meeting_id=MEETING_ID))
    assert _axe(visitor) == []
    shoot(visitor, "found-on-the-meeting")
