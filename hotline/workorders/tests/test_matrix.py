"""Every action, by every role (and a unit that is not the order's), from every state: it applies
exactly when the transition table offers it, and a refusal changes nothing."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotline.core.errors import DomainError
from hotline.workorders import services as svc
from hotline.workorders.models import Status, WorkOrder
from hotline.workorders.tests.test_properties import ACTORS, action, name_to_action

ACTIONS = ["dispatch", "accept", "return", "progress", "request_extension", "approve", "resolve", "satisfied",
           "unsatisfied", "close", "cancel", "urge", "note"]


class Rollback(Exception):
    pass


def build(state: str, new_order, staff, units):
    """An order brought to ``state`` through the services."""
    order = new_order()
    if state == Status.NEW:
        return order
    if state == Status.RETURNED:
        svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"])
        return svc.order_return(actor=staff["dispatcher"], order=order, reason_code="not_our_area", note="x")
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"])
    if state == Status.DISPATCHED:
        return order
    svc.order_accept(actor=staff["worker"], order=order)
    if state == "accepted+extension":
        return svc.order_request_extension(actor=staff["dispatcher"], order=order,
                                           until=timezone.now() + timedelta(days=10), reason="等料")
    if state == Status.ACCEPTED:
        return order
    if state == Status.IN_PROGRESS:
        return svc.order_progress(actor=staff["worker"], order=order, note="处理中")
    svc.order_resolve(actor=staff["worker"], order=order, result="已修复")
    if state == Status.RESOLVED:
        return order
    if state == Status.REOPENED:
        return svc.order_callback(actor=staff["operator"], order=order, satisfaction="unsatisfied", note="没修好")
    svc.order_callback(actor=staff["operator"], order=order, satisfaction="satisfied")
    if state == Status.CALLBACK_DONE:
        return order
    return svc.order_close(actor=staff["operator"], order=order)


STATES = [Status.NEW, Status.DISPATCHED, Status.RETURNED, Status.ACCEPTED, "accepted+extension", Status.IN_PROGRESS,
          Status.RESOLVED, Status.REOPENED, Status.CALLBACK_DONE, Status.CLOSED]


@pytest.mark.parametrize("state", STATES)
def test_every_action_by_every_role_from_every_state(state, new_order, staff, units, other_unit):
    people = {**staff, "east": other_unit["dispatcher"]}
    order = build(state, new_order, staff, units)
    applied = set()
    for name in ACTIONS:
        for who in ACTORS:
            fresh = WorkOrder.objects.get(pk=order.pk)
            offered = name_to_action(name) in svc.allowed_actions(people[who], fresh)
            try:
                with transaction.atomic():
                    action(name, people[who], fresh, units, other_unit)()
                    applied.add((name, who))
                    raise Rollback
            except Rollback:
                assert offered, f"{name} by {who} applied in {state} but is not offered"
            except DomainError:
                assert not offered, f"{name} by {who} is offered in {state} but was refused"
                after = WorkOrder.objects.get(pk=order.pk)
                assert (after.status, after.version) == (order.status, order.version)
    # A sanity check on the matrix itself: some action applies in every live state.
    assert applied or state == Status.CLOSED
    # Nobody but the hotline and the admin ever dispatches; nobody outside the unit ever works the order.
    assert not {who for name, who in applied if name == "dispatch"} - {"operator", "lead", "admin"}
    assert not {who for name, who in applied if name in {"accept", "resolve", "progress"}} - {
        "dispatcher", "worker", "admin"}
    assert "east" not in {who for name, who in applied if name != "note"}
