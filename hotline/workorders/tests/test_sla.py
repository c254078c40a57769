"""SLA deadlines in calendar and working time, the urge sweep, assignment rules."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.customers.models import Community
from hotline.org.models import Unit, UnitKind
from hotline.workorders import services as svc
from hotline.workorders.assignment import default_unit
from hotline.workorders.models import Alert, AlertLevel, AssignmentRule, EventKind, Holiday, SlaRule, Status, Subject
from hotline.workorders.sla import Limit, WorkCalendar, deadlines, parse_limit, rule_for

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(("text", "limit"), [("5m", Limit(5, "m")), ("4h", Limit(4, "h")), ("1wd", Limit(1, "wd")),
                                             ("1.5wh", Limit(1.5, "wh")), ("", None), ("  ", None)])
def test_parse_limit(text, limit):
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["5", "fast", "3 weeks", "-1h"])
def test_parse_limit_refuses_nonsense(text):
    with pytest.raises(ValueError):
        parse_limit(text)


def test_sla_rule_validation_names_the_field(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        SlaRule(dispatch_limit="soon").full_clean()
    assert "dispatch_limit" in info.value.message_dict


CAL = WorkCalendar(hours="08:30-12:00,13:00-17:30", holidays={date(2026, 10, 1): False, date(2026, 10, 10): True},
                   tz=TZ)


def test_calendar_time_ignores_weekends():
    assert CAL.add(at("2026-11-27 17:00"), Limit(24, "h")) == at("2026-11-28 17:00")


def test_working_hours_skip_lunch_evening_and_weekend():
    # Friday 11:00 + 3 working hours: 1 h before lunch, 2 h after → 15:00 the same day.
    assert CAL.add(at("2026-11-27 11:00"), Limit(3, "wh")) == at("2026-11-27 15:00")
    # Friday 16:30 + 2 working hours: 1 h on Friday, the weekend skipped, 1 h on Monday → 09:30.
    assert CAL.add(at("2026-11-27 16:30"), Limit(2, "wh")) == at("2026-11-30 09:30")
    # Saturday night + 1 working day (8 h) → Monday 17:30.
    assert CAL.add(at("2026-11-28 22:00"), Limit(1, "wd")) == at("2026-11-30 17:30")


def test_working_days_skip_holidays_and_count_make_up_days():
    # Wednesday 2026-09-30 17:00 + 1 wd (8 h): 30 min on the 30th, 1 Oct is a holiday, the other
    # 7.5 h on Friday 2 Oct (an ordinary day in this calendar): 3.5 h before lunch, 4 h after → 17:00.
    assert CAL.add(at("2026-09-30 17:00"), Limit(1, "wd")) == at("2026-10-02 17:00")
    # Saturday 10 Oct is a make-up working day (调休).
    assert CAL.is_working_day(date(2026, 10, 10)) and not CAL.is_working_day(date(2026, 10, 11))
    assert CAL.add(at("2026-10-09 17:30"), Limit(1, "wh")) == at("2026-10-10 09:30")


def test_the_default_calendar_reads_the_holiday_table(db):
    calendar = WorkCalendar(tz=TZ)
    assert not calendar.is_working_day(date(2026, 10, 1))  # 国庆节, loaded by the default catalogue
    assert calendar.is_working_day(date(2026, 9, 20))  # a Sunday worked instead (调休)
    Holiday.objects.create(date=date(2026, 12, 1), name="停电检修")
    assert not WorkCalendar(tz=TZ).is_working_day(date(2026, 12, 1))


def test_rule_lookup_prefers_the_most_specific(db):
    no_water = Subject.objects.get(code="no_water")
    burst = Subject.objects.get(code="burst_main")
    assert rule_for(no_water.pk, "urgent").resolve_limit == "4h"  # subject rule
    assert rule_for(burst.pk, "emergency").resolve_limit == "24h"  # urgency default
    assert rule_for(burst.pk, "normal").resolve_limit == "3wd"  # catch-all
    due = deadlines(subject_id=no_water.pk, urgency="urgent", start=at("2026-11-25 10:00"))
    assert due == {"dispatch_due": at("2026-11-25 10:10"), "accept_due": at("2026-11-25 10:30"),
                   "onsite_due": None, "flow_stopped_due": None, "resolve_due": at("2026-11-25 14:00")}


def test_billing_subjects_use_the_group_rule_in_working_time(db):
    """Rules may name a subject group: billing → 36 h; meter work → 5 working days."""
    assert rule_for(Subject.objects.get(code="high_bill").pk, "normal").resolve_limit == "36h"
    assert rule_for(Subject.objects.get(code="meter_replacement").pk, "normal").resolve_limit == "5wd"


# --- the sweep ------------------------------------------------------------------------------------

@pytest.fixture
def dispatched(new_order, units, staff):
    head = staff["dispatcher"]
    Unit.objects.filter(pk=units["repair"].pk).update(head=head)
    return new_order(unit=Unit.objects.get(pk=units["repair"].pk))


def test_sweep_reminds_urges_and_escalates_once_each(dispatched, staff):
    order = dispatched  # urgent: sign for within 30 min, resolve within 24 h
    start, version = order.dispatched_at, order.version
    assert svc.sla_sweep(now=start + timedelta(minutes=10)) == 0

    assert svc.sla_sweep(now=start + timedelta(minutes=25)) == 1  # 80 % of 30 min passed
    order.refresh_from_db()
    assert (order.urge_level, order.is_overdue) == (1, False)
    assert svc.sla_sweep(now=start + timedelta(minutes=26)) == 0  # nothing new

    assert svc.sla_sweep(now=start + timedelta(minutes=31)) == 1
    order.refresh_from_db()
    assert (order.urge_level, order.is_overdue) == (2, True)

    assert svc.sla_sweep(now=start + timedelta(days=10)) == 1
    order.refresh_from_db()
    assert order.urge_level == 3 and order.sla_next_at is None
    levels = list(Alert.objects.filter(order=order).order_by("id").values_list("level", "user__username"))
    assert levels == [(AlertLevel.NEW_ORDER, None), (1, None), (2, None), (3, "dispatcher")]
    assert order.events.filter(kind=EventKind.URGED).count() == 3
    assert order.version == version  # the sweep never makes a unit's edit in flight a conflict


def test_urge_notices_and_escalations_go_out_by_sms_reminders_do_not(dispatched, staff, units):
    from hotline.notify.models import Channel, Message

    Unit.objects.filter(pk=units["repair"].pk).update(phone="13605330001")
    staff["dispatcher"].phone = "13605330002"
    staff["dispatcher"].save()
    order = dispatched
    start = order.dispatched_at
    svc.sla_sweep(now=start + timedelta(minutes=25))  # reminder: in-app only
    assert not Message.objects.exists()
    svc.sla_sweep(now=start + timedelta(minutes=31))  # urge notice: the unit's duty phone
    assert list(Message.objects.values_list("channel", "recipient")) == [(Channel.STAFF, "13605330001")]
    svc.sla_sweep(now=start + timedelta(days=10))  # escalation: the unit and its head
    assert sorted(Message.objects.values_list("recipient", flat=True)) == ["13605330001", "13605330001",
                                                                        "13605330002"]
    text = Message.objects.filter(recipient="13605330002").get().text
    assert order.number in text and "【清源水务】" in text


def test_signing_for_starts_the_on_site_clock_then_arrival_the_resolution_clock(dispatched, staff):
    """An urgent order must be on site within an hour: after sign-for that deadline is the one urged;
    after the arrival on site, the resolution."""
    order = dispatched
    svc.sla_sweep(now=order.dispatched_at + timedelta(minutes=40))
    order.refresh_from_db()
    assert order.is_overdue
    svc.order_accept(actor=staff["worker"], order=order)
    assert (order.urge_level, order.is_overdue) == (0, False)
    assert order.onsite_due == order.dispatched_at + timedelta(hours=1)
    assert order.sla_next_at == order.onsite_due - (order.onsite_due - order.dispatched_at) * 0.2
    svc.order_arrive(actor=staff["worker"], order=order)
    assert (order.urge_level, order.is_overdue) == (0, False)
    assert order.sla_next_at == order.resolve_due - (order.resolve_due - order.dispatched_at) * 0.2


def test_escalation_comes_after_five_working_days_overdue(dispatched, staff):
    order = dispatched
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_arrive(actor=staff["worker"], order=order)
    order.refresh_from_db()
    escalation = WorkCalendar().add(order.resolve_due, Limit(5, "wd"))
    svc.sla_sweep(now=escalation - timedelta(minutes=1))
    order.refresh_from_db()
    assert order.urge_level == 2
    svc.sla_sweep(now=escalation)
    order.refresh_from_db()
    assert order.urge_level == 3


def test_finished_orders_are_not_urged(dispatched, staff):
    order = dispatched
    svc.order_accept(actor=staff["worker"], order=order)
    svc.order_resolve(actor=staff["worker"], order=order, result="ok")
    assert order.sla_next_at is None
    assert svc.sla_sweep(now=order.dispatched_at + timedelta(days=30)) == 0
    assert order.status == Status.RESOLVED


# --- assignment -----------------------------------------------------------------------------------

def test_default_rules_route_by_unit_kind_in_the_branch(community, units):
    hall = Unit.objects.create(code="zhangdian-hall", name="张店营业厅", kind=UnitKind.BUSINESS_HALL,
                               parent=units["branch"])
    assert default_unit(subject=Subject.objects.get(code="branch_leak"), community=community) == units["repair"]
    assert default_unit(subject=Subject.objects.get(code="meter_calibration"), community=community) == hall
    assert default_unit(subject=Subject.objects.get(code="complaint_service"), community=community) is None
    assert default_unit(subject=Subject.objects.get(code="branch_leak"), community=None) is None


def test_a_community_rule_beats_the_default(community, units):
    special = Unit.objects.create(code="eng", name="工程处", kind=UnitKind.ENGINEERING, parent=units["company"])
    AssignmentRule.objects.create(subject=Subject.objects.get(code="repair"), community=community, unit=special)
    assert default_unit(subject=Subject.objects.get(code="burst_main"), community=community) == special
    other = Community.objects.create(name="锦绣花园", district=community.district, branch=units["branch"])
    assert default_unit(subject=Subject.objects.get(code="burst_main"), community=other) == units["repair"]


def test_reference_data_is_read_once_and_an_edit_is_seen_at_once(community, units, django_assert_num_queries):
    """Rules, subjects and holidays are kept per process (reference.py); saving one drops them."""
    from hotline.workorders import reference

    burst = Subject.objects.get(code="burst_main")
    assert default_unit(subject=burst, community=community) == units["repair"]
    with django_assert_num_queries(0):
        assert default_unit(subject=burst, community=community) == units["repair"]
        assert rule_for(burst.pk, "emergency").resolve_limit == "24h"
    rule = SlaRule.objects.get(subject__isnull=True, urgency="emergency")
    rule.resolve_limit = "12h"
    rule.save()
    assert rule_for(burst.pk, "emergency").resolve_limit == "12h"
    special = Unit.objects.create(code="eng", name="工程处", kind=UnitKind.ENGINEERING, parent=units["company"])
    AssignmentRule.objects.create(subject=burst, community=community, unit=special)
    assert default_unit(subject=burst, community=community) == special
    SlaRule.objects.filter(pk=rule.pk).update(resolve_limit="6h")  # no signal: another process's edit
    assert rule_for(burst.pk, "emergency").resolve_limit == "12h"
    reference.get().loaded_at -= 3600  # ... seen once the snapshot is older than its lifetime
    assert rule_for(burst.pk, "emergency").resolve_limit == "6h"
