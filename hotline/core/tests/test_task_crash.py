"""The periodic tasks' workers (``manage.py run_huey`` processes) killed with SIGKILL at random moments of
their work: another worker goes on within the lease time, and the work is done once. On the SQLite queue
and on Redis: outage start, report rollups, the SLA sweep and the 12345 close sweep. (The outbox's:
``hotline/notify/tests/test_worker_crash.py``.)"""

import random
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hotline.notify.testing import Workers, kill_during, redis_or_skip, shared_database

# Worker processes and the database's now() keep the real time: see the root conftest.
pytestmark = pytest.mark.real_clock

LEASE = 3  # seconds: the workers' TASK_LEASE_SECONDS


@pytest.fixture(params=["sqlite", "redis"])
def queue(request):
    if request.param == "sqlite":
        return "sqlite"
    url = f"redis://127.0.0.1:6379/{11 if connection.vendor == 'sqlite' else 14}"
    redis_or_skip(url)
    return url


def test_outages_start_once_whatever_worker_is_killed(transactional_db, tmp_path, queue):
    """No lock: an outage starts by a conditional update, in the transaction of its event."""
    from hotline.outages.models import Outage, OutageEvent, OutageEventKind, OutageStatus
    from hotline.outages.tasks import start_outages

    total, now = 400, timezone.now()
    with shared_database(tmp_path) as database:
        Outage.objects.bulk_create([
            Outage(number=f"TS{n:06d}", kind="planned", status=OutageStatus.SCHEDULED, reason="管网改造",
                   area_text="幸福家园", starts_at=now - timedelta(minutes=n % 50), created_at=now - timedelta(days=1),
                   expected_restore_at=now + timedelta(hours=8)) for n in range(total)])

        def progress():
            return Outage.objects.filter(status=OutageStatus.ACTIVE).count()

        with Workers(tmp_path, database, queue, {"TASK_LEASE_SECONDS": str(LEASE)}) as workers:
            killed = kill_during(workers, start_outages, progress, total, kills=2, lease=LEASE, rng=random.Random())
        print("killed at", killed)
        assert Outage.objects.exclude(status=OutageStatus.ACTIVE).count() == 0
        events = OutageEvent.objects.filter(kind=OutageEventKind.STARTED)
        assert events.count() == events.values("outage").distinct().count() == total  # each started once


def test_report_rollups_go_on_after_their_worker_is_killed(transactional_db, tmp_path, queue):
    """The lease "report-rollups": the next worker takes it when the killed one's expires."""
    from hotline.core.models import Lease
    from hotline.reports.models import RollupDay
    from hotline.reports.rollups import KINDS, first_live_day, stale_days
    from hotline.reports.tasks import refresh_report_rollups

    now = timezone.now()
    last = first_live_day(now) - timedelta(days=1)
    first = last - timedelta(days=730)
    total = sum(len(stale_days(kind, first, last, now)) for kind in KINDS)  # no day rolled up yet: 2 × 731
    with shared_database(tmp_path) as database:
        with Workers(tmp_path, database, queue, {"TASK_LEASE_SECONDS": str(LEASE)}) as workers:
            killed = kill_during(workers, refresh_report_rollups, RollupDay.objects.count, total, kills=2,
                                 lease=LEASE, rng=random.Random())
            print("killed at", killed)
            deadline = time.monotonic() + 10  # the last run releases it when it ends
            while Lease.objects.filter(name="report-rollups").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not Lease.objects.filter(name="report-rollups").exists(), workers.logs()
        # The workers' window is the 731 days before the first live day of *their* clock: when local midnight
        # passes during the test, it is one day later than the one computed above.
        end = timezone.now()
        windows = [(first, last)]
        if (moved := first_live_day(end) - timedelta(days=1)) != last:
            windows.append((moved - timedelta(days=730), moved))
        built = [(a, b) for a, b in windows if not any(stale_days(kind, a, b, end) for kind in KINDS)]
        assert built, windows
        assert RollupDay.objects.filter(day__gte=built[0][0], day__lte=built[0][1]).count() == total


# --- the SLA sweep and the 12345 close sweep: no lock, the rows' own locks ------------------------------

URGE_LEVELS = (1, 2, 3)


@pytest.fixture
def repair(make_user, units):
    """The 张店 repair centre (its dispatcher is its head), the hotline's operator, a community."""
    from hotline.customers.models import Community, District
    from hotline.org.models import Unit
    from hotline.org.roles import Role

    dispatcher = make_user(Role.DISPATCHER, username="dispatcher", unit="repair")
    Unit.objects.filter(pk=units["repair"].pk).update(head=dispatcher)
    district = District.objects.create(name="张店区", branch=units["branch"])
    return {"unit": Unit.objects.get(pk=units["repair"].pk), "head": dispatcher, "operator": make_user(Role.OPERATOR),
            "worker": make_user(Role.FIELD_WORKER, username="worker", unit="repair"),
            "community": Community.objects.create(name="中央公园2期", district=district, branch=units["branch"])}


