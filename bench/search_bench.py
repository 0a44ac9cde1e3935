"""Time the search engines on a generated corpus of a few thousand documents.

    python bench/search_bench.py [--docs 3000] [--engines whoosh,tantivy]

Documents are stitched together from the sentences of the test corpus, so the
vocabulary is realistic (Spanish and English, the migration field). Prints
indexing time, index size, per-query latency and precision@5 on the fixture
corpus. Timings belong here, never in tests.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search_index import AccessFilter, SearchQuery, open_engine
from tests.search_index.corpus import DOCUMENTS
from tests.search_index.relevance import JUDGMENTS, precision_at_5

VISIBILITIES = ["public"] * 6 + ["participants"] * 3 + ["members", "secretariat"]
QUERIES = [j.query for j in JUDGMENTS] + ["migrantes", "migration", "de la", "protección", "m*"]


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    sentences = {"es": [], "en": []}
    for doc in DOCUMENTS:
        if doc["language"] in sentences:
            sentences[doc["language"]] += [s.strip() + "." for s in doc["body"].split(".") if len(s) > 20]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(1, count + 1):
        model = rng.choice(DOCUMENTS)
        language = model["language"] if model["language"] in sentences else "es"
        body = " ".join(rng.choice(sentences[language]) for _ in range(rng.randint(8, 60)))
        docs.append(
            {
                **model,
                "id": i,
                "body": body,
                "language": language,
                "visibility": rng.choice(VISIBILITIES),
                "organization_id": rng.randint(1, 40),
                "published_at": start + timedelta(days=rng.randint(0, 3600)),
                "fingerprint": f"{i}-1",
            }
        )
    return docs


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench(backend: str, docs: list[dict], batch: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / backend
        engine = open_engine(backend, index_dir=index_dir)
        t0 = time.perf_counter()
        engine.apply(docs, [], through_log_id=1)
        bulk = time.perf_counter() - t0
        t0 = time.perf_counter()
        for start in range(0, 500, batch):
            engine.apply(docs[start : start + batch], [], through_log_id=start)
        incremental = (time.perf_counter() - t0) / (500 / batch)
        size = directory_size(index_dir)
        access = AccessFilter(frozenset({"public", "participants"}), organization_id=3)
        latencies = {}
        for text in QUERIES:
            runs = []
            for _ in range(3):
                t0 = time.perf_counter()
                engine.search(SearchQuery(access=access, text=text))
                runs.append(time.perf_counter() - t0)
            latencies[text] = min(runs)
        t0 = time.perf_counter()
        engine.related(1, access)
        related = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.fingerprints()
        fingerprints = time.perf_counter() - t0
        engine.close()
    values = sorted(latencies.values())
    slowest = sorted(latencies.items(), key=lambda kv: -kv[1])[:3]
    print(
        f"{backend}: {len(docs)} docs; bulk apply {bulk:.1f} s; apply of {batch} docs "
        f"{incremental * 1000:.0f} ms; index {size / 1e6:.1f} MB"
    )
    print(
        f"  search: median {statistics.median(values) * 1000:.1f} ms, "
        f"p95 {values[int(len(values) * 0.95) - 1] * 1000:.1f} ms, slowest "
        + ", ".join(f"{q!r} {t * 1000:.0f} ms" for q, t in slowest)
    )
    print(f"  related {related * 1000:.0f} ms; fingerprints {fingerprints * 1000:.0f} ms")


def relevance(backend: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(backend, index_dir=Path(tmp) / backend)
        engine.apply(DOCUMENTS, [])
        print(f"  precision@5 on the fixture corpus: {precision_at_5(engine):.3f} ({len(JUDGMENTS)} queries)")
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--engines", default="whoosh,tantivy")
    args = parser.parse_args()
    docs = generate(args.docs)
    for backend in args.engines.split(","):
        bench(backend, docs, args.batch)
        relevance(backend)


if __name__ == "__main__":
    main()
