"""Benchmark the search engines on a synthetic corpus, raw and through the app.

    python -m bench.run --size 10000 [--engines whoosh,tantivy,postgres] [--out bench/results/x.md]

Per engine: index build time and size; raw engine query p50/p95 (the
``search_index`` API, warm, 20 hits with highlights, total and facets); the same
queries through the app under gunicorn with 2 workers, and the ratio of the two
p95s; requests per second under a closed-loop load of a few client threads;
how long an approved document takes to become searchable; the workers' memory;
precision@5 on the project's bilingual relevance set. Prints a Markdown table
and writes it to ``bench/results/``. Timings belong here, never in tests.

The application database is a SQLite file in a temporary folder (filled directly,
the search log empty); each index is built from it as ``flask rcm reindex`` builds
it. The postgres engine keeps its index in the schema ``rcm_bench`` of
``--postgres-url``. Everything runs on the loopback interface.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import machine  # noqa: E402
from bench.corpus import generate  # noqa: E402
from bench.queries import engine_query, queries  # noqa: E402

WORKERS = 2  # gunicorn worker processes
ENGINES = ("whoosh", "tantivy", "postgres")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_SCHEMA = "rcm_bench"


def app_settings(
    workdir: Path,
    database_url: str,
    engine: str,
    *,
    postgres_url: str,
    schema: str = BENCH_SCHEMA,
    rum: bool = False,
) -> dict:
    """The settings of a benchmark's app: its database, its own instance and index folders
    in ``workdir``, no mail, and for the postgres engine its own schema (and RUM when
    ``rum``)."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(workdir / "instance"),
        "SECRET_KEY": "bench",
        "RCM_SEARCH_BACKEND": engine,
        "RCM_INDEX_DIR": str(workdir / f"index-{engine}"),
        "RCM_MAIL_URL": None,
    }
    if engine == "postgres":
        settings.update(RCM_SEARCH_DSN=postgres_url, RCM_SEARCH_SCHEMA=schema, RCM_SEARCH_RUM=str(rum))
    return settings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.reusing = bool(args.reuse)
        self.workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="rcm-bench-"))
        self.database_url = f"sqlite:///{self.workdir / 'app.sqlite3'}"
        self.postgres_url = args.postgres_url

    # -- the application database ------------------------------------------------------

    def app_config(self, engine: str) -> dict:
        return app_settings(
            self.workdir,
            self.database_url,
            engine,
            postgres_url=self.postgres_url,
            rum=getattr(self.args, "rum", False),
        )

    def make_app(self, engine: str):
        from rcm_exchange import create_app

        return create_app(self.app_config(engine))

    def fill_database(self) -> int:
        """Create the app database, fill it with the corpus; return how many documents."""
        from sqlalchemy import insert, select

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
            document_countries,
            document_tags,
        )
        from rcm_exchange.services.reference_data import load_reference_data

        app = self.make_app("whoosh")
        with app.app_context():
            if not self.reusing:
                db.create_all()
                load_reference_data()
            organizations = list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
            tags = {t.slug: t.id for t in db.session.scalars(select(Tag).order_by(Tag.id))}
            countries = list(db.session.scalars(select(Country.code).order_by(Country.code)))[:25]
            self.tags, self.countries = sorted(tags), countries
            if self.reusing:
                return 0
            started = time.perf_counter()
            corpus = generate(self.args.size, self.args.seed, organizations, sorted(tags), countries)
            print(f"generated {len(corpus)} documents in {time.perf_counter() - started:.0f} s", flush=True)
            now = datetime.now(UTC)
            for start in range(0, len(corpus), 5000):
                chunk = corpus[start : start + 5000]
                db.session.execute(
                    insert(Document),
                    [
                        {
                            "id": d["id"],
                            "title": d["title"],
                            "summary": d["summary"],
                            "body_html": f"<p>{html.escape(d['body'])}</p>",
                            "doc_type": DocType(d["doc_type"]),
                            "language": Language(d["language"]),
                            "visibility": Visibility(d["visibility"]),
                            "status": DocumentStatus.PUBLISHED,
                            "version": 1,
                            "implementing_bodies": "",
                            "partners": "",
                            "results_html": "",
                            "organization_id": d["organization_id"],
                            "created_at": now,
                            "updated_at": now,
                            "published_at": d["published_at"],
                        }
                        for d in chunk
                    ],
                )
                db.session.execute(
                    insert(document_tags),
                    [{"document_id": d["id"], "tag_id": tags[t]} for d in chunk for t in d["tags"]],
                )
                db.session.execute(
                    insert(document_countries),
                    [{"document_id": d["id"], "country_code": c} for d in chunk for c in d["countries"]],
                )
                db.session.commit()
        return len(corpus)

    # -- the raw engine ----------------------------------------------------------------

    def open_engine(self, engine: str):
        from rcm_exchange.config import search_engine_options
        from search_index import open_engine

        return open_engine(engine, **search_engine_options(self.app_config(engine)))

    def index_size(self, engine: str, handle) -> int:
        if engine == "postgres":
            import psycopg

            with psycopg.connect(self.postgres_url) as connection:
                return connection.execute(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                    (BENCH_SCHEMA,),
                ).fetchone()[0]
        return sum(p.stat().st_size for p in handle.index_dir.rglob("*") if p.is_file())

    def build(self, engine: str) -> dict:
        """Build the index as ``flask rcm reindex`` does: from the database, each
        document with the listing the API serves."""
        from rcm_exchange.services import search

        app = self.make_app(engine)
        with app.app_context():
            started = time.perf_counter()
            search.rebuild()
            build = time.perf_counter() - started
            handle = search.get_engine()
            size = self.index_size(engine, handle)
            handle.close()
        return {"build_s": build, "size_mb": float(size) / 1e6}

    def raw_latencies(self, engine: str) -> dict:
        from search_index import AccessFilter

        handle = self.open_engine(engine)
        anonymous = AccessFilter(frozenset({"public"}))
        qs = queries(self.tags, self.countries)
        for params in qs:  # warm up: caches, searchers, connections
            handle.search(engine_query(params, anonymous))
        samples, slowest = [], {}
        for _ in range(self.args.rounds):
            for params in qs:
                started = time.perf_counter()
                handle.search(engine_query(params, anonymous))
                elapsed = time.perf_counter() - started
                samples.append(elapsed)
                key = urllib.parse.urlencode(params)
                slowest[key] = max(slowest.get(key, 0), elapsed)
        handle.close()
        worst = sorted(slowest.items(), key=lambda kv: -kv[1])[:3]
        return {
            "raw_p50": percentile(samples, 0.5) * 1000,
            "raw_p95": percentile(samples, 0.95) * 1000,
            "raw_slowest": ", ".join(f"{urllib.parse.unquote_plus(k)} {v * 1000:.0f} ms" for k, v in worst),
        }

    # -- through the app -------------------------------------------------------------

    def start_server(self, engine: str):
        port = self.args.port or free_port()
        env = dict(os.environ)
        config = self.app_config(engine)
        env.update(
            {
                "RCM_DATABASE_URL": self.database_url,
                "RCM_INSTANCE_DIR": config["INSTANCE_DIR"],
                "RCM_SECRET_KEY": "bench",
                "RCM_SEARCH_BACKEND": engine,
                "RCM_INDEX_DIR": config["RCM_INDEX_DIR"],
                "RCM_ENV": "development",
            }
        )
        if engine == "postgres":
            env.update({"RCM_SEARCH_DSN": self.postgres_url, "RCM_SEARCH_SCHEMA": BENCH_SCHEMA})
        gunicorn = Path(sys.executable).parent / "gunicorn"
        # gunicorn writes to its own copy of the file handle; this process closes its copy.
        with open(self.workdir / f"gunicorn-{engine}.log", "w") as log:
            process = subprocess.Popen(
                [
                    str(gunicorn),
                    "-w",
                    str(WORKERS),
                    "-b",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "120",
                    "wsgi:app",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stop_server(process)
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.3)
        return process, base

    def search_path(self) -> str:
        return "/api/v1/documents"

    def fetch(self, base: str, params: dict) -> str:
        url = f"{base}{self.path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read().decode("utf-8")

    def api_latencies(self, base: str) -> dict:
        qs = queries(self.tags, self.countries)
        # Warm as the raw engine is: each worker process keeps caches of its own (its
        # searcher's, the stemmer's), and the workers take requests in no set order,
        # so a single pass leaves about half the queries cold in each worker.
        for _ in range(self.args.warmup):
            for params in qs:
                self.fetch(base, params)
        samples = []
        for _ in range(self.args.rounds):
            for params in qs:
                started = time.perf_counter()
                self.fetch(base, params)
                samples.append(time.perf_counter() - started)
        return {"api_p50": percentile(samples, 0.5) * 1000, "api_p95": percentile(samples, 0.95) * 1000}

    def throughput(self, base: str) -> float:
        qs = queries(self.tags, self.countries)
        done = [0] * self.args.clients
        stop = time.monotonic() + self.args.load_seconds

        def client(number: int):
            i = number
            while time.monotonic() < stop and done[number] < self.args.load_requests:
                self.fetch(base, qs[i % len(qs)])
                done[number] += 1
                i += self.args.clients

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / (time.perf_counter() - started)

    @staticmethod
    def worker_memory(master_pid: int) -> float:
        rss = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            except OSError:
                continue
            if int(fields.get("PPid", "0").strip()) == master_pid:
                rss.append(int(fields["VmRSS"].split()[0]) / 1024)
        return max(rss) if rss else float("nan")

    def approve_to_searchable(self, engine: str, base: str) -> float:
        """Publish through the service path (record the change, commit) and poll the
        search page until the document is found; the median of a few tries, in ms."""
        from rcm_exchange.extensions import db
        from rcm_exchange.models import DocType, Document, DocumentStatus, Language, Visibility
        from rcm_exchange.services import search_log
        from rcm_exchange.services.unit_of_work import unit_of_work

        app = self.make_app(engine)
        times = []
        with app.app_context():
            for attempt in range(self.args.approvals):
                word = f"zqbench{engine}{attempt}x{int(time.time())}"
                started = time.perf_counter()
                with unit_of_work():
                    document = Document(
                        title=f"Nueva práctica {word}",
                        summary="Resumen.",
                        body_html="<p>Texto.</p>",
                        doc_type=DocType.PRACTICE_REPORT,
                        language=Language.ES,
                        visibility=Visibility.PUBLIC,
                        status=DocumentStatus.PUBLISHED,
                        version=1,
                        organization_id=1,
                        published_at=datetime.now(UTC),
                    )
                    db.session.add(document)
                    db.session.flush()
                    search_log.record_change(document)
                while word not in self.fetch(base, {"q": word}):
                    if time.perf_counter() - started > 60:
                        raise RuntimeError("an approved document did not become searchable in 60 s")
                    time.sleep(0.005)
                times.append(time.perf_counter() - started)
            for engine_handle in app.extensions.get("rcm_search_engines", {}).values():
                engine_handle.close()
        return statistics.median(times) * 1000

    def through_app(self, engine: str) -> dict:
        process, base = self.start_server(engine)
        try:
            result = self.api_latencies(base)
            result["rps"] = self.throughput(base)
            result["rss_mb"] = self.worker_memory(process.pid)
            result["approve_ms"] = self.approve_to_searchable(engine, base)
        finally:
            stop_server(process)
        return result

    # -- relevance ----------------------------------------------------------------------

    def precision(self, engine: str) -> float:
        from search_index import open_engine
        from tests.search_index.corpus import DOCUMENTS
        from tests.search_index.relevance import precision_at_5

        if engine == "postgres":
            handle = open_engine("postgres", dsn=self.postgres_url, schema=BENCH_SCHEMA + "_relevance")
        else:
            handle = open_engine(engine, index_dir=self.workdir / f"relevance-{engine}")
        handle.clear()
        handle.apply(DOCUMENTS, [])
        try:
            return precision_at_5(handle)
        finally:
            handle.clear()
            handle.close()

    # -- everything ---------------------------------------------------------------------

    def run(self) -> list[dict]:
        engines = [e for e in self.args.engines.split(",") if e]
        if "postgres" in engines and not self.postgres_available():
            print(f"PostgreSQL at {self.postgres_url} is not reachable: postgres skipped", flush=True)
            engines.remove("postgres")
        size = self.fill_database()
        self.path = self.search_path()
        rows = []
        for engine in engines:
            if self.reusing:
                handle = self.open_engine(engine)
                row = {
                    "engine": engine,
                    "docs": handle.count(),
                    "build_s": float("nan"),
                    "size_mb": float(self.index_size(engine, handle)) / 1e6,
                }
                handle.close()
            else:
                row = {"engine": engine, "docs": size}
                print(f"[{engine}] building the index of {size} documents", flush=True)
                row.update(self.build(engine))
            print(f"[{engine}] {_build_time(row['build_s'])}; raw queries", flush=True)
            row.update(self.raw_latencies(engine))
            print(
                f"[{engine}] raw p50/p95 {row['raw_p50']:.1f}/{row['raw_p95']:.1f} ms; through the app",
                flush=True,
            )
            row.update(self.through_app(engine))
            row["precision"] = self.precision(engine)
            rows.append(row)
            print(render([row], self.path), flush=True)
        return rows

    def postgres_available(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.postgres_url, connect_timeout=3).close()
            return True
        except psycopg.Error:
            return False


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _build_time(seconds: float) -> str:
    return "(reused)" if math.isnan(seconds) else f"{seconds:.1f} s"


def render(rows: list[dict], path: str) -> str:
    lines = [
        "| engine | documents | build | index size | raw p50 / p95 "
        f"| app p50 / p95 (`{path}`) | app / raw p95 "
        "| requests/s (2 workers) | approve → searchable | worker RSS | precision@5 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['engine']} | {r['docs']:,} | {_build_time(r['build_s'])} | {r['size_mb']:.0f} MB "
            f"| {r['raw_p50']:.1f} / {r['raw_p95']:.1f} ms | {r['api_p50']:.1f} / {r['api_p95']:.1f} ms "
            f"| {r['api_p95'] / r['raw_p95']:.2f} | {r['rps']:.0f} | {r['approve_ms']:.0f} ms "
            f"| {r['rss_mb']:.0f} MB | {r['precision']:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the 50 queries")
    parser.add_argument(
        "--warmup",
        type=int,
        default=WORKERS * 2,
        help="untimed passes over the queries through the app before timing",
    )
    parser.add_argument("--clients", type=int, default=4, help="client threads of the load test")
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--load-requests", type=int, default=1000, help="per client thread, at most")
    parser.add_argument("--approvals", type=int, default=5)
    parser.add_argument(
        "--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RCM_BENCH_POSTGRES_URL")
        or os.environ.get("RCM_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL,
    )
    parser.add_argument(
        "--rum",
        action="store_true",
        help="index the postgres engine's text with RUM (RCM_SEARCH_RUM=on; see README before using it)",
    )
    parser.add_argument("--out", help="Markdown file (default: bench/results/<time>-<size>.md)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, indexes)")
    parser.add_argument(
        "--reuse",
        metavar="FOLDER",
        help="time the queries again on a folder kept by --keep (no build; kept afterwards)",
    )
    args = parser.parse_args()
    bench = Bench(args)
    speed_before = machine.reference(args.postgres_url)
    try:
        rows = bench.run()
    finally:
        # At 100,000 documents the database and indexes take about 1 GB of the temporary folder.
        if args.keep or args.reuse:
            print(f"work folder kept: {bench.workdir}")
        else:
            shutil.rmtree(bench.workdir, ignore_errors=True)
    table = render(rows, bench.path)
    notes = "\n".join(f"- {r['engine']}: slowest raw queries {r['raw_slowest']}" for r in rows)
    text = (
        f"Search benchmark, {args.size:,} documents, {os.cpu_count()} CPUs, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n{table}\n\n{notes}\n\n"
        f"Before: {speed_before}\nAfter: {machine.reference(args.postgres_url)}\n"
    )
    out = (
        Path(args.out)
        if args.out
        else (PROJECT_ROOT / "bench" / "results" / f"{datetime.now():%Y%m%d-%H%M%S}-{args.size}.md")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")


if __name__ == "__main__":
    main()
