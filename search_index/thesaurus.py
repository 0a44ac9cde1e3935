"""The bilingual thesaurus: groups of equivalent terms of the migration field.

A query is expanded with the other terms of every group one of its spans matches,
so an English query also finds the Spanish report on the same practice. The
expansion is boosted lower than the words typed, keeping exact-language matches
first.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from .analysis import word_keys, words

DEFAULT_THESAURUS_PATH = Path(__file__).with_name("data") / "thesaurus.tsv"


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # folded words, as a phrase

    @property
    def keys(self) -> tuple[frozenset[str], ...]:
        return tuple(word_keys(w) for w in self.words)


class Thesaurus:
    def __init__(self, groups: list[list[Term]]):
        self.groups = [g for g in groups if len(g) > 1]
        # Index every term by the stems of its first word for a cheap lookup.
        self._by_first_key: dict[str, list[tuple[Term, int]]] = {}
        for index, group in enumerate(self.groups):
            for term in group:
                for key in term.keys[0]:
                    self._by_first_key.setdefault(key, []).append((term, index))
        self.max_words = max((len(t.words) for g in self.groups for t in g), default=0)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Thesaurus:
        """The thesaurus in the file at ``path``; the same text is parsed once per process
        (every engine a process opens reads it, and a thesaurus is never changed)."""
        text = Path(path or DEFAULT_THESAURUS_PATH).read_text(encoding="utf-8")
        return cls.parse(text) if cls is not Thesaurus else _parsed(text)

    @classmethod
    def parse(cls, text: str) -> Thesaurus:
        groups = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            group, seen = [], set()
            for cell in line.split("\t"):
                term_words = tuple(words(cell))
                if term_words and term_words not in seen:
                    seen.add(term_words)
                    group.append(Term(term_words))
            groups.append(group)
        return cls(groups)

    def match_at(self, query_words: list[str], start: int) -> tuple[int, list[Term]] | None:
        """The longest term matching ``query_words`` from ``start``.

        Returns how many words it covers and the *other* terms of its group, or
        None. Words match when they share a stem in either language.
        """
        best_length = 0
        others: list[Term] = []
        first_keys = word_keys(query_words[start])
        candidates = {}
        for key in first_keys:
            for term, index in self._by_first_key.get(key, ()):
                candidates[(term.words, index)] = (term, index)
        for term, index in candidates.values():
            length = len(term.words)
            if start + length > len(query_words) or length < best_length:
                continue
            span = query_words[start : start + length]
            if not all(word_keys(w) & keys for w, keys in zip(span, term.keys, strict=True)):
                continue
            if length > best_length:
                best_length, others = length, []
            # The same term may sit in several groups (reintegration); merge them.
            for other in self.groups[index]:
                if not _same_keys(other, term) and other not in others:
                    others.append(other)
        return (best_length, others) if best_length else None


def _same_keys(a: Term, b: Term) -> bool:
    return len(a.words) == len(b.words) and all(x & y for x, y in zip(a.keys, b.keys, strict=True))


@functools.lru_cache(maxsize=4)
def _parsed(text: str) -> Thesaurus:
    return Thesaurus.parse(text)
