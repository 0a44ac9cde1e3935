"""The Secretariat's statistics: who may see them, and what they count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rcm_exchange.errors import Forbidden
from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent, DocType, DocumentStatus, OrganizationKind, Role, Visibility
from rcm_exchange.services import statistics
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "reader, status",
    [
        (dict(org="MX"), 403),
        (dict(kind=OrganizationKind.OBSERVER_ORG), 403),
        (dict(org="TS"), 200),
        (dict(role=Role.MODERATOR), 200),
        (dict(role=Role.ADMIN), 200),
    ],
)
def test_statistics_are_for_the_secretariat_moderators_and_admins(login_as, app, reader, status):
    assert login_as(make_user(**reader)).get("/statistics/").status_code == status


def test_anonymous_visitors_are_asked_to_sign_in(client, app):
    response = client.get("/statistics/")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_statistics_link_appears_only_for_those_who_may_see_them(login_as, app):
    assert 'href="/statistics/"' not in login_as(make_user(org="MX")).get("/").get_data(as_text=True)
    assert 'href="/statistics/"' in login_as(make_user(org="TS")).get("/").get_data(as_text=True)


def _decision(document, submitted: datetime, action: str, after: timedelta):
    db.session.add_all(
        [
            AuditEvent(
                at=submitted,
                document_id=document.id,
                action="submit",
                from_status="draft",
                to_status="submitted",
            ),
            AuditEvent(
                at=submitted + after,
                document_id=document.id,
                action=action,
                from_status="in_review",
                to_status="published",
            ),
        ]
    )
    db.session.commit()


@on_both_databases
def test_figures_count_per_month_type_country_topic_and_queue(app):
    make_document(
        published_at=datetime(2026, 3, 2, tzinfo=UTC),
        countries=("MX", "GT"),
        tags=("gender",),
        doc_type=DocType.GUIDANCE,
    )
    make_document(
        published_at=datetime(2026, 3, 9, tzinfo=UTC),
        countries=("MX",),
        visibility=Visibility.SECRETARIAT,
    )
    make_document(published_at=datetime(2025, 1, 20, tzinfo=UTC), countries=("MX",))
    make_document(published_at=datetime(2023, 1, 20, tzinfo=UTC))  # before the 24 months
    make_document(status=DocumentStatus.SUBMITTED)
    make_document(status=DocumentStatus.IN_REVIEW)
    make_document(status=DocumentStatus.DRAFT)

    figures = statistics.overview(make_user(role=Role.MODERATOR), now=NOW)

    months = {(bar.key.year, bar.key.month): bar.value for bar in figures.per_month}
    assert len(figures.per_month) == 24 and figures.per_month[-1].key.month == 3
    assert months[(2026, 3)] == 2 and months[(2025, 1)] == 1 and months[(2025, 2)] == 0
    assert figures.published_in_period == 3 and figures.published_total == 4
    assert [(bar.key, bar.value) for bar in figures.per_country] == [("MX", 3), ("GT", 1)]
    assert {bar.key: bar.value for bar in figures.per_tag} == {"gender": 1}
    assert {bar.key: bar.value for bar in figures.per_type} == {
        "practice_report": 3,
        "guidance": 1,
        "experience": 0,
    }
    assert {bar.key: bar.value for bar in figures.queue} == {
        "submitted": 1,
        "in_review": 1,
        "changes_requested": 0,
    }
    assert figures.queue_size == 2


@on_both_databases
def test_median_time_runs_from_the_latest_submission_to_each_decision(app):
    first, second, third = (make_document() for _ in range(3))
    start = NOW - timedelta(days=60)
    _decision(first, start, "approve", timedelta(days=2))
    _decision(second, start, "reject", timedelta(days=4))
    _decision(third, start, "request_changes", timedelta(days=10))
    # Resubmitted after the changes: the second wait counts from the new submission.
    _decision(third, start + timedelta(days=20), "approve", timedelta(days=1))
    # A claim is not a decision, and an old decision falls outside the period.
    db.session.add(AuditEvent(at=start + timedelta(hours=1), document_id=first.id, action="claim"))
    _decision(make_document(), NOW - timedelta(days=900), "approve", timedelta(days=30))

    times = statistics.overview(make_user(role=Role.MODERATOR), now=NOW).decision_times
    assert times.decisions == 4
    assert times.median == timedelta(days=3)


def test_others_are_refused_by_the_service_too(app):
    with pytest.raises(Forbidden):
        statistics.overview(make_user(org="MX"), now=NOW)
    with pytest.raises(Forbidden):
        statistics.overview(None, now=NOW)


def test_charts_are_images_with_titles_and_their_numbers_are_in_tables(login_as, app):
    make_document(countries=("MX",))
    page = login_as(make_user(org="TS", language="es")).get("/statistics/").get_data(as_text=True)
    assert (
        '<svg class="chart chart-columns" role="img" aria-labelledby="chart-months-title chart-months-desc"'
        in page
    )
    assert '<title id="chart-months-title">Documentos publicados por mes</title>' in page
    assert '<th scope="row">México</th><td class="numeric">1</td>' in page
    month = datetime.now(UTC)
    spanish_months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
    assert f'<th scope="row">{spanish_months[month.month - 1]} {month.year}</th>' in page
