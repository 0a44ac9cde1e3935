"""Reference data: tags (with what the caller may see under each), organizations and
countries."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from rcm_exchange.api import API_PREFIX, TOKEN_OPTIONAL, error_responses
from rcm_exchange.i18n import localized
from rcm_exchange.schemas.reference import CountryOutSchema, OrganizationOutSchema, TagOutSchema
from rcm_exchange.services import accounts, browse

blp = Blueprint("api_reference", __name__, url_prefix=API_PREFIX,
                description="Tags, organizations and countries.")


@blp.route("/tags", methods=["GET"])
@blp.response(200, TagOutSchema(many=True))
@error_responses(blp, 401)
@blp.doc(security=TOKEN_OPTIONAL)
def tags():
    """The tag taxonomy, pillars first"""
    return [
        {"slug": tag.slug, "name_en": tag.name_en, "name_es": tag.name_es,
         "description": localized(tag, "description"), "count": count}
        for tag, count in browse.tags_with_counts(current_user)
    ]


@blp.route("/organizations", methods=["GET"])
@blp.response(200, OrganizationOutSchema(many=True))
@error_responses(blp, 401)
@blp.doc(security=TOKEN_OPTIONAL)
def organizations():
    """Member and observer states, observer organizations, civil society and the Secretariat"""
    return accounts.list_organizations()


@blp.route("/countries", methods=["GET"])
@blp.response(200, CountryOutSchema(many=True))
@error_responses(blp, 401)
@blp.doc(security=TOKEN_OPTIONAL)
def countries():
    """Countries, with their standing in the RCM"""
    return browse.countries()
