"""The ``flask rcm`` command group and how a command reports a refused action; the
command modules (``cli``, ``cli_forum``) add their commands to it."""

from __future__ import annotations

import click

from rcm_exchange.errors import DomainError


@click.group()
def rcm():
    """RCM Exchange administration."""


def fail(error: DomainError) -> None:
    message = error.describe()
    for field, messages in (error.errors or {}).items():
        message += f"\n  {field}: {' '.join(map(str, messages))}"
    raise click.ClickException(message)
