"""Nothing typed is lost and the review is a conversation, as people notice it in Chromium:
text survives attaching a file, an ended session and a conflict; the organization and
the Secretariat write to each other in their languages; countries are chosen with the
keyboard alone (and without scripts); on a phone the first search result is in view.

Screenshots go to test-artifacts/e2e/nothing-lost/.
"""

from __future__ import annotations

import re

import pytest

from rcm_exchange.services.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, in_language, sign_in
from tests.e2e.test_journey import PDF

CONTRIBUTOR = "contributor@mx.demo.rcm"  # her account speaks Spanish
MODERATOR = "moderator@ts.demo.rcm"


@pytest.fixture
def shots(artifacts):
    folder = artifacts / "nothing-lost"
    folder.mkdir(exist_ok=True)
    return lambda page, name: page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _new_draft(page, site, title: str) -> int:
    page.goto(site.url_for("documents.new"))
    page.locator("#field-title").fill(title)
    page.locator("#field-summary").fill("Resumen de la práctica.")
    editor = page.locator("trix-editor").first
    editor.click()
    editor.type("Texto de la práctica.")
    page.locator("#field-doc_type").select_option("guidance")
    page.locator("#field-language").select_option("es")
    page.locator("#document-form button[type=submit]").first.click()
    page.wait_for_load_state()
    return int(re.search(r"/documents/(\d+)/edit", page.url).group(1))


def test_typed_text_survives_attaching_a_file_and_saves_after_it(live_site, new_page, tmp_path, shots):
    page = new_page("es")
    sign_in(page, live_site, CONTRIBUTOR, DEMO_PASSWORD)
    in_language(page, "es")  # an earlier test on this site may have changed her language
    document_id = _new_draft(page, live_site, "Borrador con adjunto")
    page.locator("#field-title").fill("Título escrito antes de adjuntar")
    pdf = tmp_path / "anexo.pdf"
    pdf.write_bytes(PDF)
    too_big = tmp_path / "notas.txt"
    too_big.write_text("no es un PDF")
    page.locator("#field-file").set_input_files([str(pdf), str(too_big)])
    page.locator("#attachment-list").get_by_text("anexo.pdf").wait_for()
    assert "notas.txt no es un archivo PDF" in page.locator("#upload-progress").inner_text()
    assert page.locator("#field-title").input_value() == "Título escrito antes de adjuntar"
    shots(page, "attached-without-losing-text")
    page.locator("#document-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/documents/{document_id}/edit")
    assert page.locator("#field-title").input_value() == "Título escrito antes de adjuntar"
    assert "anexo.pdf" in page.locator("#attachment-list").inner_text()


