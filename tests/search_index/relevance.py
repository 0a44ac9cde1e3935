"""Relevance judgments over the fixture corpus and the precision@5 measure.

Each entry: the query, the documents that must appear in the top five
(``expected``) and further documents judged relevant (``also_relevant``).
Queries are run as a signed-in participant; when a query finds nothing and the
engine suggests a correction, the suggestion is followed, as the search page does.

``precision_at_5`` is the mean, over the queries, of the share of the (at most
five) top results that are relevant; the benchmarks reuse it.
"""

from dataclasses import dataclass

from search_index import AccessFilter, SearchQuery

ACCESS = AccessFilter(frozenset({"public", "participants"}), organization_id=9)


@dataclass(frozen=True)
class Judgment:
    query: str
    expected: frozenset
    also_relevant: frozenset = frozenset()
    kind: str = ""

    @property
    def relevant(self):
        return self.expected | self.also_relevant


def J(query, expected, also=(), kind=""):  # noqa: N802 - one letter keeps the judgment table readable
    return Judgment(query, frozenset(expected), frozenset(also), kind)


CHILDREN = {1, 2, 3, 4, 36}
TRAFFICKING = {8, 9, 10}
RETURN = {5, 6, 7}
ASYLUM = {11, 12, 13, 35}
CONSULAR = {16, 17, 18}
LABOUR = {13, 19, 20, 21}
REGULARIZATION = {14, 15, 34}
SMUGGLING = {38, 39}

JUDGMENTS = [
    J("educacion", {36}, {1, 14}, "missing accent"),
    J("educación niños migrantes", {36}, {1, 3}, "accents"),
    J("migracion laboral", {20}, LABOUR, "missing accent"),
    J("trabajador migrante", {20, 21}, LABOUR, "inflection"),
    J("trabajadoras migrantes", {21}, LABOUR, "inflection"),
    J("children", {2, 4}, CHILDREN, "inflection"),
    J("returnee reintegration", {6}, RETURN, "inflection"),
    J("unaccompanied children", {2, 1}, CHILDREN, "thesaurus en→es"),
    J("niños no acompañados", {1, 2}, CHILDREN, "thesaurus es→en"),
    J("trafficking in persons", {9, 8}, TRAFFICKING, "thesaurus en→es"),
    J("trata de personas", {8, 10, 9}, TRAFFICKING, "thesaurus es→en"),
    J('"trata de personas"', {8, 10}, TRAFFICKING, "phrase"),
    J('"protection status"', {14}, set(), "phrase"),
    J("retorno reintegracion", {5, 7}, RETURN, "missing accent"),
    J("return and reintegration", {6, 5}, RETURN, "thesaurus en→es"),
    J("asylum seekers", {11, 12}, ASYLUM, "thesaurus en→es"),
    J("solicitantes de asilo", {12, 11}, ASYLUM, "thesaurus es→en"),
    J("refugiados empleo", {13}, ASYLUM, "inflection"),
    J("refugees", {11, 35}, ASYLUM | {3, 4, 36}, "plain"),
    J("proteccion consular", {16, 17}, CONSULAR | {37}, "missing accent"),
    J("consular protection", {17, 16}, CONSULAR | {37}, "thesaurus en→es"),
    J("remesas", {23, 22}, {18}, "thesaurus es→en"),
    J("remittances", {22, 23}, {18}, "plain"),
    J("remitances", {22}, {23, 18}, "misspelling"),
    J("desplazamiento desastres", {25, 24}, set(), "thesaurus es→en"),
    J("disaster displacement", {24, 25}, set(), "thesaurus en→es"),
    J("regularizacion", {15, 34}, REGULARIZATION, "missing accent"),
    J("regulariz*", {15, 34, 14}, REGULARIZATION, "prefix"),
    J("migrant smuggling -coyotaje", {39}, set(), "exclusion"),
    J("smuggling OR coyotaje", {38, 39}, set(), "or"),
    J("tráfico ilícito de migrantes", {38, 39}, set(), "thesaurus es→en"),
    J("xenofobia discriminacion", {30}, set(), "missing accent"),
    J("derechos humanos fronteras", {29}, {21}, "spanish query, english doc"),
    J("human rights borders", {29}, set(), "plain"),
    J("albergues migrantes", {31}, {10, 25}, "spanish query, english doc"),
    J("salud mujeres migrantes", {33}, {10}, "spanish query, english doc"),
    J("Darien", {32}, set(), "missing accent"),
    J("venezuelan temporary protection", {14}, set(), "plain"),
    J("matricula consular", {18}, CONSULAR, "missing accent"),
    J("reclutamiento etico", {20, 19}, LABOUR, "thesaurus es→en"),
    J("financial inclusion remittances", {22}, {23}, "plain"),
    J("settlement services language training", {35}, set(), "plain"),
]


def top_ids(engine, judgment, access=ACCESS, n=5):
    result = engine.search(SearchQuery(access=access, text=judgment.query, per_page=n))
    if result.total == 0 and result.suggestion:
        result = engine.search(SearchQuery(access=access, text=result.suggestion, per_page=n))
    return [hit.id for hit in result.hits]


def precision_at_5(engine, judgments=JUDGMENTS, access=ACCESS) -> float:
    scores = []
    for judgment in judgments:
        top = top_ids(engine, judgment, access)
        scores.append(sum(1 for i in top if i in judgment.relevant) / len(top) if top else 0.0)
    return sum(scores) / len(scores)
