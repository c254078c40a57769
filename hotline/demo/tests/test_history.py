"""The demo city's history: planned deterministically, written through the services, every state shown."""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from conftest import ensure_catalogue
from hotline.calls.models import Call, Outcome
from hotline.customers.models import AccountPhone
from hotline.demo.history import Caller, HistoryPlanner, generate_history
from hotline.demo.seed import seed_demo
from hotline.org.models import UnitKind, User
from hotline.workorders.assignment import default_unit
from hotline.workorders.models import (
    OPEN_STATUSES,
    Alert,
    EventKind,
    MeterCalibration,
    OrderSequence,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from hotline.workorders.selectors import callbacks_due, unit_queue

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours

TZ = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 11, 25, 15, 40, tzinfo=TZ)  # a Wednesday afternoon
CALL_STEPS = {"consult", "create_order", "follow_up", "coordination"}


def callers(count: int = 120) -> list[Caller]:
    """Customers of twelve communities in the four branches, and a few shops on a road."""
    branches = ["zhangdian", "dongcheng", "xicheng", "nanjiao"]
    return [Caller(n, f"139{n:08d}", None if n % 20 == 19 else n % 12 + 1, branches[n % 12 % 4]) for n in range(count)]


def plan(seed: int = 2026, days: int = 21, end: datetime = END):
    return HistoryPlanner(callers=callers(), end=end, days=days, seed=seed).plan()


def fingerprint(stories) -> list:
    return [(s.kind, s.at, s.subject, s.end, s.caller, [(st.at, st.action, st.args) for st in s.steps]) for s in stories]


# --- the plan (no database) ------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_plan():
    assert fingerprint(plan()) == fingerprint(plan())
    assert fingerprint(plan(seed=7)) != fingerprint(plan())


def test_the_plan_is_relative_to_its_end():
    """A week later (the same weekdays), the same seed plans the same stories a week later."""
    first, later = plan(days=5), plan(days=5, end=END + timedelta(days=7))
    assert [(s.kind, s.end, s.at + timedelta(days=7)) for s in first] == [(s.kind, s.end, s.at) for s in later]
    assert [st.at + timedelta(days=7) for s in first for st in s.steps] == [st.at for s in later for st in s.steps]


def test_volumes_follow_the_hotline_s_days_and_nights():
    """S11: normal days 80+ calls, special days 160+, night shifts 30–50."""
    stories = plan()
    per_day, per_night = Counter(), Counter()
    for story in stories:
        for step in story.steps:
            if step.action in CALL_STEPS:
                per_day[step.at.date()] += 1
                if not time(8, 15) <= step.at.time() < time(17, 30):
                    per_night[(step.at - timedelta(hours=8, minutes=15)).date()] += 1
    full_days = [END.date() - timedelta(days=n) for n in range(1, 21)]
    assert all(per_day[day] >= 80 for day in full_days)
    assert sum(per_day[day] >= 160 for day in full_days) == 2
    nights = sorted(per_night[day] for day in full_days[1:])
    assert nights[0] >= 30 and nights[len(nights) // 2] <= 50
    kinds = Counter(s.kind for s in stories)
    assert kinds["consultation"] > sum(kinds.values()) / 2  # most calls are answered on the spot
    assert {"repair", "misrouted", "extension", "unsatisfied", "duplicate", "calibration", "withdrawn",
            "coordination", "follow_up"} <= set(kinds)


def test_steps_are_in_time_before_the_end_and_orders_start_with_their_call():
    for story in plan():
        times = [step.at for step in story.steps]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1] < END
        assert (story.steps[0].action == "create_order") == bool(story.end)


def test_end_states_fit_the_age_of_the_order():
    stories = [s for s in plan() if s.end]
    ends = {s.end for s in stories}
    assert {"new", "dispatched", "accepted", "in_progress", "returned", "reopened", "requested", "resolved",
            "callback_done", "closed", "cancelled"} <= ends
    old = [s for s in stories if END - s.at > timedelta(days=7)]
    assert Counter(s.end for s in old)["closed"] > len(old) / 2
    assert not [s for s in old if s.end in ("new", "dispatched", "returned")]


