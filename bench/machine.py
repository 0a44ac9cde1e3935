"""How fast this machine is, by a fixed piece of work timed beside a benchmark.

Machines of one kind differ by two or three times from one day to the next (the same
code and corpus have taken 35 s and 94 s to build tantivy's 100,000-document index), so
a benchmark's figures say little without the machine's own speed next to them. The
work is fixed and has nothing to do with the application: the interpreter's arithmetic
(the application's Python) and, when a server is given, one PostgreSQL statement that
sums generated rows (the database's executor). Best of five, so a moment's
interference does not count; a lower figure is a faster machine. Written here because
what is wanted is one comparable line in the results, not a benchmark suite (pyperf
tunes and calibrates a machine for that, which this shared machine does not allow).
"""

from __future__ import annotations

import os
import sys
import time

ROUNDS = 5
PYTHON_ADDITIONS = 5_000_000
POSTGRES_ROWS = 1_000_000


def _best_of(work) -> float:
    """The shortest of ``ROUNDS`` runs of ``work``, in milliseconds."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def _python_work() -> None:
    total = 0
    for number in range(PYTHON_ADDITIONS):
        total += number
    assert total == PYTHON_ADDITIONS * (PYTHON_ADDITIONS - 1) // 2


def reference(postgres_url: str | None = None) -> str:
    """One line: the fixed work's times on this machine now."""
    parts = [f"Python {_best_of(_python_work):.0f} ms"]
    if postgres_url:
        import psycopg

        try:
            with psycopg.connect(postgres_url, connect_timeout=5) as connection:
                connection.execute("SET jit = off")
                statement = f"SELECT sum(n) FROM generate_series(1, {POSTGRES_ROWS}) n"
                parts.append(
                    f"PostgreSQL {_best_of(lambda: connection.execute(statement).fetchone()):.0f} ms"
                )
        except (psycopg.Error, OSError) as error:  # the reference is a side note to the benchmark
            parts.append(f"PostgreSQL not measured ({type(error).__name__})")
    return (
        "machine reference (fixed work, best of 5, lower is faster): "
        + ", ".join(parts)
        + f" — {PYTHON_ADDITIONS:,} additions in Python; "
        f"{POSTGRES_ROWS:,} generated rows summed by PostgreSQL"
    )


if __name__ == "__main__":
    print(reference(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RCM_BENCH_POSTGRES_URL")))
