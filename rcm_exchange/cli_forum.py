"""``flask rcm`` commands for the forum's structure: the taxonomy, organizations and
meetings, for an operator setting up or tidying a site. They validate with the same
schemas and call the same services as the Secretariat's pages."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from rcm_exchange.cli_group import fail, rcm
from rcm_exchange.errors import DomainError
from rcm_exchange.models import OrganizationKind
from rcm_exchange.services.access import SYSTEM


def _given(**options) -> dict:
    return {name: value for name, value in options.items() if value is not None}


@rcm.command("tag-add")
@click.argument("slug")
@click.option("--en", "name_en", required=True, help="Name in English.")
@click.option("--es", "name_es", required=True, help="Name in Spanish.")
@click.option("--description-en")
@click.option("--description-es")
@click.option("--position", type=int, help="Place in the list (after the three pillars); last by default.")
@with_appcontext
def tag_add_command(slug, **options):
    """Create a theme of the taxonomy."""
    from rcm_exchange.schemas import load
    from rcm_exchange.schemas.forum import TagSchema
    from rcm_exchange.services import taxonomy

    try:
        tag = taxonomy.create_tag(SYSTEM, load(TagSchema(), {"slug": slug, **_given(**options)}))
    except DomainError as error:
        fail(error)
    click.echo(f"Created tag {tag.slug} at position {tag.position}.")


@rcm.command("tag-edit")
@click.argument("slug")
@click.option("--en", "name_en", help="Name in English.")
@click.option("--es", "name_es", help="Name in Spanish.")
@click.option("--description-en")
@click.option("--description-es")
@click.option("--position", type=int)
@click.option("--retire/--restore", "retired", default=None, help="Retire the tag, or offer it again.")
@with_appcontext
def tag_edit_command(slug, **options):
    """Rename, describe, move or retire a tag."""
    from rcm_exchange.schemas import load
    from rcm_exchange.schemas.forum import TagEditSchema
    from rcm_exchange.services import taxonomy

    try:
        taxonomy.update_tag(SYSTEM, taxonomy.get_tag(slug), load(TagEditSchema(), _given(**options)))
    except DomainError as error:
        fail(error)
    click.echo(f"Saved tag {slug}.")


@rcm.command("tag-merge")
@click.argument("slug")
@click.argument("into")
@with_appcontext
def tag_merge_command(slug, into):
    """Move every document of tag SLUG to tag INTO; SLUG's address leads to INTO."""
    from rcm_exchange.services import taxonomy

    try:
        target, moved = taxonomy.merge_into(SYSTEM, taxonomy.get_tag(slug), into)
    except DomainError as error:
        fail(error)
    click.echo(f"Merged {slug} into {target.slug}: {moved} documents moved.")


def _organization_options(function):
    for decorator in reversed(
        (
            click.option("--name", help="Name in English."),
            click.option("--name-es", help="Name in Spanish."),
            click.option("--kind", type=click.Choice([k.value for k in OrganizationKind])),
            click.option("--country", help="ISO alpha-2 code (states must give theirs)."),
            click.option("--active/--inactive", default=None),
        )
    ):
        function = decorator(function)
    return function


@rcm.command("org-add")
@click.argument("acronym")
@_organization_options
@with_appcontext
def org_add_command(acronym, **options):
    """Add an organization, e.g. a civil-society network or an observer."""
    from rcm_exchange.schemas import load
    from rcm_exchange.schemas.forum import OrganizationSchema
    from rcm_exchange.services import organizations

    try:
        organization = organizations.create_organization(
            SYSTEM, load(OrganizationSchema(), {"acronym": acronym, **_given(**options)})
        )
    except DomainError as error:
        fail(error)
    click.echo(f"Added {organization.acronym} ({organization.kind.value}).")


@rcm.command("org-edit")
@click.argument("acronym")
@click.option("--acronym", "new_acronym", help="A new acronym.")
@_organization_options
@with_appcontext
def org_edit_command(acronym, new_acronym, **options):
    """Change an organization; its accounts see the change on their next request."""
    from rcm_exchange.errors import NotFound
    from rcm_exchange.schemas import load
    from rcm_exchange.schemas.forum import OrganizationSchema
    from rcm_exchange.services import accounts, organizations

    organization = accounts.organization_by_acronym(acronym)
    try:
        if organization is None:
            raise NotFound()
        data = _given(acronym=new_acronym, **options)
        organizations.update_organization(
            SYSTEM, organization, load(OrganizationSchema(), data, partial=True)
        )
    except DomainError as error:
        fail(error)
    click.echo(f"Saved {organization.acronym}.")


@rcm.command("meeting-add")
@click.argument("body")
@click.argument("number", type=int)
@click.option("--starts", "starts_on", required=True, help="First day, YYYY-MM-DD.")
@click.option("--ends", "ends_on", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--place", required=True)
@click.option("--host", "host_country", help="Host country, ISO alpha-2.")
@click.option("--ppt-year", "ppt_year", type=int, required=True, help="Presidency Pro-Tempore year.")
@click.option("--theme-en")
@click.option("--theme-es")
@with_appcontext
def meeting_add_command(body, number, **options):
    """Record a meeting of an RCM body (see GET /api/v1/bodies for the slugs)."""
    from rcm_exchange.schemas import load
    from rcm_exchange.schemas.forum import MeetingSchema
    from rcm_exchange.services import meetings

    try:
        meeting = meetings.create_meeting(
            SYSTEM, load(MeetingSchema(), {"body": body, "number": number, **_given(**options)})
        )
    except DomainError as error:
        fail(error)
    click.echo(f"Recorded meeting {meeting.slug} (id {meeting.id}).")
