"""A worker that dies mid-batch, and workers that run at once: every message reaches the gateway
exactly once. The message the dead worker had sent but not recorded is sent again with its key, and
the gateway recognises it (counted in ``duplicates``, not delivered twice)."""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max
from django.utils import timezone

from hotline.core.testing import postgres_only
from hotline.notify.models import Message, MessageStatus
from hotline.notify.services import claim, deliver, deliver_due, enqueue_many
from hotline.notify.testing import DiesAfter, FakeSmsGateway, WorkerKilled

from .conftest import outgoing

BASE_DIR = Path(settings.BASE_DIR)


def statuses() -> Counter:
    return Counter(Message.objects.values_list("status", flat=True))


def assert_exactly_once(fake: FakeSmsGateway, total: int) -> None:
    assert len(fake.delivered) == len(fake.by_key) == total
    assert set(fake.by_key) == set(Message.objects.values_list("idempotency_key", flat=True))
    assert max(Counter(d["to"] for d in fake.delivered).values()) == 1  # nobody got a message twice
    assert statuses() == {MessageStatus.SENT: total}
    ids = dict(Message.objects.values_list("idempotency_key", "gateway_id"))
    assert all(ids[key] == delivery["id"] for key, delivery in fake.by_key.items())


def test_a_worker_killed_between_sending_and_recording(db, fake, gateway):
    total = 40
    enqueue_many(outgoing(total))

    with pytest.raises(WorkerKilled):
        deliver_due(gateway=DiesAfter(gateway, 15), batch=10)

    # 14 recorded; the 15th accepted by the gateway but not recorded; 16-20 claimed, never sent.
    assert len(fake.delivered) == 15
    assert statuses() == {MessageStatus.SENT: 14, MessageStatus.SENDING: 6, MessageStatus.PENDING: 20}
    orphan = Message.objects.get(idempotency_key="test:14")
    assert orphan.status == MessageStatus.SENDING and orphan.attempts == 1

    # While the dead worker's claims stand, another worker takes only the unclaimed messages.
    soon = timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS - 10)
    assert deliver_due(gateway=gateway, now=soon).sent == 20
    assert statuses()[MessageStatus.SENDING] == 6 and fake.duplicates == 0

    later = timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1)
    assert deliver_due(gateway=gateway, now=later).sent == 6

    assert_exactly_once(fake, total)
    assert fake.duplicates == 1  # the orphan, recognised by its key
    orphan.refresh_from_db()
    assert orphan.attempts == 2 and orphan.gateway_id == fake.by_key["test:14"]["id"]


def test_a_late_worker_does_not_overwrite_the_claim_of_the_next(db, fake, gateway):
    """A worker that stalled past its claim finds the message re-claimed: its result is not recorded
    over the new owner's."""
    enqueue_many(outgoing(1))
    t0 = timezone.now()
    stalled = claim(limit=10, now=t0)
    retaken = claim(limit=10, now=t0 + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1))
    assert [m.attempts for m in stalled + retaken] == [1, 2]

    fake.fail_next(1, 500)
    assert deliver(stalled, gateway=gateway, now=t0).retried == 0  # not recorded, so not counted
    row = Message.objects.get()
    assert row.status == MessageStatus.SENDING and row.attempts == 2 and row.last_error == ""

    assert deliver(retaken, gateway=gateway).sent == 1
    assert deliver(stalled, gateway=gateway).sent == 0  # the stalled one comes back: same key, same id; not its result
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.gateway_id == fake.delivered[0]["id"]
    assert len(fake.delivered) == 1 and fake.duplicates == 1


def database_url() -> str:
    """The test database, for another process."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


@postgres_only
def test_a_worker_process_killed_mid_batch(transactional_db, tmp_path):
    total, batch, kill_at = 300, 50, 110
    with transaction.atomic():
        enqueue_many(outgoing(total), fresh=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "HOTLINE_DATA_DIR": str(tmp_path),
           "DATABASE_URL": database_url(), "OUTBOX_CLAIM_SECONDS": "1", "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "manage.py", "deliver_outbox", "--batch", str(batch)]

    with FakeSmsGateway(delay=0.001) as fake:
        env.update(fake.env())
        fake.hold_after(kill_at)  # the worker waits for the 110th answer when it is killed
        worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while not (reached := fake.wait_for(kill_at, timeout=0.2)):
                if worker.poll() is not None or time.monotonic() > deadline:  # it failed to start
                    break
        finally:
            worker.kill()
            output = worker.communicate(timeout=10)[0]
        assert reached, output
        assert worker.returncode == -9 and len(fake.delivered) == kill_at
        fake.release()

        # 109 recorded, the 110th sent but not recorded, the rest of its batch (111-150) claimed.
        sent = (kill_at - 1) // batch * batch + (kill_at - 1) % batch
        claimed_until = Message.objects.aggregate(last=Max("claimed_until"))["last"]
        assert statuses() == {MessageStatus.SENT: sent, MessageStatus.SENDING: batch - (kill_at - 1) % batch,
                              MessageStatus.PENDING: total - (kill_at - 1) // batch * batch - batch}
        time.sleep(max(0.0, (claimed_until - timezone.now()).total_seconds()) + 0.1)

        again = subprocess.run([*command, "--once"], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                               timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"total: sent {total - sent}, retried 0, failed 0" in again.stdout

        assert_exactly_once(fake, total)
        assert fake.duplicates == 1 and set(fake.statuses) == {200}
        assert Message.objects.filter(attempts=2).count() == batch - (kill_at - 1) % batch


@postgres_only
def test_two_workers_deliver_each_message_once(transactional_db):
    total = 200
    with transaction.atomic():
        enqueue_many(outgoing(total), fresh=True)
    results: list = [None, None]
    barrier = threading.Barrier(2)

    with FakeSmsGateway(delay=0.001) as fake:
        def work(i):
            client = fake.gateway()
            try:
                barrier.wait()
                results[i] = deliver_due(gateway=client, batch=10)
            except Exception as exc:  # asserted on below
                results[i] = exc
            finally:
                client.close()
                connections.close_all()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        assert all(not isinstance(r, BaseException) for r in results), results
        assert [r.retried + r.failed for r in results] == [0, 0]
        assert sum(r.sent for r in results) == total and all(r.sent > 0 for r in results), results
        assert fake.duplicates == 0 and fake.requests == total
        assert_exactly_once(fake, total)
        assert set(Message.objects.values_list("attempts", flat=True)) == {1}  # no message claimed twice
