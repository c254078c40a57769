"""Random sequences of actions by random people: every action either applies with its event, or is
refused with a DomainError and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.core.errors import DomainError
from hotline.workorders import services as svc
from hotline.workorders.models import WorkOrder

ACTORS = ["operator", "lead", "dispatcher", "worker", "manager", "coordinator", "admin", "east"]


def action(name, actor, order, units, other):
    later = timezone.now() + timedelta(days=30)
    unit = units["repair"] if name != "dispatch_east" else other["repair"]
    return {
        "dispatch": lambda: svc.order_dispatch(actor=actor, order=order, unit=unit),
        "dispatch_east": lambda: svc.order_dispatch(actor=actor, order=order, unit=unit),
        "accept": lambda: svc.order_accept(actor=actor, order=order),
        "return": lambda: svc.order_return(actor=actor, order=order, reason_code="not_our_area", note="退回"),
        "progress": lambda: svc.order_progress(actor=actor, order=order, note="处理中"),
        "request_extension": lambda: svc.order_request_extension(actor=actor, order=order, until=later, reason="等料"),
        "approve": lambda: svc.order_decide_extension(actor=actor, order=order, approve=True),
        "deny": lambda: svc.order_decide_extension(actor=actor, order=order, approve=False),
        "resolve": lambda: svc.order_resolve(actor=actor, order=order, result="已修复"),
        "satisfied": lambda: svc.order_callback(actor=actor, order=order, satisfaction="satisfied"),
        "unsatisfied": lambda: svc.order_callback(actor=actor, order=order, satisfaction="unsatisfied", note="没修好"),
        "close": lambda: svc.order_close(actor=actor, order=order),
        "cancel": lambda: svc.order_cancel(actor=actor, order=order, reason="撤回"),
        "urge": lambda: svc.order_urge(actor=actor, order=order, note="督办"),
        "note": lambda: svc.order_note(actor=actor, order=order, note="协调"),
    }[name]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(["dispatch", "dispatch_east", "accept", "return", "progress",
                                                 "request_extension", "approve", "deny", "resolve", "satisfied",
                                                 "unsatisfied", "close", "cancel", "urge", "note"]),
                                st.sampled_from(ACTORS)), min_size=1, max_size=25))
def test_random_action_sequences_keep_the_order_consistent(staff, units, other_unit, new_order, steps):
    people = {**staff, "east": other_unit["dispatcher"]}
    order = new_order()
    for name, who in steps:
        before = WorkOrder.objects.get(pk=order.pk)
        events_before = before.events.count()
        allowed = name_to_action(name) in svc.allowed_actions(people[who], before)
        try:
            action(name, people[who], WorkOrder.objects.get(pk=order.pk), units, other_unit)()
        except DomainError:
            after = WorkOrder.objects.get(pk=order.pk)
            assert (after.status, after.version, after.events.count()) == (before.status, before.version,
                                                                              events_before)
        else:
            after = WorkOrder.objects.get(pk=order.pk)
            assert after.version == before.version + 1 and after.events.count() == events_before + 1
            assert allowed, f"{name} by {who} applied but was not offered in state {before.status}"
        # Invariants of every state.
        if after.status in ("dispatched", "accepted", "in_progress", "reopened"):
            assert after.unit_id is not None and after.dispatched_at is not None
        if after.status in ("resolved", "callback_done", "closed"):
            assert after.resolved_at and after.result
        if after.status == "returned":
            assert after.unit_id is None


def name_to_action(name: str) -> str:
    return {"dispatch_east": "dispatch", "approve": "decide_extension", "deny": "decide_extension",
            "satisfied": "callback", "unsatisfied": "callback"}.get(name, name)
