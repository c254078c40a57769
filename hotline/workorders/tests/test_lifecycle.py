"""The work-order lifecycle of SPEC.md §4: every transition allowed for the right role and unit,
refused with nothing changed otherwise."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.workorders import services as svc
from hotline.workorders.models import (
    Alert,
    AlertLevel,
    Attachment,
    EventKind,
    MeterCalibration,
    RequestType,
    Satisfaction,
    Status,
    Subject,
    WorkOrder,
)

# A valid 1×1 PNG: attachments are decoded in full on upload (workorders/uploads.py).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63606060"
                    "60000000050001a5f645400000000049454e44ae426082")


def state(order):
    """What a refused action must leave untouched."""
    fresh = WorkOrder.objects.get(pk=order.pk)
    return fresh.status, fresh.version, fresh.unit_id, fresh.resolve_due, fresh.events.count(), Alert.objects.count()


def refused(error, call, order):
    before = state(order)
    with pytest.raises(error):
        call()
    assert state(order) == before


def test_a_new_order_has_a_number_a_dispatch_deadline_and_a_first_event(new_order):
    order = new_order()
    today = timezone.localdate().strftime("%Y%m%d")
    assert re.fullmatch(rf"GD{today}\d{{5}}", order.number)
    assert order.status == Status.NEW and order.urgency == "urgent"  # branch_leak's default
    assert order.dispatch_due == order.created_at + timedelta(minutes=10)
    assert list(order.events.values_list("kind", flat=True)) == [EventKind.CREATED]
    assert new_order().number != order.number


def test_creating_with_a_unit_dispatches_at_once_with_sla_deadlines(new_order, units):
    order = new_order(unit=units["repair"], subject=Subject.objects.get(code="burst_main"))
    assert order.status == Status.DISPATCHED and order.urgency == "emergency"
    assert order.accept_due - order.dispatched_at == timedelta(minutes=10)
    assert order.onsite_due - order.dispatched_at == timedelta(minutes=30)
    assert order.resolve_due - order.dispatched_at == timedelta(hours=24)
    assert Alert.objects.get(order=order).level == AlertLevel.NEW_ORDER


def test_the_whole_life_of_an_order(new_order, staff, units):
    """S3: 接收 → 转办 → 签收 → progress → 办结 → 回访 → 归档."""
    order = new_order()
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"], version=order.version)
    svc.order_accept(actor=staff["dispatcher"], order=order, version=order.version)
    photo = SimpleUploadedFile("valve.png", PNG, content_type="image/png")
    svc.order_progress(actor=staff["worker"], order=order, note="已到现场，关闭阀门", files=[photo],
                       version=order.version)
    svc.order_resolve(actor=staff["worker"], order=order, result="更换管段，已恢复供水", version=order.version)
    svc.order_callback(actor=staff["operator"], order=order, satisfaction=Satisfaction.SATISFIED,
                       version=order.version)
    svc.order_close(actor=staff["operator"], order=order, version=order.version)

    order.refresh_from_db()
    assert order.status == Status.CLOSED and order.satisfaction == "satisfied"
    assert all([order.dispatched_at, order.accepted_at, order.resolved_at, order.callback_at, order.closed_at])
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == ["created", "dispatched", "accepted", "progress", "resolved", "callback", "closed"]
    actors = list(order.events.values_list("actor__username", flat=True))
    assert actors == ["operator", "operator", "dispatcher", "worker", "worker", "operator", "operator"]
    attachment = Attachment.objects.get(order=order)
    assert attachment.event.kind == EventKind.PROGRESS and attachment.name == "valve.png"
    assert order.version == 7


def test_wrong_roles_are_refused_and_nothing_changes(new_order, staff, units):
    order = new_order()
    refused(PermissionDeniedError, lambda: svc.order_dispatch(actor=staff["worker"], order=order, unit=units["repair"]),
            order)
    refused(PermissionDeniedError, lambda: svc.order_dispatch(actor=staff["manager"], order=order, unit=units["repair"]),
            order)
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"])
    refused(PermissionDeniedError, lambda: svc.order_accept(actor=staff["operator"], order=order), order)
    refused(PermissionDeniedError, lambda: svc.order_accept(actor=staff["manager"], order=order), order)
    refused(PermissionDeniedError, lambda: svc.order_note(actor=staff["manager"], order=order, note="x"), order)


def test_another_unit_cannot_touch_the_order(new_order, staff, units, other_unit):
    order = new_order(unit=units["repair"])
    east = other_unit["dispatcher"]
    refused(PermissionDeniedError, lambda: svc.order_accept(actor=east, order=order), order)
    refused(PermissionDeniedError, lambda: svc.order_return(actor=east, order=order, reason_code="not_our_area",
                                                            note="不是我们的"), order)
    refused(PermissionDeniedError, lambda: svc.order_note(actor=east, order=order, note="?"), order)


def test_transitions_from_the_wrong_state_are_refused(new_order, staff, units):
    order = new_order()
    refused(InvalidStateError, lambda: svc.order_resolve(actor=staff["admin"], order=order, result="x"), order)
    refused(InvalidStateError, lambda: svc.order_callback(actor=staff["operator"], order=order,
                                                          satisfaction="satisfied"), order)
    refused(InvalidStateError, lambda: svc.order_close(actor=staff["operator"], order=order), order)
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"])
    refused(InvalidStateError, lambda: svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"]),
            order)
    svc.order_cancel(actor=staff["operator"], order=order, reason="用户撤回")
    refused(InvalidStateError, lambda: svc.order_cancel(actor=staff["operator"], order=order, reason="again"), order)


def test_a_stale_version_is_a_conflict(new_order, staff, units):
    order = new_order()
    stale = order.version
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"], version=stale)
    refused(ConflictError, lambda: svc.order_cancel(actor=staff["operator"], order=order, reason="x", version=stale),
            order)


def test_the_unit_returns_a_misrouted_order_and_the_hotline_redispatches(new_order, staff, units, other_unit):
    order = new_order(unit=units["repair"])
    refused(ValidationError, lambda: svc.order_return(actor=staff["dispatcher"], order=order, reason_code="bogus",
                                                      note="x"), order)
    refused(ValidationError, lambda: svc.order_return(actor=staff["dispatcher"], order=order,
                                                      reason_code="not_our_area", note=""), order)
    refused(PermissionDeniedError, lambda: svc.order_return(actor=staff["worker"], order=order,
                                                            reason_code="not_our_area", note="x"), order)

    svc.order_return(actor=staff["dispatcher"], order=order, reason_code="not_our_area", note="属东城区")
    assert (order.status, order.unit_id) == (Status.RETURNED, None)
    event = order.events.last()
    assert event.data == {"reason_code": "not_our_area", "from_unit": "张店维修中心"}

    svc.order_dispatch(actor=staff["operator"], order=order, unit=other_unit["repair"])
    svc.order_accept(actor=other_unit["dispatcher"], order=order)
    assert order.status == Status.ACCEPTED and order.unit == other_unit["repair"]


def test_extension_requested_by_the_unit_and_decided_by_the_shift_lead(new_order, staff, units):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["dispatcher"], order=order)
    first_due = order.resolve_due
    until = first_due + timedelta(days=2)
    refused(PermissionDeniedError, lambda: svc.order_request_extension(actor=staff["worker"], order=order,
                                                                       until=until, reason="等配件"), order)
    refused(ValidationError, lambda: svc.order_request_extension(actor=staff["dispatcher"], order=order,
                                                                 until=first_due - timedelta(hours=1),
                                                                 reason="x"), order)
    svc.order_request_extension(actor=staff["dispatcher"], order=order, until=until, reason="等配件")
    refused(InvalidStateError, lambda: svc.order_request_extension(actor=staff["dispatcher"], order=order,
                                                                   until=until, reason="again"), order)
    refused(PermissionDeniedError, lambda: svc.order_decide_extension(actor=staff["worker"], order=order,
                                                                      approve=True), order)
    refused(PermissionDeniedError, lambda: svc.order_decide_extension(actor=staff["operator"], order=order,
                                                                      approve=True), order)

    svc.order_decide_extension(actor=staff["lead"], order=order, approve=True, note="同意")
    assert order.resolve_due == until and order.extension_until is None and order.extensions_granted == 1

    svc.order_request_extension(actor=staff["dispatcher"], order=order, until=until + timedelta(days=1), reason="再等")
    svc.order_decide_extension(actor=staff["lead"], order=order, approve=False, note="不同意")
    assert order.resolve_due == until and order.extension_until is None
    kinds = list(order.events.values_list("kind", flat=True))[-4:]
    assert kinds == ["extension_requested", "extension_approved", "extension_requested", "extension_denied"]


def test_an_unsatisfied_callback_reopens_the_order_to_the_unit(new_order, staff, units):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_resolve(actor=staff["worker"], order=order, result="已处理")
    refused(ValidationError, lambda: svc.order_callback(actor=staff["operator"], order=order,
                                                        satisfaction="unsatisfied", note=""), order)
    refused(ValidationError, lambda: svc.order_callback(actor=staff["operator"], order=order,
                                                        satisfaction="meh"), order)

    svc.order_callback(actor=staff["operator"], order=order, satisfaction="unsatisfied", note="仍然漏水")

    assert order.status == Status.REOPENED and order.resolved_at is None
    assert Alert.objects.filter(order=order, level=AlertLevel.REOPENED).exists()
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_resolve(actor=staff["worker"], order=order, result="彻底修复")
    svc.order_callback(actor=staff["operator"], order=order, satisfaction="basic")
    assert order.status == Status.CALLBACK_DONE


def test_duplicates_are_linked_to_their_parent(new_order, staff):
    parent, duplicate = new_order(), new_order()
    refused(ValidationError, lambda: svc.order_link_duplicate(actor=staff["operator"], order=parent, parent=parent),
            parent)
    svc.order_link_duplicate(actor=staff["operator"], order=duplicate, parent=parent)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CANCELLED and duplicate.parent == parent
    assert list(parent.duplicates.all()) == [duplicate]
    assert duplicate.events.last().kind == EventKind.DUPLICATE_LINKED
    third = new_order()  # reported against the duplicate: linked to the order being worked
    svc.order_link_duplicate(actor=staff["operator"], order=third, parent=duplicate)
    third.refresh_from_db()
    assert third.parent == parent and third.events.last().data["parent"] == parent.number


def test_cancel_needs_a_reason(new_order, staff):
    order = new_order()
    refused(ValidationError, lambda: svc.order_cancel(actor=staff["operator"], order=order, reason=" "), order)
    svc.order_cancel(actor=staff["operator"], order=order, reason="用户已自行解决")
    assert order.status == Status.CANCELLED and order.cancel_reason == "用户已自行解决"


def test_shift_lead_urges_by_hand(new_order, staff, units):
    order = new_order(unit=units["repair"])
    refused(PermissionDeniedError, lambda: svc.order_urge(actor=staff["operator"], order=order, note="快"), order)
    svc.order_urge(actor=staff["lead"], order=order, note="请尽快处理")
    assert Alert.objects.filter(order=order, level=AlertLevel.MANUAL, params__note="请尽快处理").exists()
    assert order.events.last().kind == EventKind.URGED


def test_coordination_notes_from_the_hotline_and_the_unit(new_order, staff, units):
    """S4: the operator records what the repair centre and the meter reader said."""
    order = new_order(unit=units["repair"])
    svc.order_note(actor=staff["operator"], order=order, note="工程处询问进度，已联系维修中心")
    svc.order_note(actor=staff["dispatcher"], order=order, note="抄表员已核实用户情况")
    refused(ValidationError, lambda: svc.order_note(actor=staff["operator"], order=order, note=""), order)
    assert list(order.events.filter(kind=EventKind.NOTE).values_list("actor__username", flat=True)) == [
        "operator", "dispatcher"]


def test_meter_calibration_request_needs_its_fields_and_an_outcome(new_order, staff, units):
    """S7: a calibration request goes to the business hall and ends with an outcome."""
    calibration = Subject.objects.get(code="meter_calibration")
    refused_count = WorkOrder.objects.count()
    with pytest.raises(ValidationError):
        new_order(subject=calibration, calibration={"reason": "水量异常"})
    assert WorkOrder.objects.count() == refused_count

    order = new_order(subject=calibration, request_type=RequestType.objects.get(code="consultation"),
                      calibration={"meter_no": "QY000000001", "reading": "1523.4", "reason": "怀疑水表走快"},
                      unit=units["repair"])
    assert order.urgency == "normal"
    svc.order_accept(actor=staff["dispatcher"], order=order)
    refused(ValidationError, lambda: svc.order_resolve(actor=staff["dispatcher"], order=order, result="已校验"),
            order)
    svc.order_resolve(actor=staff["dispatcher"], order=order, result="误差在允许范围内",
                      calibration_outcome="within_tolerance", error_percent="0.8")
    assert MeterCalibration.objects.get(order=order).outcome == "within_tolerance"


def test_attachments_must_be_photos_or_pdf(new_order, staff, units):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    refused(ValidationError, lambda: svc.order_progress(actor=staff["worker"], order=order, note="x", files=[bad]),
            order)
    assert not Attachment.objects.exists()


def test_allowed_actions_follow_role_unit_and_state(new_order, staff, units, other_unit):
    order = new_order()
    assert set(svc.allowed_actions(staff["operator"], order)) == {"dispatch", "cancel", "note"}
    assert svc.allowed_actions(staff["manager"], order) == []
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"])
    assert set(svc.allowed_actions(staff["dispatcher"], order)) == {"accept", "return", "request_redispatch", "note",
                                                                    "assign"}
    assert set(svc.allowed_actions(staff["worker"], order)) == {"accept", "note"}
    assert svc.allowed_actions(other_unit["dispatcher"], order) == []
    assert {"urge", "redispatch"} <= set(svc.allowed_actions(staff["lead"], order))
    assert "redispatch" not in svc.allowed_actions(staff["operator"], order)  # the shift lead's


def test_a_late_resolution_stays_overdue(new_order, staff, units):
    from hotline.workorders.services import sla_sweep

    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    WorkOrder.objects.filter(pk=order.pk).update(resolve_due=timezone.now() - timedelta(hours=1))
    sla_sweep()
    svc.order_resolve(actor=staff["worker"], order=WorkOrder.objects.get(pk=order.pk), result="已修复")
    assert WorkOrder.objects.get(pk=order.pk).is_overdue


def test_a_reopened_order_gets_fresh_deadlines(new_order, staff, units):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_resolve(actor=staff["worker"], order=order, result="已处理")
    WorkOrder.objects.filter(pk=order.pk).update(accept_due=timezone.now() - timedelta(days=2),
                                                 resolve_due=timezone.now() - timedelta(days=1))
    order = svc.order_callback(actor=staff["operator"], order=WorkOrder.objects.get(pk=order.pk),
                               satisfaction="unsatisfied", note="仍漏水")
    assert order.accept_due > timezone.now() and order.resolve_due > timezone.now()
    assert order.dispatched_at == order.callback_at and not order.is_overdue
