"""The outbox: enqueue in the caller's transaction with idempotency keys, and delivery through the
fake gateway over real HTTP — success, retries with backoff, permanent failures, the attempt limit,
an admin's retry, the on-commit kick and the deliver_outbox command."""

import os
import signal
import threading
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from hotline.core.errors import PermissionDeniedError, ValidationError
from hotline.core.models import AuditEvent
from hotline.notify.models import Channel, Message, MessageStatus
from hotline.notify.services import backoff, claim, deliver_due, enqueue, enqueue_many, outbox_counts, retry_failed

from .conftest import outgoing


def statuses() -> Counter:
    return Counter(Message.objects.values_list("status", flat=True))


# --- enqueue --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fresh", [False, True])
def test_enqueue_is_part_of_the_callers_transaction(db, fresh):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert enqueue_many(outgoing(3), fresh=fresh) == 3
        assert Message.objects.count() == 3
        raise RuntimeError("the event failed")
    assert Message.objects.count() == 0

    with transaction.atomic():
        enqueue_many(outgoing(3), fresh=fresh)
    assert Message.objects.count() == 3


def test_the_same_key_twice_writes_one_row(db):
    fields = {"channel": Channel.SMS, "recipient": "13800000001", "key": "outage:7:sms:13800000001"}
    assert enqueue(text="第一次", **fields) == 1
    assert enqueue(text="第二次", **fields) == 0

    assert list(Message.objects.values_list("text", flat=True)) == ["第一次"]


def test_enqueue_many_skips_keys_already_there(db):
    assert enqueue_many(outgoing(3)) == 3
    assert enqueue_many(outgoing(4, start=1)) == 2  # keys 1, 2 exist; 3, 4 are new

    assert sorted(Message.objects.values_list("idempotency_key", flat=True)) == [f"test:{n}" for n in range(5)]


def test_fresh_bulk_path_writes_every_row(db):
    before = timezone.now()
    messages = outgoing(500)
    messages[0].key = "k" * 150  # cut to the column's length
    messages[1].recipient_name = "名" * 120

    assert enqueue_many(messages, fresh=True) == 500

    assert Message.objects.count() == 500 and statuses() == {MessageStatus.PENDING: 500}
    row = Message.objects.get(idempotency_key="test:7")
    assert (row.channel, row.recipient, row.recipient_name, row.template, row.topic) == (
        Channel.SMS, "13800000007", "用户7", "outage_announced", "outage:1")
    assert row.text == messages[7].text and row.attempts == 0 and row.claimed_until is None and row.sent_at is None
    assert row.gateway_id == "" and row.last_error == ""
    assert before <= row.next_attempt_at == row.created_at <= timezone.now()
    assert Message.objects.filter(idempotency_key="k" * 120).exists()
    assert Message.objects.get(idempotency_key="test:1").recipient_name == "名" * 100
    assert outbox_counts("outage:1") == {"pending": 500, "sending": 0, "sent": 0, "failed": 0}


def test_a_committed_enqueue_queues_a_delivery(db, settings, configured, django_capture_on_commit_callbacks,
                                                monkeypatch):
    from hotline.notify import services

    settings.OUTBOX_DELIVER_ON_COMMIT = True
    monkeypatch.setattr(services, "_last_kick", 0.0)  # no kick from an earlier test within the last second

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_many(outgoing(2))
        assert configured.delivered == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert [d["key"] for d in configured.delivered] == ["test:0", "test:1"]
    assert statuses() == {MessageStatus.SENT: 2}


# --- delivery -------------------------------------------------------------------------------------

def test_delivery_records_the_gateway_id_and_sent_at(db, fake, gateway):
    enqueue_many(outgoing(3) + outgoing(1, start=3, channel=Channel.PROPERTY))
    now = timezone.now()

    done = deliver_due(gateway=gateway, now=now)

    assert (done.sent, done.retried, done.failed) == (4, 0, 0)
    rows = list(Message.objects.order_by("id"))
    assert [d["key"] for d in fake.delivered] == [m.idempotency_key for m in rows]
    for row, delivered in zip(rows, fake.delivered, strict=True):
        assert (delivered["to"], delivered["text"], delivered["channel"]) == (row.recipient, row.text, row.channel)
        assert row.status == MessageStatus.SENT and row.gateway_id == delivered["id"] and row.sent_at == now
        assert row.attempts == 1 and row.claimed_until is None and row.last_error == ""
    assert deliver_due(gateway=gateway).handled == 0 and fake.requests == 4  # nothing is sent twice


def test_batch_and_max_messages(db, fake, gateway):
    enqueue_many(outgoing(7))

    done = deliver_due(gateway=gateway, batch=2, max_messages=5)

    assert done.sent == 5 and statuses() == {MessageStatus.SENT: 5, MessageStatus.PENDING: 2}
    assert deliver_due(gateway=gateway, batch=2).sent == 2 and len(fake.by_key) == 7


