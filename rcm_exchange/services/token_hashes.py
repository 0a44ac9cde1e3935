"""Secrets handed to a person or a program (API tokens, session ids, password links)
are stored only as their SHA-256: a copy of the database lets no one in."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
