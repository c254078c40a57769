"""Issue 15 §5-§8: re-dispatch (改派) by the hotline, transitions that move an order out of the caller's scope,
the SLA pause (挂起), the running deadline, the 督办 badge and the area search."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.workorders import services as svc
from hotline.workorders import sla
from hotline.workorders.models import Alert, AlertLevel, EventKind, Source, Status, WorkOrder


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


# --- §6: a transition that moves the order out of the caller's scope -----------------------------------

def test_a_unit_that_returns_an_order_is_told_it_succeeded(staff, units, new_order):
    """The issue's request: 200 with what the unit may still see, not 404 after the order was returned."""
    order = new_order(unit=units["repair"])
    unit = client_for(staff["dispatcher"])
    response = post(unit, f"/api/v1/orders/{order.number}/return",
                    {"reason_code": "not_our_business", "note": "不是我们的业务", "version": order.version})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "returned" and body["in_scope"] is False and body["allowed_actions"] == []
    assert body["number"] == order.number and body["version"] == order.version + 1
    assert body["events"][-1]["kind"] == "returned" and body["events"][-1]["data"]["from_unit"] == "张店维修中心"
    assert fresh(order).status == Status.RETURNED
    # And from then on the order is the hotline's: the unit does not read it again.
    assert unit.get(f"/api/v1/orders/{order.number}").status_code == 404