def _due_orders(repair, t0, rng, *, per_level: int, not_due: int):
    """Orders dispatched at random moments before ``t0`` (every urgency, waiting for sign-for or for the
    resolution), each as the services leave it: deadlines from the SLA, the urge levels already reached with
    their events and alerts, ``sla_next_at`` the time of the next level. Returns {order: (level it stands at,
    level the sweep must raise it to)}; ``per_level`` orders are due for each level, ``not_due`` are not.
    No level's time falls near ``t0``: the sweep, a minute later at most, sees the same levels due."""
    from hotline.workorders import sla
    from hotline.workorders.models import (
        Alert,
        AlertLevel,
        EventKind,
        RequestType,
        Status,
        Subject,
        WorkOrder,
        WorkOrderEvent,
        render_alert,
    )
    from hotline.workorders.services import URGE_CODES

    calendar, unit, head, community = sla.WorkCalendar(), repair["unit"], repair["head"], repair["community"]
    subjects = {"emergency": Subject.objects.get(code="burst_main"), "urgent": Subject.objects.get(code="branch_leak"),
                "normal": Subject.objects.get(code="new_connection")}
    kind = RequestType.objects.get(code="repair")
    wanted, orders, plan = {0: not_due, 1: per_level, 2: per_level, 3: per_level}, [], []
    while any(wanted.values()):
        urgency = rng.choice(list(subjects))
        status = rng.choice([Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS])
        start = t0 - timedelta(minutes=10 ** rng.uniform(0.5, 4.6))  # 3 minutes to a month ago
        due = sla.deadlines(subject_id=subjects[urgency].pk, urgency=urgency, start=start, calendar=calendar)
        order = WorkOrder(
            number=f"GD{len(orders):013d}", request_type=kind, subject=subjects[urgency], urgency=urgency,
            status=status, community=community, title="楼道水管漏水", contact_phone="13805331234",
            created_by=repair["operator"], created_at=start, dispatched_at=start, unit=unit,
            accepted_at=None if status == Status.DISPATCHED else start + timedelta(minutes=1), **due)
        schedule = sla.urge_schedule(order, calendar)
        if any(t0 - timedelta(minutes=2) <= at <= t0 + timedelta(minutes=10) for _, at in schedule):
            continue
        target = max((level for level, at in schedule if at <= t0), default=0)
        if not wanted[target]:
            continue
        wanted[target] -= 1
        order.urge_level = rng.randrange(target) if target else 0  # the sweep may have missed levels (a stop)
        order.is_overdue = order.urge_level >= 2
        order.sla_next_at = sla.next_urge(order, calendar)
        orders.append(order)
        plan.append((order.urge_level, target, schedule))
    WorkOrder.objects.bulk_create(orders)
    events, alerts = [], []
    for order, (reached, _target, schedule) in zip(orders, plan, strict=True):
        events.append(WorkOrderEvent(order=order, at=order.created_at, actor=repair["operator"],
                                     kind=EventKind.CREATED, to_status=Status.NEW))
        events.append(WorkOrderEvent(order=order, at=order.created_at, actor=repair["operator"],
                                     kind=EventKind.DISPATCHED, from_status=Status.NEW, to_status=Status.DISPATCHED,
                                     unit=unit, data={"unit": unit.name}))
        alerts.append(Alert(unit=unit, order=order, level=AlertLevel.NEW_ORDER, code="new_order",
                            params={"number": order.number, "title": order.title}))
        if order.accepted_at:
            events.append(WorkOrderEvent(order=order, at=order.accepted_at, actor=head, kind=EventKind.ACCEPTED,
                                         from_status=Status.DISPATCHED, to_status=Status.ACCEPTED, unit=unit))
        if order.status == Status.IN_PROGRESS:
            events.append(WorkOrderEvent(order=order, at=order.accepted_at, actor=head, kind=EventKind.PROGRESS,
                                         from_status=Status.ACCEPTED, to_status=Status.IN_PROGRESS, unit=unit,
                                         note="已到现场"))
        _start, due = sla.current_due(order)
        for level, at in schedule[:reached]:
            params = {"number": order.number, "due": due.isoformat(), "step": sla.current_step(order)}
            message = render_alert(URGE_CODES[level], params)
            events.append(WorkOrderEvent(order=order, at=at, kind=EventKind.URGED, from_status=order.status,
                                         to_status=order.status, unit=unit, note=message, data={"level": level}))
            alerts.append(Alert(unit=unit, order=order, level=level, code=URGE_CODES[level], params=params))
    WorkOrderEvent.objects.bulk_create(events)
    Alert.objects.bulk_create(alerts)
    return {order.pk: (reached, target) for order, (reached, target, _s) in zip(orders, plan, strict=True)}


