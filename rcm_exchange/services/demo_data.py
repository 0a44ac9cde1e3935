"""A realistic bilingual sample so that a new site looks alive: organizations of the
forum, accounts of every kind and a few dozen documents across statuses and visibilities."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Country,
    DocType,
    Document,
    DocumentStatus,
    ImplementationStatus,
    Language,
    Organization,
    OrganizationKind,
    Role,
    Tag,
    User,
    Visibility,
)
from rcm_exchange.services import accounts, reference_data, search_log
from rcm_exchange.services.access import SYSTEM
from rcm_exchange.services.unit_of_work import unit_of_work
from rcm_exchange.transitions import TRANSITIONS

DEMO_PASSWORD = "rcm-demo-2026"
DEMO_MARKER = "contributor@mx.demo.rcm"

CIVIL_SOCIETY = (
    "RROCM",
    "Regional Network of Civil Organizations for Migration",
    "Red Regional de Organizaciones Civiles para las Migraciones",
)

DEMO_ACCOUNTS = (
    # email, name, organization, role, language, description
    (
        "contributor@mx.demo.rcm",
        "Lucía Hernández",
        "MX",
        Role.CONTRIBUTOR,
        "es",
        "contributor, Mexico (member state)",
    ),
    (
        "contributor@gt.demo.rcm",
        "Carlos Pérez",
        "GT",
        Role.CONTRIBUTOR,
        "es",
        "contributor, Guatemala (member state)",
    ),
    (
        "contributor@ca.demo.rcm",
        "Emily Tremblay",
        "CA",
        Role.CONTRIBUTOR,
        "en",
        "contributor, Canada (member state)",
    ),
    ("observer@iom.demo.rcm", "Ana Sousa", "IOM", Role.CONTRIBUTOR, "en", "observer organization, IOM"),
    ("observer@co.demo.rcm", "Juliana Restrepo", "CO", Role.CONTRIBUTOR, "es", "observer state, Colombia"),
    ("civil@rrocm.demo.rcm", "Marta Villalobos", "RROCM", Role.CONTRIBUTOR, "es", "civil society, RROCM"),
    ("moderator@ts.demo.rcm", "Diego Rojas", "TS", Role.MODERATOR, "es", "moderator, Technical Secretariat"),
    ("admin@ts.demo.rcm", "Grace Miller", "TS", Role.ADMIN, "en", "admin, Technical Secretariat"),
)


@dataclass(frozen=True)
class Practice:
    language: Language
    doc_type: DocType
    organization: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    countries: tuple[str, ...]
    implementation_status: ImplementationStatus | None = None
    implementing_bodies: str = ""
    partners: str = ""
    results: str = ""


PRACTICES = (
    Practice(
        Language.ES,
        DocType.PRACTICE_REPORT,
        "MX",
        "Protocolo de atención consular a niñas, niños y adolescentes no acompañados",
        "Procedimiento interinstitucional para identificar, entrevistar y proteger a la niñez migrante no acompañada en los consulados.",
        (
            "La red consular estableció un protocolo para la detección temprana de niñas, niños y adolescentes migrantes no acompañados.",
            "El protocolo prevé entrevistas con enfoque de derechos, la notificación inmediata a las procuradurías de protección y la coordinación con los países de origen para un retorno seguro cuando corresponde al interés superior.",
        ),
        ("children-and-adolescents", "consular-protection", "human-rights-of-migrants"),
        ("MX", "GT", "HN", "SV"),
        ImplementationStatus.ONGOING,
        "Secretaría de Relaciones Exteriores; DIF",
        "UNICEF, OIM",
        "Más de 4.000 entrevistas realizadas con el nuevo protocolo.",
    ),
    Practice(
        Language.EN,
        DocType.PRACTICE_REPORT,
        "CA",
        "Pre-arrival orientation for temporary foreign workers",
        "Orientation sessions in countries of origin so that seasonal agricultural workers know their rights before they travel.",
        (
            "Temporary foreign workers receive an orientation session in their own language before departure, covering labour rights, housing standards, health coverage and how to report abuse.",
            "Employers and consular staff take part, and each worker leaves with a card listing hotline numbers.",
        ),
        ("labour-migration", "human-rights-of-migrants", "migration-and-development"),
        ("CA", "MX", "GT", "JM"),
        ImplementationStatus.COMPLETED,
        "Employment and Social Development Canada",
        "ILO",
        "Complaints resolved within 30 days rose from 41% to 77%.",
    ),
    Practice(
        Language.ES,
        DocType.EXPERIENCE,
        "GT",
        "Reintegración de personas retornadas en comunidades de origen",
        "Experiencia de acompañamiento psicosocial y laboral a personas guatemaltecas retornadas desde México y Estados Unidos.",
        (
            "Las personas retornadas reciben atención en el centro de recepción, un diagnóstico de habilidades y referencia a programas de empleo y emprendimiento.",
            "La reintegración sostenible requiere la participación de los gobiernos municipales y del sector privado.",
        ),
        ("return-and-reintegration", "migration-and-development"),
        ("GT", "MX", "US"),
        ImplementationStatus.ONGOING,
        "Instituto Guatemalteco de Migración",
        "OIM, PNUD",
        "1.200 personas retornadas certificaron sus competencias laborales.",
    ),
    Practice(
        Language.EN,
        DocType.GUIDANCE,
        "IOM",
        "Guidance on identifying victims of trafficking in persons at borders",
        "Indicators and a referral pathway that border officials can use to identify possible victims of trafficking in persons.",
        (
            "Border officials are often the first authorities to meet victims of trafficking in persons. This guidance lists behavioural and documentary indicators.",
            "It sets out a referral pathway to specialised protection services, with safeguards for children and for the confidentiality of victims.",
        ),
        ("trafficking-in-persons", "integrity-laws-borders-security", "human-rights-of-migrants"),
        ("CR", "PA", "NI", "HN"),
    ),
    Practice(
        Language.ES,
        DocType.PRACTICE_REPORT,
        "CR",
        "Mesa interinstitucional contra el tráfico ilícito de migrantes",
        "Coordinación entre fiscalía, policía de fronteras y migración para desarticular redes de tráfico ilícito de migrantes.",
        (
            "La mesa se reúne mensualmente para compartir información sobre rutas y modos de operación de las redes de tráfico ilícito de migrantes.",
            "Se acordaron protocolos de intercambio de información que respetan la protección de datos personales de las personas migrantes.",
        ),
        ("migrant-smuggling", "integrity-laws-borders-security"),
        ("CR", "PA", "NI"),
        ImplementationStatus.ONGOING,
        "Dirección General de Migración y Extranjería; Ministerio Público",
        "UNODC",
        "Catorce redes desarticuladas en dos años.",
    ),
    Practice(
        Language.EN,
        DocType.EXPERIENCE,
        "UNHCR",
        "Registration of asylum seekers in transit countries",
        "Mobile registration teams that help asylum seekers in transit lodge their claims and obtain documents.",
        (
            "Mobile teams registered asylum seekers at shelters along the main transit route, so that refugees could lodge claims without travelling to the capital.",
            "The experience shows that early registration reduces irregular onward movement and exposure to smugglers.",
        ),
        ("asylum-and-refugees", "human-rights-of-migrants"),
        ("MX", "GT", "CR", "PA"),
        ImplementationStatus.COMPLETED,
        "National refugee commissions",
        "UNHCR",
    ),
    Practice(
        Language.ES,
        DocType.GUIDANCE,
        "TS",
        "Lineamientos regionales para la protección de personas migrantes en contextos de desastres",
        "Lineamientos de la CRM para la atención de personas migrantes afectadas por desastres naturales y el cambio climático.",
        (
            "Los desastres afectan de manera particular a las personas migrantes, que pueden carecer de documentos, redes de apoyo o acceso a información en su idioma.",
            "Los lineamientos recomiendan incluir a las personas migrantes en los planes de evacuación y facilitar la documentación consular de emergencia.",
        ),
        ("climate-and-disasters", "human-rights-of-migrants", "consular-protection"),
        ("BZ", "CR", "DO", "SV", "GT", "HN", "MX", "NI", "PA"),
    ),
    Practice(
        Language.EN,
        DocType.PRACTICE_REPORT,
        "US",
        "Interagency data sharing on migration flows",
        "A common data standard so that agencies report migration statistics that can be compared across the region.",
        (
            "Agencies agreed on common definitions for encounters, returns and asylum applications, and publish monthly statistics in an open format.",
            "Comparable data and statistics help the region plan reception capacity and measure the effect of policies.",
        ),
        ("data-and-statistics", "integrity-laws-borders-security"),
        ("US", "MX", "CA"),
        ImplementationStatus.ONGOING,
        "Department of Homeland Security",
        "ECLAC/CELADE",
    ),
    Practice(
        Language.ES,
        DocType.EXPERIENCE,
        "RROCM",
        "Casas del migrante: atención humanitaria con perspectiva de género",
        "Experiencia de la red de albergues de la sociedad civil en la atención de mujeres migrantes y personas LGBTI en tránsito.",
        (
            "Los albergues adaptaron sus espacios y protocolos para atender a mujeres migrantes, madres con hijos y personas LGBTI, con atención a la violencia de género.",
            "La experiencia muestra la importancia de la coordinación entre la sociedad civil y las autoridades migratorias.",
        ),
        ("gender", "human-rights-of-migrants"),
        ("MX", "GT", "HN"),
        ImplementationStatus.ONGOING,
        "Red de casas del migrante",
        "ACNUR",
    ),
    Practice(
        Language.ES,
        DocType.PRACTICE_REPORT,
        "SV",
        "Remesas y desarrollo local: programa de ahorro e inversión",
        "Programa que vincula las remesas de la diáspora con proyectos productivos en municipios de origen.",
        (
            "El programa ofrece a las familias receptoras de remesas educación financiera y productos de ahorro.",
            "La diáspora cofinancia proyectos de infraestructura local junto con los gobiernos municipales, lo que fortalece los vínculos entre migración y desarrollo.",
        ),
        ("migration-and-development", "labour-migration"),
        ("SV", "US"),
        ImplementationStatus.COMPLETED,
        "Ministerio de Relaciones Exteriores",
        "PNUD, BID",
    ),
    Practice(
        Language.EN,
        DocType.GUIDANCE,
        "UNICEF",
        "Alternatives to detention for migrant children",
        "Guidance on community-based care arrangements so that no migrant child is detained for immigration reasons.",
        (
            "Detention harms children. This guidance describes community-based alternatives: foster care, supervised independent living and case management.",
            "It includes a checklist for best interests assessments and examples from the region.",
        ),
        ("children-and-adolescents", "human-rights-of-migrants"),
        ("MX", "CR", "PA", "US"),
    ),
    Practice(
        Language.ES,
        DocType.EXPERIENCE,
        "HN",
        "Integración laboral de personas migrantes retornadas con discapacidad",
        "Experiencia de inclusión laboral de personas retornadas que adquirieron una discapacidad durante el tránsito migratorio.",
        (
            "Muchas personas retornadas sufrieron accidentes en la ruta migratoria. El programa ofrece rehabilitación, formación y acompañamiento a la integración laboral.",
            "La alianza con empresas privadas permitió la contratación de las primeras cohortes.",
        ),
        ("return-and-reintegration", "integration", "human-rights-of-migrants"),
        ("HN",),
        ImplementationStatus.PLANNED,
        "Secretaría de Relaciones Exteriores y Cooperación Internacional",
        "CICR",
    ),
)

# (practice index, status, visibility, days since publication)
PLAN = (
    (0, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 12),
    (1, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 30),
    (2, DocumentStatus.PUBLISHED, Visibility.PARTICIPANTS, 45),
    (3, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 60),
    (4, DocumentStatus.PUBLISHED, Visibility.MEMBERS, 75),
    (5, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 90),
    (6, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 120),
    (7, DocumentStatus.PUBLISHED, Visibility.MEMBERS, 150),
    (8, DocumentStatus.PUBLISHED, Visibility.PARTICIPANTS, 200),
    (9, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 260),
    (10, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 330),
    (11, DocumentStatus.PUBLISHED, Visibility.SECRETARIAT, 400),
    (0, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 500),
    (3, DocumentStatus.PUBLISHED, Visibility.PARTICIPANTS, 560),
    (5, DocumentStatus.PUBLISHED, Visibility.MEMBERS, 640),
    (7, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 700),
    (9, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 780),
    (1, DocumentStatus.PUBLISHED, Visibility.MEMBERS, 850),
    (2, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 930),
    (4, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 1000),
    (6, DocumentStatus.PUBLISHED, Visibility.PARTICIPANTS, 1100),
    (10, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 1200),
    (8, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 1300),
    (11, DocumentStatus.PUBLISHED, Visibility.PUBLIC, 1400),
    (0, DocumentStatus.DRAFT, Visibility.PARTICIPANTS, 0),
    (2, DocumentStatus.SUBMITTED, Visibility.PUBLIC, 0),
    (4, DocumentStatus.SUBMITTED, Visibility.MEMBERS, 0),
    (8, DocumentStatus.IN_REVIEW, Visibility.PARTICIPANTS, 0),
    (1, DocumentStatus.CHANGES_REQUESTED, Visibility.PUBLIC, 0),
    (3, DocumentStatus.REJECTED, Visibility.PUBLIC, 0),
    (9, DocumentStatus.ARCHIVED, Visibility.PUBLIC, 1500),
    (11, DocumentStatus.SUBMITTED, Visibility.PARTICIPANTS, 0),
)

EDITIONS = {0: "", 1: " (2019–2021)", 2: " (2016–2018)"}


@dataclass
class DemoResult:
    documents: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.documents > 0


def _body(paragraphs) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def load_demo_data(now: datetime | None = None) -> DemoResult:
    now = now or datetime.now(UTC)
    if accounts.user_by_email(DEMO_MARKER) is not None:
        return DemoResult()
    result = DemoResult()
    with unit_of_work():
        reference_data.load_reference_data()
        orgs = {o.acronym: o for o in db.session.scalars(select(Organization))}
        if CIVIL_SOCIETY[0] not in orgs:
            acronym, name, name_es = CIVIL_SOCIETY
            orgs[acronym] = Organization(
                acronym=acronym, name=name, name_es=name_es, kind=OrganizationKind.CIVIL_SOCIETY
            )
            db.session.add(orgs[acronym])
            db.session.flush()
        users: dict[str, User] = {}
        for email, name, org, role, language, description in DEMO_ACCOUNTS:
            users[org] = accounts.create_user(
                SYSTEM,
                email=email,
                name=name,
                organization_id=orgs[org].id,
                role=role,
                password=DEMO_PASSWORD,
                preferred_language=language,
            )
            result.accounts.append((email, description))
        reference_data.set_presidency(now.year, "MX")
        tags = {t.slug: t for t in db.session.scalars(select(Tag))}
        countries = {c.code: c for c in db.session.scalars(select(Country))}
        moderator = users["TS"]
        seen: dict[int, int] = {}
        created_documents: list[Document] = []
        attached = 0
        for index, status, visibility, days_ago in PLAN:
            practice = PRACTICES[index]
            edition = seen.get(index, 0)
            seen[index] = edition + 1
            organization = orgs[practice.organization]
            author = users.get(practice.organization)
            created = now - timedelta(days=days_ago + 20)
            document = Document(
                title=practice.title + EDITIONS.get(edition, f" ({edition})"),
                summary=practice.summary,
                body_html=_body(practice.paragraphs),
                doc_type=practice.doc_type,
                language=practice.language,
                visibility=visibility,
                status=status,
                organization=organization,
                author=author,
                tags=[tags[slug] for slug in practice.tags],
                countries=[countries[code] for code in practice.countries],
                implementation_status=practice.implementation_status,
                implementing_bodies=practice.implementing_bodies,
                partners=practice.partners,
                results_html=f"<p>{practice.results}</p>" if practice.results else "",
                period_start=date(created.year - 2, 1, 1) if practice.implementation_status else None,
                created_at=created,
                updated_at=created,
            )
            if status not in (DocumentStatus.DRAFT,):
                document.submitted_at = created + timedelta(days=3)
            if status in (DocumentStatus.PUBLISHED, DocumentStatus.ARCHIVED):
                document.published_at = now - timedelta(days=days_ago)
            db.session.add(document)
            db.session.flush()
            _demo_history(document, author, moderator, status)
            search_log.record_change(document)
            created_documents.append(document)
            result.documents += 1
            if (
                status == DocumentStatus.PUBLISHED
                and visibility == Visibility.PUBLIC
                and edition == 0
                and attached < DEMO_ATTACHMENTS
            ):
                _attach_demo_files(document, practice, author, attached)
                attached += 1

        from rcm_exchange.services.demo_forum import load_demo_forum

        result.documents += load_demo_forum(now, users, created_documents)
    return result


# How many public demo documents get a PDF (and every other one a DOCX too).
DEMO_ATTACHMENTS = 6


def _attach_demo_files(document: Document, practice, author: User | None, number: int) -> None:
    from rcm_exchange.services import attachments
    from rcm_exchange.services.demo_files import demo_docx, demo_pdf

    stem = "-".join(practice.title.lower().split()[:4])
    paragraphs = list(practice.paragraphs) + ([practice.results] if practice.results else [])
    attachments.attach_file(
        document, io.BytesIO(demo_pdf(practice.title, paragraphs)), f"{stem}.pdf", uploaded_by=author
    )
    if number % 2 == 0:
        attachments.attach_file(
            document, io.BytesIO(demo_docx(practice.title, paragraphs)), f"{stem}.docx", uploaded_by=author
        )


def _demo_history(document: Document, author: User | None, moderator: User, status: DocumentStatus) -> None:
    """Audit events that tell how the document got to its status, each move as the
    transition table makes it."""
    into_review = [("submit", author, ""), ("claim", moderator, "")]
    steps = {
        DocumentStatus.DRAFT: [],
        DocumentStatus.SUBMITTED: into_review[:1],
        DocumentStatus.IN_REVIEW: into_review,
        DocumentStatus.CHANGES_REQUESTED: into_review
        + [
            (
                "request_changes",
                moderator,
                "Please add the period of implementation and the partners involved.",
            )
        ],
        DocumentStatus.REJECTED: into_review
        + [("reject", moderator, "This repeats a document already published.")],
        DocumentStatus.PUBLISHED: into_review + [("approve", moderator, "")],
        DocumentStatus.ARCHIVED: into_review
        + [("approve", moderator, ""), ("archive", moderator, "Superseded by a newer edition.")],
    }[status]
    at, from_status = document.created_at, DocumentStatus.DRAFT
    for action, actor, comment in steps:
        at, to_status = at + timedelta(days=1), TRANSITIONS[action].target
        db.session.add(
            AuditEvent(
                at=at,
                actor_id=actor.id if actor else None,
                document_id=document.id,
                action=action,
                from_status=from_status.value,
                to_status=to_status.value,
                comment=comment,
            )
        )
        from_status = to_status
