"""Property-based checks of the served OpenAPI document against the running app: for
every operation, generated requests (fitting the document and not), signed in and
anonymous, never cause a server error, and every answer matches the document.

A fixed seed and a bounded number of examples per operation keep it repeatable and quick.
(The operations are walked here rather than with ``schema.parametrize()`` because
schemathesis's fixture-based loader does not run under pytest 9.)
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import pickle
from contextlib import contextmanager
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.core import NOT_SET

from rcm_exchange.models import DocumentStatus, Role, Visibility
from tests.builders import make_document, make_user
from tests.conftest import requires_postgres

MAX_EXAMPLES = 15
ENDS_THE_CALLERS_TOKEN = "DELETE /api/v1/auth/tokens/current"
SEED = 20260601


def _some_material(author):
    make_document(visibility=Visibility.PUBLIC, tags=("trafficking-in-persons",), countries=("GT",))
    make_document(visibility=Visibility.MEMBERS, org="GT")
    make_document(status=DocumentStatus.DRAFT, org=author.organization.acronym, author=author)
    make_document(status=DocumentStatus.SUBMITTED, org=author.organization.acronym, author=author)


# The cases generated for each operation and mode, signed in or not, made once per run:
# generating them took three quarters of this test's time, and they depend on the OpenAPI
# document alone, which is the same for every database and account. Under pytest-xdist
# the first worker to need them writes them to the run's shared folder for the others.
GENERATED_CASES: dict[tuple[str, str, bool], list[dict] | None] = {}
CASE_PARTS = ("method", "path_parameters", "headers", "cookies", "query", "body", "media_type")


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory, worker_id) -> Path | None:
    """The folder every worker of this run shares (None when the run has one process)."""
    return None if worker_id == "master" else tmp_path_factory.getbasetemp().parent


@contextmanager
def _cases_shared_through(folder: Path | None, document: bytes, signed_in: bool):
    """Read the cases another worker of this run generated for ``document``, and hand
    ours to the next one, one worker at a time."""
    if folder is None:
        yield
        return
    name = hashlib.sha256(document + repr((SEED, MAX_EXAMPLES, signed_in)).encode()).hexdigest()[:16]
    store = folder / f"schemathesis-cases-{name}.pickle"
    with open(folder / f"schemathesis-cases-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if store.exists():
            GENERATED_CASES.update(pickle.loads(store.read_bytes()))
        yield
        mine = {key: cases for key, cases in GENERATED_CASES.items() if key[2] == signed_in}
        partial = store.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(mine))
        partial.replace(store)


def _generated_cases(operation, mode, signed_in: bool) -> list[dict] | None:
    """The parts of each case hypothesis generates (``None``: it can generate none)."""
    key = (operation.label, mode.value, signed_in)
    if key not in GENERATED_CASES:
        cases: list[dict] = []

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @seed(SEED)
        def collect(case):
            parts = {name: getattr(case, name) for name in CASE_PARTS}
            if parts["body"] is NOT_SET:  # a marker, kept as itself (a copy would be a body)
                del parts["body"]
            parts["multipart_content_types"] = case.multipart_content_types
            parts["_meta"] = case._meta
            cases.append(copy.deepcopy(parts))

        try:
            collect()
        except Unsatisfiable:
            GENERATED_CASES[key] = None  # nothing to send that breaks an operation without parameters
        else:
            GENERATED_CASES[key] = cases
    return GENERATED_CASES[key]


def _check_every_operation(app, headers: dict | None, run_folder: Path | None) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    if headers:
        schema.config.update(headers=headers)
    # Data the document allows can still break a rule no JSON Schema states (a practice's
    # details on a guidance note, an end before its start, a slug already taken): the API
    # answers 422 with the field's message, as its contract says.
    positive = schema.config.checks.positive_data_acceptance
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        enabled=positive.enabled, expected_statuses=[*positive.expected_statuses, "422"]
    )
    failures: list[str] = []
    # The call that revokes the caller's own token goes last: after it every signed-in call
    # is refused (401), and the other operations would be tried signed out only.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: operation.label == ENDS_THE_CALLERS_TOKEN,
    )
    assert len(operations) >= 16
    assert operations[-1].label == ENDS_THE_CALLERS_TOKEN
    document = app.test_client().get("/api/v1/openapi.json").get_data()
    with _cases_shared_through(run_folder, document, bool(headers)):
        cases = {
            (operation.label, mode): _generated_cases(operation, mode, bool(headers)) or []
            for operation in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        }
    for operation in operations:
        if headers and operation.label == ENDS_THE_CALLERS_TOKEN:
            signed_in = app.test_client().get("/api/v1/documents", headers=headers)
            assert signed_in.status_code == 200, "a generated call ended the token before its time"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for parts in cases[operation.label, mode]:
                parts = copy.deepcopy(parts)
                # schemathesis writes the configured headers into each case as it generates
                # it: the bearer token of the test that generated the cases, which is no
                # account in this test's database. This test's own token goes in its place,
                # known as the caller's real credentials (so schemathesis checks that the
                # call without them, or with made-up ones, is refused).
                parts["headers"] = {**(parts.get("headers") or {}), **(headers or {})}
                case = operation.Case(**parts)
                case._has_explicit_auth = bool(headers)
                try:
                    case.call_and_validate()
                # Every operation's failure is collected, then all are reported; schemathesis
                # reports its checks' findings as a BaseExceptionGroup.
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(f"{operation.label} ({mode.value}): {error}\n{case.as_curl_command()}")
                    break
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
def test_generated_calls_never_fail_on_the_server_or_break_the_document(app, who, run_folder):
    from rcm_exchange.services.api_tokens import issue_token

    if who == "anonymous":
        _some_material(make_user(org="MX"))
        headers = None
    else:
        user = make_user(role=Role.MODERATOR if who == "moderator" else Role.CONTRIBUTOR, org="MX")
        _some_material(user)
        headers = {"Authorization": f"Bearer {issue_token(user).token}"}
    failures = _check_every_operation(app, headers, run_folder)
    assert not failures, "\n\n".join(failures)
