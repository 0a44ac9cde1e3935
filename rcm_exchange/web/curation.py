"""The Technical Secretariat's pages for the forum's structure: the taxonomy (create,
rename, describe, order, retire, merge), organizations, meetings and calls for practices."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.labels import ORGANIZATION_KINDS, choices
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.forum import (
    ANSWERING_KINDS,
    LIST_FIELDS,
    CallSchema,
    MeetingSchema,
    OrganizationEditSchema,
    TagEditSchema,
    TagMergeSchema,
    TagSchema,
)
from rcm_exchange.services import access, accounts, calls, documents, meetings, organizations, taxonomy

bp = Blueprint("curation", __name__, url_prefix="/secretariat")


@bp.before_request
@login_required
def require_curator():
    access.require(current_user, "curate_forum")


# --- tags ------------------------------------------------------------------------


def _render_tags(values=None, errors=None, status: int = 200):
    return render_template(
        "curation/tags.html",
        tags=taxonomy.curated_tags(current_user),
        values=values or {},
        errors=errors or {},
    ), status


@bp.get("/tags")
def tags():
    return _render_tags()


@bp.post("/tags")
def create_tag():
    values = form_data(request.form)
    try:
        tag = taxonomy.create_tag(current_user, load(TagSchema(), values))
    except ValidationFailed as error:
        return _render_tags(values, error.errors, 422)
    flash(_("Tag %(name)s created.", name=tag.name_en), "success")
    return redirect(url_for("curation.tags"))


def _render_tag(tag, values, errors=None, status: int = 200):
    others = [t for t in taxonomy.curated_tags(current_user) if t.id != tag.id and t.merged_into_id is None]
    return render_template(
        "curation/tag.html", tag=tag, values=values, errors=errors or {}, others=others
    ), status


@bp.route("/tags/<slug>", methods=["GET", "POST"])
def edit_tag(slug: str):
    tag = taxonomy.get_tag(slug)
    if request.method == "GET":
        return _render_tag(
            tag,
            {
                name: getattr(tag, name)
                for name in ("name_en", "name_es", "description_en", "description_es", "position", "retired")
            },
        )
    values = form_data(request.form)
    values.setdefault("retired", "false")  # an unticked box is not sent
    try:
        taxonomy.update_tag(current_user, tag, load(TagEditSchema(), values))
    except ValidationFailed as error:
        return _render_tag(tag, values, error.errors, 422)
    flash(_("Tag saved."), "success")
    return redirect(url_for("curation.tags"))


@bp.post("/tags/<slug>/merge")
def merge_tag(slug: str):
    tag = taxonomy.get_tag(slug)
    values = form_data(request.form)
    try:
        target, moved = taxonomy.merge_into(current_user, tag, load(TagMergeSchema(), values)["into"])
    except ValidationFailed as error:
        return _render_tag(tag, values, error.errors, 422)
    flash(
        _(
            "%(old)s was merged into %(new)s: %(count)s documents moved. Its address now leads to %(new)s.",
            old=tag.name_en,
            new=target.name_en,
            count=moved,
        ),
        "success",
    )
    return redirect(url_for("curation.tags"))


# --- organizations -----------------------------------------------------------------


def _render_organization(organization, values, errors=None, status: int = 200):
    return render_template(
        "curation/organization.html",
        organization=organization,
        values=values,
        errors=errors or {},
        kinds=choices(ORGANIZATION_KINDS),
        countries=documents.country_choices(),
    ), status


@bp.get("/organizations")
def organizations_index():
    access.require(current_user, "manage_organizations")
    return render_template("curation/organizations.html", organizations=accounts.list_organizations())


@bp.route("/organizations/new", methods=["GET", "POST"])
def new_organization():
    access.require(current_user, "manage_organizations")
    if request.method == "GET":
        return _render_organization(None, {"active": True})
    values = form_data(request.form)
    try:
        organization = organizations.create_organization(current_user, load(OrganizationEditSchema(), values))
    except ValidationFailed as error:
        return _render_organization(None, values, error.errors, 422)
    flash(_("Organization %(acronym)s added.", acronym=organization.acronym), "success")
    return redirect(url_for("curation.organizations_index"))


@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
def edit_organization(organization_id: int):
    access.require(current_user, "manage_organizations")
    organization = organizations.get_organization(organization_id)
    if request.method == "GET":
        return _render_organization(
            organization,
            {
                "acronym": organization.acronym,
                "name": organization.name,
                "name_es": organization.name_es or "",
                "kind": organization.kind.value,
                "country": organization.country_code or "",
                "active": organization.active,
            },
        )
    values = form_data(request.form)
    try:
        organizations.update_organization(current_user, organization, load(OrganizationEditSchema(), values))
    except ValidationFailed as error:
        return _render_organization(organization, values, error.errors, 422)
    flash(_("Organization saved."), "success")
    return redirect(url_for("curation.organizations_index"))


# --- meetings ---------------------------------------------------------------------


def _render_meeting(meeting, values, errors=None, status: int = 200):
    return render_template(
        "curation/meeting.html",
        meeting=meeting,
        values=values,
        errors=errors or {},
        bodies=meetings.bodies(),
        countries=documents.country_choices(),
    ), status


@bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting():
    if request.method == "GET":
        return _render_meeting(None, {})
    values = form_data(request.form)
    try:
        meeting = meetings.create_meeting(current_user, load(MeetingSchema(), values))
    except ValidationFailed as error:
        return _render_meeting(None, values, error.errors, 422)
    flash(_("Meeting recorded."), "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
def edit_meeting(meeting_id: int):
    meeting = meetings.get_meeting(meeting_id)
    if request.method == "GET":
        return _render_meeting(
            meeting,
            {
                "body": meeting.body.slug,
                "number": meeting.number,
                "starts_on": meeting.starts_on.isoformat(),
                "ends_on": meeting.ends_on.isoformat(),
                "place": meeting.place,
                "host_country": meeting.host_country_code or "",
                "ppt_year": meeting.ppt_year,
                "theme_en": meeting.theme_en,
                "theme_es": meeting.theme_es,
            },
        )
    values = form_data(request.form)
    try:
        meetings.update_meeting(current_user, meeting, load(MeetingSchema(), values))
    except ValidationFailed as error:
        return _render_meeting(meeting, values, error.errors, 422)
    flash(_("Meeting saved."), "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id))


# --- calls for practices -------------------------------------------------------------


def _render_call(call, values, errors=None, status: int = 200):
    return render_template(
        "curation/call.html",
        call=call,
        values=values,
        errors=errors or {},
        tags=[t for t in taxonomy.curated_tags(current_user) if not t.retired],
        kinds=[(kind.value, ORGANIZATION_KINDS[kind]) for kind in ANSWERING_KINDS],
    ), status


@bp.route("/calls/new", methods=["GET", "POST"])
def new_call():
    if request.method == "GET":
        return _render_call(None, {"answerable_by": [kind.value for kind in ANSWERING_KINDS]})
    values = form_data(request.form, LIST_FIELDS)
    try:
        call = calls.open_call(current_user, load(CallSchema(), values))
    except ValidationFailed as error:
        return _render_call(None, values, error.errors, 422)
    flash(_("The call for practices is open."), "success")
    return redirect(url_for("calls.call", call_id=call.id))


@bp.route("/calls/<int:call_id>", methods=["GET", "POST"])
def edit_call(call_id: int):
    call = calls.get_call(call_id)
    if request.method == "GET":
        return _render_call(
            call,
            {
                "theme_en": call.theme_en,
                "theme_es": call.theme_es,
                "criteria_en": call.criteria_en,
                "criteria_es": call.criteria_es,
                "tags": [t.slug for t in call.tags],
                "opens_on": call.opens_on.isoformat(),
                "closes_on": call.closes_on.isoformat(),
                "ppt_year": call.ppt_year,
                "answerable_by": list(call.answerable_by),
                "slug": call.slug,
            },
        )
    values = form_data(request.form, LIST_FIELDS)
    try:
        calls.update_call(current_user, call, load(CallSchema(), values))
    except ValidationFailed as error:
        return _render_call(call, values, error.errors, 422)
    flash(_("Call saved."), "success")
    return redirect(url_for("calls.call", call_id=call.id))
