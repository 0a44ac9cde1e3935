"""Contributors' pages: write, edit, submit and withdraw a document, attach files, see
the organization's documents and a document's history; the document page itself."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from rcm_exchange.content import TITLE_MAX, Kind, defaults, names_of_kind
from rcm_exchange.downloads import send_attachment
from rcm_exchange.errors import DomainError, NotFound, ValidationFailed, handle_csrf_error
from rcm_exchange.i18n import current_language, format_form_date, parse_form_date
from rcm_exchange.models import DocType, DocumentStatus, ImplementationStatus, Language, Visibility
from rcm_exchange.schemas import form_data, load, whole_number
from rcm_exchange.schemas.conversation import CommentSchema, FormDraftSchema
from rcm_exchange.schemas.documents import (
    CALL_FIELD,
    LIST_FIELDS,
    DocumentEditSchema,
    DocumentSchema,
    VersionSchema,
)
from rcm_exchange.services import (
    access,
    attachments,
    calls,
    conversation,
    documents,
    form_drafts,
    search,
    taxonomy,
)
from rcm_exchange.web import safe_next_url

bp = Blueprint("documents", __name__)


DATE_FIELDS = names_of_kind(Kind.DATE)
# The edit form's second button: save, then send for review.
SUBMIT_AFTER_SAVE = "save_and_submit"


def _form_values(form) -> dict:
    values = form_data(form, LIST_FIELDS)
    values.pop("idempotency_key", None)
    values.pop(SUBMIT_AFTER_SAVE, None)
    if CALL_FIELD in form:  # blank is a choice too: no call, or the answer withdrawn
        values[CALL_FIELD] = form[CALL_FIELD]
    for name in DATE_FIELDS:
        if name in values:
            values[name] = parse_form_date(values[name])
    return values


def _render_form(
    document,
    values,
    errors,
    status=200,
    *,
    idempotency_key=None,
    change=None,
    comment_values=None,
    comment_errors=None,
):
    shown = {**values, **{name: format_form_date(values.get(name)) for name in DATE_FIELDS}}
    if change is not None and document is not None:
        shown["version"] = document.version  # saving again now replaces the change shown
    return render_template(
        "documents/form.html",
        document=document,
        values=shown,
        errors=errors,
        title_max=TITLE_MAX,
        change=change,
        review_status=documents.review_status(document) if document is not None else None,
        unsaved=form_drafts.unsaved_form_draft(current_user, document),
        threads=conversation.conversation(current_user, document) if document is not None else [],
        in_conversation=document is not None and access.can_take_part_in_conversation(current_user, document),
        comment_values=comment_values or {},
        comment_errors=comment_errors or {},
        max_upload_bytes=current_app.config["RCM_MAX_UPLOAD_BYTES"],
        upload_types=attachments.ACCEPTED_EXTENSIONS,
        idempotency_key=idempotency_key,
        doc_types=list(DocType),
        languages=list(Language),
        visibilities=list(Visibility),
        implementation_statuses=list(ImplementationStatus),
        tags=taxonomy.form_tags(documents.proposed_content(document)["tags"] if document is not None else ()),
        country_groups=documents.country_groups(current_language()),
        max_upload_mb=current_app.config["RCM_MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), status


@bp.route("/documents/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        values = defaults()
        if request.args.get("restore"):
            values = _restored(None) or values
        return _render_form(None, values, {}, idempotency_key=str(uuid.uuid4()))
    key = _idempotency_key(request.form.get("idempotency_key", ""))
    values = _form_values(request.form)
    call = values.pop(CALL_FIELD, "")  # the call for practices it answers, if one was chosen
    try:
        document = calls.create_answer_draft(
            current_user, _call_id(call), load(DocumentSchema(), values), idempotency_key=key
        )
    except ValidationFailed as error:
        return _render_form(None, values | {CALL_FIELD: call}, error.errors or {}, 422, idempotency_key=key)
    flash(_("Draft saved. Add attachments below, or submit it for review when it is ready."), "success")
    return redirect(url_for("documents.edit", document_id=document.id))


def _call_id(value: str) -> int | None:
    """No call, or the id chosen (0, which no call has, for anything that is not an id)."""
    if not value:
        return None
    number = whole_number(value)
    return number if number is not None else 0


def _idempotency_key(value: str) -> str | None:
    """The key the form was given (a UUID); anything else is treated as no key, so a
    tampered field cannot reach the database as text it refuses."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _with_call(values: dict, call: str | None) -> dict:
    return values if call is None else values | {CALL_FIELD: call}


