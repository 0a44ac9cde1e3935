"""Time every kind of page at a corpus size, on SQLite and on PostgreSQL.

    python -m bench.pages --size 10000 [--databases sqlite,postgres] [--port 5140]
    python -m bench.pages --table bench/results/pages-1000.json bench/results/pages-100000.json

The application database is filled with ``bench.corpus`` as ``bench.run`` fills it
(every document published, the review queue empty), one account of each role is added,
and the tantivy index is built from it as ``flask rcm reindex`` builds it. Then, per
page: the SQL statements one request runs (counted in this process through the
Flask test client), and its p50/p95 under gunicorn with 2 workers (``--requests`` timed
requests after ``--warmup`` untimed ones, one at a time). Signed-in pages are asked
by a signed-in browser of that role. For the moderator's pages the plans of their
statements (``EXPLAIN``) are written beside the results, to check they read indexes.

On PostgreSQL the database ``rcm_pages_<size>`` of ``--postgres-url``'s server is
(re)created and analyzed. ``--keep`` keeps the work folder and the databases;
``--reuse FOLDER`` times them again without building, and ``--against SIZE:FOLDER``
times another kept build with it, the two served at once and asked in turn (on a shared
machine, two runs minutes apart differ more than two sizes do). Results go to
``bench/results/pages-<size>-<time>.json`` and ``.md``; ``--table`` renders several
results side by side. Everything runs on the loopback interface.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import machine  # noqa: E402
from bench.run import DEFAULT_POSTGRES_URL, Bench, percentile, stop_server  # noqa: E402

DATABASES = ("sqlite", "postgres")
ENGINE = "tantivy"
PASSWORD = "bench-pages-2026"
ACCOUNTS = {  # role -> (email, organization acronym, account role)
    "contributor": ("contributor@pages.bench", "MX", "contributor"),
    "moderator": ("moderator@pages.bench", "TS", "moderator"),
    "admin": ("admin@pages.bench", "TS", "admin"),
}


def pages(tag: str, country: str, organization: int) -> list[tuple[str, str, str]]:
    """(who asks, what it is, path) for every page of the table."""
    return [
        ("anonymous", "home", "/"),
        ("anonymous", "topics", "/browse/"),
        ("anonymous", "countries", "/browse/countries"),
        ("anonymous", "one country", f"/browse/countries/{country}"),
        ("anonymous", "one topic", f"/browse/topics/{tag}"),
        ("anonymous", "organizations", "/browse/organizations"),
        ("anonymous", "one organization", f"/browse/organizations/{organization}"),
        ("anonymous", "types and years", "/browse/types"),
        ("anonymous", "one type", "/browse/types/practice_report"),
        ("anonymous", "one year", "/browse/years/2020"),
        ("anonymous", "one type, page 40", "/browse/types/practice_report?page=40"),
        ("anonymous", "search", "/search?q=migrantes"),
        ("anonymous", "API list, page 200", "/api/v1/documents?page=200"),
        ("anonymous", "API tags with counts", "/api/v1/tags"),
        ("anonymous", "feed", "/feeds/documents.atom"),
        ("contributor", "home", "/"),
        ("contributor", "topics", "/browse/"),
        ("contributor", "their organization's documents", "/documents/mine"),
        ("moderator", "home", "/"),
        ("moderator", "review queue (empty)", "/review"),
        ("moderator", "statistics", "/statistics/"),
        ("moderator", "types and years", "/browse/types"),
        ("admin", "accounts", "/admin/users"),
        ("admin", "audit log", "/admin/audit"),
        ("admin", "review queue (empty)", "/review"),
        ("admin", "statistics", "/statistics/"),
    ]


EXPLAINED = {("moderator", "/review"), ("moderator", "/statistics/")}


class PagesBench(Bench):
    """One database of ``bench.run``'s corpus, served by the app with the tantivy index."""

    def __init__(self, args, database: str, workdir: Path):
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(argparse.Namespace(**{**vars(args), "reuse": str(workdir)}))
        self.reusing = bool(args.reuse)
        self.database = database
        if database == "postgres":
            url = urllib.parse.urlsplit(args.postgres_url)
            self.pg_name = f"rcm_pages_{args.size}"
            self.pg_admin_url = args.postgres_url
            self.database_url = urllib.parse.urlunsplit(
                ("postgresql+psycopg", url.netloc, "/" + self.pg_name, "", "")
            )
        else:
            self.database_url = f"sqlite:///{self.workdir / 'app.sqlite3'}"

    def app_config(self, engine: str = ENGINE) -> dict:
        return super().app_config(ENGINE) | {"RCM_INDEX_DIR": str(self.workdir / "index")}

    def make_app(self, engine: str = ENGINE):
        from rcm_exchange import create_app

        return create_app(self.app_config() | {"WTF_CSRF_ENABLED": False})

    # -- building ----------------------------------------------------------------------

    def prepare(self) -> None:
        if self.database == "postgres" and not self.reusing:
            import psycopg

            with psycopg.connect(self.pg_admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
                connection.execute(f'CREATE DATABASE "{self.pg_name}"')
        started = time.perf_counter()
        self.size = self.fill_database()
        if not self.reusing:
            print(
                f"[{self.database}] filled with {self.size} documents in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            self.add_accounts()
            started = time.perf_counter()
            self.build(ENGINE)
            print(f"[{self.database}] index built in {time.perf_counter() - started:.0f} s", flush=True)
            self.analyze()
        app = self.make_app()
        with app.app_context():
            from sqlalchemy import func, select

            from rcm_exchange.extensions import db
            from rcm_exchange.models import Document, Organization

            self.size = db.session.scalar(select(func.count()).select_from(Document))
            self.organization = db.session.scalar(select(Organization.id).where(Organization.acronym == "MX"))

    def add_accounts(self) -> None:
        from sqlalchemy import select, text

        from rcm_exchange.extensions import db
        from rcm_exchange.models import Organization, Role
        from rcm_exchange.services import accounts
        from rcm_exchange.services.access import SYSTEM

        app = self.make_app()
        with app.app_context():
            for email, acronym, role in ACCOUNTS.values():
                organization = db.session.scalar(select(Organization).where(Organization.acronym == acronym))
                accounts.create_user(
                    SYSTEM,
                    email=email,
                    name=role.title(),
                    organization_id=organization.id,
                    role=Role(role),
                    password=PASSWORD,
                )
            if self.database == "postgres":  # the corpus was inserted with its own ids
                db.session.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('documents', 'id'), "
                        "(SELECT max(id) FROM documents))"
                    )
                )
                db.session.commit()

    def analyze(self) -> None:
        """As autovacuum would have done on a database in use."""
        from sqlalchemy import text

        from rcm_exchange.extensions import db

        if self.database != "postgres":
            return
        app = self.make_app()
        with (
            app.app_context(),
            db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
        ):
            connection.execute(text("ANALYZE"))

    # -- statements ----------------------------------------------------------------------

    def statements(self, table: list[tuple[str, str, str]]) -> tuple[dict, dict]:
        """How many statements each page runs, and the plans of the explained pages."""
        from sqlalchemy import event

        from rcm_exchange.extensions import db

        app = self.make_app()
        with app.app_context():
            engine = db.engine
        counts, plans = {}, {}
        # Each request in an application context of its own, as under gunicorn: one
        # shared context would keep the signed-in user of another request in ``g``.
        browsers = {"anonymous": app.test_client()}
        for role, (email, _org, _role) in ACCOUNTS.items():
            browsers[role] = app.test_client()
            response = browsers[role].post("/auth/sign-in", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, f"{role} could not sign in"
        seen: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            for role, _label, path in table:
                browsers[role].get(path)  # the first request of a kind warms caches
                seen.clear()
                response = browsers[role].get(path)
                assert response.status_code == 200, f"{path} as {role}: {response.status_code}"
                counts[(role, path)] = len(seen)
                if (role, path) in EXPLAINED:
                    plans[(role, path)] = list(seen)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        prefix = "EXPLAIN QUERY PLAN " if self.database == "sqlite" else "EXPLAIN "
        explained = {}
        with engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            for key, statements in plans.items():
                lines = []
                for statement, parameters in statements:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    cursor.execute(prefix + statement, parameters)
                    plan = [str(row[-1]) for row in cursor.fetchall()]
                    lines.append(re.sub(r"\s+", " ", statement)[:160] + "\n    " + "\n    ".join(plan))
                explained[key] = lines
        return counts, explained

    # -- timing ----------------------------------------------------------------------------

    @staticmethod
    def browser(base: str, email: str | None):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        if email is not None:
            form = opener.open(base + "/auth/sign-in", timeout=60).read().decode()
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
            opener.open(base + "/auth/sign-in", data=data.encode(), timeout=60).read()
        return opener

    def browsers(self, base: str) -> dict:
        """A browser of each role, signed in to the server at ``base``."""
        found = {"anonymous": self.browser(base, None)}
        found.update({role: self.browser(base, email) for role, (email, _o, _r) in ACCOUNTS.items()})
        return found

    def timings(self, table, *others: PagesBench) -> list[dict]:
        """p50/p95 of each page of ``table`` on this build and on each of ``others``.

        The builds are served side by side and each timed request goes to the next
        build in turn, so the machine speeding up or slowing down during the run weighs
        on every build alike: the ratio of two sizes is then the pages' own, which two
        runs minutes apart on a shared machine do not give."""
        benches = (self, *others)
        servers = []
        try:
            for bench in benches:
                servers.append(bench.start_server(ENGINE))
            browsers = [
                bench.browsers(base) for bench, (_process, base) in zip(benches, servers, strict=True)
            ]
            results: list[dict] = [{} for _ in benches]
            for role, _label, path in table:
                for _ in range(self.args.warmup):
                    for (_process, base), opener in zip(servers, browsers, strict=True):
                        opener[role].open(base + path, timeout=120).read()
                samples: list[list[float]] = [[] for _ in benches]
                for round_number in range(self.args.requests):
                    turn = list(zip(samples, servers, browsers, strict=True))
                    # Each build goes first as often as the others.
                    shift = round_number % len(turn)
                    for taken, (_process, base), opener in turn[shift:] + turn[:shift]:
                        started = time.perf_counter()
                        opener[role].open(base + path, timeout=120).read()
                        taken.append((time.perf_counter() - started) * 1000)
                for result, taken in zip(results, samples, strict=True):
                    result[(role, path)] = (percentile(taken, 0.5), percentile(taken, 0.95))
            return results
        finally:
            for process, _base in servers:
                stop_server(process)

    def run_pages(self, *others: PagesBench) -> list[tuple[list[dict], dict]]:
        """(rows, plans) of this build and of each of ``others``, timed together."""
        benches = (self, *others)
        for bench in benches:
            bench.prepare()
        table = pages(self.tags[0], self.countries[0], self.organization)
        measured = [bench.statements(table) for bench in benches]
        times = self.timings(table, *others)
        return [
            (
                [
                    {
                        "role": role,
                        "page": label,
                        "path": path,
                        "p50": timed[(role, path)][0],
                        "p95": timed[(role, path)][1],
                        "statements": counts[(role, path)],
                    }
                    for role, label, path in table
                ],
                explained,
            )
            for (counts, explained), timed in zip(measured, times, strict=True)
        ]


def render(results: list[dict]) -> str:
    """Pages down, one p95 / statements column per (database, size) of ``results``."""
    columns = [(r["database"], r["size"]) for r in results]
    by_column = {
        (r["database"], r["size"]): {(row["role"], row["path"]): row for row in r["rows"]} for r in results
    }
    first = results[0]["rows"]
    head = " | ".join(f"{'SQLite' if d == 'sqlite' else 'PostgreSQL'} {s:,}" for d, s in columns)
    lines = [f"| who | page | path | {head} |", "|---|---|---|" + "---:|" * len(columns)]
    for row in first:
        key = (row["role"], row["path"])
        cells = []
        for column in columns:
            found = by_column[column].get(key)
            cells.append(f"{found['p95']:.0f} ms / {found['statements']}" if found else "—")
        lines.append(f"| {row['role']} | {row['page']} | `{row['path']}` | " + " | ".join(cells) + " |")
    return (
        "\n".join(lines)
        + "\n\nEach cell: p95 of the page under gunicorn (2 workers) / SQL statements it runs.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=4, help="untimed requests per page first")
    parser.add_argument(
        "--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RCM_BENCH_POSTGRES_URL")
        or os.environ.get("RCM_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL,
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder and databases")
    parser.add_argument("--reuse", metavar="FOLDER", help="time a folder kept by --keep again (no build)")
    parser.add_argument("--table", nargs="+", metavar="JSON", help="render saved results side by side")
    parser.add_argument(
        "--against",
        nargs="+",
        default=[],
        metavar="SIZE:FOLDER",
        help="time a build kept by --keep (its size, its folder) side by side with this one",
    )
    args = parser.parse_args()
    against = []
    for other in args.against:
        size, separator, folder = other.partition(":")
        if not (separator and size.isdigit() and Path(folder).is_dir()):
            parser.error(f"--against takes SIZE:FOLDER of a kept build, not {other!r}")
        against.append(argparse.Namespace(**{**vars(args), "size": int(size), "reuse": folder}))
    sizes = [args.size, *(other.size for other in against)]
    if len(set(sizes)) < len(sizes):
        # A build's PostgreSQL database and its column of the table are named by its size.
        parser.error("--against takes builds of other sizes than --size and than each other")
    if against and args.port:
        parser.error("--against serves several builds at once, each on a free port: leave out --port")
    if args.table:
        print(render([r for path in args.table for r in json.loads(Path(path).read_text())]))
        return
    root = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="rcm-pages-"))
    speed_before = machine.reference(args.postgres_url)
    results, plans = [], []
    try:
        for database in [d for d in args.databases.split(",") if d]:
            bench = PagesBench(args, database, root / database)
            others = [PagesBench(other, database, Path(other.reuse) / database) for other in against]
            for timed, (rows, explained) in zip((bench, *others), bench.run_pages(*others), strict=True):
                results.append({"database": database, "size": timed.size, "rows": rows})
                print(render(results[-1:]), flush=True)
                for (role, path), lines in explained.items():
                    plans.append(
                        f"## {database} {timed.size:,}: {path} as {role}\n\n```\n"
                        + "\n".join(lines)
                        + "\n```\n"
                    )
    finally:
        if args.keep or args.reuse:
            print(f"work folder kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
            # The PostgreSQL database is dropped with the folder that names it.
            if "postgres" in args.databases:
                import psycopg

                with psycopg.connect(args.postgres_url, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "rcm_pages_{args.size}" WITH (FORCE)')
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    out = PROJECT_ROOT / "bench" / "results" / f"pages-{'-'.join(map(str, sizes))}-{stamp}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    # Other work on the machine shows in every timing: the load is part of the result.
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    documents = " and ".join(f"{size:,}" for size in sizes)
    text = (
        f"Page benchmark, {documents} documents, {os.cpu_count()} CPUs, load average {load} at the end, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n{render(results)}\n"
        f"Before: {speed_before}\nAfter: {machine.reference(args.postgres_url)}\n\n" + "\n".join(plans)
    )
    out.with_suffix(".md").write_text(text)
    print("\n" + text + f"\nwritten to {out}.md and .json")


if __name__ == "__main__":
    main()
