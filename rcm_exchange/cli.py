"""The ``flask rcm`` commands. They read the same RCM_ settings as the server and
call the same services as the pages and the API."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from rcm_exchange import cli_forum  # noqa: F401 - its commands add themselves to the group
from rcm_exchange.cli_group import fail, rcm
from rcm_exchange.errors import DomainError
from rcm_exchange.models import Role
from rcm_exchange.services.access import SYSTEM


@rcm.command("init")
@click.option(
    "--demo-data",
    "with_demo_data",
    is_flag=True,
    help="Then load the demo data, as `flask rcm demo-data` does (one start instead of two).",
)
@with_appcontext
def init_command(with_demo_data):
    """Create or upgrade the database and load the reference data."""
    from flask_migrate import upgrade

    from rcm_exchange.services.reference_data import load_reference_data

    upgrade(directory=str(Path(current_app.root_path).parent / "migrations"))
    load_reference_data()
    click.echo("Database is up to date; reference data loaded.")
    if with_demo_data:
        demo_data_command.callback()


@rcm.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown on the site.")
@click.option("--org", "organization", required=True, help="Organization acronym, e.g. MX, IOM, TS.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default=Role.CONTRIBUTOR.value, show_default=True
)
@click.option("--language", type=click.Choice(["en", "es"]), default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, name, organization, role, language, password_stdin):
    """Create an account."""
    from rcm_exchange.services import accounts

    org = accounts.organization_by_acronym(organization)
    if org is None:
        raise click.ClickException(
            f"No organization with acronym {organization!r}. Run 'flask rcm init' first?"
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            SYSTEM,
            email=email,
            name=name,
            organization_id=org.id,
            role=Role(role),
            password=password,
            preferred_language=language,
        )
    except DomainError as error:
        fail(error)
    click.echo(f"Created {user.email} ({user.role.value}, {org.acronym}).")


@rcm.command("set-presidency")
@click.argument("year", type=int)
@click.argument("country")
@with_appcontext
def set_presidency_command(year, country):
    """Record the member state holding the Presidency Pro-Tempore in YEAR."""
    from rcm_exchange.services.reference_data import set_presidency

    try:
        set_presidency(year, country)
    except DomainError as error:
        fail(error)
    click.echo(f"Presidency Pro-Tempore {year}: {country.upper()}.")


@rcm.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load a realistic sample so that a new site looks alive (skipped if present)."""
    from rcm_exchange.services import search
    from rcm_exchange.services.demo_data import DEMO_PASSWORD, load_demo_data

    created = load_demo_data()
    if not created:
        click.echo("Demo data is already there.")
        return
    search.catch_up(wait=True)  # the first page shows every demo document
    click.echo(
        f"Demo data loaded: {created.documents} documents. Demo accounts (password {DEMO_PASSWORD!r}):"
    )
    for email, description in created.accounts:
        click.echo(f"  {email:32} {description}")


@rcm.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send queued mail that is due now, in this process (the worker does this
    continuously; failed messages are retried with back-off)."""
    from rcm_exchange.services.mail import deliver_due

    click.echo(f"Sent {deliver_due()} message(s).")


@rcm.command("send-digests")
@with_appcontext
def send_digests_command():
    """Queue the digests that are due (each subscription's period is sent once, even
    with several workers); the outbox then sends them."""
    from rcm_exchange.services.following import send_due_digests

    click.echo(f"Queued {send_due_digests()} digest(s).")


@rcm.command("extract-text")
@with_appcontext
def extract_text_command():
    """Extract, in this process, the text of attachments still waiting for it."""
    from rcm_exchange.services.attachments import extract_pending

    click.echo(f"Tried {extract_pending()} attachment(s).")


@rcm.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path):
    """Load published documents from a JSON Lines file (bad lines are reported and skipped)."""
    from rcm_exchange.services import transfer

    with path.open(encoding="utf-8") as lines:
        if sys.stderr.isatty():
            with click.progressbar(
                length=transfer.count_lines(path), label="Importing", file=sys.stderr
            ) as bar:
                report = transfer.import_documents(lines, progress=bar.update)
        else:
            report = transfer.import_documents(lines)
    for number, errors in report.errors:
        for field, messages in errors.items():
            where = "" if field == "_schema" else f"{field}: "
            click.echo(f"{path.name}:{number}: {where}{' '.join(map(str, messages))}", err=True)
    click.echo(
        f"Imported {report.created} document(s); {report.unchanged} already there; "
        f"{len(report.errors)} line(s) skipped."
    )
    if report.errors:
        sys.exit(1)


@rcm.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(path: Path):
    """Write every published document to a JSON Lines file (the format import reads)."""
    from rcm_exchange.services import transfer

    with path.open("w", encoding="utf-8") as out:
        count = transfer.export_documents(out)
    click.echo(f"Exported {count} document(s) to {path}.")


@rcm.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild this host's search index from the database."""
    from rcm_exchange.services import search

    total = search.published_count()
    with click.progressbar(
        length=total, label="Indexing published documents", show_pos=True, file=sys.stderr
    ) as bar:
        done = search.rebuild(progress=bar.update)
    click.echo(f"Indexed {done} published document(s).")


@rcm.command("index-check")
@click.option("--repair", is_flag=True, help="Bring the index in step with the database.")
@with_appcontext
def index_check_command(repair):
    """Compare the search index with the database; exit 1 on drift unless repaired."""
    from rcm_exchange.services import search

    report = search.check_index(repair=repair)
    for label, ids in (
        ("missing from the index", report.missing),
        ("in the index but not published", report.extra),
        ("out of date in the index", report.stale),
    ):
        if ids:
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            click.echo(f"{len(ids)} document(s) {label}: {shown}")
    if report.in_step:
        click.echo("The search index is in step with the database.")
    elif report.repaired:
        click.echo("Repaired: the search index is now in step with the database.")
    else:
        click.echo("Run 'flask rcm index-check --repair' to repair.")
        sys.exit(1)


@rcm.command("catch-up-index")
@with_appcontext
def catch_up_index_command():
    """Apply the search-log entries this host's index has not applied yet (the worker
    does this continuously)."""
    from rcm_exchange.services import search

    applied = search.catch_up(wait=True)
    click.echo(f"Applied {applied} search-log entr{'y' if applied == 1 else 'ies'}.")


@rcm.command("worker")
@click.option("--threads", type=int, default=None, help="Tasks run at once (default RCM_WORKER_THREADS).")
@with_appcontext
def worker_command(threads):
    """Run the background worker: mail, text extraction, index catch-up, search-log
    pruning and the sweep that re-enqueues what was left behind. Stops on SIGTERM or
    SIGINT once its running tasks finish."""
    from rcm_exchange.tasks import run_worker

    app = current_app._get_current_object()
    run_worker(app, threads=threads or app.config["RCM_WORKER_THREADS"])


@rcm.command("prune-search-log")
@with_appcontext
def prune_search_log_command():
    """Delete search-log entries older than RCM_SEARCH_LOG_RETENTION_DAYS."""
    from rcm_exchange.services import search

    click.echo(f"Pruned {search.prune_search_log()} search-log entries.")
