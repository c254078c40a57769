"""Deadlines: the one module that knows calendar time, working hours and the holiday calendar.

A limit is written ``<n><unit>``: ``m``/``h``/``d`` are calendar minutes, hours and days;
``wh``/``wd`` are working hours and working days (a working day is the length of the working hours,
8 h by default). Working time runs only inside ``settings.WORKING_HOURS`` on working days: Monday to
Friday, except holidays, plus weekend days marked as worked (调休) in the ``Holiday`` table."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from hotline.workorders.limits import LIMIT, Limit, parse_limit  # noqa: F401  (sla.parse_limit, sla.LIMIT)

if TYPE_CHECKING:
    from hotline.workorders.models import SlaRule, WorkOrder

CALENDAR_MINUTES = {"m": 1, "h": 60, "d": 1440}


def _periods(spec: str) -> list[tuple[time, time]]:
    periods = []
    for part in spec.split(","):
        start, end = (time.fromisoformat(p.strip()) for p in part.split("-"))
        if end <= start:
            raise ValueError(f"working period {part!r} ends before it starts")
        periods.append((start, end))
    return sorted(periods)


class WorkCalendar:
    """Working days and hours; holidays are read once per calendar object."""

    def __init__(self, *, hours: str | None = None, holidays: dict[date, bool] | None = None,
                 tz: tzinfo | None = None) -> None:
        self.periods = _periods(hours or settings.WORKING_HOURS)
        self.tz = tz or ZoneInfo(settings.TIME_ZONE)
        self._holidays = holidays

    @cached_property
    def holidays(self) -> dict[date, bool]:
        if self._holidays is not None:
            return self._holidays
        from hotline.workorders import reference

        return reference.get().holidays

    @property
    def minutes_per_day(self) -> int:
        return sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
            for start, end in self.periods
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return self.holidays[day]
        return day.weekday() < 5

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment when ``minutes`` of working time have passed after ``start``."""
        current = start.astimezone(self.tz)
        remaining = timedelta(minutes=minutes)
        for _ in range(3660):  # ten years of days: holiday tables never block that long
            day = current.date()
            if self.is_working_day(day):
                for period_start, period_end in self.periods:
                    begin = max(current, datetime.combine(day, period_start, self.tz))
                    end = datetime.combine(day, period_end, self.tz)
                    if begin >= end:
                        continue
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
            current = datetime.combine(day + timedelta(days=1), time.min, self.tz)
        raise ValueError("no working time found within ten years")

    def add(self, start: datetime, limit: Limit) -> datetime:
        if limit.unit in CALENDAR_MINUTES:
            return start + timedelta(minutes=limit.amount * CALENDAR_MINUTES[limit.unit])
        minutes = limit.amount * (60 if limit.unit == "wh" else self.minutes_per_day)
        return self.add_working_minutes(start, minutes)


def rule_for(subject_id: int | None, urgency: str) -> "SlaRule | None":
    """The most specific SLA rule: subject, then its group, then the urgency default, then the default
    (each with the urgency before without)."""
    from hotline.workorders import reference

    ref = reference.get()
    subject = ref.subjects_by_id.get(subject_id)
    group_id = subject.group_id if subject else None
    candidates = ref.sla_rules
    for key in ((subject_id, urgency), (subject_id, ""), (group_id, urgency), (group_id, ""), (None, urgency),
                (None, "")):
        if key in candidates:
            return candidates[key]
    return None


def deadlines(*, subject_id: int | None, urgency: str, start: datetime | None = None,
              calendar: WorkCalendar | None = None, suburban: bool = False) -> dict[str, datetime | None]:
    """Deadlines for an order of this subject and urgency whose clock starts at ``start``; a premise in a
    suburban district gets the rule's suburban on-site limit when it has one."""
    start = start or timezone.now()
    rule = rule_for(subject_id, urgency)
    calendar = calendar or WorkCalendar()
    result = {}
    for name in ("dispatch", "accept", "onsite", "stop", "resolve"):
        text = getattr(rule, f"{name}_limit", "") if rule else ""
        if name == "onsite" and suburban and rule and rule.onsite_limit_suburban:
            text = rule.onsite_limit_suburban
        limit = parse_limit(text)
        result[DUE_FIELDS.get(name, f"{name}_due")] = calendar.add(start, limit) if limit else None
    return result


