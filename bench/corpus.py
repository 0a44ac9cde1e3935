"""A deterministic synthetic bilingual corpus for the search benchmarks.

    python -m bench.corpus --size 10000 [--seed 7] [--out corpus.jsonl]

Documents are made of the vocabulary of the field (migration, protection, labour,
return, asylum, trafficking, consular work) in Spanish and English, drawn with
Zipf-like frequencies: a few words (and the stop words) everywhere, a long tail of
rare ones. Spanish words come inflected (gender, number, verb forms), so stemming
has work to do. The same seed always gives the same corpus.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from bisect import bisect
from datetime import UTC, datetime, timedelta

# Spanish lemmas with their inflected forms, roughly by how common they are in the field.
SPANISH = """
migrante migrantes | migración migraciones migratorio migratoria migratorios migratorias |
protección proteger protegida protegidos | persona personas | frontera fronteras fronterizo fronteriza |
niño niña niños niñas niñez | derecho derechos | país países | retorno retornados retornada retornar |
trabajador trabajadora trabajadores trabajadoras trabajo laboral laborales | refugiado refugiada refugiados refugiadas |
asilo solicitante solicitantes | trata | tráfico ilícito | víctima víctimas | atención atender atendidas |
regional regionales | programa programas | gobierno gobiernos | consular consulares consulado consulados |
comunidad comunidades | mujer mujeres | familia familias familiar familiares | salud | educación educativo educativa |
integración integrar integrados | reintegración reintegrar | regularización regularizar regularizados |
documento documentos documentación | registro registros registrar | acceso | servicio servicios |
albergue albergues | acogida | desplazamiento desplazados desplazadas | desastre desastres | clima climático |
seguridad | cooperación cooperar | información | capacitación capacitar capacitados | funcionario funcionarios funcionarias |
identificación identificar identificadas | protocolo protocolos | mecanismo mecanismos | política políticas |
nacional nacionales | institución instituciones institucional | organización organizaciones | sociedad civil |
remesa remesas | inclusión financiera | empleo empleos | contratación reclutamiento ético | xenofobia discriminación |
tránsito | detención alternativas | no acompañados acompañado | interés superior | vulnerabilidad vulnerables |
práctica prácticas | experiencia experiencias | resultado resultados | evaluación evaluar | implementación implementar |
estrategia estrategias | plan planes | sistema sistemas | apoyo apoyar | asistencia asistir | humanitaria humanitario |
visa visas | permiso permisos temporal temporales | estadía estancia | residencia residentes | nacionalidad apatridia |
""".replace("\n", " ")
SPANISH_STOP = [
    "de",
    "la",
    "que",
    "el",
    "en",
    "y",
    "los",
    "del",
    "se",
    "las",
    "por",
    "un",
    "para",
    "con",
    "no",
    "una",
    "su",
    "al",
    "lo",
    "como",
    "más",
    "o",
    "pero",
    "sus",
    "le",
    "ya",
    "entre",
]

ENGLISH = """
migrant migrants | migration migratory | protection protect protected | person persons people |
border borders | child children | right rights | country countries | return returnee returnees returning |
worker workers work labour | refugee refugees | asylum seeker seekers | trafficking | smuggling smuggler smugglers |
victim victims | care | regional | programme programmes | government governments | consular consulate consulates |
community communities | woman women | family families | health | education | integration integrate integrated |
reintegration | regularization regularize | document documents documentation | registration register registered |
access | service services | shelter shelters | reception | displacement displaced | disaster disasters | climate |
security | cooperation | information | training trained | officer officers | identification identify identified |
protocol protocols | mechanism mechanisms | policy policies | national | institution institutions institutional |
organization organizations | civil society | remittance remittances | financial inclusion | employment jobs |
recruitment ethical | xenophobia discrimination | transit | detention alternatives | unaccompanied |
best interests | vulnerability vulnerable | practice practices | experience experiences | result results |
evaluation evaluate | implementation implement implemented | strategy strategies | plan plans | system systems |
support | assistance | humanitarian | visa visas | permit permits temporary | stay | residence residents |
nationality statelessness |
""".replace("\n", " ")
ENGLISH_STOP = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "for",
    "on",
    "with",
    "a",
    "is",
    "by",
    "that",
    "as",
    "are",
    "from",
    "be",
    "at",
    "this",
    "an",
    "or",
    "their",
    "which",
]

SYLLABLES = (
    "ca",
    "ra",
    "to",
    "me",
    "li",
    "no",
    "sa",
    "ta",
    "mi",
    "pe",
    "lo",
    "cho",
    "gua",
    "ri",
    "da",
    "ma",
    "ve",
    "ni",
    "co",
    "la",
    "bu",
    "te",
    "qui",
    "zo",
    "fe",
    "ya",
    "ju",
    "ro",
)
TAIL_WORDS = 6000  # rare words (places, programmes, names) per corpus
LANGUAGES = ("es",) * 11 + ("en",) * 9
VISIBILITIES = ("public",) * 6 + ("participants",) * 3 + ("members", "secretariat")
DOC_TYPES = ("practice_report", "guidance", "experience")
START = datetime(2012, 1, 1, tzinfo=UTC)


def _forms(text: str) -> list[str]:
    return [w for group in text.split("|") for w in group.split()]


def _tail(rng: random.Random) -> list[str]:
    words = set()
    while len(words) < TAIL_WORDS:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))))
    return sorted(words)


class _Sampler:
    """Words drawn with Zipf-like frequencies (weight 1 / (rank + 2.7))."""

    def __init__(self, words: list[str]):
        self.words = words
        self.cumulative = list(itertools.accumulate(1.0 / (rank + 2.7) for rank in range(len(words))))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        total = self.cumulative[-1]
        return [self.words[bisect(self.cumulative, rng.random() * total)] for _ in range(k)]


def _samplers(seed: int) -> dict[str, tuple[_Sampler, list[str]]]:
    rng = random.Random(seed)
    tail = _tail(rng)
    result = {}
    for language, content, stop in (("es", SPANISH, SPANISH_STOP), ("en", ENGLISH, ENGLISH_STOP)):
        words = _forms(content)
        # The stop words interleave the common content words, then the rare tail follows.
        ranked = [w for pair in itertools.zip_longest(stop, words) for w in pair if w] + tail
        result[language] = (_Sampler(ranked), stop)
    return result


def _sentence(rng: random.Random, sampler: _Sampler, words: int) -> str:
    text = " ".join(sampler.draw(rng, words))
    return text[:1].upper() + text[1:] + "."


def generate(size: int, seed: int = 7, organizations=range(1, 41), tags=(), countries=()) -> list[dict]:
    """``size`` documents as ``search_index`` takes them (ids 1..size)."""
    rng = random.Random(seed)
    samplers = _samplers(seed)
    organizations = list(organizations)
    tags, countries = list(tags), list(countries)
    docs = []
    for doc_id in range(1, size + 1):
        language = rng.choice(LANGUAGES)
        sampler, _stop = samplers[language]
        body_words = max(60, int(rng.gauss(350, 90)))
        body = []
        while body_words > 0:
            n = min(body_words, rng.randint(8, 24))
            body.append(_sentence(rng, sampler, n))
            body_words -= n
        docs.append(
            {
                "id": doc_id,
                "title": _sentence(rng, sampler, rng.randint(5, 11))[:-1],
                "summary": _sentence(rng, sampler, rng.randint(18, 40)),
                "body": " ".join(body),
                "attachments_text": "",
                "language": language,
                "doc_type": rng.choice(DOC_TYPES),
                "tags": sorted(set(rng.sample(tags, rng.randint(1, 3)))) if tags else [],
                "countries": sorted(set(rng.sample(countries, rng.randint(1, 3)))) if countries else [],
                "organization_id": rng.choice(organizations),
                "visibility": rng.choice(VISIBILITIES),
                "published_at": START + timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 12)),
                "fingerprint": f"{doc_id}-1",
            }
        )
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-", help="JSON Lines file (default: standard output)")
    args = parser.parse_args()
    if args.out == "-":
        write_json_lines(sys.stdout, args.size, args.seed)
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            write_json_lines(out, args.size, args.seed)


def write_json_lines(out, size: int, seed: int) -> None:
    for doc in generate(size, seed):
        out.write(
            json.dumps({**doc, "published_at": doc["published_at"].isoformat()}, ensure_ascii=False) + "\n"
        )


if __name__ == "__main__":
    main()