def test_every_transition_endpoint_answers_200_with_the_order_in_scope(staff, units, new_order, other_unit):
    """Each transition endpoint, taken by whoever may take it, answers 200 with ``in_scope`` true while the
    order stays visible to the caller, and false only when it left the caller's scope."""
    op, lead = client_for(staff["operator"]), client_for(staff["lead"])
    unit, worker = client_for(staff["dispatcher"]), client_for(staff["worker"])
    order = new_order()
    n = order.number
    steps = [
        (op, "dispatch", {"unit_id": units["repair"].pk}, True),
        (lead, "urge", {"note": "请尽快签收"}, True),
        (unit, "redispatch/request", {"reason": "这是东城的管网"}, True),
        (lead, "redispatch", {"unit_id": other_unit["repair"].pk, "reason": "单位申请改派"}, True),
        (client_for(other_unit["dispatcher"]), "accept", {}, True),
        (lead, "redispatch", {"unit_id": units["repair"].pk, "reason": "不应该"}, None),  # signed for: refused
        (client_for(other_unit["dispatcher"]), "redispatch/request", {"reason": "还是张店的"}, True),
        (lead, "redispatch", {"unit_id": units["repair"].pk, "reason": "退回张店"}, True),
        (worker, "accept", {}, True),
        (worker, "pause", {"reason": "materials", "note": "等阀门配件"}, True),
        (lead, "pause/decision", {"approve": True}, True),
        (worker, "resume", {"note": "配件已到"}, True),
        (unit, "extension", {"until": (timezone.now() + timedelta(days=30)).isoformat(), "reason": "需要挖掘"}, True),
        (lead, "extension/decision", {"approve": False}, True),
        (op, "notes", {"note": "已联系物业"}, True),
        (unit, "return", {"reason_code": "not_our_area", "note": "不在辖区"}, False),
        (op, "dispatch", {"unit_id": units["repair"].pk}, True),
        (worker, "accept", {}, True),
    ]
    for client, action, data, in_scope in steps:
        response = post(client, f"/api/v1/orders/{n}/{action}", data)
        if in_scope is None:
            assert response.status_code == 409 and response.json()["code"] == "invalid_state", action
            continue
        assert response.status_code == 200, (action, response.json())
        assert response.json()["in_scope"] is in_scope, action
    resolved = worker.post(f"/api/v1/orders/{n}/resolve", {"result": "已修复"})
    assert resolved.status_code == 200 and resolved.json()["in_scope"] is True
    for action, data in (("callback", {"satisfaction": "satisfied"}), ("close", {})):
        response = post(op, f"/api/v1/orders/{n}/{action}", data)
        assert response.status_code == 200 and response.json()["in_scope"] is True, action
    other = new_order()
    cancelled = post(op, f"/api/v1/orders/{other.number}/cancel", {"reason": "市民撤回"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_the_console_sends_a_unit_back_to_its_queue_after_a_return(client, staff, units, new_order):
    order = new_order(unit=units["repair"])
    client.force_login(staff["dispatcher"])
    response = client.post(f"/orders/{order.number}/return/", {
        "version": order.version, "reason_code": "not_our_area", "note": "不在辖区"}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/orders/queue/"
    assert f"工单 {order.number} 已退回热线" in response.content.decode()
    assert fresh(order).status == Status.RETURNED


# --- §5: re-dispatch ------------------------------------------------------------------------------------

def test_the_shift_lead_redispatches_an_unsigned_order(staff, units, new_order, other_unit):
    order = new_order(unit=units["repair"])
    first = fresh(order)
    later = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        svc.order_redispatch(actor=staff["lead"], order=order, unit=other_unit["repair"], reason="5小时未签收",
                             version=order.version)
    moved = fresh(order)
    assert (moved.status, moved.unit, moved.accepted_at) == (Status.DISPATCHED, other_unit["repair"], None)
    assert moved.dispatched_at == later and moved.accept_due > first.accept_due  # the new unit's own clock
    assert moved.resolve_due == first.resolve_due  # a re-dispatch does not buy time
    event = moved.events.get(kind=EventKind.REDISPATCHED)
    assert event.note == "5小时未签收" and event.unit == other_unit["repair"]
    assert event.data == {"unit": "东城维修中心", "from_unit": "张店维修中心", "from_unit_id": units["repair"].pk,
                          "requested": False, "signed_on_time": False}
    # The first unit is told, and its "new order" alert is done with; the new unit gets the order's alert.
    told = Alert.objects.get(unit=units["repair"], level=AlertLevel.REDISPATCHED)
    assert "东城维修中心" in told.message and "5小时未签收" in told.message and told.read_at is None
    assert not Alert.objects.filter(unit=units["repair"], level=AlertLevel.NEW_ORDER, read_at__isnull=True).exists()
    assert Alert.objects.filter(unit=other_unit["repair"], level=AlertLevel.NEW_ORDER, order=order).exists()
    # The first unit no longer sees it; the second does.
    assert not svc.allowed_actions(staff["dispatcher"], moved)
    assert "accept" in svc.allowed_actions(other_unit["dispatcher"], moved)


def test_a_signed_order_is_redispatched_only_when_its_unit_asks(staff, units, new_order, other_unit):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    assert "redispatch" not in svc.allowed_actions(staff["lead"], order)
    with pytest.raises(InvalidStateError):
        svc.order_redispatch(actor=staff["lead"], order=order, unit=other_unit["repair"], reason="x")
    with pytest.raises(PermissionDeniedError):  # a field worker does not ask; the unit's dispatcher does
        svc.order_request_redispatch(actor=staff["worker"], order=order, reason="x")
    with pytest.raises(ValidationError):
        svc.order_request_redispatch(actor=staff["dispatcher"], order=order, reason="  ")
    svc.order_request_redispatch(actor=staff["dispatcher"], order=order, reason="东城的管网")
    assert fresh(order).redispatch_reason == "东城的管网"
    assert "request_redispatch" not in svc.allowed_actions(staff["dispatcher"], order)
    with pytest.raises(InvalidStateError):
        svc.order_request_redispatch(actor=staff["dispatcher"], order=order, reason="again")
    assert "redispatch" in svc.allowed_actions(staff["lead"], order)
    svc.order_redispatch(actor=staff["lead"], order=order, unit=other_unit["repair"], reason="单位申请")
    moved = fresh(order)
    assert (moved.status, moved.unit, moved.redispatch_requested_at, moved.redispatch_reason) == (
        Status.DISPATCHED, other_unit["repair"], None, "")
    assert moved.events.get(kind=EventKind.REDISPATCHED).data["requested"] is True
    assert moved.events.get(kind=EventKind.REDISPATCHED).data["signed_on_time"] is True


def test_redispatch_refusals_change_nothing(staff, units, new_order, other_unit):
    order = new_order(unit=units["repair"])
    before = fresh(order)
    with pytest.raises(PermissionDeniedError):  # the operator dispatches, the shift lead re-dispatches
        svc.order_redispatch(actor=staff["operator"], order=order, unit=other_unit["repair"], reason="x")
    with pytest.raises(ValidationError):
        svc.order_redispatch(actor=staff["lead"], order=order, unit=units["repair"], reason="同一单位")
    with pytest.raises(ValidationError):
        svc.order_redispatch(actor=staff["lead"], order=order, unit=other_unit["repair"], reason="")
    with pytest.raises(ConflictError):
        svc.order_redispatch(actor=staff["lead"], order=order, unit=other_unit["repair"], reason="x",
                             version=order.version - 1)
    after = fresh(order)
    assert (after.version, after.unit_id, after.status) == (before.version, before.unit_id, before.status)
    assert not after.events.filter(kind=EventKind.REDISPATCHED).exists()
    response = post(client_for(staff["lead"]), f"/api/v1/orders/{order.number}/redispatch",
                    {"unit_id": 999999, "reason": "x"})
    assert response.status_code == 400 and "unit_id" in response.json()["fields"]


def test_a_redispatch_counts_against_the_first_units_sign_for_rate(staff, units, new_order, other_unit):
    from hotline.reports.period import period_report

    order = new_order(unit=units["repair"])
    svc.order_redispatch(actor=staff["lead"], order=order, unit=other_unit["repair"], reason="未签收")
    svc.order_accept(actor=other_unit["dispatcher"], order=order)
    day = timezone.localdate()
    report = period_report(actor=staff["lead"], date_from=day, date_to=day, rollups=False)
    rows = {row.key: row for row in report.orders_by_unit}
    first, second = rows[str(units["repair"].pk)], rows[str(other_unit["repair"].pk)]
    assert (first.sign_due, first.signed_on_time, first.received) == (1, 0, 0)
    assert (second.sign_due, second.signed_on_time, second.received) == (1, 1, 1)
    assert (report.orders.sign_due, report.orders.signed_on_time) == (2, 1)
    source = {row.key: row for row in report.orders_by_source}["call"]
    assert (source.sign_due, source.signed_on_time) == (2, 1)


def test_the_console_redispatch_form(client, staff, units, new_order, other_unit):
    order = new_order(unit=units["repair"])
    client.force_login(staff["lead"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="form-redispatch"' in page and "改派" in page
    bad = client.post(f"/orders/{order.number}/redispatch/", {"version": order.version, "unit": "", "reason": "x"})
    assert bad.status_code == 400 and fresh(order).unit == units["repair"]
    response = client.post(f"/orders/{order.number}/redispatch/", {
        "version": order.version, "unit": str(other_unit["repair"].pk), "reason": "张店5小时未签收"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "已改派至 东城维修中心" in page
    assert "由 张店维修中心 改派至 东城维修中心" in page  # the timeline
    assert fresh(order).unit == other_unit["repair"]


# --- §7: SLA pause -------------------------------------------------------------------------------------

def test_a_pause_asked_approved_and_ended_moves_the_deadlines(staff, units, new_order):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    due = fresh(order).resolve_due
    start = timezone.now()
    svc.order_request_pause(actor=staff["worker"], order=order, reason="materials", note="等阀门配件")
    waiting = fresh(order)
    assert waiting.pause_requested_at and not waiting.paused_at and waiting.resolve_due == due
    assert "decide_pause" in svc.allowed_actions(staff["lead"], waiting)
    with pytest.raises(PermissionDeniedError):
        svc.order_decide_pause(actor=staff["dispatcher"], order=waiting, approve=True)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        svc.order_decide_pause(actor=staff["lead"], order=waiting, approve=True, note="同意")
    paused = fresh(order)
    assert paused.paused_at == start + timedelta(minutes=10) and paused.sla_next_at is None
    assert sla.running_deadline(paused) is None  # the clock is stopped
    with time_machine.travel(start + timedelta(minutes=100), tick=False):
        svc.order_resume(actor=staff["worker"], order=paused, note="配件已到")
    resumed = fresh(order)
    assert resumed.resolve_due == due + timedelta(minutes=90) and resumed.paused_seconds == 90 * 60
    assert resumed.paused_at is None and resumed.sla_next_at is not None
    kinds = list(resumed.events.values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.PAUSE_REQUESTED, EventKind.PAUSED, EventKind.RESUMED]
    assert resumed.events.get(kind=EventKind.RESUMED).data == {"paused_seconds": 5400}


def test_a_reason_the_rule_approves_pauses_at_once(staff, units, new_order, settings):
    settings.SLA_PAUSE_AUTO_APPROVE = ["no_access"]
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_request_pause(actor=staff["worker"], order=order, reason="no_access", note="家中无人")
    paused = fresh(order)
    assert paused.paused_at and not paused.pause_requested_at and paused.pause_reason == "no_access"
    assert paused.events.get(kind=EventKind.PAUSED).data == {"reason": "no_access", "auto": True}
    # Resolving ends the pause: the paused time moves the deadline before lateness is judged.
    svc.order_resolve(actor=staff["worker"], order=paused, result="已修复")
    done = fresh(order)
    assert done.paused_at is None and done.status == Status.RESOLVED and not done.is_overdue


def test_pause_refusals(staff, units, new_order):
    order = new_order(unit=units["repair"])
    with pytest.raises(InvalidStateError):  # not signed for yet: the sign-for clock is not paused
        svc.order_request_pause(actor=staff["worker"], order=order, reason="materials")
    svc.order_accept(actor=staff["worker"], order=order)
    with pytest.raises(ValidationError):
        svc.order_request_pause(actor=staff["worker"], order=order, reason="weather")
    with pytest.raises(InvalidStateError):
        svc.order_resume(actor=staff["worker"], order=order)
    with pytest.raises(InvalidStateError):
        svc.order_decide_pause(actor=staff["lead"], order=order, approve=True)
    WorkOrder.objects.filter(pk=order.pk).update(resolve_due=timezone.now() - timedelta(minutes=1))
    with pytest.raises(InvalidStateError):
        svc.order_request_pause(actor=staff["worker"], order=fresh(order), reason="materials")
    # A refused request leaves the clock running.
    WorkOrder.objects.filter(pk=order.pk).update(resolve_due=timezone.now() + timedelta(days=1))
    svc.order_request_pause(actor=staff["worker"], order=fresh(order), reason="third_party", note="等物业")
    svc.order_decide_pause(actor=staff["lead"], order=fresh(order), approve=False, note="自行协调")
    refused = fresh(order)
    assert not refused.paused_at and not refused.pause_requested_at and refused.pause_reason == ""
    assert refused.events.filter(kind=EventKind.PAUSE_DENIED).count() == 1


def test_a_12345_case_cannot_be_paused(staff, units, new_order):
    order = new_order(unit=units["repair"], source=Source.GOV_12345, external_id="SD-1")
    svc.order_accept(actor=staff["worker"], order=order)
    assert "request_pause" not in svc.allowed_actions(staff["worker"], fresh(order))
    with pytest.raises(InvalidStateError, match="12345"):
        svc.order_request_pause(actor=staff["worker"], order=fresh(order), reason="no_access")
    assert not fresh(order).paused_at


def test_a_paused_order_is_not_urged_nor_counted_late(staff, units, new_order):
    from hotline.reports.period import period_report

    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_request_pause(actor=staff["worker"], order=order, reason="no_access")
    WorkOrder.objects.filter(pk=order.pk).update(resolve_due=timezone.now() - timedelta(hours=1))
    assert svc.sla_sweep(now=timezone.now() + timedelta(days=30)) == 0
    day = timezone.localdate()
    k = period_report(actor=staff["lead"], date_from=day, date_to=day, rollups=False).orders
    assert (k.resolve_due, k.resolved_on_time) == (0, 0)


def test_the_order_page_shows_the_pause(client, staff, units, new_order):
    order = new_order(unit=units["repair"])
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_request_pause(actor=staff["worker"], order=order, reason="materials", note="等阀门配件")
    client.force_login(staff["lead"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    pending = page.split('id="pending-pause"')[1].split("</dd>")[0]
    assert "等待材料" in pending and "等阀门配件" in pending and 'id="form-decide_pause"' in page
    response = client.post(f"/orders/{order.number}/decide_pause/", {
        "version": fresh(order).version, "decision": "approve", "note": ""}, follow=True)
    page = response.content.decode()
    paused = page.split('id="order-paused"')[1].split("</dd>")[0]
    assert "等待材料" in paused and "计时已暂停" in page and "已批准挂起" in page


# --- §8: the running deadline, the 督办 badge, the area search ----------------------------------------

def test_the_api_names_the_running_deadline(staff, units, new_order):
    order = new_order(unit=units["repair"])
    WorkOrder.objects.filter(pk=order.pk).update(accept_due=timezone.now() - timedelta(hours=1))
    body = client_for(staff["operator"]).get(f"/api/v1/orders/{order.number}").json()
    assert body["running_due"]["kind"] == "accept" and body["running_due"]["overdue"] is True
    svc.order_accept(actor=staff["worker"], order=fresh(order))
    body = client_for(staff["operator"]).get(f"/api/v1/orders/{order.number}").json()
    # Signed for: an urgent order must be on site within the hour (issue 15 §3), then resolved.
    assert body["running_due"]["kind"] == "onsite" and body["running_due"]["overdue"] is False
    svc.order_arrive(actor=staff["worker"], order=fresh(order))
    body = client_for(staff["operator"]).get(f"/api/v1/orders/{order.number}").json()
    assert body["running_due"]["kind"] == "resolve" and body["running_due"]["overdue"] is False


def test_a_deadline_kind_is_one_entry_in_the_list():
    kinds = [k.kind for k in sla.DEADLINE_KINDS]
    assert kinds == ["dispatch", "accept", "onsite", "flow_stopped", "resolve"]


def test_the_urge_badge_counts_the_urges_of_the_timeline(client, staff, units, new_order):
    order = new_order(unit=units["repair"])
    WorkOrder.objects.filter(pk=order.pk).update(urge_level=3)  # the sweep's level is not a count
    svc.order_urge(actor=staff["lead"], order=fresh(order), note="请尽快处理")
    client.force_login(staff["lead"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert page.count('data-kind="urged"') == 1 and "督办 ×1" in page and "督办 ×3" not in page


def test_the_area_search_finds_community_ids(staff, community):
    op = client_for(staff["operator"])
    body = op.get("/api/v1/areas", {"q": "中央公园"}).json()
    assert [c["id"] for c in body["communities"]] == [community.pk]
    assert body["communities"][0]["district"]["name"] == "张店区"
    assert op.get("/api/v1/areas", {"q": "张店"}).json()["districts"][0]["name"] == "张店区"
    assert op.get("/api/v1/areas", {"q": " "}).status_code == 400
    assert client_for(staff["worker"]).get("/api/v1/areas", {"q": "中央"}).status_code == 403


def test_an_order_created_without_a_title_is_named_by_subject_and_address(staff, community):
    op = client_for(staff["operator"])
    created = post(op, "/api/v1/orders", {"request_type": "repair", "subject": "branch_leak",
                                          "community_id": community.pk, "address": "中央公园2期3-2-501",
                                          "description": "楼道水管漏水，已告知保持电话畅通"})
    assert created.status_code == 201, created.json()
    assert created.json()["title"] == "支管漏水 · 中央公园2期3-2-501"
    order = WorkOrder.objects.get(number=created.json()["number"])
    assert order.description == "楼道水管漏水，已告知保持电话畅通"
    only_area = post(op, "/api/v1/orders", {"request_type": "repair", "subject": "branch_leak",
                                            "community_id": community.pk})
    assert only_area.json()["title"] == "支管漏水 · 中央公园2期"


def test_the_hotline_finds_the_orders_awaiting_its_decision(client, staff, units, new_order):
    """The unit asked (re-dispatch, pause, extension): the list's 待审批 filter, and the API's ``pending``."""
    quiet, asks_redispatch, asks_pause = (new_order(unit=units["repair"]) for _ in range(3))
    svc.order_request_redispatch(actor=staff["dispatcher"], order=asks_redispatch, reason="东城的管网")
    svc.order_accept(actor=staff["worker"], order=asks_pause)
    svc.order_request_pause(actor=staff["worker"], order=asks_pause, reason="third_party", note="等物业开门")
    expected = {asks_redispatch.number, asks_pause.number}
    body = client_for(staff["lead"]).get("/api/v1/orders", {"pending": "true"}).json()
    assert {o["number"] for o in body["results"]} == expected
    client.force_login(staff["lead"])
    page = client.get("/orders/", {"status": "open", "pending": "1"}).content.decode()
    assert 'id="id_pending"' in page and "待审批" in page
    assert asks_redispatch.number in page and asks_pause.number in page and quiet.number not in page
    assert "申请改派" in page and "申请挂起" in page  # each row says what waits
    svc.order_decide_pause(actor=staff["lead"], order=fresh(asks_pause), approve=True)
    body = client_for(staff["lead"]).get("/api/v1/orders", {"pending": "true"}).json()
    assert [o["number"] for o in body["results"]] == [asks_redispatch.number]


def test_the_pending_filter_reads_its_partial_index(staff, units, new_order):
    from django.db import connection

    from hotline.workorders.selectors import OrderFilter, orders_visible_to

    queryset = OrderFilter(pending=True).apply(orders_visible_to(staff["lead"])).order_by("-created_at")[:50]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a table of a few rows is read whole: ask for the index's plan
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()
    assert "wo_pending_requests" in plan, (connection.vendor, plan)
