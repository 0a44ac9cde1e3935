"""Every string a user can see is in the Spanish catalog, and pages follow the user's language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from rcm_exchange.config import PROJECT_ROOT
from tests.builders import make_user

CATALOG = PROJECT_ROOT / "rcm_exchange" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def test_every_visible_string_has_a_spanish_translation(tmp_path: Path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    with CATALOG.open("rb") as handle:
        catalog = {message.id: message for message in read_po(handle) if message.id}

    def untranslated(message_id):
        message = catalog.get(message_id)
        if message is None or message.fuzzy:
            return True
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return not all(strings)

    missing = sorted(str(m) for m in extracted if untranslated(m))
    assert missing == [], f"untranslated Spanish strings: {missing}"


def test_page_follows_the_browsers_language(client, app):
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Los tres pilares" in page


def test_language_switch_is_remembered(client, app):
    client.post_form("/language", {"language": "es", "next": "/"})
    assert "Los tres pilares" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_account_language_wins_over_the_browser(app, login_as):
    browser = login_as(make_user(language="es"))
    page = browser.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Los tres pilares" in page


def test_error_pages_speak_the_users_language(client, app):
    response = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert "No encontramos esa página o documento." in response.get_data(as_text=True)
