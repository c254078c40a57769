"""The period report on a small hand-built set of calls and orders, every figure worked out by hand."""

from datetime import date, time, timedelta

import pytest

from hotline.calls.models import Call
from hotline.core.errors import PermissionDeniedError, ValidationError
from hotline.reports.period import DEFINITIONS, ShiftClock, period_report
from hotline.reports.tests.conftest import at, make_call, make_order, save_orders

DAY = date(2025, 3, 10)  # a Monday, long past: every deadline below has passed
H = timedelta(hours=1)


@pytest.fixture
def known_calls(staff, ref):
    """Seven inbound calls on DAY (and three that must not count):
    00:30 and 08:14 — the night shift that began the day before; 08:15, 12:00 (missed) and 17:29 — the day
    shift; 17:30 and 23:59 — the night shift of DAY. Operator 甲 talks 100, 200, 50 and 150 s; 乙 takes the
    evening calls, one of which creates an order."""
    t, s = ref.types, ref.subjects
    a, b = staff["a"], staff["b"]
    consult, repair = t["consultation"], t["repair"]
    Call.objects.bulk_create([
        make_call(at(DAY, 0, 30), type=consult, subject=s["bill_query"], operator=a, talk=100),
        make_call(at(DAY, 8, 14, 59), type=consult, subject=s["bill_query"], operator=a, talk=200),
        make_call(at(DAY, 8, 15), type=consult, subject=s["payment"], operator=a, talk=50),
        make_call(at(DAY, 17, 29, 59), type=repair, subject=s["frozen_pipe"], operator=a, talk=150),
        make_call(at(DAY, 12, 0), outcome="missed"),
        make_call(at(DAY, 17, 30), type=repair, subject=s["frozen_meter"], operator=b, talk=60),
        make_call(at(DAY, 23, 59, 59), type=repair, subject=s["frozen_meter"], operator=b, talk=60,
                  outcome="order_created"),
        # Not counted: an outbound call, the minute before and the minute after the day.
        make_call(at(DAY, 12, 0), type=consult, subject=s["bill_query"], operator=a, direction="outbound", talk=30),
        make_call(at(DAY, 0, 0) - timedelta(seconds=1), type=consult, subject=s["bill_query"], operator=a, talk=30),
        make_call(at(DAY + timedelta(days=1), 0, 0), type=consult, subject=s["bill_query"], operator=a, talk=30),
    ])


def test_calls_by_type_subject_group_outcome_and_operator(staff, ref, known_calls):
    r = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY)
    assert (r.calls, r.calls_answered) == (7, 6)
    by_type = {row.key: row.count for row in r.calls_by_type}
    assert by_type == {str(ref.types["consultation"].pk): 3, str(ref.types["repair"].pk): 3, "none": 1}
    by_subject = {row.label: (row.group, row.count) for row in r.calls_by_subject}
    assert by_subject["水费查询"] == ("营业收费", 2) and by_subject["缴费欠费"] == ("营业收费", 1)
    assert by_subject["管道冻裂"] == ("抢修报修", 1) and by_subject["水表冻裂"] == ("抢修报修", 2)
    assert {row.label: row.count for row in r.calls_by_group if row.key != "none"} == {"营业收费": 3, "抢修报修": 3}
    assert {row.key: row.count for row in r.calls_by_outcome} == {"answered": 5, "missed": 1, "order_created": 1}
    ops = {row.label: row for row in r.calls_by_operator}
    assert (ops["话务员甲"].calls, ops["话务员甲"].answered, ops["话务员甲"].average_talk) == (4, 4, 125.0)
    assert (ops["话务员乙"].calls, ops["话务员乙"].orders_created, ops["话务员乙"].average_talk) == (2, 1, 60.0)
    assert r.calls_by_operator[-1].key == "none" and r.calls_by_operator[-1].calls == 1


def test_calls_by_day_hour_and_shift(staff, known_calls):
    r = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY)
    assert len(r.days) == 1 and (r.days[0].calls, r.days[0].answered) == (7, 6)
    # The day's row: its day shift, and the night shift that began that day (17:30 and 23:59).
    assert r.shift_columns == [("day", "白班"), ("night", "夜班")]
    assert r.days[0].shifts == {"day": 3, "night": 2}
    hours = {h.hour: h.calls for h in r.hours if h.calls}
    assert hours == {0: 1, 8: 2, 12: 1, 17: 2, 23: 1} and len(r.hours) == 24
    shifts = [(s.key, s.calls, s.partial) for s in r.shifts]
    assert shifts == [("2025-03-09-night", 2, True), ("2025-03-10-day", 3, False), ("2025-03-10-night", 2, True)]
    assert r.shift_totals == [("白班", 3), ("夜班", 4)] and r.calls_in_earlier_shifts == 2


def test_shifts_follow_the_shift_plan(db):
    locate = ShiftClock().locate
    assert locate(at(DAY, 8, 15)).key == "2025-03-10-day"
    assert locate(at(DAY, 17, 29, 59)).key == "2025-03-10-day"
    assert locate(at(DAY, 17, 30)).key == "2025-03-10-night"
    assert locate(at(DAY, 8, 14, 59)).key == "2025-03-09-night"