def test_sla_sweep_urges_each_level_once_whatever_worker_is_killed(transactional_db, tmp_path, queue, repair):
    """No lock: each order is urged in its own transaction that locks its row and checks that the level is
    still due; a killed sweep's open transaction is rolled back, and the next sweep urges that order."""
    from collections import Counter

    from hotline.workorders import sla
    from hotline.workorders.models import Alert, EventKind, WorkOrder, WorkOrderEvent
    from hotline.workorders.tasks import sla_sweep_task

    rng = random.Random()
    with shared_database(tmp_path) as database:
        t0 = timezone.now()
        plan = _due_orders(repair, t0, rng, per_level=100, not_due=30)
        due = {pk for pk, (_reached, target) in plan.items() if target}
        total = len(due)
        assert WorkOrder.objects.filter(sla_next_at__lte=t0).count() == total == 300

        def progress():
            return total - WorkOrder.objects.filter(sla_next_at__lte=t0).count()

        with Workers(tmp_path, database, queue, {"TASK_LEASE_SECONDS": str(LEASE)}) as workers:
            killed = kill_during(workers, sla_sweep_task, progress, total, kills=2, lease=LEASE, rng=rng)
        print("killed at", killed, "of", total)
        assert workers.killed == 2

        calendar = sla.WorkCalendar()
        for order in WorkOrder.objects.all():
            target = plan[order.pk][1] or plan[order.pk][0]
            assert (order.urge_level, order.is_overdue) == (target, target >= 2), order.number
            assert order.sla_next_at == sla.next_urge(order, calendar)
        # Each level of each order once: the levels reached before, and the one the sweep raised it to.
        expected = Counter((pk, level) for pk, (reached, target) in plan.items()
                           for level in [*range(1, reached + 1), *([target] if target else [])])
        urged = Counter((pk, data["level"]) for pk, data in
                        WorkOrderEvent.objects.filter(kind=EventKind.URGED).values_list("order_id", "data"))
        assert urged == expected
        alerted = Counter(Alert.objects.filter(level__in=URGE_LEVELS).values_list("order_id", "level"))
        assert alerted == expected
        heads = set(Alert.objects.filter(level=3).values_list("user__username", flat=True))
        assert heads == {"dispatcher"}  # escalations go to the unit's head
        assert Counter(target for _reached, target in plan.values()) == {0: 30, 1: 100, 2: 100, 3: 100}


