"""Relevance of the search on real public texts, per engine and query kind, beside a
plain BM25/OR baseline built in the same run on the same texts.

    python -m bench.relevance [--engines whoosh,tantivy,postgres] [--out bench/results/relevance.md]

The texts are ``documents.jsonl`` (121 passages of public-domain U.S. government
reports and CC BY-SA Wikipedia articles, in English and Spanish, each with its source
and licence; see ``MANIFEST.md``), the queries and their judgments ``judgments.jsonl``
(graded 2 = about it, 1 = relevant; see ``JUDGING.md``).

Each engine is measured through the application, as a reader searches: the texts are
published documents of an SQLite database (with their tags, countries and
organization), the index is built as ``flask rcm reindex`` builds it, and each query
goes through ``services.search.search_documents`` as an anonymous reader (filters
typed in the box are resolved, a correction that finds documents is shown). The
baseline is a tantivy index of the same texts with nothing but accent folding and
Snowball stemming (English and Spanish), titles weighted 2, and the query's words
OR-ed: no thesaurus, no names, no filters, no correction.

Measures over the top 10: nDCG@10 (graded gains, log2 discount), recall@10 (relevant
found over the relevant there are, at most 10), MRR (1 / rank of the first relevant),
the share of queries with relevant documents that find nothing, and, for the off-topic
queries (no relevant document), the share that find anything.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.run import DEFAULT_POSTGRES_URL, app_settings  # noqa: E402 (after the path set-up)

HERE = Path(__file__).resolve().parent
DOCUMENTS = HERE / "documents.jsonl"
JUDGMENTS = HERE / "judgments.jsonl"
ENGINES = ("whoosh", "tantivy", "postgres")
SCHEMA = "rcm_relevance"
TOP = 10
KIND_ORDER = (
    "natural",
    "accentless",
    "inflected",
    "misspelt",
    "cross-language",
    "filters",
    "phrase",
    "names",
    "off-topic",
)


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- measures ------------------------------------------------------------------------


def ndcg(found: list[str], grades: dict[str, int], k: int = TOP) -> float:
    gain = sum((2 ** grades.get(key, 0) - 1) / math.log2(rank + 2) for rank, key in enumerate(found[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return gain / best if best else 0.0


def recall(found: list[str], grades: dict[str, int], k: int = TOP) -> float:
    relevant = {key for key, g in grades.items() if g > 0}
    return len(relevant & set(found[:k])) / min(len(relevant), k) if relevant else 0.0


def reciprocal_rank(found: list[str], grades: dict[str, int], k: int = TOP) -> float:
    return next((1 / (rank + 1) for rank, key in enumerate(found[:k]) if grades.get(key, 0) > 0), 0.0)


def summarize(runs: dict[str, list[str]], judgments: list[dict]) -> dict[str, dict]:
    """Per query kind and overall: nDCG@10, recall@10, MRR, empty share, off-topic hits."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for judgment in judgments:
        by_kind[judgment["kind"]].append(judgment)
        by_kind["all"].append(judgment)
    table = {}
    for kind, group in by_kind.items():
        judged = [j for j in group if j["relevant"]]
        off = [j for j in group if not j["relevant"]]
        row = {"queries": len(group)}
        if judged:
            row["ndcg"] = sum(ndcg(runs[j["query"]], j["relevant"]) for j in judged) / len(judged)
            row["recall"] = sum(recall(runs[j["query"]], j["relevant"]) for j in judged) / len(judged)
            row["mrr"] = sum(reciprocal_rank(runs[j["query"]], j["relevant"]) for j in judged) / len(judged)
            row["empty"] = sum(1 for j in judged if not runs[j["query"]]) / len(judged)
        if off:
            row["off_found"] = sum(1 for j in off if runs[j["query"]]) / len(off)
        table[kind] = row
    return table


# -- the application, as a reader searches it -------------------------------------------