def test_an_ended_session_signs_in_again_and_gives_the_typed_text_back(live_site, new_page, shots):
    page = new_page("es")
    sign_in(page, live_site, CONTRIBUTOR, DEMO_PASSWORD)
    in_language(page, "es")  # an earlier test on this site may have changed her language
    document_id = _new_draft(page, live_site, "Borrador de la sesión")
    page.locator("#field-title").fill("Texto escrito mientras la sesión terminaba")
    # The autosave's pause after typing, then its answer: the server kept the text.
    page.wait_for_function("""() => {
        const shown = document.getElementById("autosave-status").textContent;
        const saved = document.getElementById("document-form").getAttribute("data-message-saved");
        const [before, after] = saved.split("{time}");
        return shown.length > before.length + after.length
            && shown.startsWith(before) && shown.endsWith(after);
    }""")
    page.context.clear_cookies()  # the session ends (expired, or signed out in another tab)
    page.locator("#document-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/auth/sign-in" in page.url
    assert "Su sesión terminó" in page.content()
    shots(page, "session-ended-sign-in-es")
    page.locator("#field-email").fill(CONTRIBUTOR)
    page.locator("#field-password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/documents/{document_id}/edit")
    page.wait_for_function("document.getElementById('field-title').value.startsWith('Texto escrito')")
    assert "Se ha recuperado el texto" in page.locator("#autosave-status").inner_text()
    shots(page, "text-back-after-sign-in")


def test_a_conflict_keeps_the_moderators_comment_and_says_what_changed(live_site, new_page, shots):
    author = new_page("es")
    sign_in(author, live_site, CONTRIBUTOR, DEMO_PASSWORD)
    in_language(author, "es")  # an earlier test on this site may have changed her language
    document_id = _new_draft(author, live_site, "Borrador que se retira")
    author.goto(live_site.url_for("documents.detail", document_id=document_id))
    author.locator("form[action$='/submit'] button").click()
    author.wait_for_load_state()

    moderator = new_page("en")
    sign_in(moderator, live_site, MODERATOR, DEMO_PASSWORD)
    in_language(moderator, "es")  # the moderator's own language (the demo's is Spanish)
    moderator.goto(live_site.url_for("review.item", document_id=document_id))
    moderator.locator("button[name=action][value=claim]").click()
    moderator.wait_for_load_state()
    moderator.locator("#field-comment").fill("Please add the period of implementation.")

    author.goto(live_site.url_for("documents.detail", document_id=document_id))
    author.locator("form[action$='/withdraw'] button").click()
    author.wait_for_load_state()

    moderator.locator("button[name=action][value=request_changes]").click()
    moderator.wait_for_load_state()
    assert moderator.locator("#field-comment").input_value() == "Please add the period of implementation."
    conflict = moderator.locator("#conflict").inner_text()
    # The moderator's account speaks Spanish.
    assert "Retirado por Lucía Hernández" in conflict and "Ahora está: Borrador" in conflict
    assert "Borrador que se retira" in moderator.title()
    shots(moderator, "conflict-keeps-comment")


@pytest.mark.parametrize("moderator_language", ["en", "es"])
def test_the_organization_and_the_secretariat_talk_on_the_document(
    live_site, new_page, shots, moderator_language
):
    author = new_page("es")
    sign_in(author, live_site, CONTRIBUTOR, DEMO_PASSWORD)
    in_language(author, "es")  # an earlier test on this site may have changed her language
    document_id = _new_draft(author, live_site, f"Conversación {moderator_language}")
    author.goto(live_site.url_for("documents.detail", document_id=document_id))
    author.locator("form[action$='/submit'] button").click()
    author.wait_for_load_state()

    moderator = new_page(moderator_language)
    sign_in(moderator, live_site, MODERATOR, DEMO_PASSWORD)
    moderator.goto(live_site.url("/"))
    switch = moderator.locator(f".language-switch button[value={moderator_language}]")
    if switch.count():
        switch.click()
        moderator.wait_for_load_state()
    moderator.goto(live_site.url_for("review.item", document_id=document_id))
    moderator.locator("#comment-new").fill("¿Pueden indicar las fechas? / Can you give the dates?")
    moderator.locator("#conversation form.comment-form button").last.click()
    moderator.wait_for_load_state()

    author.goto(live_site.url_for("documents.edit", document_id=document_id))
    conversation = author.locator("#conversation")
    assert "Conversación con la Secretaría Técnica" in conversation.inner_text()
    assert "¿Pueden indicar las fechas?" in conversation.inner_text()
    conversation.locator("details.reply summary").first.click()
    conversation.locator("details.reply textarea").first.fill("Sí: de 2022 a 2024.")
    conversation.locator("details.reply button").first.click()
    author.wait_for_load_state()
    author.goto(live_site.url("/notifications"))

    moderator.goto(live_site.url_for("review.item", document_id=document_id))
    assert "Sí: de 2022 a 2024." in moderator.locator("#conversation .replies").inner_text()
    moderator.goto(live_site.url("/notifications"))
    expected = {"en": "New message in the conversation", "es": "Nuevo mensaje en la conversación"}
    assert expected[moderator_language] in moderator.content()
    shots(moderator, f"conversation-notification-{moderator_language}")


def test_countries_are_chosen_with_the_keyboard_alone_and_without_scripts(live_site, new_page, shots):
    page = new_page("es")
    sign_in(page, live_site, CONTRIBUTOR, DEMO_PASSWORD)
    in_language(page, "es")  # an earlier test on this site may have changed her language
    page.goto(live_site.url_for("documents.new"))
    combobox = page.get_by_role("combobox", name="Países abarcados")
    combobox.focus()
    combobox.type("guate")
    assert page.locator("[role=listbox] [role=option]").first.inner_text() == "Guatemala"
    combobox.press("Enter")
    combobox.type("united states")  # the English name finds it in the Spanish interface
    combobox.press("ArrowDown")  # past the first match (the United States, a member)...
    combobox.press("ArrowUp")  # ...and back to it
    combobox.press("Enter")
    combobox.press("Escape")
    chips = page.locator("ul.chips.chosen").inner_text()
    assert "Guatemala" in chips and "Estados Unidos" in chips
    assert sorted(
        page.locator("#field-countries").evaluate("s => Array.from(s.selectedOptions).map(o => o.value)")
    ) == ["GT", "US"]
    shots(page, "countries-combobox-keyboard")
    page.get_by_role("button", name="Quitar Guatemala").press("Enter")
    assert "Guatemala" not in page.locator("ul.chips.chosen").inner_text()

    plain = new_page("es", javascript=False)
    sign_in(plain, live_site, CONTRIBUTOR, DEMO_PASSWORD)
    in_language(plain, "es")  # an earlier test on this site may have changed her language
    plain.goto(live_site.url_for("documents.new"))
    countries = plain.locator("select#field-countries[multiple]")
    assert countries.is_visible()
    countries.select_option(["MX", "GT"])
    shots(plain, "countries-without-scripts")


def test_on_a_phone_the_first_search_result_is_in_view_and_filters_wait_behind_a_button(
    live_site, new_page, shots
):
    page = new_page("es", viewport=PHONE)
    page.goto(live_site.url("/search?q=migrantes"))
    shots(page, "phone-search")
    box = page.locator("#search-q").bounding_box()
    assert box["width"] > 200
    first = page.locator(".results .document-list > li, .results li").first.bounding_box()
    assert first["y"] + 40 < PHONE["height"], f"the first result starts at {first['y']}px"
    assert not page.locator("#search-filters").is_visible()
    page.get_by_role("button", name="Filtros").click()
    assert page.locator("#search-filters").is_visible()
    shots(page, "phone-search-filters-open")
