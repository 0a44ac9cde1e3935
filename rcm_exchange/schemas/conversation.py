"""The conversation about a document (a comment or a reply from the page's form), and
the text of a document form saved while typing."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from rcm_exchange import content
from rcm_exchange.schemas import Id, Text
from rcm_exchange.schemas.documents import CALL_FIELD


class CommentSchema(Schema):
    class Meta:
        unknown = RAISE

    body = Text(required=True)
    parent_id = Id(load_default=None)


# The fields of the document form a draft keeps: its content fields, the call it answers
# and the version read (everything the form's script sends while typing).
DRAFT_FIELDS = (*content.NAMES, CALL_FIELD, "version")


class FormDraftSchema(Schema):
    """``{"values": {field: text or list of texts}}``: kept as typed, checked when saved."""

    class Meta:
        unknown = RAISE

    values = fields.Dict(
        keys=fields.String(validate=validate.OneOf(DRAFT_FIELDS)),
        values=fields.Raw(
            validate=lambda value: isinstance(value, str | list) and len(str(value)) <= 600_000
        ),
        required=True,
    )
