"""Work orders announce (events.py): every transition publishes its event inside its transaction, and a
subscriber's refusal rolls the whole step back."""

import pytest
from django.db import transaction

from hotline.core.errors import InvalidStateError
from hotline.workorders import events
from hotline.workorders import services as svc
from hotline.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent


@pytest.fixture
def listen():
    added = []

    def add(subscriber):
        added.append(events.subscribe(subscriber))
        return subscriber

    yield add
    for subscriber in added:
        events.unsubscribe(subscriber)


def test_a_transition_is_published_inside_its_transaction(staff, units, new_order, listen):
    heard = []

    def subscriber(*, order, event):
        heard.append((order.number, order.status, event.kind, event.pk is not None,
                      transaction.get_connection().in_atomic_block))

    listen(subscriber)
    order = new_order()
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"], version=order.version)
    assert heard == [(order.number, Status.DISPATCHED, EventKind.DISPATCHED, True, True)]


def test_a_subscriber_that_refuses_rolls_the_step_back(staff, units, new_order, listen):
    order = new_order()
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"], version=order.version)
    events_before = WorkOrderEvent.objects.filter(order=order).count()

    def refuse(*, order, event):
        if event.kind == EventKind.ACCEPTED:
            raise InvalidStateError("not now")

    listen(refuse)
    with pytest.raises(InvalidStateError):
        svc.order_accept(actor=staff["worker"], order=order, version=order.version)
    stored = WorkOrder.objects.get(pk=order.pk)
    assert stored.status == Status.DISPATCHED and stored.accepted_at is None
    assert WorkOrderEvent.objects.filter(order=order).count() == events_before


def test_subscribing_twice_calls_once(staff, units, new_order, listen):
    calls = []

    def subscriber(*, order, event):
        calls.append(event.kind)

    listen(subscriber)
    listen(subscriber)
    order = new_order()
    svc.order_dispatch(actor=staff["operator"], order=order, unit=units["repair"], version=order.version)
    assert calls == [EventKind.DISPATCHED]


def test_the_12345_integration_listens():
    from hotline.integrations.gov12345.services import order_event_upstream

    assert order_event_upstream in events._subscribers
