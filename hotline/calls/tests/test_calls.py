"""Logging calls, turning them into orders, and the screen pop (S2, S6, S7, S8)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import account_row
from hotline.calls.models import Call, Outcome
from hotline.calls.selectors import screen_pop
from hotline.calls.services import call_create_order, call_link_order, call_log
from hotline.core.errors import PermissionDeniedError, ValidationError
from hotline.customers.models import Account, Community
from hotline.org.roles import Role
from hotline.workorders.models import RequestType, Status, Subject, WorkOrder
from hotline.workorders.services import order_cancel


@pytest.fixture
def customers(import_rows, units):
    import_rows(
        account_row("3100000001", "张伟", phones="13805331234"),
        account_row("3100000002", "张伟", phones="13805331234", room="502"),  # one phone, two homes
        account_row("3100000003", "李晓明", phones="13900000003", room="503"),
    )
    Community.objects.update(branch=units["branch"])


def consultation():
    return RequestType.objects.get(code="consultation")


def test_a_consultation_is_logged_with_one_short_form(customers, operator):
    call = call_log(actor=operator, caller_number="138-0533-1234", request_type=consultation(),
                    subject=Subject.objects.get(code="account_lookup"), summary="查询户号，已告知")
    assert call.caller_number == "13805331234" and call.outcome == Outcome.ANSWERED
    assert call.operator == operator and call.answered_at and call.ended_at


def test_bad_calls_are_refused_and_nothing_is_stored(customers, operator, manager):
    with pytest.raises(ValidationError) as info:
        call_log(actor=operator, caller_number="138", summary="")
    assert "summary" in info.value.fields
    with pytest.raises(ValidationError):
        call_log(actor=operator, caller_number="13805331234", summary="x", outcome="nonsense")
    with pytest.raises(ValidationError):
        call_log(actor=operator, caller_number="13805331234", outcome=Outcome.ORDER_CREATED, summary="x")
    now = timezone.now()
    with pytest.raises(ValidationError):
        call_log(actor=operator, caller_number="13805331234", summary="x", ringing_at=now,
                 answered_at=now + timedelta(seconds=5), ended_at=now)
    with pytest.raises(PermissionDeniedError):
        call_log(actor=manager, caller_number="13805331234", summary="x")
    assert Call.objects.count() == 0


def test_an_emergency_call_becomes_a_dispatched_order_at_once(customers, operator, units):
    """S6: burst pipe, the indoor valve slips: the order goes to the repair centre immediately."""
    account = Account.objects.get(account_no="3100000001")
    call = call_create_order(
        actor=operator, caller_number="13805331234", account=account, request_type=RequestType.objects.get(code="repair"),
        subject=Subject.objects.get(code="valve_shutoff"), summary="家中水管爆裂、阀门滑丝，需关闭户外阀门",
        unit=units["repair"],
    )
    order = call.work_order
    assert call.outcome == Outcome.ORDER_CREATED
    assert order.status == Status.DISPATCHED and order.urgency == "emergency" and order.unit == units["repair"]
    assert order.account == account and order.address == account.premise.address and order.contact_name == "张伟"
    assert order.community == account.premise.community
    assert order.accept_due - order.dispatched_at == timedelta(minutes=10)


def test_a_failed_order_leaves_no_call_behind(customers, operator):
    with pytest.raises(ValidationError):
        call_create_order(actor=operator, caller_number="13805331234", request_type=consultation(),
                          subject=Subject.objects.get(code="meter_calibration"), summary="水费高，怀疑水表")
    assert Call.objects.count() == 0 and WorkOrder.objects.count() == 0


def test_screen_pop_shows_every_account_open_orders_and_recent_calls(customers, operator, units):
    """S2: one number, two homes; the open order and the last calls are there before hello."""
    account = Account.objects.get(account_no="3100000001")
    first = call_create_order(actor=operator, caller_number="13805331234", account=account,
                              request_type=RequestType.objects.get(code="repair"),
                              subject=Subject.objects.get(code="branch_leak"), summary="楼道漏水", unit=units["repair"])
    closed = call_create_order(actor=operator, caller_number="13805331234", account=account,
                               request_type=RequestType.objects.get(code="repair"),
                               subject=Subject.objects.get(code="branch_leak"), summary="重复", unit=units["repair"])
    order_cancel(actor=operator, order=closed.work_order, reason="重复")

    pop = screen_pop(actor=operator, number="+86 138 0533 1234")

    assert {a.account_no for a in pop.accounts} == {"3100000001", "3100000002"}
    assert [o.pk for o in pop.open_orders] == [first.work_order_id]
    assert [c.pk for c in pop.recent_calls] == [closed.pk, first.pk]
    assert pop.number == "13805331234"


def test_screen_pop_of_an_unknown_number_is_empty(customers, operator):
    pop = screen_pop(actor=operator, number="021-5555-0000")
    assert pop.accounts == [] and pop.open_orders == [] and pop.recent_calls == []


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DISPATCHER, Role.FIELD_WORKER, Role.OUTAGE_COORDINATOR,
                                  Role.GOV12345, Role.INTEGRATION, Role.PBX])
def test_the_screen_pop_is_the_hotline_s_alone(customers, make_user, role):
    """Those who do not take calls get no screen pop: it shows every unit's open orders and calls."""
    from hotline.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        screen_pop(actor=make_user(role, unit="repair"), number="13805331234")


def test_screen_pop_uses_a_bounded_number_of_queries(customers, operator, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        screen_pop(actor=operator, number="13805331234")


def test_a_later_call_is_linked_to_the_existing_order(customers, operator, units):
    """S4: a caller asks about progress; the call is linked to the order."""
    order_call = call_create_order(actor=operator, caller_number="13900000003",
                                   request_type=RequestType.objects.get(code="repair"),
                                   subject=Subject.objects.get(code="branch_leak"), summary="漏水")
    follow_up = call_log(actor=operator, caller_number="13900000003", summary="询问进度")
    call_link_order(actor=operator, call=follow_up, order=order_call.work_order)
    assert follow_up.outcome == Outcome.LINKED_ORDER
    assert set(order_call.work_order.calls.values_list("pk", flat=True)) == {order_call.pk, follow_up.pk}
