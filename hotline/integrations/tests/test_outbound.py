"""What goes back to the 12345 platform, through the outbox and the fake platform over real HTTP: the
sign-for, an approved extension, the final reply (then the order is closed), a return; retries,
permanent failures and sending again, a worker killed mid-delivery, and each case's order."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from hotline.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationError
from hotline.integrations.gov12345 import services
from hotline.integrations.gov12345.adapter import gateway_from_settings
from hotline.integrations.gov12345.selectors import extension_limit
from hotline.integrations.models import Case
from hotline.notify.gateways import SENT_HOOKS
from hotline.notify.models import Channel, Message, MessageStatus
from hotline.notify.services import deliver_due
from hotline.notify.testing import DiesAfter, WorkerKilled
from hotline.workorders.models import EventKind, Status, WorkOrder
from hotline.workorders.services import (
    order_accept,
    order_callback,
    order_cancel,
    order_close,
    order_decide_extension,
    order_dispatch,
    order_request_extension,
    order_resolve,
    order_return,
)

from .conftest import CASES, assert_error, post_json, snapshot


def later(minutes: float = 5) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


def case_messages(case: Case) -> list[Message]:
    return list(Message.objects.filter(topic=f"case:{case.pk}").order_by("id"))


def resolve_and_call_back(case: Case, staff, *, satisfaction: str = "satisfied") -> WorkOrder:
    order = case.order
    if order.status == Status.DISPATCHED:
        order_accept(actor=staff["dispatcher"], order=order)
    order_resolve(actor=staff["worker"], order=order, result="已更换冻裂管段，恢复供水")
    order_callback(actor=staff["operator"], order=order, satisfaction=satisfaction, note="用户表示满意")
    return order


# --- sign-for ---------------------------------------------------------------------------------------

def test_signing_for_the_order_tells_the_platform(received, staff, fake_platform, deliver, units):
    case = received()

    order_accept(actor=staff["dispatcher"], order=case.order)
    done = deliver()

    assert done.sent == 1
    [message] = fake_platform.received
    assert (message["case_id"], message["action"]) == ("SD2026-0001", "sign_for")
    body = message["body"]
    assert body["order_number"] == case.order.number and body["unit"] == units["repair"].name
    assert body["signed_by"] == staff["dispatcher"].get_full_name()
    assert datetime.fromisoformat(body["signed_at"]) == case.order.accepted_at.replace(microsecond=0)
    [row] = case_messages(case)
    assert (row.channel, row.recipient, row.template, row.status) == (Channel.GOV12345, "SD2026-0001", "sign_for",
                                                                      MessageStatus.SENT)
    assert row.idempotency_key == message["key"] == f"case:{case.pk}:sign_for:{case.order.events.get(kind='accepted').pk}"
    assert row.gateway_id == message["id"]


def test_signing_for_again_after_a_return_is_not_told_twice(received, staff, fake_platform, deliver, units):
    case = received()
    order = case.order
    order_accept(actor=staff["dispatcher"], order=order)
    order_return(actor=staff["dispatcher"], order=order, reason_code="not_our_area", note="不是本片区")
    order_dispatch(actor=staff["operator"], order=order, unit=units["repair"])

    order_accept(actor=staff["worker"], order=order)
    deliver()

    assert fake_platform.actions("SD2026-0001") == ["sign_for"]
    assert len(case_messages(case)) == 1


# --- extensions -------------------------------------------------------------------------------------

def test_an_approved_extension_goes_to_the_platform(received, staff, fake_platform, deliver):
    case = received()
    order = case.order
    order_accept(actor=staff["dispatcher"], order=order)
    until = order.resolve_due + timedelta(days=3)
    order_request_extension(actor=staff["dispatcher"], order=order, until=until, reason="需等待管材到货")

    order_decide_extension(actor=staff["lead"], order=order, approve=True)
    deliver()

    assert fake_platform.actions("SD2026-0001") == ["sign_for", "extension"]
    body = fake_platform.received[-1]["body"]
    assert datetime.fromisoformat(body["reply_deadline"]) == until.replace(microsecond=0)
    assert datetime.fromisoformat(body["previous_deadline"]) == case.reply_deadline
    assert body["reason"] == "需等待管材到货"


def test_an_extension_request_is_not_told_until_it_is_approved(received, staff, fake_platform, deliver):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    order_request_extension(actor=staff["dispatcher"], order=case.order, until=case.order.resolve_due + timedelta(days=1),
                            reason="需等待管材到货")
    order_decide_extension(actor=staff["lead"], order=case.order, approve=False, note="请按时完成")
    deliver()

    assert fake_platform.actions("SD2026-0001") == ["sign_for"]


def test_an_extension_beyond_10_working_days_is_refused(received, staff):
    case = received()
    order = case.order
    order_accept(actor=staff["dispatcher"], order=order)
    limit = extension_limit(order.resolve_due)
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        order_request_extension(actor=staff["dispatcher"], order=order, until=limit + timedelta(minutes=1),
                                reason="工程量大")

    assert "10" in str(refused.value.message) and "until" in refused.value.fields
    assert snapshot() == before
    order.refresh_from_db()
    assert order.extension_until is None
    order_request_extension(actor=staff["dispatcher"], order=order, until=limit, reason="工程量大")  # the limit itself


def test_a_12345_case_is_extended_only_once(received, staff):
    case = received()
    order = case.order
    order_accept(actor=staff["dispatcher"], order=order)
    order_request_extension(actor=staff["dispatcher"], order=order, until=order.resolve_due + timedelta(days=1),
                            reason="等待材料")
    order_decide_extension(actor=staff["lead"], order=order, approve=True)
    before = snapshot()

    with pytest.raises(InvalidStateError):
        order_request_extension(actor=staff["dispatcher"], order=order, until=order.resolve_due + timedelta(days=1),
                                reason="再延一次")

    assert snapshot() == before


# --- the final reply --------------------------------------------------------------------------------

def test_the_final_reply_goes_up_after_the_callback_and_then_the_order_is_closed(received, staff, fake_platform,
                                                                                 deliver, platform_user, units):
    case = received()
    order = resolve_and_call_back(case, staff)
    assert order.status == Status.CALLBACK_DONE

    deliver()

    assert fake_platform.actions("SD2026-0001") == ["sign_for", "reply"]
    body = fake_platform.received[-1]["body"]
    assert body["result"] == "已更换冻裂管段，恢复供水" and body["unit"] == units["repair"].name
    assert body["handled_by"] == staff["worker"].get_full_name() and body["satisfaction"] == "satisfied"
    assert body["resolved_at"] and body["callback_at"] and body["order_number"] == order.number
    order.refresh_from_db()
    assert order.status == Status.CLOSED and order.closed_at
    closed = order.events.get(kind=EventKind.CLOSED)
    assert closed.actor == platform_user and closed.note == "已回复 12345 平台。"
    platform_user.refresh_from_db()
    assert not platform_user.is_superuser  # the system step did not change the user


def test_an_unsatisfied_callback_sends_no_reply(received, staff, fake_platform, deliver):
    case = received()

    order = resolve_and_call_back(case, staff, satisfaction="unsatisfied")
    deliver()

    assert order.status == Status.REOPENED and fake_platform.actions("SD2026-0001") == ["sign_for"]


def test_closing_after_the_reply_is_idempotent(received, staff, fake_platform, deliver):
    case = received()
    order = resolve_and_call_back(case, staff)
    deliver()
    reply = Message.objects.get(template="reply")

    services.upstream_sent(reply)
    services.upstream_sent(reply)

    assert services.close_replied() == 0
    assert order.events.filter(kind=EventKind.CLOSED).count() == 1


def test_a_reply_whose_close_did_not_follow_is_closed_by_the_sweep(received, staff, fake_platform, deliver,
                                                                   monkeypatch):
    case = received()
    order = resolve_and_call_back(case, staff)
    monkeypatch.setitem(SENT_HOOKS, Channel.GOV12345, lambda message: None)  # the worker stopped after recording
    deliver()
    order.refresh_from_db()
    assert order.status == Status.CALLBACK_DONE

    from hotline.integrations.tasks import close_replied_cases

    assert close_replied_cases.call_local() == 1

    order.refresh_from_db()
    assert order.status == Status.CLOSED and services.close_replied() == 0


def test_closing_a_12345_order_by_hand_before_the_reply_reached_the_platform_is_refused(received, staff, settings):
    settings.GOV12345_URL = ""
    case = received()
    order = resolve_and_call_back(case, staff)
    before = snapshot()

    with pytest.raises(InvalidStateError) as refused:
        order_close(actor=staff["operator"], order=order)

    assert "12345" in str(refused.value.message)
    assert snapshot() == before


def test_cancelling_a_12345_order_by_hand_is_refused(received, staff):
    case = received()
    before = snapshot()

    with pytest.raises(InvalidStateError) as refused:
        order_cancel(actor=staff["operator"], order=case.order, reason="用户撤回")

    assert "12345" in str(refused.value.message)
    assert snapshot() == before


# --- failures, retries, sending again ---------------------------------------------------------------

def test_a_platform_error_is_retried_until_it_goes_through(received, staff, fake_platform, deliver):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    fake_platform.fail_next(2, 503)

    first = deliver()
    [row] = case_messages(case)
    assert first.retried == 1 and row.status == MessageStatus.PENDING and "503" in row.last_error

    assert deliver(now=later(1)).retried == 1
    assert deliver(now=later(10)).sent == 1

    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.attempts == 3 and row.last_error == ""
    assert fake_platform.actions("SD2026-0001") == ["sign_for"] and fake_platform.statuses[503] == 2


def test_too_many_requests_is_retried(received, staff, fake_platform, deliver):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    fake_platform.fail_next(1, 429)

    assert deliver().retried == 1 and deliver(now=later()).sent == 1


def test_a_refusal_fails_at_once_is_visible_and_can_be_sent_again(received, staff, fake_platform, deliver):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    fake_platform.fail_next(1, 400)

    assert deliver().failed == 1
    [row] = case_messages(case)
    assert row.status == MessageStatus.FAILED and row.last_error.startswith("HTTP 400")
    operator = Client()
    operator.force_login(staff["operator"])
    listed = operator.get(CASES, {"upstream": "failed"}).json()["results"]
    assert [(c["case_id"], c["upstream"]) for c in listed] == [("SD2026-0001", "failed")]
    assert listed[0]["upstream_error"].startswith("HTTP 400")

    resent = operator.post(f"/api/v1/gov12345/messages/{row.pk}/resend")
    assert resent.status_code == 200 and resent.json()["status"] == MessageStatus.PENDING
    assert deliver().sent == 1

    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and fake_platform.actions("SD2026-0001") == ["sign_for"]
    assert operator.get(CASES, {"upstream": "failed"}).json()["results"] == []


def test_only_a_failed_message_can_be_sent_again(received, staff):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    [row] = case_messages(case)
    operator = Client()
    operator.force_login(staff["operator"])
    before = snapshot()

    assert_error(operator.post(f"/api/v1/gov12345/messages/{row.pk}/resend"), 409, "invalid_state")
    assert_error(operator.post("/api/v1/gov12345/messages/999999/resend"), 404, "not_found")
    assert snapshot() == before


def test_another_channels_message_is_not_resent_here(received, staff, db):
    from hotline.notify.services import enqueue

    enqueue(channel=Channel.SMS, recipient="13800000001", text="短信", key="sms:1")
    sms = Message.objects.get(channel=Channel.SMS)
    Message.objects.filter(pk=sms.pk).update(status=MessageStatus.FAILED)

    with pytest.raises(NotFoundError):
        services.message_resend(actor=staff["operator"], message=sms)

    sms.refresh_from_db()
    assert sms.status == MessageStatus.FAILED


def test_after_the_last_attempt_a_message_is_failed(received, staff, fake_platform, deliver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    fake_platform.fail_next(5, 500)

    deliver()
    assert deliver(now=later()).failed == 1
    assert case_messages(case)[0].status == MessageStatus.FAILED


def test_without_a_platform_url_replies_fail_visibly_as_not_configured(received, staff, settings, deliver):
    settings.GOV12345_URL = ""
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)

    assert deliver().failed == 1

    [row] = case_messages(case)
    assert row.status == MessageStatus.FAILED and "not configured" in row.last_error


def test_a_wrong_secret_is_a_permanent_failure(received, staff, fake_platform, deliver, settings):
    settings.GOV12345_SECRET = "not-the-platforms"
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)

    assert deliver().failed == 1
    assert case_messages(case)[0].last_error.startswith("HTTP 401") and fake_platform.rejected == 1


# --- a worker killed in the middle --------------------------------------------------------------------

def test_a_worker_killed_after_the_platform_took_the_reply_delivers_it_exactly_once(received, staff, fake_platform):
    case = received()
    order = resolve_and_call_back(case, staff)
    gateway = gateway_from_settings()

    with pytest.raises(WorkerKilled):
        deliver_due(gateway=DiesAfter(gateway, 2))  # the sign-for is recorded; the reply reached the platform

    sign_for, reply = case_messages(case)
    assert sign_for.status == MessageStatus.SENT and reply.status == MessageStatus.SENDING
    order.refresh_from_db()
    assert order.status == Status.CALLBACK_DONE
    # Nothing happens while the dead worker's claim stands ...
    assert deliver_due(gateway=gateway).handled == 0
    # ... and once it has expired, the next worker sends the reply again: the platform knows its key.
    expired = timezone.now() + timedelta(seconds=django_settings.OUTBOX_CLAIM_SECONDS + 1)
    assert deliver_due(gateway=gateway, now=expired).sent == 1

    assert fake_platform.actions("SD2026-0001") == ["sign_for", "reply"] and fake_platform.duplicates == 1
    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT and reply.attempts == 2
    assert reply.gateway_id == fake_platform.received[-1]["id"]
    order.refresh_from_db()
    assert order.status == Status.CLOSED and order.events.filter(kind=EventKind.CLOSED).count() == 1
    gateway.close()


# --- each case's messages in order --------------------------------------------------------------------

def test_a_cases_messages_reach_the_platform_in_order(received, staff, fake_platform, deliver):
    case = received()
    resolve_and_call_back(case, staff)
    fake_platform.fail_next(1, 503)  # the sign-for fails once

    first = deliver()

    sign_for, reply = case_messages(case)
    assert first.retried == 2 and fake_platform.received == []
    assert reply.status == MessageStatus.PENDING and reply.last_error == f"waiting for message #{sign_for.pk}"

    assert deliver(now=later()).sent == 2
    assert fake_platform.actions("SD2026-0001") == ["sign_for", "reply"]


def test_a_failed_message_holds_back_the_later_ones_until_it_is_sent_again(received, staff, fake_platform, deliver,
                                                                           settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    case = received()
    other = received(case_id="SD2026-0002", address="锦绣花园8号楼")
    order_accept(actor=staff["dispatcher"], order=other.order)
    resolve_and_call_back(case, staff)
    fake_platform.refuse("SD2026-0001", 400)

    deliver()
    deliver(now=later())

    sign_for, reply = case_messages(case)
    assert (sign_for.status, reply.status) == (MessageStatus.FAILED, MessageStatus.FAILED)
    assert reply.last_error == f"waiting for message #{sign_for.pk}"
    assert fake_platform.actions("SD2026-0002") == ["sign_for"]  # another case is not held back

    fake_platform.allow("SD2026-0001")
    services.message_resend(actor=staff["operator"], message=sign_for)  # the reply goes again after it
    assert deliver(now=later(10)).sent == 2

    assert fake_platform.actions("SD2026-0001") == ["sign_for", "reply"]
    case.order.refresh_from_db()
    assert case.order.status == Status.CLOSED


# --- return to the platform -------------------------------------------------------------------------

MONDAY = datetime.fromisoformat("2026-03-02T10:00:00+08:00")  # an ordinary working week


def test_returning_a_case_cancels_the_order_and_tells_the_platform(received, staff, fake_platform, deliver):
    case = received()
    operator = Client()
    operator.force_login(staff["operator"])

    response = post_json(operator, f"{CASES}/SD2026-0001/return",
                         {"reason_code": "not_our_responsibility", "note": "属燃气公司管辖"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == Status.CANCELLED and body["returned"]["reason_code"] == "not_our_responsibility"
    case.refresh_from_db()
    case.order.refresh_from_db()
    assert case.returned_at and case.return_note == "属燃气公司管辖"
    assert case.order.status == Status.CANCELLED and "属燃气公司管辖" in case.order.cancel_reason
    deliver()
    [message] = fake_platform.received
    assert message["action"] == "return" and message["body"]["reason_code"] == "not_our_responsibility"
    assert message["body"]["note"] == "属燃气公司管辖" and message["body"]["returned_by"] == staff["operator"].get_full_name()


def test_a_case_can_be_returned_within_2_working_days_only(received, staff):
    with time_machine.travel(MONDAY, tick=False):
        case = received(received_at="2026-03-02T09:30:00+08:00", sign_deadline="2026-03-02T11:00:00+08:00",
                        reply_deadline="2026-03-09T17:30:00+08:00")
        second = received(case_id="SD2026-0002", received_at="2026-03-02T09:30:00+08:00",
                          sign_deadline="2026-03-02T11:00:00+08:00", reply_deadline="2026-03-09T17:30:00+08:00")
    with time_machine.travel(datetime.fromisoformat("2026-03-04T10:01:00+08:00"), tick=False):
        before = snapshot()
        with pytest.raises(InvalidStateError) as refused:
            services.case_return(actor=staff["operator"], case=case, reason_code="duplicate", note="重复件")
        assert "2026-03-04 10:00" in str(refused.value.message)
        assert snapshot() == before
    with time_machine.travel(datetime.fromisoformat("2026-03-04T09:59:00+08:00"), tick=False):
        services.case_return(actor=staff["operator"], case=second, reason_code="duplicate", note="重复件")
    second.order.refresh_from_db()
    assert second.order.status == Status.CANCELLED


@pytest.mark.parametrize(("reason_code", "note", "field"), [
    ("", "说明", "reason_code"), ("lost", "说明", "reason_code"), ("other", "  ", "note")])
def test_a_return_needs_a_reason_code_and_a_note(received, staff, reason_code, note, field):
    case = received()
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.case_return(actor=staff["operator"], case=case, reason_code=reason_code, note=note)

    assert field in refused.value.fields
    assert snapshot() == before


def test_a_case_is_returned_once(received, staff):
    case = received()
    services.case_return(actor=staff["operator"], case=case, reason_code="other", note="说明")
    before = snapshot()

    with pytest.raises(InvalidStateError):
        services.case_return(actor=staff["operator"], case=case, reason_code="other", note="再退一次")

    assert snapshot() == before


def test_a_resolved_case_cannot_be_returned(received, staff):
    case = received()
    order_accept(actor=staff["dispatcher"], order=case.order)
    order_resolve(actor=staff["worker"], order=case.order, result="已处理")
    before = snapshot()

    with pytest.raises(InvalidStateError):
        services.case_return(actor=staff["operator"], case=case, reason_code="other", note="说明")

    assert snapshot() == before


@pytest.mark.parametrize("role", ["manager", "dispatcher", "worker", "coordinator"])
def test_only_the_hotline_returns_cases(received, staff, role):
    case = received()
    before = snapshot()

    with pytest.raises(PermissionDeniedError):
        services.case_return(actor=staff[role], case=case, reason_code="other", note="说明")

    assert snapshot() == before


def test_the_outbound_messages_are_our_documented_json(received, staff, fake_platform, deliver):
    case = received()
    resolve_and_call_back(case, staff)

    texts = [json.loads(m.text) for m in case_messages(case)]

    assert [(t["case_id"], t["action"]) for t in texts] == [("SD2026-0001", "sign_for"), ("SD2026-0001", "reply")]
    deliver()
    assert [m["body"] for m in fake_platform.received] == texts