class Application:
    def __init__(self, workdir: Path, postgres_url: str):
        self.workdir = workdir
        self.database_url = f"sqlite:///{workdir / 'app.sqlite3'}"
        self.postgres_url = postgres_url
        self.ids: dict[int, str] = {}

    def config(self, engine: str) -> dict:
        return app_settings(
            self.workdir, self.database_url, engine, postgres_url=self.postgres_url, schema=SCHEMA
        )

    def app(self, engine: str):
        from rcm_exchange import create_app

        return create_app(self.config(engine))

    def fill(self, documents: list[dict]) -> None:
        from sqlalchemy import select

        from rcm_exchange.extensions import db
        from rcm_exchange.models import (
            Country,
            DocType,
            Document,
            DocumentStatus,
            Language,
            Organization,
            Tag,
            Visibility,
        )
        from rcm_exchange.services.reference_data import load_reference_data

        with self.app("whoosh").app_context():
            db.create_all()
            load_reference_data()
            organizations = {o.acronym: o for o in db.session.scalars(select(Organization))}
            tags = {t.slug: t for t in db.session.scalars(select(Tag))}
            countries = {c.code: c for c in db.session.scalars(select(Country))}
            for number, entry in enumerate(documents, start=1):
                published = datetime(entry["year"], 6, 1, tzinfo=UTC)
                document = Document(
                    id=number,
                    title=entry["title"],
                    summary="",
                    body_html=f"<p>{html.escape(entry['body'])}</p>",
                    doc_type=DocType(entry["type"]),
                    language=Language(entry["lang"]),
                    visibility=Visibility.PUBLIC,
                    status=DocumentStatus.PUBLISHED,
                    version=1,
                    implementing_bodies="",
                    partners="",
                    results_html="",
                    organization=organizations[entry["org"]],
                    created_at=published,
                    updated_at=published,
                    published_at=published,
                )
                document.tags = [tags[slug] for slug in entry["tags"]]
                document.countries = [countries[code] for code in entry["countries"]]
                db.session.add(document)
                self.ids[number] = entry["key"]
            db.session.commit()

    def run(self, engine: str, judgments: list[dict]) -> dict[str, list[str]]:
        from flask_login import AnonymousUserMixin

        from rcm_exchange.errors import ValidationFailed
        from rcm_exchange.services import search

        with self.app(engine).test_request_context():
            search.rebuild()
            runs = {}
            for judgment in judgments:
                params = search.SearchParams(q=judgment["query"], per_page=TOP)
                try:
                    page = search.search_documents(AnonymousUserMixin(), params)
                except ValidationFailed as refused:
                    raise SystemExit(f"{judgment['query']!r} was refused: {refused.errors}") from None
                runs[judgment["query"]] = [self.ids[item.document.id] for item in page.items]
            search.get_engine().clear()
            search.get_engine().close()
        return runs


# -- the baseline ----------------------------------------------------------------------


def baseline(documents: list[dict], judgments: list[dict], directory: Path) -> dict[str, list[str]]:
    """Plain BM25 with OR semantics: folding and Snowball stemming, titles weighted."""
    import tantivy
    from tantivy import Filter, Occur, Query, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

    analyzers = {
        language: TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .filter(Filter.stemmer(name))
        .build()
        for language, name in (("en", "english"), ("es", "spanish"))
    }
    builder = SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    for field in ("title", "body"):
        for language in analyzers:
            builder.add_text_field(f"{field}_{language}", tokenizer_name=f"base_{language}")
    schema = builder.build()
    directory.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(directory))
    for language, analyzer in analyzers.items():
        index.register_tokenizer(f"base_{language}", analyzer)
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for entry in documents:
        document = tantivy.Document()
        document.add_text("key", entry["key"])
        for language in analyzers:
            document.add_text(f"title_{language}", entry["title"])
            document.add_text(f"body_{language}", entry["body"])
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    runs = {}
    for judgment in judgments:
        should = []
        for language, analyzer in analyzers.items():
            for token in dict.fromkeys(analyzer.analyze(judgment["query"])):
                for field, boost in (("title", 2.0), ("body", 1.0)):
                    should.append(
                        (
                            Occur.Should,
                            Query.boost_query(Query.term_query(schema, f"{field}_{language}", token), boost),
                        )
                    )
        if not should:
            runs[judgment["query"]] = []
            continue
        hits = searcher.search(Query.boolean_query(should), limit=TOP).hits
        runs[judgment["query"]] = [searcher.doc(address)["key"][0] for _score, address in hits]
    return runs


