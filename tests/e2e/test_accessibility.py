"""axe-core finds no violation of any impact on any page, in either language, and
every page reflows at a phone's width and at 200% zoom without sideways scrolling."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest

from rcm_exchange.services.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, sign_in

MODERATOR = "moderator@ts.demo.rcm"
CONTRIBUTOR = "contributor@mx.demo.rcm"
ADMIN = "admin@ts.demo.rcm"
# Every impact counts: a page ships with no axe finding at all.
BLOCKING = {"serious", "critical", "moderate", "minor"}


@dataclass(frozen=True)
class SitePage:
    name: str
    endpoint: str
    path: str | None = None  # when the page needs values that url_for cannot guess
    values: tuple = ()
    account: str | None = None
    document: str = "public"  # which document a documents.* or review.* page opens
    status: int = 200


def _first_public_document_id(site) -> int:
    from sqlalchemy import select

    from rcm_exchange.extensions import db
    from rcm_exchange.models import Document
    from rcm_exchange.services import access

    with site.app.app_context():
        return db.session.scalar(
            select(Document.id)
            .where(access.visible_documents_clause(None))
            .order_by(Document.published_at.desc())
            .limit(1)
        )


def _document_id(site, which: str) -> int:
    """A demo document: ``public``, the Mexican contributor's ``own`` one that can be
    edited, one ``queued`` for review, or one a signed-out reader may not see."""
    from sqlalchemy import select

    from rcm_exchange.extensions import db
    from rcm_exchange.models import Document, DocumentStatus, Organization, Visibility

    if which == "public":
        return _first_public_document_id(site)
    with site.app.app_context():
        query = select(Document.id).order_by(Document.id)
        if which == "own":
            query = query.join(Organization).where(
                Organization.acronym == "MX",
                Document.status.in_([DocumentStatus.DRAFT, DocumentStatus.CHANGES_REQUESTED]),
            )
        elif which == "queued":
            query = query.where(Document.status.in_([DocumentStatus.SUBMITTED, DocumentStatus.IN_REVIEW]))
        else:
            query = query.where(
                Document.status == DocumentStatus.PUBLISHED, Document.visibility != Visibility.PUBLIC
            )
        return db.session.scalar(query.limit(1))


PAGES = [
    SitePage("home", "main.home"),
    SitePage("sign-in", "auth.login"),
    SitePage("browse-topics", "browse.topics"),
    SitePage("browse-topic", "browse.topic", values=(("slug", "human-rights-of-migrants"),)),
    SitePage("browse-countries", "browse.countries"),
    SitePage("browse-country", "browse.country", values=(("code", "MX"),)),
    SitePage("browse-organizations", "browse.organizations"),
    SitePage("browse-types", "browse.types"),
    SitePage("statistics", "statistics.overview", account=MODERATOR),
    SitePage("search", "search.search", values=(("q", "migracion"),)),
    SitePage("document", "documents.detail"),
    SitePage("form", "documents.new", account=CONTRIBUTOR),
    SitePage("queue", "review.queue", account=MODERATOR),
    SitePage("following", "following.index", account=CONTRIBUTOR),
    # The forum's structure (the demo's meetings are 1-5; call 1 is open, call 2 closed).
    SitePage("meetings", "meetings.index"),
    SitePage("meetings-of-a-body", "meetings.index", values=(("body", "vice-ministerial-meeting"),)),
    SitePage("meeting", "meetings.meeting", values=(("meeting_id", 4),)),
    SitePage("calls", "calls.index"),
    SitePage("call-open", "calls.call", values=(("call_id", 1),), account=CONTRIBUTOR),
    SitePage("call-closed-secretariat", "calls.call", values=(("call_id", 2),), account=MODERATOR),
    SitePage("document-secretariat", "documents.detail", account=MODERATOR),
    SitePage("taxonomy", "curation.tags", account=MODERATOR),
    SitePage("tag", "curation.edit_tag", values=(("slug", "gender"),), account=MODERATOR),
    SitePage("new-call", "curation.new_call", account=MODERATOR),
    SitePage("new-meeting", "curation.new_meeting", account=MODERATOR),
    SitePage("organizations", "curation.organizations_index", account="admin@ts.demo.rcm"),
    SitePage("new-organization", "curation.new_organization", account="admin@ts.demo.rcm"),
    SitePage("edit", "documents.edit", account=CONTRIBUTOR, document="own"),
    SitePage("own-document", "documents.detail", account=CONTRIBUTOR, document="own"),
    SitePage("mine", "documents.mine", account=CONTRIBUTOR),
    SitePage("history", "documents.history", account=CONTRIBUTOR, document="own"),
    SitePage("review-item", "review.item", account=MODERATOR, document="queued"),
    SitePage("notifications", "notifications.index", account=CONTRIBUTOR),
    SitePage("audit", "audit.index", account=ADMIN),
    SitePage("restricted", "documents.detail", document="restricted", status=404),
]


def _open(site_page: SitePage, live_site, kept_pages, language: str, signed_in_states, **options):
    if not live_site.has_page(site_page.endpoint):
        pytest.skip(f"the {site_page.name} page ({site_page.endpoint}) is not on this branch yet")
    values = dict(site_page.values)
    if (
        site_page.endpoint.startswith(("documents.", "review.item"))
        and site_page.endpoint != "documents.mine"
        and site_page.endpoint != "documents.new"
    ):
        values["document_id"] = _document_id(live_site, site_page.document)
    address = live_site.url_for(site_page.endpoint, **values)
    page = kept_pages.page(language, account=site_page.account, **options)
    page.console_problems.clear()
    response = page.goto(address)
    if site_page.account:
        if "/auth/sign-in" in page.url:  # the kept session has ended since: sign in anew
            signed_in_states.forget(site_page.account)
            sign_in(page, live_site, site_page.account, DEMO_PASSWORD)
            response = page.goto(address)
        # The account's own language setting wins over the browser; ask for the one under test.
        switch = page.locator(f".language-switch button[value={language}]")
        if page.locator("html").get_attribute("lang") != language and switch.count():
            with page.expect_navigation() as navigation:
                switch.click()  # and back to the same page, in that language
            response = navigation.value
    assert response is not None and response.status == site_page.status, (
        f"{site_page.name}: HTTP {response and response.status}"
    )
    assert page.locator("html").get_attribute("lang") == language
    return page


@pytest.fixture(scope="module", autouse=True)
def accounts_keep_their_languages(live_site):
    """The checks change the signed-in accounts' language with the site's switch (an
    account's own choice, kept); later tests on this site count on the demo's."""
    from sqlalchemy import select

    from rcm_exchange.extensions import db
    from rcm_exchange.models import User

    with live_site.app.app_context():
        rows = db.session.execute(select(User.id, User.preferred_language))
        chosen = {user_id: language for user_id, language in rows}
        db.session.remove()
    yield
    with live_site.app.app_context():
        for user in db.session.scalars(select(User)):
            user.preferred_language = chosen.get(user.id, user.preferred_language)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="module")
def axe_summary(artifacts):
    summary: dict[str, dict] = {}
    yield summary
    rows = []
    for key in sorted(summary):
        counts = summary[key]
        detail = ", ".join(
            f"{impact}: {counts['impacts'].get(impact, 0)}"
            for impact in ("critical", "serious", "moderate", "minor")
        )
        rows.append(
            f"{key:32} {detail}; rules passed: {counts['passes']}"
            + (f"; rules: {', '.join(counts['rules'])}" if counts["rules"] else "")
        )
    # Under pytest-xdist the pages are shared among workers: each keeps its rows, and the
    # summary is made again from every worker's rows, so the last one to finish lists all.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (artifacts / f"axe-rows-{worker}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    every_row = sorted(
        line
        for part in artifacts.glob("axe-rows-*.txt")
        for line in part.read_text(encoding="utf-8").splitlines()
        if line
    )
    lines = ["axe-core summary (impact: violations) per page and language", "", *every_row]
    (artifacts / "axe-summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(rows))


# Every page in one language, then every page in the other: an account's own language
# setting wins over the browser's, and each change of it is one more page load.
@pytest.mark.parametrize("site_page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_accessibility_violations_of_any_impact(
    site_page, language, live_site, kept_pages, signed_in_states, artifacts, axe_summary
):
    page = _open(site_page, live_site, kept_pages, language, signed_in_states, axe=True)
    assert page.title().strip(), "every page has a title"
    if site_page.status == 200:  # a 404 is logged by the browser as a failed load
        assert page.console_problems == [], "the browser logs no error or warning on any page"
    assert page.locator("h1").count() == 1, "every page has exactly one main heading"
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = results["violations"]
    impacts: dict[str, int] = {}
    for violation in violations:
        impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + 1
    axe_summary[f"{site_page.name} [{language}]"] = {
        "impacts": impacts,
        "passes": len(results["passes"]),
        "rules": sorted(v["id"] for v in violations),
    }
    page.screenshot(path=str(artifacts / f"page-{site_page.name}-{language}-desktop.png"), full_page=True)
    blocking = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert blocking == [], json.dumps(blocking, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("width, scale, label", [(PHONE["width"], 1, "phone"), (640, 2, "zoom200")])
@pytest.mark.parametrize("site_page", PAGES, ids=lambda p: p.name)
def test_pages_reflow_on_a_phone_and_at_200_percent_zoom(
    site_page, width, scale, label, live_site, kept_pages, signed_in_states, artifacts
):
    # 200% zoom of a 1280-pixel window leaves 640 CSS pixels, drawn at twice the density.
    page = _open(
        site_page, live_site, kept_pages, "es", signed_in_states, viewport={"width": width, "height": 800}
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if label == "phone":
        page.screenshot(path=str(artifacts / f"page-{site_page.name}-es-phone.png"), full_page=True)
    assert overflow <= 1, f"{site_page.name} scrolls sideways by {overflow}px at {width}px wide"
    assert scale in (1, 2)


def test_browsing_works_without_javascript(live_site, new_page, artifacts):
    page = new_page("es", viewport=DESKTOP, javascript=False)
    page.goto(live_site.url("/"))
    page.get_by_role("link", name="Explorar", exact=True).first.click()
    page.get_by_role("link", name="Países").click()
    page.get_by_role("link", name="México").first.click()
    assert page.locator("h1").inner_text() == "México"
    assert page.locator(".document-list > li").count() > 0
    page.get_by_role("link", name="Inglés").count()  # the switch is a form button, not a link
    page.locator(".language-switch button[value=en]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Mexico"
    page.screenshot(path=str(artifacts / "no-javascript-country-en.png"), full_page=True)


def test_print_style_shows_the_content_only(live_site, new_page, artifacts):
    page = new_page("en")
    endpoint = "documents.detail" if live_site.has_page("documents.detail") else "browse.country"
    values = (
        {"document_id": _first_public_document_id(live_site)}
        if endpoint == "documents.detail"
        else {"code": "MX"}
    )
    page.goto(live_site.url_for(endpoint, **values))
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert page.locator("main h1").is_visible()
    page.screenshot(path=str(artifacts / f"print-{endpoint.replace('.', '-')}.png"), full_page=True)
    page.pdf(path=str(artifacts / f"print-{endpoint.replace('.', '-')}.pdf"))
