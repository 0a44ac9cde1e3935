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
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from rcm_exchange.errors import DomainError, ValidationFailed, handle_csrf_error
from rcm_exchange.models import DocType, DocumentStatus, ImplementationStatus, Language, Visibility
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.documents import (
    LIST_FIELDS,
    DocumentEditSchema,
    DocumentSchema,
    VersionSchema,
)
from rcm_exchange.services import access, attachments, browse, calls, documents, search

bp = Blueprint("documents", __name__)


def _form_values(form) -> dict:
    values = form_data(form, LIST_FIELDS)
    values.pop("idempotency_key", None)
    return values


def _render_form(document, values, errors, status=200, *, idempotency_key=None):
    return render_template(
        "documents/form.html", document=document, values=values, errors=errors,
        idempotency_key=idempotency_key, doc_types=list(DocType), languages=list(Language),
        visibilities=list(Visibility), implementation_statuses=list(ImplementationStatus),
        tags=browse.taxonomy(), countries=documents.country_choices(),
        max_upload_mb=current_app.config["RCM_MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), status


@bp.route("/documents/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        return _render_form(None, {"visibility": Visibility.PARTICIPANTS.value}, {},
                            idempotency_key=str(uuid.uuid4()))
    key = _idempotency_key(request.form.get("idempotency_key", ""))
    values = _form_values(request.form)
    call = values.pop("call", "")  # the call for practices it answers, if one was chosen
    try:
        document = calls.create_answer_draft(current_user, _call_id(call), load(DocumentSchema(), values),
                                             idempotency_key=key)
    except ValidationFailed as error:
        return _render_form(None, values | {"call": call}, error.errors or {}, 422, idempotency_key=key)
    flash(_("Draft saved. Add attachments below, or submit it for review when it is ready."),
          "success")
    return redirect(url_for("documents.edit", document_id=document.id))


def _call_id(value: str) -> int | None:
    """No call, or the id chosen (0, which no call has, for anything that is not an id)."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _idempotency_key(value: str) -> str | None:
    """The key the form was given (a UUID); anything else is treated as no key, so a
    tampered field cannot reach the database as text it refuses."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _edit_values(document) -> dict:
    values = documents.proposed_content(document)
    values["version"] = document.version
    return values


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    access.require_submitting_organization(current_user, document)
    if request.method == "GET":
        return _render_form(document, _edit_values(document), {})
    values = _form_values(request.form)
    try:
        data = load(DocumentEditSchema(), values)
        documents.update_document(current_user, document, data, data["version"])
    except ValidationFailed as error:
        return _render_form(document, values, error.errors or {}, 422)
    except DomainError as error:  # a stale version or a status that cannot be edited
        flash(error.describe(), "error")
        return _render_form(document, values, {}, error.status_code)
    if document.status.value == "published":
        flash(_("Your changes were sent for review. The published text stays as it is until "
                "they are approved."), "success")
        return redirect(url_for("documents.detail", document_id=document.id))
    flash(_("Draft saved."), "success")
    return redirect(url_for("documents.edit", document_id=document.id))


@bp.post("/documents/<int:document_id>/submit")
@login_required
def submit(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    data = load(VersionSchema(), form_data(request.form))
    documents.submit(current_user, document, data["version"])
    flash(_("Submitted for review. The Technical Secretariat has been told."), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/documents/<int:document_id>/withdraw")
@login_required
def withdraw(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    data = load(VersionSchema(), form_data(request.form))
    documents.withdraw(current_user, document, data["version"])
    flash(_("The submission was withdrawn."), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.get("/documents/<int:document_id>")
def detail(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    return render_template(
        "documents/detail.html", document=document,
        review_status=documents.review_status(document),
        revision=documents.pending_revision(document),
        can_edit=access.can_edit_document(current_user, document),
        can_upload=access.can_upload(current_user, document),
        is_own=access.is_of_submitting_organization(current_user, document),
        can_review=access.can_review(current_user),
        can_see_history=access.can_see_history(current_user, document),
        related=search.related_documents(current_user, document)
        if document.status == DocumentStatus.PUBLISHED else [],
    )


@bp.get("/documents/<int:document_id>/history")
@login_required
def history(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    return render_template("documents/history.html", document=document,
                           events=documents.history(current_user, document))


@bp.get("/documents/mine")
@login_required
def mine():
    after = request.args.get("after", "")
    page = documents.my_documents(current_user, after=int(after) if after.isdigit() and len(after) < 19 else None)
    return render_template("documents/mine.html", rows=page.rows, page=page)


# --- attachments -------------------------------------------------------------------

@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    # The request is refused before the view runs; whatever the document had is untouched.
    document_id = (request.view_args or {}).get("document_id")
    back = url_for("documents.edit", document_id=document_id) if document_id else None
    return render_template(
        "documents/too_large.html", back=back,
        max_upload_mb=current_app.config["RCM_MAX_UPLOAD_BYTES"] // (1024 * 1024)), 413


@bp.errorhandler(CSRFError)
def stale_form(error):
    """An expired form (the page was open for long): a signed-in author's document form
    comes back with everything that was typed, so the text can be sent again."""
    message = _("This form has expired or was sent from another site. Check your text below "
                "and save again.")
    if not current_user.is_authenticated:
        # Only a signed-in author's own form comes back filled in: for anyone else a
        # cross-site page could stage a pre-filled form on the site.
        return handle_csrf_error(error)
    values = _form_values(request.form)
    try:
        if request.endpoint == "documents.new":
            document = None
            key = _idempotency_key(request.form.get("idempotency_key", "")) or str(uuid.uuid4())
        elif request.endpoint == "documents.edit":
            document = documents.get_document_for(current_user, request.view_args["document_id"])
            access.require_submitting_organization(current_user, document)
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
        return render_template("documents/upload_refused.html", document=document,
                               message=error.describe()), error.status_code
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


def send_attachment(attachment):
    """The file as a download; the API's download answers the same way."""
    etag, last_modified = attachments.download_validators(attachment)
    response = send_file(attachments.open_file(attachment), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.filename, conditional=True,
                         max_age=0, etag=etag, last_modified=last_modified)
    # Never rendered on the site's origin: a download, not sniffed, sandboxed if opened.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
