"""Outbox workers (``manage.py run_huey`` processes) killed with SIGKILL at random moments of a delivery,
mid-batch too: the next worker goes on within the lease time and every message reaches the gateway
exactly once per idempotency key; nothing stays ``sending``. On the SQLite queue and on Redis, and with
two workers at once on PostgreSQL. The test queues the delivery task every half second while the queue is
idle, standing for the workers' own minute-by-minute runs."""

import random
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from hotline.core.leases import lease
from hotline.core.models import Lease
from hotline.core.testing import postgres_only
from hotline.notify.models import Message, MessageStatus
from hotline.notify.services import enqueue_many
from hotline.notify.tasks import deliver_outbox
from hotline.notify.testing import FakeSmsGateway, Workers, redis_or_skip, shared_database

from .conftest import outgoing

# Worker processes and the database's now() keep the real time: see the root conftest.
pytestmark = pytest.mark.real_clock

LEASE = 3  # seconds: the workers' TASK_LEASE_SECONDS and OUTBOX_CLAIM_SECONDS
MARGIN = 15  # seconds: delivery goes on within LEASE + MARGIN of the kill or of the new worker's start (a busy CI
# machine runs another test process beside; the promise is minutes: TASK_LEASE_SECONDS ≤ 120)


def redis_queue(n: int) -> str:
    """A Redis database of its own for each test and each run of the suite (SQLite, PostgreSQL)."""
    return f"redis://127.0.0.1:6379/{n + (0 if connection.vendor == 'sqlite' else 3)}"


@pytest.fixture(params=["sqlite", "redis"])
def queue(request):
    if request.param == "sqlite":
        return "sqlite"
    url = redis_queue(9)
    redis_or_skip(url)
    return url


def statuses() -> Counter:
    return Counter(Message.objects.values_list("status", flat=True))


def wait_until(condition, workers: Workers, timeout: float, what: str) -> float:
    """Queue the delivery whenever the queue is idle until ``condition()``; the time it took."""
    return workers.wait_until(condition, deliver_outbox, timeout, what, poll=0.05)


def worker_env(fake: FakeSmsGateway, batch: int) -> dict[str, str]:
    """The workers' settings: the fake gateway, short lease and claim times, small batches."""
    return {**fake.env(), "TASK_LEASE_SECONDS": str(LEASE), "OUTBOX_CLAIM_SECONDS": str(LEASE),
            "OUTBOX_BATCH": str(batch)}


def assert_the_lease_expires() -> None:
    """No lease outlives its holder: once the workers are gone, it can be taken within the lease time."""
    deadline = time.monotonic() + LEASE + 2
    while True:
        with lease("outbox", seconds=LEASE) as held:
            if held is not None:
                return
        assert time.monotonic() < deadline, "the outbox lease outlived its workers"
        time.sleep(0.2)


def assert_exactly_once(fake: FakeSmsGateway, total: int) -> None:
    assert len(fake.delivered) == len(fake.by_key) == total
    assert set(fake.by_key) == set(Message.objects.values_list("idempotency_key", flat=True))
    assert statuses() == {MessageStatus.SENT: total}  # nothing stays sending
    ids = dict(Message.objects.values_list("idempotency_key", "gateway_id"))
    assert all(ids[key] == delivery["id"] for key, delivery in fake.by_key.items())


def kill_and_go_on(workers: Workers, fake: FakeSmsGateway, victim, at: int, *, hold: bool, total: int):
    """Kill ``victim`` once the gateway accepted ``at`` messages (``hold``: while it waits for the answer to
    the ``at``-th, which is then sent but not recorded), start another worker, and check that delivery goes
    on within the lease time. Returns the new worker."""
    if hold:
        fake.hold_after(at)
    wait_until(lambda: len(fake.delivered) >= at, workers, 60, f"{at} messages before the kill")
    workers.kill(victim)
    killed_at, count = time.monotonic(), len(fake.delivered)
    fake.release()
    worker = workers.start()
    since = max(killed_at, workers.ready(worker))
    resumed = fake.reached(min(total, count + 1))
    wait_until(resumed.is_set, workers, LEASE + MARGIN + 5, "delivery after the kill")
    assert time.monotonic() - since < LEASE + MARGIN, workers.logs()
    return worker


def test_outbox_workers_killed_at_random_moments(transactional_db, tmp_path, queue):
    total, batch = 240, 20
    rng = random.Random()
    kill_points = sorted(rng.sample(range(3, total - 40), 3))
    print("kill points", kill_points)
    with (FakeSmsGateway(delay=0.003) as fake, shared_database(tmp_path) as database):
        with transaction.atomic():
            enqueue_many(outgoing(total), fresh=True)
        env = worker_env(fake, batch)
        with Workers(tmp_path, database, queue, env) as workers:
            worker = workers.start()
            for n, at in enumerate(kill_points):
                worker = kill_and_go_on(workers, fake, worker, at, hold=n % 2 == 0, total=total)
            wait_until(lambda: statuses() == {MessageStatus.SENT: total}, workers, 60, "every message sent")
            assert workers.killed == 3
        assert_exactly_once(fake, total)
        assert_the_lease_expires()


@postgres_only
def test_two_outbox_workers_at_once_whose_lease_holder_is_killed(transactional_db, tmp_path):
    total, batch = 240, 20
    rng = random.Random()
    kill_points = sorted(rng.sample(range(3, total - 40), 2))
    print("kill points", kill_points)
    with (FakeSmsGateway(delay=0.003) as fake, shared_database(tmp_path) as database):
        with transaction.atomic():
            enqueue_many(outgoing(total), fresh=True)
        env = worker_env(fake, batch)
        url = redis_queue(10)
        redis_or_skip(url)
        with Workers(tmp_path, database, url, env) as workers:
            workers.start(), workers.start()
            for n, at in enumerate(kill_points):
                if n == 0:
                    fake.hold_after(at)
                wait_until(lambda at=at: len(fake.delivered) >= at, workers, 60, f"{at} messages before the kill")
                holder = Lease.objects.filter(name="outbox").values_list("holder", flat=True).first()
                assert holder, "the delivering worker holds the lease"
                victim = workers.by_pid(int(holder.split(":")[1]))
                workers.kill(victim)
                killed_at, count = time.monotonic(), len(fake.delivered)
                fake.release()
                workers.start()  # a replacement; the other worker is still there and goes on
                resumed = fake.reached(count + 1)
                wait_until(resumed.is_set, workers, LEASE + MARGIN + 5, "delivery after the kill")
                assert time.monotonic() - killed_at < LEASE + MARGIN, workers.logs()
            wait_until(lambda: statuses() == {MessageStatus.SENT: total}, workers, 60, "every message sent")
        assert_exactly_once(fake, total)
