"""A search as a person or a client asks it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SearchParams:
    """A search as a person or a client asks it (the API's query parameters)."""

    q: str = ""
    tag: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    doc_type: str | None = None
    language: str | None = None
    year: int | None = None
    organization: int | None = None
    meeting: int | None = None
    body: str | None = None
    standing: str | None = None
    ppt_year: int | None = None
    call: int | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    exact: bool = False  # search ``q`` as typed: a correction is offered, never searched

    @classmethod
    def from_loaded(cls, data: dict) -> SearchParams:
        """From ``DocumentSearchSchema`` data (enums become their values)."""
        values = dict(data)
        for key in ("doc_type", "language", "standing"):
            if values.get(key) is not None:
                values[key] = getattr(values[key], "value", values[key])
        return cls(**values)
