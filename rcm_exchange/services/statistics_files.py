"""The statistics page's tables as CSV files, in the reader's language.

A cell that a spreadsheet would read as a formula (one starting with ``= + - @``, a tab
or a carriage return, as OWASP lists them) is written with a leading apostrophe, so a
tag or country name can never run as a formula in the Secretariat's spreadsheet.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from rcm_exchange.errors import NotFound
from rcm_exchange.i18n import localized
from rcm_exchange.labels import doc_type_label, status_label
from rcm_exchange.services import statistics

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _rows(figures: statistics.Statistics, table: str) -> tuple[list[str], list[list[object]]]:
    tables = {
        "months": (
            [_("Month"), _("Documents")],
            [[bar.subject.strftime("%Y-%m"), bar.value] for bar in figures.per_month],
        ),
        "types": (
            [_("Type"), _("Documents")],
            [[doc_type_label(bar.subject, plural=True), bar.value] for bar in figures.per_type],
        ),
        "queue": (
            [_("Status"), _("Documents")],
            [[status_label(bar.subject), bar.value] for bar in figures.queue],
        ),
        "countries": (
            [_("Country code"), _("Country"), _("Documents")],
            [[bar.key, localized(bar.subject), bar.value] for bar in figures.per_country],
        ),
        "topics": (
            [_("Topic code"), _("Topic"), _("Documents")],
            [[bar.key, localized(bar.subject), bar.value] for bar in figures.per_tag],
        ),
    }
    if table not in tables:
        raise NotFound()
    return tables[table]


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(user, table: str) -> str:
    header, rows = _rows(statistics.overview(user), table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()
