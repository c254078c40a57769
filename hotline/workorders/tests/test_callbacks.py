"""Callbacks (回访) as they are done (issue 14 §4): the deadline, tries that do not reach the customer
and the retry plan, "not reached", the list's filters and paging, the API and the console."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hotline.core.errors import InvalidStateError, ValidationError
from hotline.workorders import services
from hotline.workorders.models import EventKind, Satisfaction, Source, Status, WorkOrder
from hotline.workorders.selectors import CallbackFilter, callbacks_count, callbacks_due
from hotline.workorders.sla import WorkCalendar, callback_deadline, callback_retry_at
from hotline.workorders.tests.test_views import accepted, community, fresh, make_order, people  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def resolve_at(order, people, moment: datetime) -> WorkOrder:
    with time_machine.travel(moment, tick=False):
        accepted(order, people)
        return services.order_resolve(actor=people["worker"], order=order, result="已更换阀门")


CALENDAR = WorkCalendar(holidays={})


def test_callback_deadline_is_one_working_day_after_resolution():
    # Friday 16:00 → Monday 16:00 (8 working hours: 1.5 h on Friday, 6.5 h on Monday).
    assert callback_deadline(at("2026-12-04T16:00"), CALENDAR) == at("2026-12-07T16:00")
    # Resolved at night: the working day starts the next morning.
    assert callback_deadline(at("2026-12-07T22:00"), CALENDAR) == at("2026-12-08T17:30")


def test_retry_plan_spreads_three_tries_over_two_working_days(settings):
    assert callback_retry_at(at("2026-12-07T10:00"), CALENDAR) == at("2026-12-08T10:00")
    settings.CALLBACK_TRIES, settings.CALLBACK_RETRY_SPAN = 5, "2wd"  # a setting: four gaps of half a day
    assert callback_retry_at(at("2026-12-07T09:00"), CALENDAR) == at("2026-12-07T14:00")


@pytest.mark.django_db
def test_resolution_sets_the_callback_deadline(make_order, people):
    order = resolve_at(make_order(), people, at("2026-12-07T10:00"))
    assert order.callback_due == callback_deadline(order.resolved_at)
    assert (order.callback_tries, order.callback_overdue, order.callback_next_at) == (0, False, None)


@pytest.mark.django_db
def test_no_answer_is_tried_again_by_the_plan_then_closed_as_not_reached(make_order, people):
    order = resolve_at(make_order(), people, at("2026-12-07T10:00"))
    op = people["operator"]
    with time_machine.travel(at("2026-12-07T11:00"), tick=False):
        order = services.order_callback_try(actor=op, order=order, outcome="no_answer")
    assert (order.status, order.callback_tries, order.callback_last_try) == (Status.RESOLVED, 1, "no_answer")
    assert order.callback_next_at == at("2026-12-08T11:00")
    assert order.satisfaction == "" and order.callback_at is None
    with time_machine.travel(at("2026-12-08T11:05"), tick=False):
        order = services.order_callback_try(actor=op, order=order, outcome="no_answer", version=order.version)
    assert order.status == Status.RESOLVED and order.callback_tries == 2
    with time_machine.travel(at("2026-12-09T11:10"), tick=False):
        order = services.order_callback_try(actor=op, order=order, outcome="no_answer", version=order.version)
    order = fresh(order)
    assert (order.status, order.satisfaction, order.callback_tries) == (Status.CLOSED, Satisfaction.NOT_REACHED, 3)
    assert order.closed_at == at("2026-12-09T11:10") and order.callback_at is None and order.callback_next_at is None
    kinds = list(order.events.filter(kind__in=[EventKind.CALLBACK_TRY, EventKind.CALLBACK])
                 .values_list("kind", "data__try"))
    assert kinds == [("callback_try", 1), ("callback_try", 2), ("callback", 3)]
    # Nothing more to do: the order is off the list and cannot be called back again.
    assert order not in callbacks_due(actor=op)
    with pytest.raises(InvalidStateError):
        services.order_callback(actor=op, order=order, satisfaction="satisfied")


@pytest.mark.django_db
def test_a_later_try_reaches_the_customer(make_order, people):
    order = resolve_at(make_order(), people, at("2026-12-07T10:00"))
    order = services.order_callback_try(actor=people["operator"], order=order, outcome="no_answer")
    order = services.order_callback(actor=people["operator"], order=order, satisfaction="basic")
    assert (order.status, order.satisfaction, order.callback_next_at) == (Status.CALLBACK_DONE, "basic", None)
    assert order.callback_at is not None and order.events.get(kind=EventKind.CALLBACK).data["tries"] == 1


@pytest.mark.django_db
def test_refused_and_wrong_number_end_the_callback_at_once(make_order, people):
    op = people["operator"]
    refused = services.order_callback_try(actor=op, order=resolve_at(make_order(), people, at("2026-12-07T10:00")),
                                          outcome="refused", note="客户表示不需要回访")
    assert (refused.status, refused.satisfaction) == (Status.CLOSED, Satisfaction.REFUSED)
    wrong = resolve_at(make_order(), people, at("2026-12-07T10:00"))
    with pytest.raises(ValidationError) as info:  # what was found out about the number is written down
        services.order_callback_try(actor=op, order=wrong, outcome="wrong_number")
    assert "note" in info.value.fields and fresh(wrong).callback_tries == 0
    wrong = services.order_callback_try(actor=op, order=wrong, outcome="wrong_number", note="空号")
    assert (wrong.status, wrong.satisfaction) == (Status.CLOSED, Satisfaction.NOT_REACHED)


@pytest.mark.django_db
def test_a_12345_case_not_reached_is_called_back_so_that_its_reply_goes_upstream(make_order, people):
    order = resolve_at(make_order(source=Source.INTERNAL), people, at("2026-12-07T10:00"))
    WorkOrder.objects.filter(pk=order.pk).update(source=Source.GOV_12345)  # the rule, without a platform case
    order = fresh(order)
    order = services.order_callback_try(actor=people["operator"], order=order, outcome="refused")
    assert (order.status, order.satisfaction, order.closed_at) == (Status.CALLBACK_DONE, Satisfaction.REFUSED, None)


@pytest.mark.django_db
def test_bad_callback_input_changes_nothing(make_order, people):
    order = resolve_at(make_order(), people, at("2026-12-07T10:00"))
    op = people["operator"]
    with pytest.raises(ValidationError):
        services.order_callback_try(actor=op, order=order, outcome="satisfied")
    with pytest.raises(ValidationError):
        services.order_callback(actor=op, order=order, satisfaction="not_reached")
    from hotline.core.errors import ConflictError, PermissionDeniedError

    with pytest.raises(ConflictError):
        services.order_callback_try(actor=op, order=order, outcome="no_answer", version=order.version - 1)
    with pytest.raises(PermissionDeniedError):
        services.order_callback_try(actor=people["worker"], order=order, outcome="no_answer")
    order = fresh(order)
    assert (order.status, order.callback_tries, order.version) == (Status.RESOLVED, 0, order.version)


@pytest.mark.django_db
def test_sweep_marks_an_overdue_callback_once_with_an_urge_event(make_order, people):
    order = resolve_at(make_order(), people, at("2026-12-07T10:00"))  # due 12-08 10:00
    assert services.callback_sweep(now=at("2026-12-08T09:59")) == 0
    assert services.callback_sweep(now=at("2026-12-08T10:01")) == 1
    assert services.callback_sweep(now=at("2026-12-08T11:00")) == 0
    order = fresh(order)
    assert order.callback_overdue
    urge = order.events.get(kind=EventKind.URGED)
    assert urge.data == {"level": 2, "step": "callback"} and order.number in urge.note
    # A reached callback clears nothing it should not: the order leaves the list as called back.
    services.order_callback(actor=people["operator"], order=order, satisfaction="satisfied")
    assert fresh(order).status == Status.CALLBACK_DONE


@pytest.mark.django_db
def test_unsatisfied_reopens_and_the_next_resolution_starts_a_new_callback(make_order, people):
    order = resolve_at(make_order(), people, at("2026-12-07T10:00"))
    order = services.order_callback_try(actor=people["operator"], order=order, outcome="no_answer")
    order = services.order_callback(actor=people["operator"], order=order, satisfaction="unsatisfied",
                                    note="还在漏")
    assert order.status == Status.REOPENED and order.callback_due is None
    order = resolve_at(order, people, at("2026-12-10T10:00"))
    assert order.callback_due == at("2026-12-11T10:00") and order.callback_tries == 0


@pytest.mark.django_db
def test_the_list_filters_by_unit_subject_source_and_age_and_pages(make_order, people, units):
    from hotline.workorders.models import Subject

    now = datetime.now(TZ)
    old = resolve_at(make_order(title="旧的"), people, now - timedelta(days=8))
    recent = resolve_at(make_order(title="新的", subject="meter_fault" if Subject.objects.filter(
        code="meter_fault").exists() else "branch_leak"), people, now - timedelta(hours=2))
    internal = resolve_at(make_order(title="内部", source=Source.INTERNAL), people, now - timedelta(days=2))
    op = people["operator"]

    def numbers(**params):
        return [o.number for o in callbacks_due(actor=op, flt=CallbackFilter.from_params(params))]

    assert numbers() == [old.number, internal.number, recent.number]  # the earliest deadline first
    assert numbers(age="7d") == [old.number]
    assert numbers(age="today") == [recent.number]
    assert numbers(age="1d") == [internal.number]
    assert numbers(source="internal") == [internal.number]
    assert numbers(overdue="1") == [old.number, internal.number]
    assert numbers(unit=str(units["repair"].pk)) == [old.number, internal.number, recent.number]
    assert numbers(unit=str(people["east"].pk)) == []
    assert numbers(subject=str(old.subject_id)) == [o.number for o in (old, internal, recent)
                                                    if o.subject_id == old.subject_id]
    assert callbacks_count(actor=op, flt=CallbackFilter.from_params({"overdue": "1"})) == 2
    assert [o.number for o in callbacks_due(actor=op, limit=2, offset=2)] == [recent.number]
    with pytest.raises(ValidationError) as info:
        CallbackFilter.from_params({"age": "forever", "source": "fax", "unit": "x"})
    assert set(info.value.fields) == {"age", "source", "unit"}


@pytest.mark.django_db
def test_api_records_tries_and_lists_with_filters(make_order, people):
    order = resolve_at(make_order(), people, datetime.now(TZ) - timedelta(days=3))
    client = Client()
    client.force_login(people["operator"])

    def post(data):
        return client.post(f"/api/v1/orders/{order.number}/callback", json.dumps(data), content_type="application/json")

    assert post({"version": fresh(order).version}).status_code == 400  # neither
    assert post({"satisfaction": "satisfied", "outcome": "no_answer"}).status_code == 400  # both
    assert post({"outcome": "busy"}).status_code == 400
    assert fresh(order).callback_tries == 0
    response = post({"outcome": "no_answer", "version": fresh(order).version})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved" and body["callback_tries"] == 1 and body["callback_last_try"] == "no_answer"
    listed = client.get("/api/v1/orders/callbacks?overdue=true&age=3d").json()
    assert [o["number"] for o in listed] == [order.number] and listed[0]["callback_next_at"]
    assert client.get("/api/v1/orders/callbacks?age=today").json() == []
    assert client.get("/api/v1/orders/callbacks?age=someday").status_code == 400
    assert post({"satisfaction": "satisfied"}).json()["status"] == "callback_done"


@pytest.mark.django_db
def test_console_list_filters_pages_and_records_a_try(client, make_order, people, settings):
    from hotline.workorders import views

    now = datetime.now(TZ)
    orders = [resolve_at(make_order(title=f"第{i}单"), people, now - timedelta(days=i + 1)) for i in range(3)]
    client.force_login(people["operator"])
    page = client.get("/orders/callbacks/").content.decode()
    assert 'id="callback-count">3<' in page and "未接通" in page or "No answer" in page
    assert all(f'id="callback-{o.number}"' in page for o in orders)
    assert "callback-overdue" in page  # past their deadline
    filtered = client.get("/orders/callbacks/?age=today").content.decode()
    assert 'id="callbacks-empty"' in filtered
    bad = client.get("/orders/callbacks/?age=forever")
    assert bad.status_code == 200 and 'id="filter-error"' in bad.content.decode()

    views.CALLBACK_PAGE_SIZE = 2
    try:
        first = client.get("/orders/callbacks/").content.decode()
        assert 'id="page-next"' in first and first.count('class="card callback-card') == 2
        second = client.get("/orders/callbacks/?page=2").content.decode()
        assert 'id="page-previous"' in second and second.count('class="card callback-card') == 1
    finally:
        views.CALLBACK_PAGE_SIZE = 25

    target = orders[0]
    response = client.post(f"/orders/{target.number}/callback/", {
        "version": fresh(target).version, "satisfaction": "no_answer", "next": "/orders/callbacks/?age=1d"})
    assert response.status_code == 302 and response.url == "/orders/callbacks/?age=1d"
    assert fresh(target).callback_tries == 1 and fresh(target).status == Status.RESOLVED
    page = client.get("/orders/callbacks/").content.decode()
    assert 'class="small callback-tries' in page
