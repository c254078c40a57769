"""Day rollups of the period reports: a report that adds up rolled-up days equals the same report counted
from the records, before and after late changes made every way a record can change (ORM, plain SQL,
bulk inserts, deletes, timeline events, the services), after a deadline passes, and in another time zone."""

import random
import threading
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from hotline.calls.models import Call
from hotline.core.testing import postgres_only
from hotline.reports import rollups
from hotline.reports.facts import period_bounds
from hotline.reports.models import DayFact, RollupDay, RollupDirty
from hotline.reports.period import period_report
from hotline.reports.tests.conftest import TZ, make_call, make_order, save_orders
from hotline.workorders.models import WorkOrder

# Worker processes and the database's now() keep the real time: see the root conftest.
pytestmark = pytest.mark.real_clock

FIRST = date(2025, 11, 3)
DAYS = 12
LAST = FIRST + timedelta(days=DAYS - 1)


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(0), TZ) + timedelta(seconds=rng.randrange(86400))


def _same(a, b) -> None:
    """The two reports agree on everything (talk times to the millisecond)."""
    da, db = a.as_dict(), b.as_dict()
    da.pop("generated_at"), db.pop("generated_at")
    for row in da["calls"]["by_operator"] + db["calls"]["by_operator"]:
        row["average_talk"] = round(row["average_talk"] or 0, 0)
    assert da == db


def _both(actor, first=FIRST, last=LAST):
    now = timezone.now()
    rolled = period_report(actor=actor, date_from=first, date_to=last, now=now)
    live = period_report(actor=actor, date_from=first, date_to=last, rollups=False, now=now)
    _same(rolled, live)
    return rolled


@pytest.fixture
def history(staff, ref, units):
    """Twelve closed days of calls (types, subjects, operators, outcomes) and orders from every source in
    every state, with returns and reopenings; one order whose resolution deadline is still ahead."""
    rng = random.Random(2025)
    days = [FIRST + timedelta(days=n) for n in range(DAYS)]
    subjects = ["frozen_pipe", "frozen_meter", "bill_query", "payment", "burst_main"]
    types = [ref.types["consultation"], ref.types["repair"]]
    calls = []
    for _ in range(600):
        outcome = rng.choice(["answered", "answered", "order_created", "missed", "abandoned"])
        logged = outcome not in ("missed", "abandoned")
        calls.append(make_call(_moment(rng, rng.choice(days)), type=rng.choice(types) if logged else None,
                               subject=ref.subjects[rng.choice(subjects)] if logged else None,
                               operator=rng.choice([staff["a"], staff["b"], None]) if logged else None,
                               outcome=outcome, talk=rng.randrange(10, 300)))
    Call.objects.bulk_create(calls)
    orders, events = [], []
    for _ in range(150):
        created = _moment(rng, rng.choice(days))
        subject = ref.subjects[rng.choice(subjects)]
        status = rng.choice(["new", "dispatched", "accepted", "resolved", "closed", "cancelled", "returned",
                             "reopened"])
        unit = None if status in ("new", "returned") else rng.choice([units["repair"], units["branch"]])
        fields = {"accept_due": created + timedelta(hours=2), "resolve_due": created + timedelta(days=1)}
        if status in ("accepted", "resolved", "closed", "reopened"):
            fields["accepted_at"] = created + timedelta(hours=rng.choice([1, 3]))
        if status in ("resolved", "closed"):
            fields["resolved_at"] = created + timedelta(hours=rng.choice([5, 30]))
            if rng.random() < 0.6:
                fields["callback_at"] = fields["resolved_at"] + timedelta(hours=2)
                fields["satisfaction"] = rng.choice(["satisfied", "basic", "unsatisfied"])
        order = make_order(created, type=rng.choice(types), subject=subject, status=status, unit=unit,
                           source=rng.choice(["call", "call", "12345", "internal", "web"]),
                           is_overdue=rng.random() < 0.2, **fields)
        orders.append(order)
        if status == "returned" or rng.random() < 0.1:
            events.append((order, "returned", created + timedelta(hours=1),
                           {"from_unit": rng.choice(["张店维修中心", "改名前的单位"])}))
        if status == "reopened":
            events.append((order, "reopened", created + timedelta(days=2), {}))
    ahead = make_order(datetime.combine(LAST, time(10), TZ), type=ref.types["repair"],
                       subject=ref.subjects["burst_main"], unit=units["repair"],
                       resolve_due=timezone.now() + timedelta(hours=1))
    orders.append(ahead)
    save_orders(orders, events)
    return {"orders": orders, "ahead": ahead}


