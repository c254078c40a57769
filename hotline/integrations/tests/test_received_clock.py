"""Issue 15 §9: a 12345 case keeps the platform's clock. The order is received when the platform received the
case (not when the case reached us after the platform's retries); the time it reached us is kept beside it
and shown when the two differ by more than ``RECEIVED_SKEW_MINUTES``; the reports count it on that clock."""

from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from hotline.workorders.models import EventKind

from .conftest import iso


def test_a_case_that_waited_an_hour_keeps_the_platforms_received_time(received, staff):
    now = timezone.now().replace(microsecond=0)
    platform_time = now - timedelta(hours=1)
    case = received(**{"received_at": iso(platform_time)})
    order = case.order
    assert order.created_at == platform_time  # the platform's clock
    assert order.arrived_at >= now and order.arrived_at - now < timedelta(minutes=1)  # when it reached us
    assert order.dispatched_at == order.arrived_at  # dispatched on arrival, not before it existed here
    created, dispatched = order.events.order_by("at", "id")
    assert (created.kind, created.at) == (EventKind.CREATED, platform_time)
    assert (dispatched.kind, dispatched.at) == (EventKind.DISPATCHED, order.arrived_at)
    assert (order.accept_due, order.resolve_due) == (case.sign_deadline, case.reply_deadline)  # as sent

    client = Client()
    client.force_login(staff["operator"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="order-arrived"' in page and "到达本系统" in page
    assert timezone.localtime(platform_time).strftime("%Y-%m-%d %H:%M") in page
    body = client.get(f"/api/v1/orders/{order.number}").json()
    assert datetime.fromisoformat(body["created_at"]) == platform_time
    assert abs(datetime.fromisoformat(body["arrived_at"]) - order.arrived_at) < timedelta(milliseconds=1)


def test_a_case_that_came_at_once_shows_one_time(received, staff, settings):
    settings.RECEIVED_SKEW_MINUTES = 5
    case = received(**{"received_at": iso(timezone.now() - timedelta(minutes=2))})
    client = Client()
    client.force_login(staff["operator"])
    page = client.get(f"/orders/{case.order.number}/").content.decode()
    assert 'id="order-arrived"' not in page


def test_reports_count_a_12345_case_on_the_platforms_day(received, staff):
    """A case the platform received yesterday evening and that reached us today is yesterday's request."""
    from hotline.reports.period import period_report

    now = timezone.localtime()
    yesterday = now.date() - timedelta(days=1)
    late_evening = timezone.make_aware(datetime.combine(yesterday, datetime.min.time())) + timedelta(hours=23, minutes=50)
    received(**{"received_at": iso(late_evening),
                "sign_deadline": iso(now + timedelta(hours=1)), "reply_deadline": iso(now + timedelta(days=5))})
    by_day = period_report(actor=staff["lead"], date_from=yesterday, date_to=now.date(), rollups=False)
    sources = {row.key: row.received for row in by_day.orders_by_source}
    assert sources.get("12345") == 1
    only_today = period_report(actor=staff["lead"], date_from=now.date(), date_to=now.date(), rollups=False)
    assert {row.key: row.received for row in only_today.orders_by_source}.get("12345", 0) == 0
