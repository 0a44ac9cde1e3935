"""Reference data: tags (with what the caller may see under each), organizations and
countries."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from rcm_exchange.api.spec import API_PREFIX, caller, error_responses
from rcm_exchange.schemas.forum import TagListQuerySchema
from rcm_exchange.schemas.reference import CountryOutSchema, OrganizationOutSchema, TagOutSchema
from rcm_exchange.services import accounts, browse, taxonomy

blp = Blueprint(
    "api_reference", __name__, url_prefix=API_PREFIX, description="Tags, organizations and countries."
)


@blp.route("/tags", methods=["GET"])
@blp.arguments(TagListQuerySchema, location="query", as_kwargs=True)
@blp.response(200, TagOutSchema(many=True))
@error_responses(blp, 401)
@caller(blp, token="optional")
def tags(changed_since):
    """The tag taxonomy, pillars first

    Without `changed_since`, the tags in use; with it, every tag created, renamed,
    reordered, retired or merged since that day, so that a client can follow the
    Secretariat's curation.
    """
    return taxonomy.tag_list(current_user, changed_since=changed_since)


@blp.route("/organizations", methods=["GET"])
@blp.response(200, OrganizationOutSchema(many=True))
@error_responses(blp, 401)
@caller(blp, token="optional")
def organizations():
    """Member and observer states, observer organizations, civil society and the Secretariat"""
    return accounts.list_organizations()


@blp.route("/countries", methods=["GET"])
@blp.response(200, CountryOutSchema(many=True))
@error_responses(blp, 401)
@caller(blp, token="optional")
def countries():
    """Countries, with their standing in the RCM"""
    return browse.countries()