def test_a_report_of_rolled_up_days_equals_the_records(staff, history):
    report = _both(staff["lead"])
    assert report.calls == 600 and report.orders.received == 151
    assert RollupDay.objects.filter(kind="calls").count() == DAYS
    assert RollupDay.objects.filter(kind="orders").count() == DAYS
    assert DayFact.objects.exists()
    # The builds took the days' dirty marks (the bulk inserts above left some).
    assert not RollupDirty.objects.filter(slot__lt=int(period_bounds(LAST, LAST)[1].timestamp()) // 900).exists()
    # Nothing changed: the second report builds nothing.
    def built():  # a fresh query each time (a queryset would answer from its cache)
        return set(RollupDay.objects.values_list("kind", "day", "built_at"))

    before = built()
    _both(staff["lead"])
    assert built() == before


def test_late_changes_of_every_kind_are_counted(staff, ref, units, history):
    lead = staff["lead"]
    _both(lead)
    day3 = FIRST + timedelta(days=2)
    # The ORM: a call classified later; a bulk update of orders.
    call = Call.objects.filter(ringing_at__date__gte=day3, outcome="missed").first()
    Call.objects.filter(pk=call.pk).update(request_type=ref.types["repair"], subject=ref.subjects["frozen_meter"],
                                           outcome="answered", operator=staff["a"])
    WorkOrder.objects.filter(status="dispatched").update(status="resolved", resolved_at=timezone.now())
    assert RollupDirty.objects.filter(kind="calls").exists() and RollupDirty.objects.filter(kind="orders").exists()
    _both(lead)
    # Plain SQL, as the CTI hot path writes.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE workorders_workorder SET callback_at = resolved_at, satisfaction = 'unsatisfied' "
                       "WHERE status = 'resolved' AND callback_at IS NULL")
        cursor.execute("UPDATE calls_call SET answered_at = NULL, outcome = 'abandoned' WHERE id = %s", [call.pk])
    _both(lead)
    # A call and an order inserted into a closed day (an import); deletes.
    Call.objects.bulk_create([make_call(datetime.combine(FIRST, time(23, 59, 59), TZ), type=ref.types["repair"],
                                        subject=ref.subjects["burst_main"], operator=staff["b"], talk=70)])
    save_orders([make_order(datetime.combine(FIRST, time(0), TZ), type=ref.types["repair"],
                            subject=ref.subjects["burst_main"], source="web")])
    Call.objects.filter(pk=Call.objects.filter(ringing_at__date=LAST).first().pk).delete()
    WorkOrder.objects.filter(pk=history["orders"][5].pk).delete()
    report = _both(lead)
    assert report.calls == 600 and report.orders.received == 151
    # A return recorded on the timeline alone.
    order = WorkOrder.objects.filter(status="accepted").first()
    save_orders([], [(order, "returned", order.created_at + timedelta(hours=3), {"from_unit": units["branch"].name})])
    _both(lead)


def test_the_services_mark_the_day_they_change(staff, ref, units, history):
    from hotline.workorders.services import order_accept

    dispatcher = staff["dispatcher"]
    order = WorkOrder.objects.filter(status="dispatched", unit=units["repair"]).first()
    _both(staff["lead"])
    built = dict(RollupDay.objects.filter(kind="orders").values_list("day", "built_at"))
    order_accept(actor=dispatcher, order=order, note="签收")
    _both(staff["lead"])
    rebuilt = {day for day, at in RollupDay.objects.filter(kind="orders").values_list("day", "built_at")
               if at != built[day]}
    assert rebuilt == {timezone.localtime(order.created_at).date()}


def test_a_deadline_that_passes_is_counted(staff, history):
    report = _both(staff["lead"])
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        later = _both(staff["lead"])
    # The order whose deadline was ahead is now due (and not resolved): one more due, none more on time.
    assert later.orders.resolve_due == report.orders.resolve_due + 1
    assert later.orders.resolved_on_time == report.orders.resolved_on_time


