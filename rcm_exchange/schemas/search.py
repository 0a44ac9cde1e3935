"""The search query: the same parameters for the search page and ``GET /api/v1/documents``."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from rcm_exchange.models import DocType, Language

MAX_PAGE = 10_000


class SearchParamsSchema(Schema):
    class Meta:
        # Links carry extra parameters (tracking, a stale bookmark); they are ignored.
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=2000))
    tag = fields.List(fields.String(validate=validate.Length(max=80)), load_default=list,
                      validate=validate.Length(max=20))
    country = fields.List(fields.String(validate=validate.Length(equal=2)), load_default=list,
                          validate=validate.Length(max=20))
    doc_type = fields.String(load_default=None, validate=validate.OneOf(
        [t.value for t in DocType], error=_l("Choose a document type from the list.")))
    language = fields.String(load_default=None, validate=validate.OneOf(
        [lang.value for lang in Language], error=_l("Choose a language from the list.")))
    year = fields.Integer(load_default=None, validate=validate.Range(min=1990, max=2100))
    organization = fields.Integer(load_default=None, validate=validate.Range(min=1))
    sort = fields.String(load_default=None, validate=validate.OneOf(
        ["relevance", "newest"], error=_l("Sort by relevance or newest.")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @post_load
    def to_params(self, data, **kwargs):
        from rcm_exchange.services.search import SearchParams

        return SearchParams(**data)