# --- the history written through the services ------------------------------------------------------

def test_the_command_takes_the_number_of_days(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", accounts=10, history_days=-1)
    call_command("seed_demo", accounts=40, bills_months=0, history_days=0)
    assert not Call.objects.exists() and not WorkOrder.objects.exists()


def test_no_accounts_no_history(db):
    seed_demo(accounts=0, bills_months=0, history_days=3, log=lambda message: None)
    assert not Call.objects.exists() and not WorkOrder.objects.exists()



@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One small demo city with five days of history for the whole module (rolled back at its end)."""

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_catalogue()  # flushed by a transactional test earlier in the run
        messages: list[str] = []
        seed_demo(accounts=300, bills_months=0, history_days=5, log=messages.append)
        yield messages
        transaction.set_rollback(True)


def test_no_step_of_the_history_was_refused(demo, db):
    assert [m for m in demo if "skipped" in m] == []
    assert any(m.startswith("history: 5 days") for m in demo)


def test_every_status_exists(demo, db):
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(Status.values)
    assert WorkOrder.objects.filter(status=Status.CANCELLED, parent__isnull=False).exists()
    assert WorkOrder.objects.filter(status=Status.CANCELLED, parent__isnull=True).exists()


def test_calls_are_mostly_answered_on_the_spot_and_refer_to_real_accounts(demo, db):
    # Of the calls answered (the PBX's missed and abandoned ones were never talked to).
    outcomes = Counter(Call.objects.exclude(outcome__in=[Outcome.MISSED, Outcome.ABANDONED])
                       .values_list("outcome", flat=True))
    # The commonest outcome, by far (how far depends on the day: the outage surge's calls are linked to it).
    assert outcomes.most_common(1)[0][0] == Outcome.ANSWERED
    assert outcomes[Outcome.ANSWERED] > 1.5 * outcomes[Outcome.ORDER_CREATED]
    assert outcomes[Outcome.ORDER_CREATED] == WorkOrder.objects.exclude(source="12345").count()  # 12345: no call
    assert outcomes[Outcome.LINKED_ORDER] > 0
    phones = defaultdict(set)
    for account_id, number in AccountPhone.objects.values_list("account_id", "number"):
        phones[account_id].add(number)
    known = Call.objects.filter(account__isnull=False)
    assert known.count() > Call.objects.exclude(outcome__in=[Outcome.MISSED, Outcome.ABANDONED]).count() * 0.7
    assert all(number in phones[account_id] for account_id, number in known.values_list("account_id", "caller_number"))
    for order in WorkOrder.objects.select_related("account"):
        assert order.account is not None and order.contact_phone in phones[order.account_id]


def test_timelines_begin_with_created_and_are_in_time_order(demo, db):
    events = defaultdict(list)
    for order_id, kind, at in WorkOrderEvent.objects.order_by("id").values_list("order_id", "kind", "at"):
        events[order_id].append((kind, at))
    assert len(events) == WorkOrder.objects.count()
    for timeline in events.values():
        assert timeline[0][0] == EventKind.CREATED
        assert [at for _kind, at in timeline] == sorted(at for _kind, at in timeline)
        assert timeline[-1][1] <= timezone.now()


def test_late_orders_are_urged_by_the_sweep_and_by_the_shift_lead(demo, db):
    assert WorkOrder.objects.filter(status__in=OPEN_STATUSES, is_overdue=True).exists()
    urges = WorkOrderEvent.objects.filter(kind=EventKind.URGED)
    levels = Counter(e.data.get("level") for e in urges)
    assert levels[1] and levels[2] and levels[4]  # reminders, urge notices (sweep), urged by hand
    assert urges.filter(actor__isnull=True).exists() and urges.filter(actor__role="shift_lead").exists()
    assert Alert.objects.filter(level=2).exists()


def test_extensions_returns_reopenings_duplicates_and_notes_happen(demo, db):
    kinds = Counter(WorkOrderEvent.objects.values_list("kind", flat=True))
    for kind in (EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_DENIED,
                 EventKind.RETURNED, EventKind.REOPENED, EventKind.DUPLICATE_LINKED, EventKind.NOTE,
                 EventKind.PROGRESS, EventKind.CALLBACK, EventKind.CLOSED):
        assert kinds[kind], kind
    returned = WorkOrder.objects.filter(events__kind=EventKind.RETURNED, events__data__reason_code="not_our_area")
    assert returned.filter(events__kind=EventKind.ACCEPTED).exists()  # re-dispatched and worked


def test_orders_go_to_the_units_of_the_assignment_rules(demo, db):
    """Every order a unit worked went there by the rules (misrouted ones were returned first)."""
    orders = (WorkOrder.objects.filter(events__kind=EventKind.ACCEPTED).exclude(events__kind=EventKind.RETURNED)
              .exclude(subject__code="complaint_service").distinct().select_related("subject", "community", "unit"))
    assert orders.count() > 50
    for order in orders:
        assert order.unit == default_unit(subject=order.subject, community=order.community), order.number


def test_calibration_requests_go_to_business_halls_with_their_outcome(demo, db):
    calibrations = MeterCalibration.objects.select_related("order__unit")
    assert calibrations.exists()
    for calibration in calibrations:
        order = calibration.order
        assert calibration.meter_no and calibration.reason and order.subject.code == "meter_calibration"
        assert order.unit.kind == UnitKind.BUSINESS_HALL if order.unit else order.status == Status.NEW
        done = order.status in (Status.RESOLVED, Status.CALLBACK_DONE, Status.CLOSED)
        assert bool(calibration.outcome) == done and (calibration.error_percent is not None) == done
    assert "within_tolerance" in set(calibrations.values_list("outcome", flat=True))


def test_the_demo_logins_have_work_waiting(demo, db):
    dispatcher = User.objects.get(username="dispatcher")
    queue = unit_queue(actor=dispatcher)
    assert queue and {o.unit_id for o in queue} == {dispatcher.unit_id}
    assert any(o.is_overdue for o in queue) and not all(o.is_overdue for o in queue)
    assert callbacks_due(actor=User.objects.get(username="operator"))
    worked = WorkOrderEvent.objects.filter(actor__username__in=["dispatcher", "fieldworker", "operator", "shiftlead"])
    assert set(worked.values_list("actor__username", flat=True)) == {"dispatcher", "fieldworker", "operator", "shiftlead"}


def test_the_same_seed_writes_the_same_history(demo, db):
    end = timezone.now() - timedelta(hours=3)

    def wipe():
        Call.objects.all().delete()
        WorkOrder.objects.update(parent=None)
        WorkOrder.objects.all().delete()
        OrderSequence.objects.all().delete()

    def written():
        generate_history(days=2, seed=11, end=end, log=lambda message: None)
        events = WorkOrderEvent.objects.order_by("order__number", "id").values_list(
            "order__number", "kind", "at", "actor__username", "unit__code")
        calls = Call.objects.order_by("ringing_at", "caller_number").values_list(
            "ringing_at", "caller_number", "outcome", "work_order__number", "operator__username")
        statuses = Counter(WorkOrder.objects.values_list("status", flat=True))
        return list(events), list(calls), statuses

    wipe()
    first = written()
    wipe()
    assert written() == first
    assert first[2] and sum(first[2].values()) > 20


def test_the_pbx_reported_the_calls_and_the_missed_ones_of_earlier_days_were_called_back(demo, db):
    from django.utils import timezone

    from hotline.calls.models import CallbackStatus, LineState

    answered = Call.objects.filter(direction="inbound", answered_at__isnull=False)
    assert not answered.filter(line_state="").exists()
    assert not answered.filter(wait_seconds__isnull=True).exists()
    unanswered = Call.objects.filter(outcome__in=[Outcome.MISSED, Outcome.ABANDONED])
    assert unanswered.count() > 0 and not unanswered.exclude(line_state=LineState.ENDED).exists()
    from hotline.demo.pbx import CALLED_BACK_AFTER

    loaded = timezone.now()  # the module's demo was loaded a moment ago
    waiting = unanswered.filter(callback_status=CallbackStatus.PENDING)
    assert waiting.exists() and not waiting.filter(ringing_at__lt=loaded - CALLED_BACK_AFTER - timedelta(minutes=5)).exists()
