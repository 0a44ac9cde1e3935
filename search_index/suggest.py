"""Spelling corrections for "did you mean".

Engines supply candidate words (with how many documents hold them); this module
picks the closest. An engine offers a corrected query only after running it
under the caller's access filter and finding hits, so a suggestion never points
at a word that only occurs in documents the caller cannot see.
"""

from __future__ import annotations

from collections.abc import Iterable

from .analysis import fold, is_stop_word

MAX_CANDIDATES_TRIED = 3


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def within_reach(word: str, candidate: str) -> bool:
    """Whether ``candidate`` is ``word`` (folded alike) or near enough to correct it:
    an engine that pays for each candidate's frequency asks this first."""
    target, folded = fold(word), fold(candidate)
    limit = max_distance(target)
    return folded == target or edit_distance(target, folded, limit) <= limit


def rank_corrections(word: str, candidates: Iterable[tuple[str, int]]) -> list[str]:
    """Candidate words close to ``word``, closest and most frequent first."""
    target = fold(word)
    limit = max_distance(target)
    scored: dict[str, tuple[int, int, str]] = {}
    for candidate, frequency in candidates:
        folded = fold(candidate)
        # A stop word is no correction: searched without it, the query only loses the
        # word typed ("frontera sur" offered as "frontera sus").
        if folded == target or len(folded) < 3 or is_stop_word(folded):
            continue
        distance = edit_distance(target, folded, limit)
        if distance <= limit:
            key = (distance, -frequency, candidate)
            if folded not in scored or key < scored[folded]:
                scored[folded] = key
    return [key[2] for key in sorted(scored.values())][:MAX_CANDIDATES_TRIED]