def _edit_values(document) -> dict:
    values = documents.proposed_content(document)
    values["version"] = document.version
    answered = calls.answered_call(document)
    values[CALL_FIELD] = str(answered.id) if answered is not None else ""
    return values


def _restored(document) -> dict | None:
    """The text kept while typing, to fill the form again (``?restore=1``)."""
    draft = form_drafts.unsaved_form_draft(current_user, document)
    if draft is None:
        return None
    values = {key: value for key, value in draft.data.items() if key != "version"}
    if document is not None:
        values["version"] = document.version
    return values


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    document = documents.get_document_to_edit(current_user, document_id)
    if request.method == "GET":
        values = (_restored(document) if request.args.get("restore") else None) or _edit_values(document)
        return _render_form(document, values, {})
    values = _form_values(request.form)
    then_submit = SUBMIT_AFTER_SAVE in request.form
    # The call it answers ("": none); a form without the field leaves the answer as it is.
    call = values.pop(CALL_FIELD, None)
    try:
        data = load(DocumentEditSchema(), values)
        if call is None:
            documents.update_document(current_user, document, data, data["version"])
        else:
            calls.update_answer_document(current_user, document, _call_id(call), data, data["version"])
        if then_submit and document.status.value != "published":
            documents.submit(current_user, document, version=document.version)
    except ValidationFailed as error:
        return _render_form(document, _with_call(values, call), error.errors or {}, 422)
    except DomainError as error:  # a stale version or a status that cannot be edited
        if error.status_code != 409:
            raise
        flash(error.describe(), "error")
        return _render_form(
            document,
            _with_call(values, call),
            {},
            error.status_code,
            change=documents.latest_change(current_user, document),
        )
    if then_submit and document.status.value != "published":
        flash(_("Submitted for review. The Technical Secretariat has been told."), "success")
        return redirect(url_for("documents.detail", document_id=document.id))
    if document.status.value == "published":
        flash(
            _(
                "Your changes were sent for review. The published text stays as it is until "
                "they are approved."
            ),
            "success",
        )
        return redirect(url_for("documents.detail", document_id=document.id))
    flash(_("Draft saved."), "success")
    return redirect(url_for("documents.edit", document_id=document.id))