def test_server_errors_are_retried_with_backoff_and_delivered_once(db, fake, gateway):
    enqueue_many(outgoing(1))
    fake.fail_next(2, 500)
    t0 = timezone.now()

    first = deliver_due(gateway=gateway, now=t0)
    row = Message.objects.get()
    assert (first.sent, first.retried) == (0, 1) and "HTTP 500" in first.errors[0]
    assert row.status == MessageStatus.PENDING and row.attempts == 1 and "HTTP 500" in row.last_error
    assert row.next_attempt_at == t0 + backoff(1) == t0 + timedelta(seconds=30) and row.claimed_until is None

    assert deliver_due(gateway=gateway, now=t0 + timedelta(seconds=29)).handled == 0  # not due yet
    assert fake.requests == 1

    t1 = t0 + timedelta(seconds=30)
    assert deliver_due(gateway=gateway, now=t1).retried == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == t1 + timedelta(seconds=60)
    assert deliver_due(gateway=gateway, now=t1 + timedelta(seconds=59)).handled == 0

    t2 = t1 + timedelta(seconds=60)
    assert deliver_due(gateway=gateway, now=t2).sent == 1
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.attempts == 3 and row.sent_at == t2 and row.last_error == ""
    assert row.gateway_id == fake.delivered[0]["id"]
    assert len(fake.delivered) == 1 and fake.duplicates == 0 and fake.requests == 3
    assert deliver_due(gateway=gateway, now=t2 + timedelta(days=1)).handled == 0


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_too_many_requests_is_retried(db, fake, gateway):
    enqueue_many(outgoing(2))
    fake.fail_next(1, 429)
    t0 = timezone.now()

    done = deliver_due(gateway=gateway, now=t0)

    assert (done.sent, done.retried) == (1, 1)
    assert Message.objects.get(status=MessageStatus.PENDING).last_error.startswith("HTTP 429")
    assert deliver_due(gateway=gateway, now=t0 + timedelta(seconds=30)).sent == 1
    assert statuses() == {MessageStatus.SENT: 2} and len(fake.delivered) == 2


def test_a_refused_number_fails_at_once(db, fake, gateway):
    enqueue_many(outgoing(3))
    fake.refuse("13800000001")
    t0 = timezone.now()

    done = deliver_due(gateway=gateway, now=t0)

    assert (done.sent, done.retried, done.failed) == (2, 0, 1)
    failed = Message.objects.get(status=MessageStatus.FAILED)
    assert failed.recipient == "13800000001" and failed.attempts == 1 and failed.last_error.startswith("HTTP 400")
    assert failed.gateway_id == "" and failed.sent_at is None
    assert deliver_due(gateway=gateway, now=t0 + timedelta(days=1)).handled == 0  # never again by itself
    assert fake.requests == 3


def test_wrong_secret_is_refused_and_fails(db, fake):
    enqueue_many(outgoing(1))
    client = fake.gateway(secret="an-old-secret")

    done = deliver_due(gateway=client, now=timezone.now())
    client.close()

    row = Message.objects.get()
    assert done.failed == 1 and row.status == MessageStatus.FAILED and row.last_error.startswith("HTTP 401")
    assert fake.rejected == 1 and fake.delivered == []


def test_after_the_last_attempt_a_temporary_error_fails(db, settings, fake, gateway, admin_user, operator):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    enqueue_many(outgoing(1))
    fake.fail_next(3, 503)
    at = timezone.now()

    results = []
    for _ in range(5):
        results.append(deliver_due(gateway=gateway, now=at))
        at += timedelta(hours=1)  # past any backoff

    assert [(r.retried, r.failed) for r in results] == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    row = Message.objects.get()
    assert row.status == MessageStatus.FAILED and row.attempts == 3 and row.last_error.startswith("HTTP 503")
    assert fake.requests == 3 and fake.delivered == []

    # An operator may not send it again; an administrator may (after the gateway is fixed).
    with pytest.raises(PermissionDeniedError):
        retry_failed(actor=operator, message=row)
    row.refresh_from_db()
    assert row.status == MessageStatus.FAILED

    second_click = Message.objects.get(pk=row.pk)  # the same page, clicked twice
    row = retry_failed(actor=admin_user, message=row)
    assert row.status == MessageStatus.PENDING and row.attempts == 0 and row.last_error == ""
    assert claim(limit=1)[0].pk == row.pk  # a worker is sending it …
    with pytest.raises(ValidationError):  # … so the second click does not put it back
        retry_failed(actor=admin_user, message=second_click)
    row.refresh_from_db()
    assert row.status == MessageStatus.SENDING and row.attempts == 1
    assert AuditEvent.objects.filter(action="message.retried", target_id=str(row.pk), actor=admin_user).count() == 1
    Message.objects.filter(pk=row.pk).update(claimed_until=timezone.now(), next_attempt_at=timezone.now())  # died
    assert deliver_due(gateway=gateway, now=timezone.now() + timedelta(seconds=1)).sent == 1
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.attempts == 2 and len(fake.delivered) == 1

    with pytest.raises(ValidationError):  # only a failed message can be sent again
        retry_failed(actor=admin_user, message=row)


# --- the deliver_outbox command -------------------------------------------------------------------

def run_command(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("deliver_outbox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_deliver_outbox_once(db, configured):
    enqueue_many(outgoing(5))
    configured.refuse("13800000004")

    out, err = run_command("--once", "--batch", "2")

    assert out.splitlines()[:3] == ["sent 2, retried 0, failed 0"] * 2 + ["sent 0, retried 0, failed 1"]
    assert "total: sent 4, retried 0, failed 1" in out and "(http gateway)" in out
    assert "HTTP 400" in err
    assert statuses() == {MessageStatus.SENT: 4, MessageStatus.FAILED: 1} and len(configured.delivered) == 4


def test_deliver_outbox_max(db, configured):
    enqueue_many(outgoing(5))

    out, _ = run_command("--once", "--max", "3", "--batch", "2")

    assert "total: sent 3, retried 0, failed 0" in out
    assert statuses() == {MessageStatus.SENT: 3, MessageStatus.PENDING: 2}


def test_deliver_outbox_keeps_going_until_interrupted(db, configured):
    enqueue_many(outgoing(3))

    finished = threading.Event()

    def interrupt():
        if configured.wait_for(3, timeout=10):
            finished.wait(0.3)  # the worker is idle by now, waiting for more
        if not finished.is_set():  # (its handler is in place: it delivered, or it is still running)
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    try:
        out, _ = run_command()
    finally:
        finished.set()

    assert "total: sent 3, retried 0, failed 0" in out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
