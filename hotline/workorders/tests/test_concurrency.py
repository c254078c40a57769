"""Concurrency: order numbers never repeat; two people acting on one order at once — one wins,
the other is refused. Real parallel transactions need PostgreSQL (the suite's second run)."""


import pytest

from hotline.core.errors import ConflictError, InvalidStateError
from hotline.core.testing import postgres_only, run_in_threads
from hotline.workorders import services as svc
from hotline.workorders.models import Status, WorkOrder
from hotline.workorders.numbers import next_order_number


def test_order_numbers_increase_within_a_day(db):
    first, second = next_order_number(), next_order_number()
    assert int(second[-5:]) == int(first[-5:]) + 1 and first[:10] == second[:10]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_order_numbers_are_unique_under_concurrency(staff, new_order):
    results = run_in_threads(8, lambda i: [new_order(title=f"并发 {i}-{n}").number for n in range(5)])
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert WorkOrder.objects.count() == 40


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_signing_for_one_order_one_wins(staff, new_order, units):
    order = new_order(unit=units["repair"])
    actors = [staff["dispatcher"], staff["worker"]]

    results = run_in_threads(2, lambda i: svc.order_accept(actor=actors[i], order=WorkOrder.objects.get(pk=order.pk),
                                                           version=order.version))

    wins = [r for r in results if isinstance(r, WorkOrder)]
    losses = [r for r in results if isinstance(r, ConflictError | InvalidStateError)]
    assert len(wins) == 1 and len(losses) == 1, results
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED and order.events.filter(kind="accepted").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_racing_cancel_and_accept_never_both_apply(staff, new_order, units):
    order = new_order(unit=units["repair"])
    version = order.version
    calls = [lambda: svc.order_accept(actor=staff["worker"], order=WorkOrder.objects.get(pk=order.pk)),
             lambda: svc.order_cancel(actor=staff["operator"], order=WorkOrder.objects.get(pk=order.pk),
                                      reason="用户撤回")]

    results = run_in_threads(2, lambda i: calls[i]())

    order.refresh_from_db()
    applied = [r for r in results if isinstance(r, WorkOrder)]
    assert len(applied) in (1, 2)
    if len(applied) == 2:  # accepted first, then cancelled: both legal in that order
        assert order.status == Status.CANCELLED
        assert list(order.events.values_list("kind", flat=True))[-2:] == ["accepted", "cancelled"]
    assert order.version == version + len(applied)