@bp.post("/documents/<int:document_id>/submit")
@login_required
def submit(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    data = load(VersionSchema(), form_data(request.form))
    documents.submit(current_user, document, version=data["version"])
    flash(_("Submitted for review. The Technical Secretariat has been told."), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/documents/<int:document_id>/withdraw")
@login_required
def withdraw(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    data = load(VersionSchema(), form_data(request.form))
    documents.withdraw(current_user, document, version=data["version"])
    flash(_("The submission was withdrawn."), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/documents/<int:document_id>/comments")
@login_required
def add_comment(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    values = form_data(request.form)
    back = safe_next_url(request.form.get("next"), "main.home")
    try:
        data = load(CommentSchema(), values)
        comment = conversation.add_comment(current_user, document, data["body"], parent_id=data["parent_id"])
    except ValidationFailed as error:
        return _detail(document, values, error.errors or {}, 422)
    flash(_("Your message was sent."), "success")
    return redirect(f"{back.split('#')[0]}#comment-{comment.id}")


@bp.post("/documents/drafts/<form_key>")
def save_form_draft(form_key: str):
    """Autosave: the document form's text while it is typed (JSON, from the form's script)."""
    document = (
        None
        if form_key == form_drafts.NEW_FORM
        else documents.get_document_for(current_user, _draft_document_id(form_key))
    )
    data = load(FormDraftSchema(), request.get_json(silent=True) or {})
    draft = form_drafts.save_form_draft(current_user, document, data["values"])
    return {"saved_at": draft.saved_at.isoformat()}


@bp.post("/documents/drafts/<form_key>/discard")
@login_required
def discard_form_draft(form_key: str):
    document = (
        None
        if form_key == form_drafts.NEW_FORM
        else documents.get_document_for(current_user, _draft_document_id(form_key))
    )
    form_drafts.discard_form_draft(current_user, document)
    flash(_("The unsaved text was discarded."), "success")
    return redirect(
        url_for("documents.edit", document_id=document.id) if document else url_for("documents.new")
    )


def _draft_document_id(form_key: str) -> int:
    if not form_key.isdigit() or len(form_key) > 10:
        raise NotFound()
    return int(form_key)


@bp.get("/documents/<int:document_id>")
def detail(document_id: int):
    try:
        document = documents.get_document_for(current_user, document_id)
    except NotFound:
        if access.is_signed_in(current_user):
            raise
        # The same page whether or not the document exists: some are only for
        # signed-in participants, and signing in comes back here.
        return render_template("documents/sign_in_to_read.html"), 404
    return _detail(document)


def _detail(document, comment_values=None, comment_errors=None, status: int = 200):
    return render_template(
        "documents/detail.html",
        document=document,
        threads=conversation.conversation(current_user, document),
        in_conversation=access.can_take_part_in_conversation(current_user, document),
        comment_values=comment_values or {},
        comment_errors=comment_errors or {},
        review_status=documents.review_status(document),
        revision=documents.pending_revision(document),
        can_edit=access.can_edit_document(current_user, document),
        can_upload=access.can_upload(current_user, document),
        is_own=access.is_of_submitting_organization(current_user, document),
        can_see_history=access.can_see_history(current_user, document),
        related=search.related_documents(current_user, document)
        if document.status == DocumentStatus.PUBLISHED
        else [],
    ), status


@bp.get("/documents/<int:document_id>/history")
@login_required
def history(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    return render_template(
        "documents/history.html", document=document, events=documents.history(current_user, document)
    )


@bp.get("/documents/mine")
@login_required
def mine():
    page = documents.my_documents(current_user, after=whole_number(request.args.get("after", "")))
    return render_template("documents/mine.html", rows=page.rows, page=page)


# --- attachments -------------------------------------------------------------------


def _wants_json() -> bool:
    """The form's upload script asks for JSON; a plain form gets a page."""
    return request.accept_mimetypes.best == "application/json"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    # The request is refused before the view runs; whatever the document had is untouched.
    if _wants_json():
        return {
            "message": _(
                "The file is larger than %(mb)d MB.",
                mb=current_app.config["RCM_MAX_UPLOAD_BYTES"] // (1024 * 1024),
            )
        }, 413
    document_id = (request.view_args or {}).get("document_id")
    back = url_for("documents.edit", document_id=document_id) if document_id else None
    return render_template(
        "documents/too_large.html",
        back=back,
        max_upload_mb=current_app.config["RCM_MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), 413


@bp.errorhandler(CSRFError)
def stale_form(error):
    """An expired form (the page was open for long): a signed-in author's document form
    comes back with everything that was typed, so the text can be sent again."""
    message = _("This form has expired or was sent from another site. Check your text below and save again.")
    if not current_user.is_authenticated:
        # Only a signed-in author's own form comes back filled in: for anyone else a
        # cross-site page could stage a pre-filled form on the site.
        if request.endpoint in ("documents.new", "documents.edit"):
            # The session ended while the form was open: sign in again and come back to
            # it; the form's script keeps what was typed in this browser and puts it back.
            flash(
                _(
                    "Your session has ended. Sign in again to save your text: it is kept in this "
                    "browser and comes back in the form."
                ),
                "error",
            )
            return redirect(url_for("auth.login", next=request.path))
        return handle_csrf_error(error)
    values = _form_values(request.form)
    try:
        if request.endpoint == "documents.new":
            document = None
            key = _idempotency_key(request.form.get("idempotency_key", "")) or str(uuid.uuid4())
        elif request.endpoint == "documents.edit":
            document = documents.get_document_to_edit(current_user, request.view_args["document_id"])
            key = None
        else:
            return handle_csrf_error(error)
    except DomainError:
        return handle_csrf_error(error)
    flash(message, "error")
    return _render_form(document, values, {}, 400, idempotency_key=key)


@bp.post("/documents/<int:document_id>/attachments")
@login_required
def upload(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(url_for("documents.edit", document_id=document.id))
    try:
        attachment = attachments.add_attachment(current_user, document, upload.stream, upload.filename)
    except DomainError as error:
        if error.status_code not in (413, 415):
            raise
        if _wants_json():
            return {"message": error.describe()}, error.status_code
        return render_template(
            "documents/upload_refused.html", document=document, message=error.describe()
        ), error.status_code
    if _wants_json():
        # The form's script adds the file to the list and takes the document's new version.
        return {
            "id": attachment.id,
            "filename": attachment.filename,
            "size": attachment.size,
            "url": url_for("documents.download_attachment", attachment_id=attachment.id),
            "delete_url": url_for("documents.delete_attachment", attachment_id=attachment.id),
            "version": document.version,
            "message": _("Attached %(name)s.", name=attachment.filename),
        }, 201
    flash(_("Attached %(name)s.", name=attachment.filename), "success")
    return redirect(url_for("documents.edit", document_id=document.id))


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id: int):
    document = attachments.remove_attachment(current_user, attachment_id)
    flash(_("The attachment was removed."), "success")
    return redirect(url_for("documents.edit", document_id=document.id))


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int):
    return send_attachment(attachments.get_attachment_for(current_user, attachment_id))