def test_a_shift_plan_off_the_quarter_hours_is_counted_by_the_minute(staff, known_calls):
    from hotline.shifts.models import ShiftDefinition

    ShiftDefinition.objects.filter(code="day").update(end=time(17, 20))
    ShiftDefinition.objects.filter(code="night").update(start=time(17, 20))
    assert ShiftClock().slot_seconds == 60
    r = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY)
    # 17:29:59 is in the night shift now.
    assert r.days[0].shifts == {"day": 2, "night": 3}


@pytest.fixture
def known_orders(ref, units):
    """Ten orders received on DAY (and one the day before). Sign-for due 30 min after dispatch, resolution
    due 4 h after; R is the repair centre.

    o1  call   signed on time, resolved on time, called back satisfied, closed
    o2  call   signed late, resolved late, called back basically satisfied
    o3  12345  signed on time, resolved, reopened (unsatisfied), signed and resolved again on time, satisfied
    o4  12345  dispatched, never signed for, overdue: sign-for and resolution both late
    o5  int.   returned by R (now waiting at the hotline), resolution deadline passed
    o6  call   cancelled as a duplicate (still with R)
    o7  web    received, not dispatched
    o8  call   resolved, reopened after an unsatisfied callback, not signed for again: both deadlines missed
    o9  call   signed on time, resolved on time, not called back yet
    """
    t, s, R = ref.types["repair"], ref.subjects["frozen_pipe"], units["repair"]
    c = at(DAY, 9)

    def order(source="call", status="dispatched", unit=R, **f):
        f.setdefault("accept_due", c + H / 2)
        f.setdefault("resolve_due", c + 4 * H)
        return make_order(c, type=t, subject=s, source=source, status=status, unit=unit, **f)

    o1 = order(status="closed", accepted_at=c + H / 4, resolved_at=c + 2 * H, callback_at=c + 3 * H,
               satisfaction="satisfied", closed_at=c + 5 * H)
    o2 = order(status="callback_done", accepted_at=c + H, resolved_at=c + 5 * H, callback_at=c + 6 * H,
               satisfaction="basic")
    o3 = order(source="12345", status="callback_done", accept_due=c + 26 * H, resolve_due=c + 30 * H,
               accepted_at=c + 25 * H, resolved_at=c + 27 * H, callback_at=c + 28 * H, satisfaction="satisfied")
    o4 = order(source="12345", is_overdue=True)
    o5 = order(source="internal", status="returned", unit=None)
    o6 = order(status="cancelled", cancel_reason="重复", closed_at=c + H / 6)
    o7 = order(source="web", status="new", unit=None, accept_due=None, resolve_due=None)
    o8 = order(status="reopened", accept_due=c + 7 * H, resolve_due=c + 10 * H, callback_at=c + 6 * H,
               satisfaction="unsatisfied")
    o9 = order(status="resolved", accepted_at=c + H / 4, resolved_at=c + H)
    before = make_order(at(DAY, 0) - timedelta(seconds=1), type=t, subject=s, unit=R)
    orders = [o1, o2, o3, o4, o5, o6, o7, o8, o9, before]
    save_orders(orders, [(o3, "reopened", c + 24 * H, {"satisfaction": "unsatisfied"}),
                         (o5, "returned", c + H / 3, {"reason_code": "not_our_area", "from_unit": R.name}),
                         (o8, "reopened", c + 6 * H, {"satisfaction": "unsatisfied"}),
                         (before, "returned", c, {"from_unit": R.name})])
    return {"R": R, "orders": orders}


def test_order_kpis_over_the_period(staff, known_orders):
    k = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY).orders
    assert (k.received, k.cancelled, k.open, k.overdue_open) == (9, 1, 4, 1)  # open: o4 o5 o7 o8
    # Sign-for due: o1 o2 o3 o4 o8 o9 (o5 returned, o6 cancelled, o7 never dispatched); on time o1 o3 o9.
    assert (k.signed_on_time, k.sign_due, k.sign_rate) == (3, 6, 0.5)
    # Resolution due: o1 o2 o3 o4 o5 o8 o9; on time o1 o3 o9.
    assert (k.resolved_on_time, k.resolve_due, k.resolve_rate) == (3, 7, round(3 / 7, 4))
    # Dispatches = 1 return (o5) + 7 orders with a unit (o1 o2 o3 o4 o6 o8 o9).
    assert (k.returns, k.dispatches, k.return_rate) == (1, 8, 0.125)
    # Resolved at least once: o1 o2 o3 o9 (resolved now) + o8 (reopened, not resolved again).
    assert (k.reopened, k.resolved, k.reopen_rate) == (2, 5, 0.4)
    assert (k.called_back, k.callback_rate) == (4, 0.8)  # o1 o2 o3 o8
    assert (k.satisfied, k.basic, k.unsatisfied, k.satisfaction_rate) == (2, 1, 1, 0.75)


