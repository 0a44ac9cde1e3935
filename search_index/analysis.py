"""Word lists and text normalisation shared by every backend.

Both engines index each text twice, once stemmed as English and once as Spanish,
after lowercasing and folding accents. Folding must come *before* stemming: the
Snowball Spanish stemmer strips ``-ación`` but not ``-acion``, so stemming first
would leave ``educación`` and ``educacion`` apart.

The Python functions here mirror what the engines' analyzers do, for the work that
happens outside the engines: thesaurus matching, highlighting and suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.lang.snowball.spanish import SpanishStemmer

# Letters and digits; underscores and punctuation separate words (like tantivy's
# SimpleTokenizer, so both engines cut text at the same places).
WORD_PATTERN = r"[^\W_]+"
WORD_RE = re.compile(WORD_PATTERN)

# Tokens longer than this are noise (hashes, URLs glued together) and bloat the index.
MAX_TOKEN_CHARS = 40

STEM_LANGUAGES = ("en", "es")

# Words that the Snowball lists call stop words but that carry meaning here
# ("Estados miembros", "States").
_KEEP = {"estado", "estados", "sentido", "sentidos", "sentida", "sentidas", "sentid", "siente", "sintiendo"}


def fold(text: str) -> str:
    """Lowercase and strip accents: ``Niñez`` → ``ninez``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


STOP_WORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in stopwords_for_language(lang) if w not in _KEEP)
    for lang in STEM_LANGUAGES
}
STOP_WORDS: frozenset[str] = frozenset().union(*STOP_WORDS_BY_LANGUAGE.values())


@lru_cache(maxsize=10_000)
def phrase_languages(phrase_words: tuple[str, ...]) -> tuple[str, ...]:
    """The stemmings a phrase is matched under: the language its small words show
    ("trata *de* personas", "smuggling *of* migrants"), or every one when they do not.

    Matching a Spanish phrase under English stemming finds nothing the Spanish one
    misses, and phrase matching over long bodies is the dearest part of a search.
    """
    counts = {lang: sum(w in STOP_WORDS_BY_LANGUAGE[lang] for w in phrase_words) for lang in STEM_LANGUAGES}
    best = max(counts.values())
    leaders = tuple(lang for lang in STEM_LANGUAGES if counts[lang] == best)
    return leaders if best and len(leaders) == 1 else STEM_LANGUAGES


# Irregular English plurals that Snowball leaves alone. They are expanded on the
# query side (``children`` also searches ``child``) so that no engine needs a
# custom index filter for them.
_IRREGULAR_GROUPS = (
    ("child", "children"),
    ("woman", "women"),
    ("man", "men"),
    ("person", "persons", "people"),
    ("foot", "feet"),
    ("tooth", "teeth"),
    ("mouse", "mice"),
)
_IRREGULAR = {w: group for group in _IRREGULAR_GROUPS for w in group}

_STEMMERS = {"en": EnglishStemmer().stem, "es": SpanishStemmer().stem}


def words(text: str) -> list[str]:
    """The words of ``text`` as the engines cut them, folded."""
    return [fold(m) for m in WORD_RE.findall(text)]


def word_variants(word: str) -> tuple[str, ...]:
    """The folded word and its irregular forms (``children`` → child, children)."""
    folded = fold(word)
    return _IRREGULAR.get(folded, (folded,))


@lru_cache(maxsize=100_000)
def stem(word: str, language: str) -> str:
    """The stem of an already folded word, as the engines index it."""
    return _STEMMERS[language](word)


@lru_cache(maxsize=100_000)
def word_keys(word: str) -> frozenset[str]:
    """Every stem a word may be indexed under, tagged by language."""
    keys = set()
    for variant in word_variants(word):
        for language in STEM_LANGUAGES:
            keys.add(f"{language}:{stem(variant, language)}")
    return frozenset(keys)


def is_stop_word(word: str) -> bool:
    return fold(word) in STOP_WORDS
