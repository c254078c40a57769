"""Leases: task locks that expire, so that no lock outlives its holder.

A lease is a row of ``core_lease`` (name, holder, expires_at). It is taken with one conditional
INSERT … ON CONFLICT DO UPDATE that succeeds only when the row is missing or expired, renewed by its
holder while it works (``Held.keep()``), and deleted by its holder at the end. A worker killed with
SIGKILL leaves a row that expires after ``TASK_LEASE_SECONDS``; the next run then takes it. Nobody but
the holder renews or deletes it: a worker that starts never frees a live worker's lease. Times are the
database's clock, the same for every host.

    @leased("report-rollups")
    def refresh_report_rollups(held): ...     # skipped (returns None) while another worker holds it

    with lease("outbox") as held:
        if held is None: ...                   # another worker holds it
        while work and held.keep(): ...        # keep() renews now and then; False once the lease is lost
"""

import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

from hotline.core.models import Lease

T = TypeVar("T")

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    """``TASK_LEASE_SECONDS`` (setting or environment), 60 s by default."""
    value = getattr(settings, "TASK_LEASE_SECONDS", None) or os.environ.get("TASK_LEASE_SECONDS") or 60
    return float(value)


def _clock(seconds: float | None = None) -> tuple[str, list]:
    """SQL for the database's time now (or ``seconds`` from now) and its parameters."""
    if connection.vendor == "postgresql":
        return ("clock_timestamp()", []) if seconds is None else ("clock_timestamp() + %s * interval '1 second'",
                                                                  [seconds])
    # SQLite: the text form Django stores (UTC); compared as text, which orders like the time.
    if seconds is None:
        return "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')", []
    return "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', %s)", [f"{seconds:+.3f} seconds"]


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


TABLE = Lease._meta.db_table


class Held:
    """A lease this process holds."""

    def __init__(self, name: str, seconds: float):
        self.name, self.seconds = name, seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:200]
        self.renewed = 0.0  # time.monotonic() of the last acquisition or renewal
        self.lost = False

    def acquire(self) -> bool:
        expiry, expiry_params = _clock(self.seconds)
        now, now_params = _clock()
        taken = _execute(
            f"INSERT INTO {TABLE} (name, holder, expires_at) VALUES (%s, %s, {expiry}) "
            f"ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
            f"WHERE {TABLE}.expires_at <= {now}",
            [self.name, self.holder, *expiry_params, *now_params])
        self.renewed = time.monotonic()
        return taken == 1

    def keep(self) -> bool:
        """Renew the lease if a third of its time has passed since the last renewal. False once it is lost
        (it expired and another worker took it): the holder then stops and leaves the rest to that one."""
        if self.lost:
            return False
        if time.monotonic() - self.renewed < self.seconds / 3:
            return True
        expiry, params = _clock(self.seconds)
        if _execute(f"UPDATE {TABLE} SET expires_at = {expiry} WHERE name = %s AND holder = %s",
                    [*params, self.name, self.holder]):
            self.renewed = time.monotonic()
        else:
            self.lost = True
            logger.warning("lease %s lost (it expired and another worker took it)", self.name)
        return not self.lost

    def release(self) -> None:
        _execute(f"DELETE FROM {TABLE} WHERE name = %s AND holder = %s", [self.name, self.holder])


@contextmanager
def lease(name: str, seconds: float | None = None) -> Iterator[Held | None]:
    """Hold the lease ``name`` for the block: yields a ``Held``, or None if another worker holds it."""
    held = Held(name, seconds or lease_seconds())
    if not held.acquire():
        logger.info("lease %s is held by another worker: skipped", name)
        yield None
        return
    try:
        yield held
    finally:
        held.release()


def leased(name: str) -> Callable[[Callable[..., T]], Callable[..., T | None]]:
    """Decorator: run the function under the lease ``name``, passing it the ``Held`` as ``held``;
    return None without running it while another worker holds the lease."""
    def decorate(func: Callable[..., T]) -> Callable[..., T | None]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> T | None:
            with lease(name) as held:
                return None if held is None else func(*args, held=held, **kwargs)
        return run
    return decorate