def test_order_kpis_by_unit_and_source_add_up(staff, known_orders):
    r = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY)
    units = {row.key: row for row in r.orders_by_unit}
    repair = units[str(known_orders["R"].pk)]
    # R has o1 o2 o3 o4 o6 o8 o9 and returned o5: 8 dispatches, 1 return.
    assert (repair.received, repair.with_unit, repair.returns, repair.return_rate) == (7, 7, 1, 0.125)
    assert (units["none"].received, units["none"].label) == (2, "未派单")  # o5, o7
    sources = {row.key: row for row in r.orders_by_source}
    assert {key: row.received for key, row in sources.items()} == {"call": 5, "12345": 2, "internal": 1, "web": 1}
    assert (sources["12345"].signed_on_time, sources["12345"].sign_due) == (1, 2)
    assert (sources["12345"].reopened, sources["12345"].satisfied) == (1, 1)
    for name in ("received", "sign_due", "signed_on_time", "resolve_due", "returns", "reopened", "called_back"):
        assert sum(getattr(row, name) for row in r.orders_by_unit) == getattr(r.orders, name), name
        assert sum(getattr(row, name) for row in r.orders_by_source) == getattr(r.orders, name), name


def test_requests_by_source_count_calls_and_the_other_channels(staff, known_calls, known_orders):
    r = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY)
    assert {row.key: row.count for row in r.requests_by_source} == {"hotline": 7, "12345": 2, "internal": 1, "web": 1}
    assert r.requests == 11  # orders from calls are counted as their calls
    frozen = next(row for row in r.requests_by_subject if row.label == "管道冻裂")
    assert frozen.counts == {"hotline": 1, "12345": 2, "internal": 1, "web": 1} and frozen.total == 5
    assert r.days[0].orders == {"call": 5, "12345": 2, "internal": 1, "web": 1}


def test_an_empty_period_has_no_rates(staff, ref):
    r = period_report(actor=staff["manager"], date_from=DAY, date_to=DAY + timedelta(days=6))
    assert r.calls == 0 and r.orders.received == 0 and len(r.days) == 7
    assert r.orders.sign_rate is None and r.orders.satisfaction_rate is None


def test_the_period_is_checked(staff):
    with pytest.raises(ValidationError):
        period_report(actor=staff["lead"], date_from=DAY, date_to=DAY - timedelta(days=1))
    with pytest.raises(ValidationError):
        period_report(actor=staff["lead"], date_from=DAY - timedelta(days=731), date_to=DAY)


@pytest.mark.parametrize("who", ["operator", "dispatcher"])
def test_staff_without_reports_may_not_read_them(staff, who):
    with pytest.raises(PermissionDeniedError):
        period_report(actor=staff[who], date_from=DAY, date_to=DAY)


def test_on_time_arrival_rate_counts_orders_with_an_on_site_deadline(staff, ref, units):
    """按时到场率: arrived by the on-site deadline ÷ arrival due (arrived, or past the deadline and not paused
    now), dispatched and not cancelled; the same from the day's rollup, in the API's fields and the export."""
    from django.utils import translation

    from hotline.reports import export

    t, s, R = ref.types["repair"], ref.subjects["frozen_pipe"], units["repair"]
    c = at(DAY, 9)

    def order(status="in_progress", unit=R, **f):
        f.setdefault("onsite_due", c + H / 2)
        return make_order(c, type=t, subject=s, status=status, unit=unit, accept_due=c + H / 4,
                          resolve_due=c + 24 * H, urgency="emergency", **f)

    on_time = order(onsite_at=c + H / 4)
    late = order(onsite_at=c + H)
    missed = order(status="accepted")
    paused = order(status="accepted", paused_at=c + H / 5)  # paused before its deadline, still paused: not due
    cancelled = order(status="cancelled", cancel_reason="重复")
    returned = order(status="returned", unit=None)
    normal = order(onsite_due=None, onsite_at=None)
    save_orders([on_time, late, missed, paused, cancelled, returned, normal])
    for _ in range(2):  # counted live and built into the day's rollup, then read back from it
        report = period_report(actor=staff["lead"], date_from=DAY, date_to=DAY)
        k = report.orders
        assert (k.onsite_on_time, k.onsite_due, k.onsite_rate) == (1, 3, round(1 / 3, 4))
        unit = next(row for row in report.orders_by_unit if row.key == str(R.pk))
        assert (unit.onsite_on_time, unit.onsite_due) == (1, 3)
        assert k.sign_due == 5 and k.received == 7  # the other counts are as before (not the cancelled, returned)
    assert "onsite_rate" in [key for key, _title, _text in DEFINITIONS]
    start, end = at(DAY, 0), at(DAY + timedelta(days=1), 0)
    with translation.override("en"):
        _count, table = export.order_records(start, end, at(DAY + timedelta(days=30), 0))
        column = table.header.index("Arrived on time")
        flags = {row[0]: row[column] for row in table.rows}
    assert (flags[on_time.number], flags[late.number], flags[missed.number]) == ("yes", "no", "no")
    assert flags[paused.number] == flags[normal.number] == flags[cancelled.number] == ""
