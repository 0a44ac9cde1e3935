"""Time merging two tags on a large database, and check the search index afterwards.

    python -m bench.tag_merge --size 100000 --folder /tmp/rcm-tag-merge-100k [--engine tantivy]

The first run fills a SQLite database with the synthetic corpus of ``bench.corpus``
(as ``bench.run`` does) and builds the engine's index from it, as ``flask rcm
reindex`` does, in ``--folder``; later runs reuse it (building it takes minutes).
Each timed run works on a fresh copy of that folder: it merges ``--source`` into
``--target`` (by default the corpus's least used theme into the most used one) with
``services.taxonomy.merge_tags``, as the Secretariat's page does, then lets the index
catch up from the search log, and times both; then ``check_index`` (what ``flask rcm
index-check`` runs) must find the index in step, and a search for the target tag must
count the documents the database has under it. Timings belong here, never in tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.run import Bench  # noqa: E402


def prepare(folder: Path, size: int, engine: str) -> None:
    if (folder / "ready").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    bench = Bench(SimpleNamespace(reuse=str(folder), size=size, seed=7, postgres_url=None))
    bench.reusing = False
    started = time.perf_counter()
    count = bench.fill_database()
    print(
        f"filled the database with {count:,} documents in {time.perf_counter() - started:.0f} s", flush=True
    )
    built = bench.build(engine)
    print(f"built the {engine} index in {built['build_s']:.0f} s ({built['size_mb']:.0f} MB)", flush=True)
    (folder / "ready").write_text(f"{size} {engine}\n")


def _add_duplicate_theme(share: float) -> str:
    """A theme on every n-th document (as a duplicate the Secretariat wants to merge away),
    indexed before the timing starts."""
    from sqlalchemy import insert, select

    from rcm_exchange.extensions import db
    from rcm_exchange.models import Document, SearchLogEntry, SearchOperation, document_tags
    from rcm_exchange.services import search, taxonomy
    from rcm_exchange.services.access import SYSTEM

    tag = taxonomy.create_tag(
        SYSTEM,
        {
            "slug": "bench-duplicate-theme",
            "name_en": "Duplicate theme",
            "name_es": "Tema duplicado",
            "position": None,
        },
    )
    step = max(1, round(1 / share))
    ids = list(db.session.scalars(select(Document.id).order_by(Document.id)))[::step]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        db.session.execute(insert(document_tags), [{"document_id": i, "tag_id": tag.id} for i in chunk])
        db.session.execute(
            insert(SearchLogEntry), [{"document_id": i, "operation": SearchOperation.UPSERT} for i in chunk]
        )
    db.session.commit()
    search.catch_up(wait=True)
    return tag.slug


def timed_merge(
    folder: Path, engine: str, source: str | None, target: str | None, share: float | None = None
) -> dict:
    from sqlalchemy import func, select

    import search_index
    from rcm_exchange.extensions import db
    from rcm_exchange.models import Document, DocumentStatus, Tag, document_tags
    from rcm_exchange.services import search, taxonomy
    from rcm_exchange.services.access import SYSTEM

    run = folder.with_name(folder.name + "-run")
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(folder, run)
    try:
        bench = Bench(SimpleNamespace(reuse=str(run), size=0, seed=7, postgres_url=None))
        app = bench.make_app(engine)
        with app.app_context():
            counts = dict(
                db.session.execute(
                    select(Tag.slug, func.count())
                    .join(document_tags, document_tags.c.tag_id == Tag.id)
                    .where(~Tag.is_pillar)
                    .group_by(Tag.slug)
                ).all()
            )
            search.catch_up(wait=True)
            if share:
                source = _add_duplicate_theme(share)
            source = source or min(counts, key=counts.get)
            target = target or max(counts, key=counts.get)
            source_tag, target_tag = taxonomy.get_tag(source), taxonomy.get_tag(target)
            started = time.perf_counter()
            moved = taxonomy.merge_tags(SYSTEM, source_tag, target_tag)
            merged = time.perf_counter() - started
            # merge_tags lets the index catch up once committed; finish it if a drainer was busy.
            search.catch_up(wait=True)
            total = time.perf_counter() - started
            report = search.check_index()
            expected = db.session.scalar(
                select(func.count())
                .select_from(document_tags)
                .join(Document, Document.id == document_tags.c.document_id)
                .where(
                    document_tags.c.tag_id == taxonomy.get_tag(target).id,
                    Document.status == DocumentStatus.PUBLISHED,
                )
            )
            # As the Secretariat searches: every published document.
            everything = search_index.AccessFilter(frozenset(), everything=True)
            found = (
                search.get_engine()
                .search(search_index.SearchQuery(access=everything, tags=(target,), per_page=1))
                .total
            )
            old_in_index = (
                search.get_engine()
                .search(search_index.SearchQuery(access=everything, tags=(source,), per_page=1))
                .total
            )
            # The merged slug leads to its successor in a search through the app.
            by_old_slug = search.search_documents(None, search.SearchParams(tag=[source], per_page=1)).total
            by_new_slug = search.search_documents(None, search.SearchParams(tag=[target], per_page=1)).total
            search.get_engine().close()
        return {
            "source": source,
            "target": target,
            "moved": moved,
            "merge_s": merged,
            "total_s": total,
            "in_step": report.in_step,
            "expected": expected,
            "found": found,
            "old_in_index": old_in_index,
            "same_by_old_slug": by_old_slug == by_new_slug,
        }
    finally:
        shutil.rmtree(run, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--folder", default="/tmp/rcm-tag-merge-100k")
    parser.add_argument("--engine", default="tantivy")
    parser.add_argument("--source", help="slug of the tag merged away (default: the least used theme)")
    parser.add_argument("--target", help="slug of the tag that stays (default: the most used theme)")
    parser.add_argument(
        "--share",
        type=float,
        help="merge away a new theme on this share of the "
        "documents (e.g. 0.03) instead of a theme of the corpus",
    )
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    folder = Path(args.folder)
    prepare(folder, args.size, args.engine)
    if args.prepare_only:
        return
    result = timed_merge(folder, args.engine, args.source, args.target, args.share)
    print(
        f"merged {result['source']} into {result['target']}: {result['moved']:,} documents moved; "
        f"database {result['merge_s']:.2f} s, with the index caught up {result['total_s']:.2f} s; "
        f"index-check {'clean' if result['in_step'] else 'NOT clean'}; the index holds "
        f"{result['found']:,} documents under the target (the database {result['expected']:,}) and "
        f"{result['old_in_index']:,} under the merged slug; a search by the merged slug "
        f"{'finds the same' if result['same_by_old_slug'] else 'does NOT find the same'} as by the target"
    )


if __name__ == "__main__":
    main()
