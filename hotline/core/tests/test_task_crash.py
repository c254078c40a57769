"""The periodic tasks' workers (``manage.py run_huey`` processes) killed with SIGKILL at random moments of
their work: another worker goes on within the lease time, and the work is done once. On the SQLite queue
and on Redis. (The outbox's: ``hotline/notify/tests/test_worker_crash.py``; the SLA sweep's and the 12345
sweep's in their apps.)"""

import random
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hotline.notify.testing import Workers, kill_during, redis_or_skip, shared_database

LEASE = 3  # seconds: the workers' TASK_LEASE_SECONDS


@pytest.fixture(params=["sqlite", "redis"])
def queue(request):
    if request.param == "sqlite":
        return "sqlite"
    url = f"redis://127.0.0.1:6379/{11 if connection.vendor == 'sqlite' else 14}"
    redis_or_skip(url)
    return url


def test_outages_start_once_whatever_worker_is_killed(transactional_db, tmp_path, queue):
    """No lock: an outage starts by a conditional update, in the transaction of its event."""
    from hotline.outages.models import Outage, OutageEvent, OutageEventKind, OutageStatus
    from hotline.outages.tasks import start_outages

    total, now = 400, timezone.now()
    with shared_database(tmp_path) as database:
        Outage.objects.bulk_create([
            Outage(number=f"TS{n:06d}", kind="planned", status=OutageStatus.SCHEDULED, reason="管网改造",
                   area_text="幸福家园", starts_at=now - timedelta(minutes=n % 50), created_at=now - timedelta(days=1),
                   expected_restore_at=now + timedelta(hours=8)) for n in range(total)])

        def progress():
            return Outage.objects.filter(status=OutageStatus.ACTIVE).count()

        with Workers(tmp_path, database, queue, {"TASK_LEASE_SECONDS": str(LEASE)}) as workers:
            killed = kill_during(workers, start_outages, progress, total, kills=2, lease=LEASE, rng=random.Random())
        print("killed at", killed)
        assert Outage.objects.exclude(status=OutageStatus.ACTIVE).count() == 0
        events = OutageEvent.objects.filter(kind=OutageEventKind.STARTED)
        assert events.count() == events.values("outage").distinct().count() == total  # each started once


def test_report_rollups_go_on_after_their_worker_is_killed(transactional_db, tmp_path, queue):
    """The lease "report-rollups": the next worker takes it when the killed one's expires."""
    from hotline.core.models import Lease
    from hotline.reports.models import RollupDay
    from hotline.reports.rollups import KINDS, first_live_day, stale_days
    from hotline.reports.tasks import refresh_report_rollups

    now = timezone.now()
    last = first_live_day(now) - timedelta(days=1)
    first = last - timedelta(days=730)
    total = sum(len(stale_days(kind, first, last, now)) for kind in KINDS)  # no day rolled up yet: 2 × 731
    with shared_database(tmp_path) as database:
        with Workers(tmp_path, database, queue, {"TASK_LEASE_SECONDS": str(LEASE)}) as workers:
            killed = kill_during(workers, refresh_report_rollups, RollupDay.objects.count, total, kills=2,
                                 lease=LEASE, rng=random.Random())
            print("killed at", killed)
            deadline = time.monotonic() + 10  # the last run releases it when it ends
            while Lease.objects.filter(name="report-rollups").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not Lease.objects.filter(name="report-rollups").exists(), workers.logs()
        assert RollupDay.objects.count() == total
        assert not any(stale_days(kind, first, last, timezone.now()) for kind in KINDS)
