"""The whole journey in a real browser: a contributor signs in and submits a practice in
Spanish with an attachment, a moderator approves it from the queue, and an anonymous
visitor finds it by searching without accents and opens it.

Screenshots of each step go to test-artifacts/e2e/journey/ and their list is printed.
A step whose page is not on this branch yet ends the test as skipped, naming the steps
that remain.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rcm_exchange.services.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import sign_in

CONTRIBUTOR = "contributor@mx.demo.rcm"  # Lucía Hernández, Mexico; her account speaks Spanish
MODERATOR = "moderator@ts.demo.rcm"
TITLE = "Atención psicosocial a niñas y niños migrantes en Tapachula"
SUMMARY = "Un equipo de psicólogas acompaña a la niñez migrante en los albergues de Tapachula, Chiapas."
BODY = (
    "El programa ofrece atención psicosocial, espacios amigables para la niñez y referencia a "
    "servicios de protección. Participan la Procuraduría de Protección y organizaciones de la "
    "sociedad civil."
)
QUERY = "atencion psicosocial ninas migrantes tapachula"  # no accents on purpose

STEPS = [
    ("main.home", "the contributor signs in"),
    ("documents.new", "the contributor fills the form in Spanish with an attachment and submits it"),
    ("review.queue", "a moderator approves it from the review queue"),
    ("search.search", "an anonymous visitor searches without accents"),
    ("documents.detail", "the visitor opens the document"),
]

# The smallest well-formed PDF: one empty page.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _fill_rich_text(page, name: str, text: str) -> None:
    """Type into the rich-text editor when its script has enhanced the field, else the textarea."""
    editor = page.locator(f"trix-editor[input], #field-{name} ~ trix-editor").first
    if editor.count() and editor.is_visible():
        editor.click()
        editor.type(text)
    else:
        page.locator(f"#field-{name}").fill(text)


class Journey:
    def __init__(self, site, folder: Path):
        self.site = site
        self.folder = folder
        self.screenshots: list[Path] = []

    def require(self, endpoint: str) -> None:
        if self.site.has_page(endpoint):
            return
        index = [e for e, _ in STEPS].index(endpoint)
        remaining = "; ".join(f"{e}: {what}" for e, what in STEPS[index:])
        pytest.skip(f"the journey stops where main stops — not on this branch yet: {remaining}")

    def shoot(self, page, name: str) -> None:
        path = self.folder / f"{len(self.screenshots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.screenshots.append(path)


@pytest.fixture
def journey(live_site, artifacts):
    folder = artifacts / "journey"
    folder.mkdir(exist_ok=True)
    trip = Journey(live_site, folder)
    yield trip
    print(
        "\nJourney screenshots:\n"
        + "\n".join(f"  {p.relative_to(artifacts.parent.parent)}" for p in trip.screenshots)
    )


def test_a_practice_goes_from_a_spanish_form_to_an_anonymous_reader(journey, live_site, new_page, tmp_path):
    site = live_site

    # 1. The contributor signs in; her account's language makes the site Spanish.
    contributor = new_page("es")
    sign_in(contributor, site, CONTRIBUTOR, DEMO_PASSWORD)
    assert contributor.locator("html").get_attribute("lang") == "es"
    assert "Lucía Hernández" in contributor.locator(".account-links").inner_text()
    journey.shoot(contributor, "contributor-signed-in")

    # 2. She fills the form in Spanish, saves the draft, attaches a PDF and submits it.
    journey.require("documents.new")
    attachment = tmp_path / "informe-tapachula.pdf"
    attachment.write_bytes(PDF)
    contributor.goto(site.url_for("documents.new"))
    form = contributor.locator(f"main form[action$='{site.path_for('documents.new')}']")
    form.locator("#field-title").fill(TITLE)
    form.locator("#field-summary").fill(SUMMARY)
    _fill_rich_text(contributor, "body_html", BODY)
    form.locator("#field-doc_type").select_option("practice_report")
    form.locator("#field-language").select_option("es")
    form.locator("#field-visibility").select_option("public")
    journey.shoot(contributor, "form-filled-in-spanish")
    form.locator("button[type=submit]").last.click()
    contributor.wait_for_load_state()
    document_id = int(re.search(r"/documents/(\d+)", contributor.url).group(1))
    contributor.goto(site.url_for("documents.edit", document_id=document_id))
    upload = contributor.locator("form[enctype='multipart/form-data']")
    upload.locator("input[type=file]").set_input_files(str(attachment))
    # The form's script sends the chosen file at once and lists it, without leaving the page.
    contributor.locator("#attachment-list").get_by_text("informe-tapachula.pdf").wait_for()
    journey.shoot(contributor, "attachment-added")
    contributor.goto(site.url_for("documents.detail", document_id=document_id))
    contributor.locator("form[action$='/submit'] button[type=submit]").click()
    contributor.wait_for_load_state()
    assert TITLE in contributor.content()
    journey.shoot(contributor, "submitted-for-review")

    # 3. A moderator finds it in the queue, claims it and approves it.
    journey.require("review.queue")
    moderator = new_page("es")
    sign_in(moderator, site, MODERATOR, DEMO_PASSWORD)
    moderator.goto(site.url_for("review.queue"))
    journey.shoot(moderator, "review-queue")
    moderator.get_by_role("link", name=TITLE).first.click()
    moderator.wait_for_load_state()
    claim = moderator.locator("button[name=action][value=claim]")
    if claim.count():
        claim.click()
        moderator.wait_for_load_state()
    moderator.locator("button[name=action][value=approve]").click()
    moderator.wait_for_load_state()
    journey.shoot(moderator, "approved")

    # 4. An anonymous visitor searches without accents and opens the document.
    journey.require("search.search")
    visitor = new_page("en")
    visitor.goto(site.url("/"))
    search = visitor.get_by_role("searchbox").first
    search.fill(QUERY)
    search.press("Enter")
    visitor.wait_for_load_state()
    journey.shoot(visitor, "search-without-accents")
    journey.require("documents.detail")
    visitor.get_by_role("link", name=TITLE).first.click()
    visitor.wait_for_load_state()
    assert visitor.locator("h1").inner_text().strip() == TITLE
    assert (
        visitor.locator("h1").get_attribute("lang") == "es"
        or visitor.locator("[lang=es] h1, h1[lang=es]").count()
    )
    assert "informe-tapachula.pdf" in visitor.content()
    journey.shoot(visitor, "document-opened-by-anonymous-visitor")
