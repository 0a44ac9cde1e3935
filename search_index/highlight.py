"""Highlighted fragments: escaped HTML in which only ``<mark>`` is markup.

One implementation for every engine, so escaping is done in one place and a
title such as ``<script>`` comes out as text. Words are matched the way the
engines match them (folded, stemmed in English and Spanish), so a Spanish
document found through the thesaurus shows the Spanish words that matched.
"""
from __future__ import annotations

from functools import lru_cache
from html import escape

from .analysis import WORD_RE, fold, is_stop_word, word_keys
from .query_syntax import Phrase, QueryPlan, Word

FRAGMENT_CONTEXT = 70     # characters kept around a match
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
                for w in (clause.words if isinstance(clause, Phrase) else (clause.text,)):
                    if not is_stop_word(w):
                        self.keys.update(word_keys(w))

    def __bool__(self) -> bool:
        return bool(self.keys or self.prefixes)

    def matches(self, token: str) -> bool:
        folded, keys = _token_keys(token)
        if any(folded.startswith(p) for p in self.prefixes):
            return True
        return bool(keys & self.keys)


@lru_cache(maxsize=200_000)
def _token_keys(token: str) -> tuple[str, frozenset[str]]:
    # Long stored texts repeat the same words; folding and stemming each once
    # keeps highlighting cheap next to the search itself.
    folded = fold(token)
    return folded, frozenset() if is_stop_word(folded) else word_keys(folded)


def highlight(texts: list[str], plan: QueryPlan, max_fragments: int = MAX_FRAGMENTS) -> list[str]:
    """Up to ``max_fragments`` fragments of ``texts`` showing the query's words.

    ``texts`` come in order of importance (title first); the best fragments are
    returned in that order.
    """
    matcher = _Matcher(plan)
    if not matcher:
        return []
    candidates = []  # (distinct matches, matches, text index, start, end, spans)
    for index, text in enumerate(texts):
        if not text:
            continue
        spans = [m.span() for m in WORD_RE.finditer(text) if matcher.matches(m.group())]
        for start, end, window_spans in _windows(text, spans):
            distinct = len({fold(text[s:e]) for s, e in window_spans})
            candidates.append((distinct, len(window_spans), index, start, end, window_spans))
    best = sorted(candidates, key=lambda c: (-c[0], -c[1], c[2], c[3]))[:max_fragments]
    best.sort(key=lambda c: (c[2], c[3]))
    return [_render(texts[c[2]], c[3], c[4], c[5]) for c in best]


def _windows(text: str, spans: list[tuple[int, int]]):
    window: list[tuple[int, int]] = []
    for span in spans:
        if window and span[1] - max(0, window[0][0] - FRAGMENT_CONTEXT) > MAX_FRAGMENT_CHARS - FRAGMENT_CONTEXT:
            yield _bounds(text, window) + (window,)
            window = []
        window.append(span)
    if window:
        yield _bounds(text, window) + (window,)


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
