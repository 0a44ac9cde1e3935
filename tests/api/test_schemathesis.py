"""Property-based checks of the served OpenAPI document against the running app: for
every operation, generated requests (fitting the document and not), signed in and
anonymous, never cause a server error, and every answer matches the document.

A fixed seed and a bounded number of examples per operation keep it repeatable and quick.
(The operations are walked here rather than with ``schema.parametrize()`` because
schemathesis's fixture-based loader does not run under pytest 9.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from rcm_exchange.models import DocumentStatus, Role, Visibility
from tests.builders import make_document, make_user
from tests.conftest import requires_postgres

MAX_EXAMPLES = 15
SEED = 20260601


def _some_material(author):
    make_document(visibility=Visibility.PUBLIC, tags=("trafficking-in-persons",), countries=("GT",))
    make_document(visibility=Visibility.MEMBERS, org="GT")
    make_document(status=DocumentStatus.DRAFT, org=author.organization.acronym, author=author)
    make_document(status=DocumentStatus.SUBMITTED, org=author.organization.acronym, author=author)


def _check_every_operation(app, headers: dict | None) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    if headers:
        schema.config.update(headers=headers)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            )
            @seed(SEED)
            def run(case):
                case.call_and_validate()

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to send that breaks an operation without parameters
            except Exception as error:  # collect every operation's failure, then report all
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


@pytest.mark.parametrize(
    ("database", "who"),
    [
        ("sqlite", "moderator"),
        ("sqlite", "contributor"),
        ("sqlite", "anonymous"),
        # PostgreSQL refuses some text SQLite takes (NUL characters, out-of-range numbers).
        pytest.param("postgresql", "contributor", marks=requires_postgres),
    ],
    indirect=["database"],
)
def test_generated_calls_never_fail_on_the_server_or_break_the_document(app, who):
    from rcm_exchange.services.api_tokens import issue_token

    if who == "anonymous":
        _some_material(make_user(org="MX"))
        headers = None
    else:
        user = make_user(role=Role.MODERATOR if who == "moderator" else Role.CONTRIBUTOR, org="MX")
        _some_material(user)
        headers = {"Authorization": f"Bearer {issue_token(user).token}"}
    failures = _check_every_operation(app, headers)
    assert not failures, "\n\n".join(failures)
