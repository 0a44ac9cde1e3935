"""Sign-in, passwords and the admin's account form."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from rcm_exchange.i18n import LANGUAGES
from rcm_exchange.models import Role
from rcm_exchange.schemas import Id, Text


class SignInSchema(Schema):
    email = Text(required=True, validate=validate.Length(min=1, max=254))
    password = Text(required=True, validate=validate.Length(min=1, max=1000))
    remember = fields.Boolean(load_default=False)


class PasswordResetRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class NewPasswordSchema(Schema):
    password = Text(required=True, validate=validate.Length(min=1, max=1000))
    confirm = Text(required=True)

    @validates_schema
    def passwords_match(self, data, **kwargs):
        if data.get("password") != data.get("confirm"):
            raise ValidationError({"confirm": [str(_l("The two passwords do not match."))]})


class ChangePasswordSchema(NewPasswordSchema):
    current_password = Text(required=True, validate=validate.Length(min=1, max=1000))


class AccountSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    organization_id = Id(required=True)
    role = fields.Enum(
        Role, by_value=True, load_default=Role.CONTRIBUTOR, error_messages={"unknown": _l("Choose a role.")}
    )
    active = fields.Boolean(load_default=False)
    preferred_language = Text(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(LANGUAGES) + [""], error=_l("Choose a language.")),
    )
