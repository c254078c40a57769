"""The live board (实时看板): what a supervisor watches on the wall during the shift (SPEC.md S10, C9).

Everything is read fresh on each refresh but two things that change slowly and cost most: the usual
level of calls per hour (the same weekday's hours over the last weeks: it only changes at midnight,
kept per process for the day) and the surge alerts (kept per process for a minute)."""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from hotline.calls.models import Call, Direction, EndCause, LineState
from hotline.org.roles import Perm, require_perm
from hotline.reports.sql import Slot, slot_start
from hotline.workorders.models import OPEN_STATUSES, Satisfaction, Source, WorkOrder
from hotline.workorders.selectors import open_by_person

USUAL_WEEKS = 4  # the usual level: the same weekday over the last four weeks
CASE_HORIZON = timedelta(hours=4)  # 12345 cases whose deadline comes within this (or has passed)
SURGE_SECONDS = 60
ANSWER_TARGET_SECONDS = 15


@dataclass
class HourBar:
    hour: int
    calls: int
    usual: float

    @property
    def above(self) -> bool:
        return self.usual > 0 and self.calls > 1.5 * self.usual


@dataclass
class Board:
    at: datetime
    hours: list[HourBar]
    calls_today: int = 0
    usual_so_far: float = 0.0
    # From the PBX (None when it reports nothing today).
    waiting: int | None = None
    talking: int | None = None
    answered_today: int | None = None
    unanswered_today: int | None = None
    service_level_today: float | None = None
    units: list[dict] = field(default_factory=list)  # open and overdue orders by unit
    people: list[dict] = field(default_factory=list)  # … by the field worker (or crew) they are assigned to
    open_orders: int = 0
    overdue_orders: int = 0
    outages: list = field(default_factory=list)  # with .linked_calls
    surges: list = field(default_factory=list)
    cases: list = field(default_factory=list)  # 12345 orders near (or past) their deadline
    callbacks_today: int = 0
    satisfied_today: int = 0

    @property
    def satisfaction_today(self) -> float | None:
        return round(self.satisfied_today / self.callbacks_today, 4) if self.callbacks_today else None

    @property
    def peak(self) -> float:
        return max([1.0, *(b.calls for b in self.hours), *(b.usual for b in self.hours)])

    def chart(self, *, height: int = 120, step: int = 20) -> dict:
        """The hours as SVG geometry: a bar per hour, and the usual level as a polyline."""
        scale = height / self.peak
        bars = [{"hour": b.hour, "calls": b.calls, "usual": b.usual, "above": b.above, "x": b.hour * step + 3,
                 "y": round(height - b.calls * scale, 1), "h": round(b.calls * scale, 1)} for b in self.hours]
        usual = " ".join(f"{b.hour * step + step / 2},{round(height - b.usual * scale, 1)}" for b in self.hours)
        return {"bars": bars, "usual": usual, "width": 24 * step, "height": height}


def live_board(*, actor, now: datetime | None = None) -> Board:
    require_perm(actor, Perm.BOARD_VIEW)
    now = now or timezone.now()
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    board = Board(at=now, hours=[])
    _calls(board, midnight, now)
    _orders(board)
    _outages(board, now)
    board.surges = _surges(now)
    _cases(board, now)
    _satisfaction(board, midnight)
    return board


def _hourly(calls, **counts) -> dict[int, dict]:
    """Counts of ``calls`` per local hour of day, grouped by the database by UTC quarter-hour (see
    ``reports.sql``): a few dozen rows whatever the number of calls."""
    hours: dict[int, dict] = {}
    for slot, *values in calls.order_by().values_list(Slot("ringing_at")).annotate(n=Count("*"), **counts):
        hour = hours.setdefault(timezone.localtime(slot_start(slot)).hour, dict.fromkeys(["n", *counts], 0))
        for name, value in zip(["n", *counts], values, strict=True):
            hour[name] += value
    return hours


def _calls(board: Board, midnight: datetime, now: datetime) -> None:
    pbx = ~Q(line_state="")  # the PBX reported on the call
    answered = pbx & (Q(answered_at__isnull=False) | Q(end_cause=EndCause.ANSWERED))
    hours = _hourly(Call.objects.filter(ringing_at__gte=midnight, ringing_at__lte=now, direction=Direction.INBOUND),
                    offered=Count("id", filter=pbx), answered=Count("id", filter=answered),
                    in_target=Count("id", filter=answered & Q(wait_seconds__lte=ANSWER_TARGET_SECONDS)),
                    unanswered=Count("id", filter=pbx & ~answered & Q(line_state=LineState.ENDED)))
    counts = [hours.get(h, {}).get("n", 0) for h in range(24)]
    pbx = {name: sum(h[name] for h in hours.values()) for name in ("offered", "answered", "in_target", "unanswered")}
    usual = usual_by_hour(midnight)
    board.hours = [HourBar(h, counts[h], usual[h]) for h in range(24)]
    board.calls_today = sum(counts)
    current = timezone.localtime(now)
    board.usual_so_far = round(sum(usual[:current.hour]) + usual[current.hour] * current.minute / 60, 1)
    if pbx["offered"]:
        live = dict(Call.objects.filter(ringing_at__gte=now - timedelta(hours=2),
                                        line_state__in=[LineState.RINGING, LineState.ANSWERED])
                    .values_list("line_state").annotate(n=Count("id")).order_by())
        board.waiting, board.talking = live.get(LineState.RINGING, 0), live.get(LineState.ANSWERED, 0)
        board.answered_today, board.unanswered_today = pbx["answered"], pbx["unanswered"]
        board.service_level_today = round(pbx["in_target"] / pbx["offered"], 4)


