"""The forum's pages: its meetings by body and Presidency Pro-Tempore year, a meeting's
documents, the calls for practices and answering one, and the Secretariat's record of
a document's standing and meetings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.i18n import current_language
from rcm_exchange.labels import standing_label
from rcm_exchange.models import Call, Standing
from rcm_exchange.schemas import form_data, load, whole_number
from rcm_exchange.schemas.forum import LIST_FIELDS, CallAnswerSchema, DocumentForumSchema
from rcm_exchange.services import calls, documents, forum_search, meetings

# Two blueprints, so that the main navigation marks the meetings or the calls as current.
meetings_bp = Blueprint("meetings", __name__)
calls_bp = Blueprint("calls", __name__)


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""))


@meetings_bp.app_context_processor
def forum_helpers():
    """What the document page and the home page show of the forum, for any template."""
    return {
        "forum_record": meetings.forum_record,
        "answered_call": calls.answered_call,
        "open_calls": calls.open_calls,
        "all_calls": calls.list_calls,
        "answerable_calls": lambda: calls.answerable_calls(current_user),
        "all_meetings": meetings.meetings,
        "standings": list(Standing),
        "call_is_open": Call.is_open,
    }


def facet_describers(facets: dict) -> dict:
    """The search page's facets by meeting, body, standing and PPT year: title, parameter
    and how to label a value (``web.search.facet_groups`` shows them after its own)."""
    labels = forum_search.facet_labels(facets)
    language = current_language()

    def meeting_label(key: str) -> str:
        meeting = labels["meeting"].get(key)
        if meeting is None:
            return key
        return _("%(body)s, meeting %(number)s", body=meeting.body.name(language), number=meeting.number)

    return {
        "meeting": (_l("Meeting"), "meeting", meeting_label),
        "body": (
            _l("RCM body"),
            "body",
            lambda k: labels["body"][k].name(language) if k in labels["body"] else k,
        ),
        "standing": (_l("Standing"), "standing", standing_label),
        "ppt_year": (_l("Presidency Pro-Tempore year"), "ppt_year", str),
    }


@meetings_bp.get("/meetings")
def index():
    overview = meetings.meetings_overview(
        body=request.args.get("body") or None, ppt_year=_int_arg("ppt_year")
    )
    return render_template("forum/meetings.html", overview=overview)


@meetings_bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    page = meetings.meeting_page(current_user, meeting_id, page=_int_arg("page") or 1)
    return render_template("forum/meeting.html", page=page, documents=page.presented)


@calls_bp.get("/calls", endpoint="index")
def index_of_calls():
    return render_template("forum/calls.html", calls=calls.list_calls())


@calls_bp.get("/calls/<int:call_id>")
def call(call_id: int):
    return _render_call(call_id)


def _render_call(call_id: int, errors=None, status: int = 200):
    page = calls.call_page(current_user, call_id, page=_int_arg("page") or 1)
    return render_template("forum/call.html", page=page, documents=page.answers, errors=errors or {}), status


@calls_bp.post("/calls/<int:call_id>/answers")
@login_required
def answer(call_id: int):
    call_ = calls.get_call(call_id)
    try:
        data = load(CallAnswerSchema(), form_data(request.form))
        calls.answer_call(current_user, call_, documents.get_document_for(current_user, data["document_id"]))
    except ValidationFailed as error:
        return _render_call(call_id, error.errors, 422)
    flash(
        _("Your document now answers this call. It is published once the Secretariat approves it."), "success"
    )
    return redirect(url_for("calls.call", call_id=call_id))


@meetings_bp.post("/documents/<int:document_id>/forum")
@login_required
def document_record(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    try:
        data = load(DocumentForumSchema(), form_data(request.form, LIST_FIELDS))
        meetings.set_forum_record(
            current_user,
            document,
            standing=data["standing"],
            presented_at=data["presented_at"],
            adopted_at=data["adopted_at"],
            version=data["version"],
        )
    except ValidationFailed as error:
        return render_template("forum/record_refused.html", document=document, errors=error.errors or {}), 422
    flash(_("The document's place in the forum is saved."), "success")
    return redirect(url_for("documents.detail", document_id=document_id))