def _replied_cases(repair, now, *, replied: int, refused: int):
    """12345 cases called back (satisfied) whose final reply the platform has (the outbox message sent) but
    whose close did not follow, as the services leave them when the worker died between the two; and
    ``refused`` ones whose reply the platform refused (failed: they must stay open). Returns the orders' pks
    (replied, refused)."""
    import json

    from hotline.integrations.gov12345.services import platform_user
    from hotline.integrations.models import Case, UpstreamAction
    from hotline.notify.models import Channel, Message, MessageStatus
    from hotline.workorders.models import (
        EventKind,
        RequestType,
        Satisfaction,
        Source,
        Status,
        Subject,
        WorkOrder,
        WorkOrderEvent,
    )

    platform, unit, worker, operator = platform_user(), repair["unit"], repair["worker"], repair["operator"]
    subject, kind = Subject.objects.get(code="branch_leak"), RequestType.objects.get(code="repair")
    orders, cases = [], []
    for n in range(replied + refused):
        received = now - timedelta(days=2, minutes=n)
        case_id = f"SD2026-{n:05d}"
        orders.append(WorkOrder(
            number=f"GD{n:013d}", source=Source.GOV_12345, external_id=case_id, request_type=kind, subject=subject,
            urgency="urgent", status=Status.CALLBACK_DONE, title="家中水管冻裂漏水", address="张店区中央公园2期",
            contact_name="张伟", contact_phone="13805331234", unit=unit, created_by=platform, created_at=received,
            dispatched_at=received, accepted_at=received + timedelta(minutes=10),
            resolved_at=received + timedelta(hours=3), callback_at=received + timedelta(hours=4),
            accept_due=received + timedelta(hours=1), resolve_due=received + timedelta(days=5),
            result="已更换冻裂管段，恢复供水", satisfaction=Satisfaction.SATISFIED, version=5))
    WorkOrder.objects.bulk_create(orders)
    for order in orders:
        cases.append(Case(case_id=order.external_id, order=order, received_at=order.created_at, title=order.title,
                          content="市民来电反映：家中厨房水管冻裂，一直在漏水，请尽快处理。", category="冻管",
                          address=order.address, caller="张伟", phone="13805331234",
                          sign_deadline=order.accept_due, reply_deadline=order.resolve_due, urgency="urgent",
                          payload_digest=f"{order.pk:064x}", answer={"case_id": order.external_id},
                          created_at=order.created_at))
    Case.objects.bulk_create(cases)
    steps = [(EventKind.CREATED, "", Status.NEW, "created_at", platform),
             (EventKind.DISPATCHED, Status.NEW, Status.DISPATCHED, "dispatched_at", platform),
             (EventKind.ACCEPTED, Status.DISPATCHED, Status.ACCEPTED, "accepted_at", worker),
             (EventKind.RESOLVED, Status.ACCEPTED, Status.RESOLVED, "resolved_at", worker),
             (EventKind.CALLBACK, Status.RESOLVED, Status.CALLBACK_DONE, "callback_at", operator)]
    events = WorkOrderEvent.objects.bulk_create([
        WorkOrderEvent(order=order, at=getattr(order, at), actor=actor, kind=kind, from_status=source,
                       to_status=target, unit=unit) for order in orders for kind, source, target, at, actor in steps])
    by_order = {(event.order_id, event.kind): event for event in events}
    messages = []
    for n, (order, case) in enumerate(zip(orders, cases, strict=True)):
        for action, step, status in ((UpstreamAction.SIGN_FOR, EventKind.ACCEPTED, MessageStatus.SENT),
                                     (UpstreamAction.REPLY, EventKind.CALLBACK,
                                      MessageStatus.SENT if n < replied else MessageStatus.FAILED)):
            event = by_order[(order.pk, step)]
            messages.append(Message(
                channel=Channel.GOV12345, recipient=case.case_id, recipient_name=case.title[:100], template=action,
                topic=case.topic, idempotency_key=f"{case.topic}:{action}:{event.pk}",
                text=json.dumps({"case_id": case.case_id, "action": action, "order_number": order.number},
                                ensure_ascii=False),
                status=status, attempts=1 if status == MessageStatus.SENT else 8, next_attempt_at=event.at,
                created_at=event.at, sent_at=event.at if status == MessageStatus.SENT else None,
                gateway_id=f"up-{event.pk}" if status == MessageStatus.SENT else "",
                last_error="" if status == MessageStatus.SENT else "400: case closed on the platform"))
    Message.objects.bulk_create(messages)
    return [o.pk for o in orders[:replied]], [o.pk for o in orders[replied:]]


def test_12345_close_sweep_closes_each_order_once_whatever_worker_is_killed(transactional_db, tmp_path, queue,
                                                                           repair):
    """No lock: each order is closed by a transition that locks its row and checks its status; a second close
    of the same order is refused and skipped, a killed run's open transaction is rolled back."""
    from collections import Counter

    from hotline.integrations.gov12345 import selectors
    from hotline.integrations.tasks import close_replied_cases
    from hotline.notify.models import Message
    from hotline.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent

    total = 300
    with shared_database(tmp_path) as database:
        replied, refused = _replied_cases(repair, timezone.now(), replied=total, refused=20)
        assert len(selectors.replied_not_closed(limit=1000)) == total
        messages = Message.objects.count()

        def progress():
            return WorkOrder.objects.filter(status=Status.CLOSED).count()

        with Workers(tmp_path, database, queue, {"TASK_LEASE_SECONDS": str(LEASE)}) as workers:
            killed = kill_during(workers, close_replied_cases, progress, total, kills=2, lease=LEASE,
                                 rng=random.Random())
        print("killed at", killed, "of", total)
        assert workers.killed == 2

        closed = WorkOrder.objects.filter(status=Status.CLOSED)
        assert set(closed.values_list("pk", flat=True)) == set(replied)
        assert set(closed.values_list("version", flat=True)) == {6}  # one transition each
        assert not closed.filter(closed_at__isnull=True).exists()
        events = WorkOrderEvent.objects.filter(kind=EventKind.CLOSED)
        assert Counter(events.values_list("order_id", flat=True)) == Counter(replied)  # each closed once
        assert set(events.values_list("actor__username", flat=True)) == {"gov12345"}
        assert set(WorkOrder.objects.filter(pk__in=refused).values_list("status", flat=True)) == {Status.CALLBACK_DONE}
        assert selectors.replied_not_closed() == [] and Message.objects.count() == messages  # nothing sent up
