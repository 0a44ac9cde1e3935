"""The `flask rcm` commands."""

from __future__ import annotations

from sqlalchemy import func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, DocumentStatus, Role, User
from rcm_exchange.services import accounts


def test_create_user_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        args=[
            "rcm",
            "create-user",
            "focal.point@example.hn",
            "--name",
            "Focal Point",
            "--org",
            "HN",
            "--role",
            "moderator",
            "--password-stdin",
        ],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = accounts.authenticate("focal.point@example.hn", "a long enough secret")
    assert user is not None and user.role == Role.MODERATOR and user.organization.acronym == "HN"


def test_create_user_with_an_unknown_organization_says_so(app):
    result = app.test_cli_runner().invoke(
        args=["rcm", "create-user", "x@example.org", "--name", "X", "--org", "NOPE", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code != 0 and "No organization with acronym 'NOPE'" in result.output


def test_create_user_refuses_a_short_password_and_a_duplicate(app):
    runner = app.test_cli_runner()
    args = ["rcm", "create-user", "dup@example.org", "--name", "D", "--org", "MX", "--password-stdin"]
    short = runner.invoke(args=args, input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    assert runner.invoke(args=args, input="a long enough secret\n").exit_code == 0
    duplicate = runner.invoke(args=args, input="a long enough secret\n")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_demo_data_gives_a_living_site_and_is_loaded_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["rcm", "demo-data"])
    assert first.exit_code == 0, first.output
    assert "moderator@ts.demo.rcm" in first.output
    count = db.session.scalar(select(func.count()).select_from(Document))
    assert count >= 30
    statuses = set(db.session.scalars(select(Document.status).distinct()))
    assert {DocumentStatus.PUBLISHED, DocumentStatus.SUBMITTED, DocumentStatus.DRAFT} <= statuses
    assert "already there" in runner.invoke(args=["rcm", "demo-data"]).output
    assert db.session.scalar(select(func.count()).select_from(Document)) == count
    assert db.session.scalar(select(func.count()).select_from(User)) == 8
    home = client.get("/").get_data(as_text=True)
    assert "Protocolo de atención consular" in home
    # Members-only material stays out of the anonymous home page.
    assert "Mesa interinstitucional contra el tráfico ilícito" not in home