# The steps of an order with its unit, in order: each has its deadline and its urge cycle.
STEPS = ("accept", "onsite", "stop", "resolve")
DUE_FIELDS = {"stop": "flow_stopped_due"}  # the others are "<step>_due"


def current_step(order: "WorkOrder") -> str | None:
    """The step the order is waiting for: sign-for; then arrival on site and the flow stopped (when the
    order has those deadlines and they are not done yet), then the resolution."""
    from hotline.workorders.models import Status

    if order.status in (Status.DISPATCHED, Status.REOPENED):
        return "accept"
    if order.status in (Status.ACCEPTED, Status.IN_PROGRESS):
        if order.onsite_due and not order.onsite_at:
            return "onsite"
        if order.flow_stopped_due and not order.flow_stopped_at:
            return "stop"
        return "resolve"
    return None


def current_due(order: "WorkOrder") -> tuple[datetime | None, datetime | None]:
    """(clock start, deadline) of the step the order is waiting for (``current_step``)."""
    step = current_step(order)
    if step is None:
        return None, None
    return order.dispatched_at, getattr(order, DUE_FIELDS.get(step, f"{step}_due"))


def urge_schedule(order: "WorkOrder", calendar: WorkCalendar | None = None) -> list[tuple[int, datetime]]:
    """(level, time) of each urge step: 1 reminder before the deadline, 2 urge notice at the deadline,
    3 escalation to the unit head after SLA_ESCALATE_AFTER_WORKING_DAYS working days overdue (one hour
    for emergencies)."""
    from hotline.workorders.models import Urgency

    start, due = current_due(order)
    if due is None:
        return []
    start = min(start or due, due)
    reminder = due - (due - start) * settings.SLA_REMINDER_SHARE
    if order.urgency == Urgency.EMERGENCY:
        escalation = due + timedelta(hours=1)
    else:
        calendar = calendar or WorkCalendar()
        escalation = calendar.add(due, Limit(settings.SLA_ESCALATE_AFTER_WORKING_DAYS, "wd"))
    return [(1, reminder), (2, due), (3, escalation)]


def next_urge(order: "WorkOrder", calendar: WorkCalendar | None = None) -> datetime | None:
    """When the order's urge level next rises, or None (also while its clock is paused)."""
    if getattr(order, "paused_at", None):
        return None
    for level, at in urge_schedule(order, calendar):
        if level > order.urge_level:
            return at
    return None


# --- the callback (回访) ----------------------------------------------------------------------------

def callback_deadline(resolved_at: datetime, calendar: WorkCalendar | None = None) -> datetime | None:
    """When the hotline must have called the customer back: ``settings.CALLBACK_LIMIT`` (1 working day,
    SPEC.md §4) after the resolution; None when the setting is blank."""
    limit = parse_limit(settings.CALLBACK_LIMIT)
    return (calendar or WorkCalendar()).add(resolved_at, limit) if limit else None


def callback_retry_at(tried_at: datetime, calendar: WorkCalendar | None = None) -> datetime:
    """When the next try is due after a try that did not reach the customer: the tries
    (``CALLBACK_TRIES``) are spread evenly over ``CALLBACK_RETRY_SPAN`` (three over two working days:
    one a working day)."""
    span = parse_limit(settings.CALLBACK_RETRY_SPAN) or Limit(2, "wd")
    gaps = max(1, settings.CALLBACK_TRIES - 1)
    return (calendar or WorkCalendar()).add(tried_at, Limit(span.amount / gaps, span.unit))


# --- the deadlines of an order, and the one running now ----------------------------------------------

