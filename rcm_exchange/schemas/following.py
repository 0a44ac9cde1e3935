"""Following: what a person may ask to follow, how often, and how notifications reach
them. The page's forms load through these schemas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from rcm_exchange.models import Delivery, Frequency, NotificationKind, SubscriptionKind
from rcm_exchange.schemas.document_search import DocumentSearchSchema

# A search's own paging and order are not part of what is followed.
NOT_FOLLOWED = ("sort", "page", "per_page")


def _frequency(**kwargs) -> fields.Enum:
    return fields.Enum(
        Frequency,
        by_value=True,
        **kwargs,
        error_messages={"unknown": _l("Choose how often to hear of new documents.")},
    )


class FollowSchema(DocumentSearchSchema):
    """What to follow: a kind, how often, and the search parameters that find it."""

    kind = fields.Enum(
        SubscriptionKind,
        by_value=True,
        required=True,
        error_messages={"unknown": _l("Choose what to follow.")},
    )
    frequency = _frequency(load_default=Frequency.DAILY)


def follow_schema() -> FollowSchema:
    return FollowSchema(exclude=NOT_FOLLOWED)


class FrequencySchema(Schema):
    frequency = _frequency(required=True)


# One delivery per kind of notification; a kind left out keeps its setting.
PreferencesSchema = Schema.from_dict(
    {
        kind.value: fields.Enum(
            Delivery, by_value=True, error_messages={"unknown": _l("Choose how to hear of this.")}
        )
        for kind in NotificationKind
    },
    name="PreferencesSchema",
)
