"""Countries, organizations and the yearly Presidency Pro-Tempore."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rcm_exchange.models.base import Base, str_enum


class OrganizationKind(enum.StrEnum):
    MEMBER_STATE = "member_state"
    OBSERVER_STATE = "observer_state"
    OBSERVER_ORG = "observer_org"
    CIVIL_SOCIETY = "civil_society"
    SECRETARIAT = "secretariat"


class RcmStatus(enum.StrEnum):
    MEMBER = "member"
    OBSERVER = "observer"


class Country(Base):
    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_es: Mapped[str] = mapped_column(String(120))
    rcm_status: Mapped[RcmStatus | None] = mapped_column(str_enum(RcmStatus, 16))

    def name(self, locale: str) -> str:
        return self.name_es if locale == "es" else self.name_en


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str | None] = mapped_column(String(200))
    acronym: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(str_enum(OrganizationKind))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    # An inactive organization is kept for its documents but takes no new accounts.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    country: Mapped[Country | None] = relationship()

    def display_name(self, locale: str) -> str:
        return (self.name_es or self.name) if locale == "es" else self.name


class PresidencyProTempore(Base):
    __tablename__ = "presidencies"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))

    country: Mapped[Country] = relationship()