@dataclass(frozen=True)
class DeadlineKind:
    """One deadline of an order: the field that holds it, the field that records it was met, and the
    statuses in which its clock runs. Which kinds there are is this list (``DEADLINE_KINDS``): a new
    milestone is one more entry, and the order list, the order page and the API follow."""

    kind: str
    label: object  # a lazy translation
    overdue_label: object  # why an order is marked when this deadline has passed
    due_field: str
    done_field: str  # the moment it was met (a field the model may not have yet: then never running)
    statuses: tuple[str, ...]
    pausable: bool = True  # stops while the order's SLA clock is paused
    # A milestone inside a step (on site, flow stopped) runs until its moment is recorded; a step's own
    # deadline (dispatch, sign-for, resolve) runs while the order is in one of ``statuses``.
    milestone: bool = False


def _deadline_kinds() -> list[DeadlineKind]:
    from django.utils.translation import gettext_lazy as _

    from hotline.workorders.models import WITH_UNIT, Status

    SIGNED = (Status.ACCEPTED, Status.IN_PROGRESS)
    return [
        DeadlineKind("dispatch", _("Dispatch by"), _("Dispatch overdue"), "dispatch_due", "dispatched_at",
                     (Status.NEW, Status.RETURNED), pausable=False),
        DeadlineKind("accept", _("Sign for by"), _("Sign-for overdue"), "accept_due", "accepted_at",
                     (Status.DISPATCHED, Status.REOPENED), pausable=False),
        # The milestones run once the order is signed for (before, the sign-for is what is urged), as
        # ``current_step`` has it.
        DeadlineKind("onsite", _("On site by"), _("On-site overdue"), "onsite_due", "onsite_at", SIGNED,
                     milestone=True),
        DeadlineKind("flow_stopped", _("Flow stopped by"), _("Flow-stop overdue"), "flow_stopped_due",
                     "flow_stopped_at", SIGNED, milestone=True),
        DeadlineKind("resolve", _("Resolve by"), _("Resolution overdue"), "resolve_due", "resolved_at", WITH_UNIT),
    ]


DEADLINE_KINDS = _deadline_kinds()


@dataclass(frozen=True)
class Running:
    kind: str
    label: object
    overdue_label: object
    due: datetime
    overdue: bool


_FIELDS: dict[type, frozenset[str]] = {}


def _has_field(order: "WorkOrder", name: str) -> bool:
    model = type(order)
    if model not in _FIELDS:
        _FIELDS[model] = frozenset(f.attname for f in order._meta.concrete_fields)
    return name in _FIELDS[model]


def deadline_rows(order: "WorkOrder", now: datetime | None = None) -> list[dict]:
    """Every deadline the order has: label, due, when it was met (``done``), whether its clock runs now."""
    now = now or timezone.now()
    rows = []
    for spec in DEADLINE_KINDS:
        if not _has_field(order, spec.due_field):
            continue
        due = getattr(order, spec.due_field)
        has_done = _has_field(order, spec.done_field)
        done = getattr(order, spec.done_field) if has_done else None
        active = (due is not None and order.status in spec.statuses
                  and (not spec.milestone or (has_done and done is None))
                  and not (spec.pausable and getattr(order, "paused_at", None)))
        if due or done:
            # A step running again (an order returned and re-dispatched) shows its clock, not the old tick.
            rows.append({"kind": spec.kind, "label": spec.label, "due": due, "done": None if active else done,
                         "active": active, "overdue": bool(active and due < now), "spec": spec,
                         "late": bool(due and done and not active and done > due)})
    return rows


def running_deadline(order: "WorkOrder", now: datetime | None = None) -> Running | None:
    """The deadline that runs now and comes first (an overdue one before any other), or None."""
    now = now or timezone.now()
    running = [row for row in deadline_rows(order, now) if row["active"]]
    if not running:
        return None
    row = min(running, key=lambda r: r["due"])
    return Running(row["kind"], row["spec"].label, row["spec"].overdue_label, row["due"], row["overdue"])
