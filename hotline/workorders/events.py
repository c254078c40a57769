"""Work orders announce, others listen: every transition of an order publishes its timeline event
(``WorkOrderEvent``) to the subscribers registered here — the 12345 integration today (it subscribes in its
``AppConfig.ready``), the self-service channels and SMS callbacks later. The work-order core names none
of them.

A subscriber is called inside the transaction of the change, with the locked order and the event row just
written: what it writes (an outbox message for the 12345 platform) commits or rolls back with the change,
so nothing is lost and nothing is sent for a step that did not happen; a ``DomainError`` it raises refuses
the step (the whole transition is rolled back). Subscribers are called in the order they subscribed, for
every order: each one picks the orders and kinds of event it cares about."""

from collections.abc import Callable
from typing import Protocol

from hotline.workorders.models import WorkOrder, WorkOrderEvent


class Subscriber(Protocol):
    def __call__(self, *, order: WorkOrder, event: WorkOrderEvent) -> None: ...


_subscribers: list[Callable[..., None]] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Listen to every order's events from now on (once: subscribing again changes nothing)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def publish(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Called by the work-order services inside the transaction that wrote ``event``."""
    for subscriber in list(_subscribers):
        subscriber(order=order, event=event)
