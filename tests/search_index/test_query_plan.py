"""How typed text becomes a query plan: the thesaurus adds only what can find more."""

from search_index.query_syntax import EXPANSION_BOOST, Phrase, Word, parse
from search_index.thesaurus import Thesaurus

THESAURUS = Thesaurus.load()


def alternatives(text):
    return [(a.clauses, a.boost) for group in parse(text, THESAURUS).groups for a in group.alternatives]


def test_an_equivalent_that_only_repeats_the_typed_word_is_not_searched():
    # "personas migrantes" would find only documents that "migrant" finds already.
    assert alternatives("migrant") == [((Word("migrant"),), 1.0)]


def test_an_equivalent_in_the_other_language_is_kept():
    found = alternatives("trabajadores migrantes")
    assert ((Phrase(("migrant", "workers")),), EXPANSION_BOOST) in found
    assert found[0] == ((Word("trabajadores"), Word("migrantes")), 1.0)


def test_a_single_word_equivalent_is_kept():
    assert ((Word("asylum"),), EXPANSION_BOOST) in alternatives("asilo")


def test_words_joined_by_or_are_both_kept():
    assert alternatives("remesas OR remittances") == [
        ((Word("remesas"),), 1.0),
        ((Word("remittances"),), 1.0),
    ]


def test_a_typed_phrase_is_dropped_only_when_a_typed_word_beside_it_finds_all_it_finds():
    assert alternatives('migrante OR "personas migrantes"') == [((Word("migrante"),), 1.0)]
    assert len(alternatives('"personas migrantes" OR asilo')) >= 2


def test_a_phrase_is_matched_under_the_stemming_of_the_language_its_small_words_show():
    assert Phrase(("trata", "de", "personas")).languages == ("es",)
    assert Phrase(("smuggling", "of", "migrants")).languages == ("en",)
    assert Phrase(("migrant", "workers")).languages == ("en", "es")  # nothing tells: both


def test_an_equivalent_phrase_is_compared_under_the_stemming_of_its_own_language():
    # "smuggling of migrants" is matched as English only, where "migrant smuggling"
    # already finds every document holding it; the Spanish equivalents stay.
    found = alternatives("migrant smuggling")
    assert ((Phrase(("smuggling", "of", "migrants")),), EXPANSION_BOOST) not in found
    assert ((Phrase(("trafico", "de", "migrantes")),), EXPANSION_BOOST) in found


def test_a_word_typed_again_in_any_case_or_accent_is_searched_once():
    once = parse("migrantes frontera -muro")
    for text in (
        "migrantes migrantes frontera -muro",
        "Migrantes frontera MIGRÁNTES -muro -muro",
        "migrantes " * 30 + "frontera -muro",
    ):
        again = parse(text)
        assert (again.groups, again.excluded) == (once.groups, once.excluded)
