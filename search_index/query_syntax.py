"""From what a user types to an engine-neutral query plan.

Supported syntax: words (all required), "quoted phrases", ``OR`` between two
terms, ``-word`` / ``-"phrase"`` (or ``NOT word``) exclusions and a trailing ``*``
for a prefix. Nothing else is syntax here: ``visibility:members`` is two plain
words, so no user text can name a field, let alone widen the access filter, which
every engine adds as its own required clause. ``split_field_filters`` takes the
``tag:``-style filters out of a text for an application to turn into filters of
its own (after checking them); what it leaves is parsed as words.

When the words all together find fewer than a page, ``QueryPlan.tiers`` gives the
graded tiers that follow: documents holding most of the words (``graded_minimum``),
then at least half of them, each without the documents an earlier tier finds.
Phrases, exclusions and filters stay strict in every tier.

Whatever the input, parsing never raises: control characters are dropped, the
text is cut to ``MAX_QUERY_CHARS`` and ``MAX_TERMS`` words, and a stray quote or
parenthesis is simply ignored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Generic, TypeVar

from .analysis import (
    STEM_LANGUAGES,
    WORD_RE,
    fold,
    is_stop_word,
    phrase_languages,
    stem,
    word_variants,
    words,
)
from .thesaurus import Term, Thesaurus

MAX_QUERY_CHARS = 500
MAX_TERMS = 30
MIN_PREFIX_CHARS = 2  # shorter prefixes search the word itself
MAX_PREFIX_EXPANSIONS = 50  # index terms a prefix may expand to, per field
EXPANSION_BOOST = 0.25  # thesaurus equivalents rank below the words typed
MAX_EXPANSIONS_PER_GROUP = 8
# The graded tier is a disjunction of every way to hold the required number of
# words; beyond this many ways the required number goes up.
MAX_GRADED_COMBINATIONS = 64


@dataclass(frozen=True)
class Word:
    text: str  # folded
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # folded, stop words kept

    @property
    def languages(self) -> tuple[str, ...]:
        return phrase_languages(self.words)


Clause = Word | Phrase


@dataclass(frozen=True)
class Alternative:
    clauses: tuple[Clause, ...]  # all required
    boost: float = 1.0


@dataclass(frozen=True)
class Group:
    alternatives: tuple[Alternative, ...]  # any one suffices


def _is_strict(group: Group) -> bool:
    """A quoted phrase (or a hyphenated word) is always required, even when graded."""
    return any(isinstance(c, Phrase) for c in group.alternatives[0].clauses)


def group_label(group: Group) -> str:
    """The words of a group as typed (folded), for "results without …"."""

    def typed(alternative: Alternative) -> str:
        return " ".join(
            c.text + ("*" if c.prefix else "") if isinstance(c, Word) else '"' + " ".join(c.words) + '"'
            for c in alternative.clauses
        )

    labels = [typed(a) for a in group.alternatives if a.boost == 1.0] or [typed(group.alternatives[0])]
    return " OR ".join(labels)


def _chooseable(count: int, needed: int) -> int:
    """``needed``, raised until the ways to choose that many of ``count`` groups are
    few enough to spell out (``MAX_GRADED_COMBINATIONS``)."""
    while needed < count and math.comb(count, needed) > MAX_GRADED_COMBINATIONS:
        needed += 1
    return needed


def graded_minimum(count: int) -> int:
    """How many of ``count`` words a document of the first graded tier must hold:
    all up to two, then all but one, then about 70%."""
    if count <= 2:
        return count
    return _chooseable(count, min(count - 1, math.ceil(0.7 * count)))


def graded_tiers(count: int) -> list[int]:
    """The tiers that follow the documents holding all ``count`` words, as the number
    of words each must hold: most of them (``graded_minimum``), then at least half
    (never fewer than two, so one common word alone finds nothing)."""
    tiers: list[int] = []
    for needed in (graded_minimum(count), _chooseable(count, max(2, math.ceil(count / 2)))):
        if needed < (tiers[-1] if tiers else count):
            tiers.append(needed)
    return tiers


@dataclass
class QueryPlan:
    groups: list[Group] = field(default_factory=list)  # all required
    excluded: list[Clause] = field(default_factory=list)
    text: str = ""  # the sanitized text
    # A graded tier: this many of the optional groups suffice, and documents holding
    # ``above`` of them or more are left out (an earlier tier finds them; None: all of
    # them). ``min_optional`` None: every group is required.
    min_optional: int | None = None
    above: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    def optional_groups(self) -> list[Group]:
        return [g for g in self.groups if not _is_strict(g)]

    def tiers(self) -> list[QueryPlan]:
        """The graded tiers of this plan, in the order they rank (none when every
        group stays required, as with one or two words)."""
        if self.min_optional is not None:
            return []
        tiers, above = [], None
        for needed in graded_tiers(len(self.optional_groups())):
            tiers.append(replace(self, min_optional=needed, above=above))
            above = needed
        return tiers

    def positive_clauses(self) -> list[Clause]:
        return [c for g in self.groups for a in g.alternatives for c in a.clauses]

    def correctable_words(self) -> list[str]:
        """Plain words typed by the user, the candidates for a spelling correction."""
        found = []
        for group in self.groups:
            for clause in group.alternatives[0].clauses:
                if isinstance(clause, Word) and not clause.prefix and clause.text not in found:
                    found.append(clause.text)
        return found


_CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_TOKEN_RE = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"|(?P<chunk>\S+)')


def sanitize(text: str | None) -> str:
    """Drop NULs and control characters, normalise, and cut to a bounded length."""
    if not text:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = text[: MAX_QUERY_CHARS * 4]  # bound the work before normalising
    text = unicodedata.normalize("NFKC", text)
    cleaned = []
    for ch in text:
        if ch in "\t\n\r\x0b\x0c":
            cleaned.append(" ")
        elif unicodedata.category(ch) not in _CONTROL_CATEGORIES:
            cleaned.append(ch)
    return "".join(cleaned)[:MAX_QUERY_CHARS].strip()


def parse(text: str | None, thesaurus: Thesaurus | None = None) -> QueryPlan:
    """Parse user text into a plan; expand it with ``thesaurus`` when given."""
    clean = sanitize(text)
    plan = QueryPlan(text=clean)
    pending_or = pending_not = False
    term_count = 0
    for match in _TOKEN_RE.finditer(clean):
        if term_count >= MAX_TERMS:
            break
        negate = pending_not
        chunk = match.group("chunk")
        if chunk is not None:
            if chunk == "OR":
                pending_or = bool(plan.groups)
                continue
            if chunk == "AND":
                continue
            if chunk == "NOT":
                pending_not = True
                continue
            if chunk.startswith("-") and len(chunk) > 1:
                negate = True
            found = words(chunk)
            if len(found) == 1:
                prefix = chunk.endswith("*") and len(found[0]) >= MIN_PREFIX_CHARS
                clause: Clause = Word(found[0], prefix)
            elif found:
                # "co-operation" or "visibility:members": the words, side by side.
                clause = Phrase(tuple(found))
            else:
                continue
        else:
            negate = negate or bool(match.group("neg"))
            found = words(match.group("phrase"))
            if not found:
                continue
            clause = Word(found[0]) if len(found) == 1 else Phrase(tuple(found))
        # A word typed again is searched once, and does not count towards MAX_TERMS:
        # each repetition multiplied the graded tiers' combinations (the same word 30
        # times took whoosh 1.6 s on fifty documents).
        if (negate and clause in plan.excluded) or (
            not negate and not pending_or and Group((Alternative((clause,)),)) in plan.groups
        ):
            pending_not = False
            continue
        term_count += len(found)
        pending_not = False
        if negate:
            plan.excluded.append(clause)
            pending_or = False
        elif pending_or:
            last = plan.groups[-1]
            plan.groups[-1] = Group(last.alternatives + (Alternative((clause,)),))
            pending_or = False
        else:
            plan.groups.append(Group((Alternative((clause,)),)))
    if thesaurus is not None:
        plan.groups = _expand(plan.groups, thesaurus)
    plan.groups = [_without_subsumed(g) for g in _without_stop_words(plan.groups)]
    plan.excluded = [c for c in plan.excluded if not (isinstance(c, Word) and is_stop_word(c.text))]
    return plan


def _simple_word(group: Group) -> str | None:
    if len(group.alternatives) == 1 and len(group.alternatives[0].clauses) == 1:
        clause = group.alternatives[0].clauses[0]
        if isinstance(clause, Word) and not clause.prefix:
            return clause.text
    return None


def _term_clause(term: Term) -> Clause:
    return Word(term.words[0]) if len(term.words) == 1 else Phrase(term.words)


def _expansions(others: list[Term]) -> tuple[Alternative, ...]:
    return tuple(Alternative((_term_clause(t),), EXPANSION_BOOST) for t in others[:MAX_EXPANSIONS_PER_GROUP])


def _expand(groups: list[Group], thesaurus: Thesaurus) -> list[Group]:
    expanded: list[Group] = []
    i = 0
    while i < len(groups):
        group = groups[i]
        # A run of plain words may hold a multi-word term ("migrant workers").
        run: list[str] = []
        while i + len(run) < len(groups) and (word := _simple_word(groups[i + len(run)])) is not None:
            run.append(word)
        if run:
            match = thesaurus.match_at(run, 0)
            if match:
                length, others = match
                typed = Alternative(tuple(Word(w) for w in run[:length]))
                expanded.append(Group((typed,) + _expansions(others)))
                i += length
                continue
            expanded.append(group)
            i += 1
            continue
        alternatives = group.alternatives
        if (
            len(alternatives) == 1
            and len(alternatives[0].clauses) == 1
            and isinstance(alternatives[0].clauses[0], Phrase)
        ):
            phrase_words = list(alternatives[0].clauses[0].words)
            match = thesaurus.match_at(phrase_words, 0)
            if match and match[0] == len(phrase_words):
                group = Group(alternatives + _expansions(match[1]))
        expanded.append(group)
        i += 1
    return expanded


def _without_stop_words(groups: list[Group]) -> list[Group]:
    def strip(alternative: Alternative) -> Alternative:
        kept = tuple(
            c
            for c in alternative.clauses
            if not (isinstance(c, Word) and not c.prefix and is_stop_word(c.text))
        )
        return Alternative(kept, alternative.boost)

    stripped = []
    for group in groups:
        alternatives = tuple(a for a in map(strip, group.alternatives) if a.clauses)
        if alternatives:
            stripped.append(Group(alternatives))
    # A query made only of stop words ("the who") still searches them.
    return stripped if stripped or not groups else groups


def _without_subsumed(group: Group) -> Group:
    """Drop each alternative that cannot find a document another alternative, at
    least as strongly boosted, does not find already.

    "migrant" expands to the phrase "personas migrantes", yet every document with
    that phrase also holds "migrant": the phrase would add no document, only cost
    (phrase matching over long bodies is the dearest part of a query).
    """
    kept: list[Alternative] = []
    for alternative in group.alternatives:
        if not any(other.boost >= alternative.boost and _finds_all_of(other, alternative) for other in kept):
            kept.append(alternative)
    return Group(tuple(kept))


def _finds_all_of(broad: Alternative, narrow: Alternative) -> bool:
    """True when every document ``narrow`` finds holds all of ``broad``'s words.

    Only plain words can be compared: in each stemming language, some form of each
    of ``broad``'s words must be a stem that ``narrow`` requires in that language.
    """
    if not all(isinstance(c, Word) and not c.prefix for c in broad.clauses):
        return False
    if any(isinstance(c, Word) and c.prefix for c in narrow.clauses):
        return False
    narrow_words = [w for c in narrow.clauses for w in (c.words if isinstance(c, Phrase) else (c.text,))]
    broad_words = [c.text for c in broad.clauses if isinstance(c, Word)]  # all of them, checked above
    # A word with irregular forms is found through any of them: none is required.
    required = [w for w in narrow_words if len(word_variants(w)) == 1]
    # A lone phrase is matched only under the stemmings of its languages.
    lone = narrow.clauses[0] if len(narrow.clauses) == 1 else None
    for language in lone.languages if isinstance(lone, Phrase) else STEM_LANGUAGES:
        stems = {stem(w, language) for w in required}
        for word in broad_words:
            if not any(stem(v, language) in stems for v in word_variants(word)):
                return False
    return True


Q = TypeVar("Q")


class QueryBuilder(ABC, Generic[Q]):
    """What an engine supplies to turn a plan into its own query objects."""

    @abstractmethod
    def word(self, word: Word) -> Q | None:
        """The query for one word in any of its forms, or None when nothing can hold it."""

    @abstractmethod
    def phrase(self, phrase: Phrase) -> Q | None:
        """The query for the words of a phrase in their order, or None when nothing can."""

    @abstractmethod
    def all_of(self, queries: list[Q]) -> Q:
        """Documents that match every one of ``queries``."""

    @abstractmethod
    def any_of(self, queries: list[Q]) -> Q:
        """Documents that match at least one of ``queries``."""

    @abstractmethod
    def boosted(self, query: Q, boost: float) -> Q:
        """``query`` with its score multiplied by ``boost``."""

    def at_least(self, queries: list[Q], needed: int) -> Q:
        """Documents that match ``needed`` or more of ``queries``, scored as the sum
        of their scores over every choice of ``needed`` of them that they match.

        Spelled out as that disjunction of conjunctions (``MAX_GRADED_COMBINATIONS``
        keeps it small enough). An engine that can count matching queries per
        document instead overrides this with a query of its own that finds and
        scores the same documents.
        """
        choices = [_conjunction(self, list(chosen)) for chosen in combinations(queries, needed)]
        return choices[0] if len(choices) == 1 else self.any_of(choices)


def compile_plan(plan: QueryPlan, builder: QueryBuilder[Q]) -> tuple[Q | None, list[Q], bool]:
    """Return (positive query or None, excluded queries, whether anything can match).

    A required group whose words are absent from the index compiles to nothing,
    and then the whole query can match nothing. In the graded tier
    (``plan.min_optional``) such a group is one the documents lack; the tier is the
    documents holding at least ``min_optional`` optional groups (``QueryBuilder.at_least``,
    scored by the engines' own scoring of the groups they hold), without those holding
    ``plan.above`` (by default every group).
    """

    excluded = [q for q in (_compile_clause(builder, c) for c in plan.excluded) if q is not None]
    if plan.min_optional is None:
        return _compile_required_groups(plan, builder, excluded)
    return _compile_graded_tier(plan, plan.min_optional, builder, excluded)


def _compile_clause(builder: QueryBuilder[Q], clause: Clause) -> Q | None:
    return builder.word(clause) if isinstance(clause, Word) else builder.phrase(clause)


def _compile_group(builder: QueryBuilder[Q], group: Group) -> Q | None:
    """Any of the group's alternatives, each all of its clauses; None if none can match."""
    options: list[Q] = []
    for alternative in group.alternatives:
        compiled = [_compile_clause(builder, c) for c in alternative.clauses]
        parts = [p for p in compiled if p is not None]
        if len(parts) < len(compiled):
            continue
        query = parts[0] if len(parts) == 1 else builder.all_of(parts)
        options.append(query if alternative.boost == 1.0 else builder.boosted(query, alternative.boost))
    if not options:
        return None
    return options[0] if len(options) == 1 else builder.any_of(options)


def _conjunction(builder: QueryBuilder[Q], queries: list[Q]) -> Q:
    return queries[0] if len(queries) == 1 else builder.all_of(queries)


def _compile_required_groups(
    plan: QueryPlan, builder: QueryBuilder[Q], excluded: list[Q]
) -> tuple[Q | None, list[Q], bool]:
    """Every group is required: a group that cannot match means nothing can."""
    required = []
    for group in plan.groups:
        query = _compile_group(builder, group)
        if query is None:
            return None, [], False
        required.append(query)
    return (_conjunction(builder, required) if required else None), excluded, True


def _compile_graded_tier(
    plan: QueryPlan, min_optional: int, builder: QueryBuilder[Q], excluded: list[Q]
) -> tuple[Q | None, list[Q], bool]:
    """The strict groups and at least ``min_optional`` optional ones, without the documents
    that hold ``plan.above`` (by default all) optional groups."""
    strict, optional = [], []
    for group in plan.groups:
        query = _compile_group(builder, group)
        if _is_strict(group):
            if query is None:
                return None, [], False
            strict.append(query)
        elif query is not None:  # an optional group the index lacks is one no document holds
            optional.append(query)
    if len(optional) < min_optional:
        return None, [], False
    positive = _conjunction(builder, strict + [builder.at_least(optional, min_optional)])
    above = plan.above if plan.above is not None else len(plan.optional_groups())
    if above <= len(optional):  # else no document can hold that many: nothing to leave out
        excluded.append(_conjunction(builder, strict + [builder.at_least(optional, above)]))
    return positive, excluded, True


# ``field:value`` typed in the box; a value may be quoted ("country:"El Salvador"").
_FIELD_FILTER_RE = re.compile(r'(?<![^\s(])(?P<field>[^\W\d_]+):(?:"(?P<quoted>[^"]*)"|(?P<value>[^\s"]+))')


def split_field_filters(text: str | None) -> tuple[str, list[tuple[str, str]]]:
    """Take ``field:value`` filters out of ``text``: (the rest, [(field, value)]).

    Fields are returned folded and unchecked (the application knows which it
    accepts and what their values mean); the rest is searched as words. A value
    that starts with ``/`` (a web address) is left in the text.
    """
    clean = sanitize(text)
    found: list[tuple[str, str]] = []

    def take(match: re.Match) -> str:
        value = match.group("quoted") if match.group("quoted") is not None else match.group("value")
        if value.startswith("/"):
            return match.group(0)
        found.append((fold(match.group("field")), value.strip()))
        return " "

    rest = _FIELD_FILTER_RE.sub(take, clean)
    return " ".join(rest.split()), found


def replace_words(text: str, corrections: dict[str, str]) -> str:
    """``text`` with every word whose folded form is a key replaced by its value."""
    return WORD_RE.sub(lambda m: corrections.get(fold(m.group()), m.group()), text)
