"""API tokens: asking for one with credentials, naming one on the settings page, and
how an issued token is shown."""

from marshmallow import RAISE, Schema, fields, validate

from rcm_exchange.schemas import Text


class TokenRequestSchema(Schema):
    """POST /api/v1/auth/tokens."""

    class Meta:
        unknown = RAISE

    email = Text(required=True, validate=validate.Length(min=1, max=254))
    password = Text(required=True, validate=validate.Length(min=1, max=1000))
    read_only = fields.Boolean(
        load_default=False, metadata={"description": "A token that reads and never changes anything."}
    )


class TokenNameSchema(Schema):
    """The settings page's "new token" form: an optional label to tell tokens apart."""

    class Meta:
        unknown = RAISE

    name = Text(load_default="", validate=validate.Length(max=100))
    read_only = fields.Boolean(load_default=False)


class IssuedTokenSchema(Schema):
    token = Text(
        required=True,
        metadata={"description": "Send as `Authorization: Bearer <token>`. Shown only this once."},
    )
    expires_at = fields.DateTime(required=True)
