"""The demo's story holds whenever it is loaded (README "Quick start", "Outages", "Shifts"): loaded with
the clock frozen at hours and days that used to break it, each of the README's promises is checked.

Moments (Beijing time): a Monday at 00:30, 06:00, 08:20 (just after the shift change), 12:00, 17:40 (just
after the evening change) and 21:30; a Saturday night; the day before the National Day holiday; the
last day of a month, shortly before midnight."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from conftest import ensure_catalogue
from hotline.calls.models import Call
from hotline.calls.selectors import callback_list, screen_pop
from hotline.customers.models import AccountPhone
from hotline.demo.seed import seed_demo
from hotline.integrations.models import Case
from hotline.notify.models import Message, MessageStatus
from hotline.org.models import User
from hotline.outages.models import Outage, OutageKind, OutageStatus
from hotline.outages.selectors import call_surges, public_outages
from hotline.outages.services import NOTICE_HOURS
from hotline.shifts import selectors as shifts
from hotline.shifts.models import HandoverStatus, ShiftAssignment, ShiftRole
from hotline.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent
from hotline.workorders.selectors import callbacks_due, orders_visible_to, unit_alerts, unit_queue

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours

BEIJING = ZoneInfo("Asia/Shanghai")
MOMENTS = [
    datetime(2026, 12, 7, 0, 30, tzinfo=BEIJING),  # Monday, after midnight
    datetime(2026, 12, 7, 6, 0, tzinfo=BEIJING),
    datetime(2026, 12, 7, 8, 20, tzinfo=BEIJING),  # five minutes after the morning shift change
    datetime(2026, 12, 7, 12, 0, tzinfo=BEIJING),
    datetime(2026, 12, 7, 17, 40, tzinfo=BEIJING),  # ten minutes after the evening shift change
    datetime(2026, 12, 7, 21, 30, tzinfo=BEIJING),
    datetime(2026, 12, 12, 3, 0, tzinfo=BEIJING),  # Saturday night
    datetime(2026, 9, 30, 21, 30, tzinfo=BEIJING),  # the day before the National Day holiday
    datetime(2026, 11, 30, 23, 50, tzinfo=BEIJING),  # the last day of a month, before midnight
]


@pytest.fixture(params=MOMENTS, ids=[m.strftime("%a-%Y%m%d-%H%M") for m in MOMENTS])
def loaded_at(request, django_db_setup, django_db_blocker):
    """A small demo city (three days of history) loaded at the moment, the clock held there while the
    test checks it (ticking, as a real load does); rolled back afterwards."""

    moment = request.param
    with time_machine.travel(moment, tick=True), django_db_blocker.unblock(), transaction.atomic():
        ensure_catalogue()  # flushed by a transactional test earlier in the run
        messages: list[str] = []
        seed_demo(accounts=400, bills_months=0, history_days=3, log=messages.append)
        assert not [m for m in messages if "skipped" in m], messages
        yield moment
        transaction.set_rollback(True)


def _outages() -> dict[str, Outage]:
    rows = list(Outage.objects.order_by("starts_at"))
    assert len(rows) == 4, "the demo has four outages"
    by = {(o.kind, o.status): o for o in rows}
    return {"planned": by[OutageKind.PLANNED, OutageStatus.ACTIVE], "burst": by[OutageKind.EMERGENCY, OutageStatus.ACTIVE],
            "restored": by[OutageKind.PLANNED, OutageStatus.RESTORED],
            "next_week": by[OutageKind.PLANNED, OutageStatus.SCHEDULED]}


def test_the_demo_s_story_holds_at_any_hour(loaded_at, db):
    now = timezone.now()
    local = timezone.localtime(now)
    assert abs(now - loaded_at) < timedelta(minutes=10)  # the clock really is there
    outages = _outages()
    failures: list[str] = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    # S5: a planned outage, announced in time, the water off now and expected back later.
    planned = outages["planned"]
    check(planned.starts_at <= now < planned.expected_restore_at, f"S5 not in progress: {timezone.localtime(planned.starts_at):%H:%M}–"
          f"{timezone.localtime(planned.expected_restore_at):%H:%M} at {local:%H:%M}")
    check(planned.expected_restore_at - now >= timedelta(hours=2), "S5's expected restore is not hours ahead")
    check(planned.starts_at - planned.created_at >= timedelta(hours=NOTICE_HOURS), "S5 was not announced in time")
    phone = AccountPhone.objects.filter(account__premise__community__in=planned.areas.values("community")).first()
    pop = screen_pop(actor=User.objects.get(username="operator"), number=phone.number)
    check(planned.pk in {o.pk for o in pop.outages}, "the screen pop of a caller in S5 does not show it")

    # S10: a burst main, extended to 06:00 the day after the burst, still ahead; its surge of calls.
    burst = outages["burst"]
    restore = timezone.localtime(burst.expected_restore_at)
    check(burst.expected_restore_at > now, f"S10's extension ({restore:%m-%d %H:%M}) is in the past")
    check((restore.hour, restore.minute) == (6, 0), f"S10 is extended to {restore:%H:%M}, not 06:00")
    check(restore.date() == timezone.localtime(burst.starts_at).date() + timedelta(days=1),
          "S10 is not extended to the morning after the burst")
    check(burst.events.filter(kind="extended").exists(), "S10 has no extension on its timeline")
    linked = Call.objects.filter(outage=burst).count()
    community = burst.areas.get().community
    unlinked = Call.objects.filter(account__premise__community=community, outage__isnull=True,
                                   ringing_at__gte=burst.starts_at).count()
    check(linked >= 40 and unlinked >= 15, f"S10's surge: {linked} linked, {unlinked} waiting for the bulk link")
    surging = {s.id for s in call_surges(minutes=60, now=now) if s.kind == "community"}
    check(community.pk in surging, "S10's community is not on the surge list")

    # Restored hours early, still on the public page; the next one a week ahead.
    restored = outages["restored"]
    check(restored.restored_at <= now and restored.expected_restore_at - restored.restored_at >= timedelta(hours=2),
          "the restored outage did not come back hours early")
    public = {o["number"] for o in public_outages(now=now)}
    check({planned.number, burst.number, restored.number, outages["next_week"].number} <= public,
          f"the public page lists {sorted(public)}")
    check(outages["next_week"].starts_at > now + timedelta(days=4), "the next outage is not next week")
    check(Message.objects.filter(status=MessageStatus.PENDING).exists(), "no notice waits in the outbox")

    # Shifts: the current shift is planned with a lead; the last handover waits for acknowledgement.
    period = shifts.shift_at(now)
    planned_staff = ShiftAssignment.objects.filter(date=period.date, shift=period.definition)
    check(planned_staff.filter(role=ShiftRole.LEAD).exists() and planned_staff.count() >= 3,
          f"the current shift {period.key} is not planned")
    operator = User.objects.get(username="operator")
    waiting = shifts.waiting_handovers(actor=operator)
    last = shifts.last_ended(now, definitions=shifts.active_definitions())
    check(any(h.shift_date == last.date and h.shift_id == last.definition.pk for h in waiting),
          f"the handover of the last shift ({last.key}) does not wait for acknowledgement")
    check(all(h.status == HandoverStatus.SUBMITTED for h in waiting), "a waiting handover is not submitted")

    # The dispatcher's queue (张店维修中心): overdue and urged, not signed for, reopened, fresh work on time;
    # an extension waiting for the shift lead; unread alerts.
    dispatcher = User.objects.get(username="dispatcher")
    queue = unit_queue(actor=dispatcher)
    statuses = {o.status for o in queue}
    check(any(o.is_overdue and o.urge_level for o in queue), "no overdue, urged order in the dispatcher's queue")
    check(any(not o.is_overdue for o in queue), "nothing on time in the dispatcher's queue")
    check({Status.DISPATCHED, Status.REOPENED} <= statuses, f"the dispatcher's queue has only {sorted(statuses)}")
    check(orders_visible_to(dispatcher).filter(extension_until__isnull=False).exists(),
          "no extension request waits for a decision")
    check(WorkOrderEvent.objects.filter(kind=EventKind.EXTENSION_DENIED).exists(), "no extension was ever denied")
    check(unit_alerts(actor=dispatcher), "the dispatcher has no unread alert")

    # The hotline: orders to call back, missed calls to call back.
    check(callbacks_due(actor=operator), "no order waits for a callback")
    check(callback_list(actor=operator), "no missed call waits for a call-back")

    # 12345: a case in each state.
    cases = {c.case_id[-4:]: c.order for c in Case.objects.select_related("order")}
    check(len(cases) == 5, f"{len(cases)} 12345 cases")
    check(cases.get("0304") is not None and cases["0304"].status == Status.DISPATCHED,
          "the 12345 case of an hour ago does not wait to be signed for")
    check(cases.get("0301") is not None and cases["0301"].status == Status.CLOSED, "the replied case is not closed")

    # History: every order's timeline lies in the past.
    check(not WorkOrderEvent.objects.filter(at__gt=now + timedelta(minutes=5)).exists(), "events in the future")
    check(not WorkOrder.objects.filter(created_at__gt=now + timedelta(minutes=5)).exists(), "orders in the future")

    assert not failures, f"loaded at {local:%a %Y-%m-%d %H:%M}: " + "; ".join(failures)