_usual: dict[str, list[float]] = {}


def usual_by_hour(midnight: datetime) -> list[float]:
    """Calls per hour of day on the same weekday, averaged over the last USUAL_WEEKS weeks (a day
    with no calls at all — before the system was used — is left out)."""
    key = midnight.isoformat()
    if key not in _usual:
        per_day: dict[int, list[int]] = {}
        for week in range(1, USUAL_WEEKS + 1):
            start = midnight - timedelta(weeks=week)
            hours = _hourly(Call.objects.filter(ringing_at__gte=start, ringing_at__lt=start + timedelta(days=1),
                                                direction=Direction.INBOUND))
            per_day[week] = [hours.get(h, {}).get("n", 0) for h in range(24)]
        days = [hours for hours in per_day.values() if sum(hours)]
        _usual.clear()  # one day's baseline per process
        _usual[key] = [round(sum(d[h] for d in days) / len(days), 1) if days else 0.0 for h in range(24)]
    return _usual[key]


def _orders(board: Board) -> None:
    from hotline.org.models import Unit

    # Grouped by the columns of the index (status, unit, overdue), added up per unit here: grouped by unit
    # alone, SQLite walks the unit index of every order instead (seconds at two million orders). COUNT(*),
    # not of the id: PostgreSQL then reads the index alone (10 ms instead of 250 at two million orders).
    counts: dict = {}
    for _status, unit_id, overdue, n in (WorkOrder.objects.filter(status__in=OPEN_STATUSES).order_by()
                                         .values_list("status", "unit_id", "is_overdue").annotate(n=Count("*"))):
        row = counts.setdefault(unit_id, [0, 0])
        row[0] += n
        row[1] += n if overdue else 0
    names = dict(Unit.objects.values_list("pk", "name"))
    units = [{"unit_id": unit_id, "unit": names.get(unit_id, "") if unit_id else None, "open": n, "overdue": late}
             for unit_id, (n, late) in counts.items()]
    units.sort(key=lambda u: (-u["overdue"], -u["open"]))
    board.units = units
    board.open_orders = sum(u["open"] for u in units)
    board.overdue_orders = sum(u["overdue"] for u in units)
    board.people = open_by_person(WorkOrder.objects.filter(status__in=OPEN_STATUSES), limit=12)


def _outages(board: Board, now: datetime) -> None:
    from hotline.outages.services import current_outages

    outages = [o for o in current_outages(now) if o.starts_at <= now + timedelta(hours=24)]
    linked = dict(Call.objects.filter(outage_id__in=[o.pk for o in outages]).values_list("outage_id")
                  .annotate(n=Count("id")).order_by()) if outages else {}
    for outage in outages:
        outage.linked_calls = linked.get(outage.pk, 0)
    board.outages = outages


_surges_cache: tuple[float, list] = (float("-inf"), [])


def _surges(now: datetime) -> list:
    from hotline.outages.selectors import call_surges

    global _surges_cache
    if time.monotonic() - _surges_cache[0] > SURGE_SECONDS:
        _surges_cache = (time.monotonic(), call_surges(minutes=60, now=now))
    return _surges_cache[1]


def forget_cached(**_kwargs) -> None:
    global _surges_cache
    _surges_cache = (float("-inf"), [])
    _usual.clear()


def _cases(board: Board, now: datetime) -> None:
    """12345 orders whose sign-for or resolution deadline comes within CASE_HORIZON, or has passed."""
    soon = now + CASE_HORIZON
    orders = (WorkOrder.objects.filter(source=Source.GOV_12345, status__in=OPEN_STATUSES)
              .filter(Q(accepted_at__isnull=True, accept_due__lte=soon) | Q(resolve_due__lte=soon))
              .select_related("unit").order_by("resolve_due")[:20])
    for order in orders:
        order.board_due = order.accept_due if order.accepted_at is None and order.accept_due else order.resolve_due
        order.board_late = order.board_due is not None and order.board_due < now
    board.cases = sorted(orders, key=lambda o: o.board_due or now)


def _satisfaction(board: Board, midnight: datetime) -> None:
    row = WorkOrder.objects.filter(callback_at__gte=midnight).aggregate(
        n=Count("id"), ok=Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])))
    board.callbacks_today, board.satisfied_today = row["n"], row["ok"]


def as_dict(board: Board) -> dict:
    return {
        "at": board.at, "calls_today": board.calls_today, "usual_so_far": board.usual_so_far,
        "hours": [{"hour": b.hour, "calls": b.calls, "usual": b.usual} for b in board.hours],
        "waiting": board.waiting, "talking": board.talking, "answered_today": board.answered_today,
        "unanswered_today": board.unanswered_today, "service_level_today": board.service_level_today,
        "open_orders": board.open_orders, "overdue_orders": board.overdue_orders, "units": board.units,
        "people": board.people,
        "outages": [{"number": o.number, "area": o.area_text, "status": o.status, "kind": o.kind,
                     "expected_restore_at": o.expected_restore_at, "linked_calls": o.linked_calls}
                    for o in board.outages],
        "surges": [{"kind": s.kind, "name": s.name, "calls": s.calls, "usual": s.usual} for s in board.surges],
        "cases": [{"number": o.number, "external_id": o.external_id, "title": o.title, "status": o.status,
                   "unit": o.unit.name if o.unit else None, "due": o.board_due, "late": o.board_late}
                  for o in board.cases],
        "callbacks_today": board.callbacks_today, "satisfaction_today": board.satisfaction_today,
    }
