"""Documents: search and list, the organization's own, create, edit, submit, withdraw,
attachments (up and down) and history. Each view parses, calls a service, dumps."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from rcm_exchange.api import search_listing
from rcm_exchange.api.spec import API_PREFIX, ID, caller, error_responses
from rcm_exchange.downloads import citation_response, send_attachment
from rcm_exchange.schemas.document_search import DocumentResultsSchema, DocumentSearchSchema
from rcm_exchange.schemas.documents import (
    AttachmentOutSchema,
    AuditEventOutSchema,
    DocumentOutSchema,
    DocumentPatchSchema,
    DocumentSchema,
    VersionSchema,
)
from rcm_exchange.services import attachments, citations, documents, search
from rcm_exchange.services.file_inspection import ALLOWED_TYPES

blp = Blueprint(
    "api_documents",
    __name__,
    url_prefix=API_PREFIX,
    description="Documents: search, write, submit, attach, follow.",
)
blp.record_once(search_listing.keep_listings)


class MyDocumentsSchema(Schema):
    items = fields.List(fields.Nested(DocumentOutSchema), required=True)
    total = fields.Integer(required=True)


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={
            "description": "Any unique text: a retried request with the same key "
            "returns the document the first one created."
        },
    )


class AttachmentUploadSchema(Schema):
    file = Upload(
        required=True, metadata={"description": "PDF, DOCX, ODT, XLSX, PNG or JPEG (judged by content)."}
    )


@blp.route("/documents", methods=["GET"])
@blp.arguments(DocumentSearchSchema, location="query", as_kwargs=False)
@blp.response(200, DocumentResultsSchema)
@error_responses(blp, 401)
@caller(blp, token="optional")
def list_documents(params):
    """Search published documents the caller may see

    Facet counts count only what the caller may see.
    """
    page = search_listing.listed_documents(current_user, search.SearchParams.from_loaded(params))
    # Already JSON in the schema's shape: most items are served as the index keeps them.
    return current_app.response_class(page, mimetype="application/json")


@blp.route("/documents/mine", methods=["GET"])
@blp.response(200, MyDocumentsSchema)
@error_responses(blp, 401)
@caller(blp, token="required")
def my_documents():
    """The caller's organization's documents, in any status, newest change first"""
    mine = documents.my_documents(current_user, limit=None).rows
    return {"items": [entry.document for entry in mine], "total": len(mine)}


@blp.route("/documents", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(DocumentSchema)
@blp.response(201, DocumentOutSchema)
@error_responses(blp, 401, 403, 409, 415)
@caller(blp, token="required")
def create_document(headers, data):
    """Create a draft

    Unknown fields (`status`, `organization`, `author`, `id`, …) are refused with 422.
    """
    key = headers["idempotency_key"]
    return documents.create_draft(current_user, data, idempotency_key=f"api:{key}" if key else None)


@blp.route(f"/documents/<{ID}:document_id>", methods=["GET"])
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 404)
@caller(blp, token="optional")
def get_document(document_id: int):
    """One document the caller may see"""
    return documents.get_document_for(current_user, document_id)


@blp.route(f"/documents/<{ID}:document_id>", methods=["PATCH"])
@blp.arguments(DocumentPatchSchema)
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def edit_document(data, document_id: int):
    """Edit a draft, a document sent back for changes, or propose a revision of a published one

    Send the `version` read last: if someone changed the document since, the answer is 409.
    """
    document = documents.get_document_for(current_user, document_id)
    return documents.update_document(current_user, document, data, data["version"])


@blp.route(f"/documents/<{ID}:document_id>/submit", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def submit_document(data, document_id: int):
    """Submit to the Secretariat for review"""
    document = documents.get_document_for(current_user, document_id)
    return documents.submit(current_user, document, version=data["version"])


@blp.route(f"/documents/<{ID}:document_id>/withdraw", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def withdraw_document(data, document_id: int):
    """Take a submission back to draft"""
    document = documents.get_document_for(current_user, document_id)
    return documents.withdraw(current_user, document, version=data["version"])


@blp.route(f"/documents/<{ID}:document_id>/attachments", methods=["POST"])
@blp.arguments(AttachmentUploadSchema, location="files")
@blp.response(201, AttachmentOutSchema)
@error_responses(blp, 401, 403, 404, 413, 415)
@caller(blp, token="required", multipart=True)
def upload_attachment(files, document_id: int):
    """Attach a file to a draft or a document sent back for changes"""
    document = documents.get_document_for(current_user, document_id)
    upload = files["file"]
    return attachments.add_attachment(current_user, document, upload.stream, upload.filename or "")


@blp.route(f"/attachments/<{ID}:attachment_id>", methods=["GET"])
@error_responses(blp, 401, 404)
@caller(blp, token="optional")
@blp.doc(
    responses={
        "200": {
            "description": "The file, to those who may see its document.",
            "content": {
                kind.content_type: {"schema": {"type": "string", "format": "binary"}}
                for kind in ALLOWED_TYPES
            },
        }
    }
)
def download_attachment(attachment_id: int):
    """Download an attachment"""
    return send_attachment(attachments.get_attachment_for(current_user, attachment_id))


class CitationQuerySchema(Schema):
    format = fields.String(
        required=True,
        validate=validate.OneOf(list(citations.FORMATS)),
        metadata={"description": "`bibtex`, `ris`, `csl-json` or `dublin-core`."},
    )


@blp.route(f"/documents/<{ID}:document_id>/citation", methods=["GET"])
@blp.arguments(CitationQuerySchema, location="query", as_kwargs=True)
@error_responses(blp, 401, 404, 422)
@caller(blp, token="optional")
@blp.doc(
    responses={
        "200": {
            "description": "The citation of a published document, in the document's language.",
            "content": {
                media_type: {"schema": {"type": "string"}}
                for _extension, media_type, _name in citations.FORMATS.values()
            },
        }
    }
)
def document_citation(document_id: int, format: str):  # noqa: A002 - the parameter's name
    """Cite a published document: BibTeX, RIS, CSL-JSON or Dublin Core XML"""
    return citation_response(current_user, document_id, format)


@blp.route(f"/documents/<{ID}:document_id>/history", methods=["GET"])
@blp.response(200, AuditEventOutSchema(many=True))
@error_responses(blp, 401, 404)
@caller(blp, token="required")
def document_history(document_id: int):
    """What happened to a document: for its organization and moderators"""
    document = documents.get_document_for(current_user, document_id)
    return documents.history(current_user, document)
