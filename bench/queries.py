"""The benchmark's query set: what people type, from the cheapest to the worst case.

Each query is a dict of the search page's parameters (``q``, ``tag``, ``country``,
``language``, ``year``), so the same set runs against an engine and through HTTP.
"""

from __future__ import annotations

# Single common words: the worst case for an engine that scores every match.
COMMON = [
    "migrantes",
    "migrant",
    "protección",
    "children",
    "frontera",
    "derechos",
    "workers",
    "refugiados",
    "migration",
    "trabajadores",
    "programa",
    "border",
]
# Two words, both required.
TWO_WORDS = [
    "trabajadores migrantes",
    "niños no acompañados",
    "asylum seekers",
    "remesas familias",
    "return reintegration",
    "protección consular",
    "human trafficking",
    "mujeres migrantes",
    "desplazamiento desastres",
    "financial inclusion",
    "capacitación funcionarios",
    "regularización permisos",
]
PHRASES = [
    '"trata de personas"',
    '"unaccompanied children"',
    '"interés superior"',
    '"civil society"',
    '"sociedad civil"',
    '"best interests"',
    '"inclusión financiera"',
    '"ethical recruitment"',
]
OTHER = [
    "regulariz*",
    "migrant smuggling -coyotaje",
    "remesas OR remittances",
    "educacion",
    "xenofobia discriminacion",
    "albergues",
]


def queries(tags: list[str], countries: list[str]) -> list[dict]:
    """50 queries; the filtered ones use the given tag slugs and country codes."""
    found = [{"q": q} for q in COMMON + TWO_WORDS + PHRASES + OTHER]
    tag = tags[0] if tags else None
    country = countries[0] if countries else None
    filtered = [
        {"q": "migrantes", "country": country},
        {"q": "protection", "language": "en"},
        {"q": "trabajadores migrantes", "year": 2020},
        {"q": "refugiados", "tag": tag},
        {"q": "", "country": country},
        {"q": "", "tag": tag, "language": "es"},
        {"q": "", "year": 2018},
        {"q": "children", "country": country, "language": "en"},
        {
            "q": "",
        },
        {"q": "frontera", "tag": tag, "country": country},
        {"q": "asilo", "year": 2021},
        {"q": "remittances", "language": "en"},
    ]
    found += [{k: v for k, v in q.items() if v is not None} for q in filtered]
    return found


def engine_query(params: dict, access):
    """The ``search_index.SearchQuery`` the search page asks for these parameters."""
    from search_index import SearchQuery

    text = params.get("q", "")
    return SearchQuery(
        access=access,
        text=text,
        tags=tuple([params["tag"]] if "tag" in params else ()),
        countries=tuple([params["country"]] if "country" in params else ()),
        language=params.get("language"),
        year=params.get("year"),
        sort="relevance" if text else "newest",
        per_page=20,
    )
