"""Helpers shared by the test suites of several apps (no test runs from here)."""

import threading

import pytest
from django.db import connection, connections

# Real parallel transactions (row locks, SKIP LOCKED, unique races) need PostgreSQL: the suite's second run.
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="parallel transactions need PostgreSQL (run with DATABASE_URL)")


def run_in_threads(count: int, target) -> list:
    """``target(i)`` in ``count`` threads released together; each result, or the exception it raised."""
    results, barrier = [None] * count, threading.Barrier(count)

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
