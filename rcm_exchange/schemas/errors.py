"""The error body every ``/api/`` failure answers with (see API.md, "Errors").

Used to document the OpenAPI responses; the body itself is written by errors.py.
"""

from marshmallow import Schema, fields

from rcm_exchange.schemas import Text


class ErrorSchema(Schema):
    code = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    message = Text(required=True, metadata={"description": "What went wrong, for a person."})
    errors = fields.Dict(
        keys=Text(),
        values=fields.Raw(),
        metadata={"description": "Validation failures only (422): messages by field."},
    )