# -- report ----------------------------------------------------------------------------


def render(tables: dict[str, dict[str, dict]]) -> str:
    def cell(row: dict, name: str) -> str:
        return f"{row[name]:.3f}" if name in row else "–"

    lines = [
        "| engine | kind | queries | nDCG@10 | recall@10 | MRR | found nothing | off-topic found |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, table in tables.items():
        for kind in ("all",) + KIND_ORDER:
            if kind in table:
                row = table[kind]
                lines.append(
                    f"| {engine} | {kind} | {row['queries']} | {cell(row, 'ndcg')} | {cell(row, 'recall')} "
                    f"| {cell(row, 'mrr')} | {cell(row, 'empty')} | {cell(row, 'off_found')} |"
                )
    return "\n".join(lines)


def failures(runs: dict[str, list[str]], judgments: list[dict]) -> list[str]:
    """The judged queries an engine ranks worst, for reading."""
    scored = sorted((ndcg(runs[j["query"]], j["relevant"]), j["query"]) for j in judgments if j["relevant"])
    return [f"{query!r} {score:.2f}" for score, query in scored[:5]]


def render_details(details: dict[str, dict[str, list[str]]], judgments: list[dict]) -> str:
    lines = []
    for judgment in judgments:
        lines.append(f"{judgment['kind']}: {judgment['query']}  relevant {judgment['relevant']}")
        for engine, runs in details.items():
            found = runs[judgment["query"]]
            lines.append(
                f"  {engine}: nDCG {ndcg(found, judgment['relevant']):.2f} recall "
                f"{recall(found, judgment['relevant']):.2f} top {found}"
            )
    return "\n".join(lines) + "\n"


def postgres_available(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RCM_BENCH_POSTGRES_URL")
        or os.environ.get("RCM_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL,
    )
    parser.add_argument("--out", help="Markdown file (default: bench/results/relevance-<time>.md)")
    parser.add_argument(
        "--details", help="also write each query's scores and top ten per engine to this file"
    )
    args = parser.parse_args()
    documents, judgments = load_jsonl(DOCUMENTS), load_jsonl(JUDGMENTS)
    workdir = Path(tempfile.mkdtemp(prefix="rcm-relevance-"))
    try:
        tables, notes = {}, []
        runs = baseline(documents, judgments, workdir / "baseline")
        tables["BM25/OR baseline"] = summarize(runs, judgments)
        details = {"BM25/OR baseline": runs}
        notes.append(f"- BM25/OR baseline: weakest {', '.join(failures(runs, judgments))}")
        application = Application(workdir, args.postgres_url)
        application.fill(documents)
        for engine in [e for e in args.engines.split(",") if e]:
            if engine == "postgres" and not postgres_available(args.postgres_url):
                print(f"PostgreSQL at {args.postgres_url} is not reachable: postgres skipped", flush=True)
                continue
            runs = application.run(engine, judgments)
            tables[engine] = summarize(runs, judgments)
            details[engine] = runs
            notes.append(f"- {engine}: weakest {', '.join(failures(runs, judgments))}")
            print(f"[{engine}] nDCG@10 {tables[engine]['all']['ndcg']:.3f}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.details:
        Path(args.details).write_text(render_details(details, judgments))
    text = (
        f"Relevance on real texts: {len(documents)} documents, {len(judgments)} judged queries, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n{render(tables)}\n\n" + "\n".join(notes) + "\n"
    )
    out = (
        Path(args.out)
        if args.out
        else PROJECT_ROOT / "bench" / "results" / f"relevance-{datetime.now():%Y%m%d-%H%M%S}.md"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")


if __name__ == "__main__":
    main()
