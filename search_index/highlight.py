"""Highlighted fragments: escaped HTML in which only ``<mark>`` is markup.

One implementation for every engine, so escaping is done in one place and a
title such as ``<script>`` comes out as text. Words are matched the way the
engines match them (folded, stemmed in English and Spanish), so a Spanish
document found through the thesaurus shows the Spanish words that matched.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from html import escape

from .analysis import WORD_RE, fold, is_stop_word, word_keys
from .query_syntax import Phrase, QueryPlan, Word

FRAGMENT_CONTEXT = 70  # characters kept around a match
MAX_FRAGMENT_CHARS = 320
MAX_FRAGMENTS = 3


class _Matcher:
    def __init__(self, plan: QueryPlan):
        self.keys: set[str] = set()
        self.prefixes: list[str] = []
        for clause in plan.positive_clauses():
            if isinstance(clause, Word) and clause.prefix:
                self.prefixes.append(clause.text)
            else:
                for w in clause.words if isinstance(clause, Phrase) else (clause.text,):
                    if not is_stop_word(w):
                        self.keys.update(word_keys(w))

    def __bool__(self) -> bool:
        return bool(self.keys or self.prefixes)

    def matching(self, text: str) -> frozenset[str]:
        """The words of ``text`` (as written) that show the query."""
        found = _VOCABULARY.spellings(text, self.keys)
        if self.prefixes:
            distinct = set(WORD_RE.findall(text))
            for prefix in self.prefixes:
                found |= {w for w in distinct if fold(w).startswith(prefix)}
        return frozenset(found)


class _Vocabulary:
    """Every word seen in a highlighted text, filed under its stems.

    Highlighting is the part of a search done in Python, once per hit; a test per
    word of a long text would cost more than the search itself. Here a text's words
    are folded and stemmed once per process (the same documents come back query
    after query), and the words that show a query are the spellings filed under its
    stems: one regular expression then finds them in the text.
    """

    MAX_WORDS = 500_000
    MAX_TEXTS = 100_000

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._by_key: dict[str, set[str]] = {}
        self._texts: set[int] = set()  # hashes of texts whose words are filed
        self._lock = threading.Lock()

    def spellings(self, text: str, keys: set[str]) -> set[str]:
        with self._lock:
            marker = hash(text)
            if marker not in self._texts:
                self._file(set(WORD_RE.findall(text)))
                if len(self._texts) >= self.MAX_TEXTS:
                    self._texts.clear()
                self._texts.add(marker)
            found: set[str] = set()
            for key in keys:
                found |= self._by_key.get(key, set())
            return found

    def _file(self, distinct: set[str]) -> None:
        new = distinct - self._seen
        if not new:
            return
        if len(self._seen) + len(new) > self.MAX_WORDS:
            self._seen.clear()
            self._by_key.clear()
            self._texts.clear()
            new = distinct
        for word in new:
            for key in _word_keys(word):
                self._by_key.setdefault(key, set()).add(word)
        self._seen |= new


def _word_keys(word: str) -> frozenset[str]:
    folded = fold(word)
    return frozenset() if is_stop_word(folded) else word_keys(folded)


_VOCABULARY = _Vocabulary()


@lru_cache(maxsize=4096)
def _words_pattern(found: frozenset[str]) -> re.Pattern:
    """Exactly these words, as whole words (a word being a run of ``WORD_RE``)."""
    alternatives = "|".join(re.escape(w) for w in sorted(found, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def highlight(texts: list[str], plan: QueryPlan, max_fragments: int = MAX_FRAGMENTS) -> list[str]:
    """Up to ``max_fragments`` fragments of ``texts`` showing the query's words.

    ``texts`` come in order of importance (title first); the best fragments are
    returned in that order.
    """
    return Highlighter(plan, max_fragments)(texts)


class Highlighter:
    """``highlight`` for the hits of one query: the query's words are worked out once."""

    def __init__(self, plan: QueryPlan, max_fragments: int = MAX_FRAGMENTS):
        self.matcher = _Matcher(plan)
        self.max_fragments = max_fragments

    def __call__(self, texts: list[str]) -> list[str]:
        if not self.matcher:
            return []
        candidates = []  # (distinct matches, matches, text index, start, end, spans)
        for index, text in enumerate(texts):
            if not text:
                continue
            found = self.matcher.matching(text)
            if not found:
                continue
            spans = [m.span() for m in _words_pattern(found).finditer(text)]
            for window_spans in _windows(spans):
                distinct = len({_fold(text[s:e]) for s, e in window_spans})
                # Ranked by where the window's first match is; a window's bounds (cut
                # at whitespace) are worked out only for the few that are shown.
                candidates.append((distinct, len(window_spans), index, window_spans[0][0], window_spans))
        best = sorted(candidates, key=lambda c: (-c[0], -c[1], c[2], c[3]))[: self.max_fragments]
        best.sort(key=lambda c: (c[2], c[3]))
        return [_render(texts[c[2]], *_bounds(texts[c[2]], c[4]), c[4]) for c in best]


_fold = lru_cache(maxsize=100_000)(fold)


def _windows(spans: list[tuple[int, int]]):
    window: list[tuple[int, int]] = []
    for span in spans:
        if (
            window
            and span[1] - max(0, window[0][0] - FRAGMENT_CONTEXT) > MAX_FRAGMENT_CHARS - FRAGMENT_CONTEXT
        ):
            yield window
            window = []
        window.append(span)
    if window:
        yield window


def _bounds(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    start = max(0, spans[0][0] - FRAGMENT_CONTEXT)
    end = min(len(text), spans[-1][1] + FRAGMENT_CONTEXT)
    # Cut at whitespace so that no word is shown halved.
    if start > 0:
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else spans[0][0]
    if end < len(text):
        space = text.rfind(" ", spans[-1][1], end)
        end = space if space != -1 else spans[-1][1]
    return start, end


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    parts = ["…"] if start > 0 else []
    position = start
    for s, e in spans:
        parts.append(escape(text[position:s], quote=False))
        parts.append(f"<mark>{escape(text[s:e], quote=False)}</mark>")
        position = e
    parts.append(escape(text[position:end], quote=False))
    if end < len(text):
        parts.append("…")
    return " ".join("".join(parts).split())