def test_another_time_zone_rolls_up_again(staff, history):
    _both(staff["lead"])
    with override_settings(TIME_ZONE="America/New_York"):
        timezone.activate("America/New_York")
        try:
            _both(staff["lead"], FIRST + timedelta(days=1), LAST)
            assert set(RollupDay.objects.values_list("time_zone", flat=True)) >= {"America/New_York"}
        finally:
            timezone.deactivate()


def test_recent_days_are_counted_live_and_leave_no_marks(staff, ref):
    # Marks a live server's late request of another test may have left behind (seen under pytest-xdist).
    RollupDirty.objects.all().delete()
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    Call.objects.bulk_create([make_call(datetime.combine(yesterday, time(9), TZ), type=ref.types["repair"],
                                        subject=ref.subjects["burst_main"], operator=staff["a"], talk=30)])
    assert not RollupDirty.objects.exists()
    report = _both(staff["lead"], today - timedelta(days=6), today)
    assert report.calls == 1
    # Days that ended less than COVER_AFTER ago are not rolled up.
    assert rollups.first_live_day(timezone.now()) <= today - timedelta(days=2)
    assert not RollupDay.objects.filter(day__gte=rollups.first_live_day(timezone.now())).exists()


def test_the_triggers_mark_the_quarter_hour_of_an_old_record(staff, ref):
    moment = datetime(2025, 6, 1, 10, 7, tzinfo=TZ)
    RollupDirty.objects.all().delete()  # as above: only this test's marks count
    call = make_call(moment)
    call.save()
    assert list(RollupDirty.objects.values_list("kind", "slot")) == [("calls", int(moment.timestamp()) // 900)]
    RollupDirty.objects.all().delete()
    Call.objects.filter(pk=call.pk).update(caller_number="13900000000")  # not a column the reports read
    assert not RollupDirty.objects.exists()
    Call.objects.filter(pk=call.pk).update(ringing_at=moment + timedelta(days=1))
    assert sorted(RollupDirty.objects.values_list("slot", flat=True)) == [
        int(moment.timestamp()) // 900, int((moment + timedelta(days=1)).timestamp()) // 900]


def test_refresh_builds_what_needs_it_the_most_recent_first(staff, history):
    now = datetime.combine(LAST + timedelta(days=4), time(12), TZ)  # the worker, four days after LAST
    done = rollups.refresh(days=DAYS + 2, seconds=0, now=now)  # stops after the first day
    assert sum(done["built"].values()) == 1 and done["left"] == 2 * (DAYS + 2) - 1
    assert RollupDay.objects.get().day == LAST
    done = rollups.refresh(days=DAYS + 2, now=now)
    assert done["left"] == 0
    assert RollupDay.objects.filter(kind="orders", day__range=(FIRST, LAST)).count() == DAYS
    assert rollups.refresh(days=DAYS + 2, now=now)["built"] == {"calls": 0, "orders": 0}
    Call.objects.filter(ringing_at__date=FIRST).update(outcome="abandoned", answered_at=None)
    assert rollups.refresh(days=DAYS + 2, now=now)["built"] == {"calls": 1, "orders": 0}
    _both(staff["lead"])


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_during_a_build_is_not_lost(staff, ref, units, catalogue):
    """A build deletes the day's marks, then counts. A change committed in between is counted or marks
    the day again: here the writer commits after the marks are gone and before the counting."""
    from django.db import connections

    day = date(2025, 6, 2)
    save_orders([make_order(datetime.combine(day, time(9), TZ), type=ref.types["repair"],
                            subject=ref.subjects["burst_main"], unit=units["repair"]) for _ in range(3)])
    order_id = WorkOrder.objects.first().pk
    marks_gone, written = threading.Event(), threading.Event()
    real = rollups.live_facts

    def paused(*args, **kwargs):
        marks_gone.set()
        assert written.wait(10)
        return real(*args, **kwargs)

    def writer():
        try:
            assert marks_gone.wait(10)
            WorkOrder.objects.filter(pk=order_id).update(status="cancelled")
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    rollups.live_facts = paused
    try:
        rollups.build_day("orders", day)
    finally:
        rollups.live_facts = real
        thread.join()
    now = timezone.now()
    stale = rollups.stale_days("orders", day, day, now)
    facts = rollups.stored_facts(day, day)
    cancelled = sum(values[1] for _k1, _k2, values in facts.rows("order_source"))
    assert stale == [day] or cancelled == 1
    _both(staff["lead"], day, day)
