"""RCM Exchange: the information-exchange and best-practices repository of the
Regional Conference on Migration.

The application factory lives in ``rcm_exchange.app`` and is imported from here on
first use, so that importing one module of the package costs only that module: the
attachment-extraction child, which imports the text-cleaning rules alone, starts
without Flask, SQLAlchemy and the extensions (0.8 s and their memory, inside its limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rcm_exchange.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from rcm_exchange.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
