"""Calls released at the same instant from several threads (race tests on PostgreSQL)."""

from __future__ import annotations

import threading

from django.db import connections


def together(*calls):
    """Run the calls in threads released at the same instant; each returns its result or the
    exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - the result is inspected by the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results
