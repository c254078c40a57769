"""Reads of shifts: which shift a moment falls in (and the one before and after), who is on it, the
plan of a week, the handover the console works on now, and the history of handovers."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.api_types import EARLIEST, LATEST
from hotline.core.errors import NotFoundError, ValidationError
from hotline.org.models import User
from hotline.org.roles import Perm, Role, require_perm
from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment, ShiftDefinition, ShiftRole
from hotline.shifts.summary import build_summary

# A handover is worked on from its shift's start until this long after its end (the outgoing lead
# hands over a little late; the incoming one acknowledges after the change): then the next one is.
HANDOVER_GRACE = timedelta(hours=3)
HISTORY_PAGE = 50


# --- periods --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShiftPeriod:
    """One shift on one day: the definition, the day it starts, and its start and end (aware)."""

    definition: ShiftDefinition
    date: date
    starts_at: datetime
    ends_at: datetime

    @property
    def key(self) -> str:
        return f"{self.date.isoformat()}-{self.definition.code}"

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def label(self) -> str:
        return self.definition.label

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShiftPeriod) and (self.date, self.definition.pk) == (other.date, other.definition.pk)

    def __hash__(self) -> int:
        return hash((self.date, self.definition.pk))


def sane_day(day: date | None) -> bool:
    """A day the plan and the handovers can be about (the API's and the console's input is checked)."""
    return day is not None and EARLIEST <= day.year < LATEST


def active_definitions() -> list[ShiftDefinition]:
    return list(ShiftDefinition.objects.filter(is_active=True).order_by("sort", "start", "code"))


def period_of(definition: ShiftDefinition, day: date) -> ShiftPeriod:
    """The shift ``definition`` that starts on ``day`` (local time); an overnight one ends the next day."""
    tz = timezone.get_current_timezone()
    starts_at = datetime.combine(day, definition.start, tzinfo=tz)
    end_day = day + timedelta(days=1) if definition.overnight else day
    return ShiftPeriod(definition, day, starts_at, datetime.combine(end_day, definition.end, tzinfo=tz))


def _candidates(moment: datetime, definitions: list[ShiftDefinition], days: range) -> list[ShiftPeriod]:
    local_day = timezone.localtime(moment).date()
    return [period_of(d, local_day + timedelta(days=offset)) for offset in days for d in definitions]


def shift_at(moment: datetime | None = None, *, definitions: list[ShiftDefinition] | None = None
             ) -> ShiftPeriod | None:
    """The shift on at ``moment`` (now by default); of overlapping shifts, the one that began last."""
    moment = moment or timezone.now()
    definitions = active_definitions() if definitions is None else definitions
    found = [p for p in _candidates(moment, definitions, range(-1, 1)) if p.contains(moment)]
    return max(found, key=lambda p: (p.starts_at, -p.definition.sort), default=None)


def next_shift(period: ShiftPeriod, *, definitions: list[ShiftDefinition] | None = None) -> ShiftPeriod | None:
    """The shift that takes over from ``period``: the one on at its end, or else the next to start."""
    definitions = active_definitions() if definitions is None else definitions
    on = shift_at(period.ends_at, definitions=definitions)
    if on is not None and on != period:
        return on
    later = [p for p in _candidates(period.ends_at, definitions, range(0, 3)) if p.starts_at >= period.ends_at]
    return min(later, key=lambda p: p.starts_at, default=None)


def previous_shift(period: ShiftPeriod, *, definitions: list[ShiftDefinition] | None = None
                   ) -> ShiftPeriod | None:
    """The shift that hands over to ``period``: the one on just before its start, or the last to end."""
    definitions = active_definitions() if definitions is None else definitions
    before = period.starts_at - timedelta(microseconds=1)
    on = shift_at(before, definitions=definitions)
    if on is not None and on != period:
        return on
    earlier = [p for p in _candidates(before, definitions, range(-2, 1)) if p.ends_at <= period.starts_at]
    return max(earlier, key=lambda p: p.ends_at, default=None)


def last_ended(moment: datetime, *, definitions: list[ShiftDefinition]) -> ShiftPeriod | None:
    earlier = [p for p in _candidates(moment, definitions, range(-2, 1)) if p.ends_at <= moment]
    return max(earlier, key=lambda p: p.ends_at, default=None)


def shift_locator(definitions: list[ShiftDefinition] | None = None) -> Callable[[datetime], ShiftPeriod | None]:
    """For many moments (a report groups thousands of calls by shift): a function giving each moment's
    shift as ``shift_at`` does, the shifts of each day worked out once."""
    definitions = active_definitions() if definitions is None else definitions
    by_day: dict[date, list[ShiftPeriod]] = {}

    def locate(moment: datetime) -> ShiftPeriod | None:
        day = timezone.localtime(moment).date()
        periods = by_day.get(day)
        if periods is None:
            periods = by_day[day] = sorted(_candidates(moment, definitions, range(-1, 1)),
                                           key=lambda p: (p.starts_at, -p.definition.sort), reverse=True)
        return next((p for p in periods if p.contains(moment)), None)

    return locate


def shift_periods_between(start: datetime, end: datetime) -> list[ShiftPeriod]:
    """Every shift that overlaps [start, end), in time order (reports group by shift with this)."""
    definitions = active_definitions()
    day, last = timezone.localtime(start).date() - timedelta(days=1), timezone.localtime(end).date()
    periods = []
    while day <= last:
        periods += [p for d in definitions if (p := period_of(d, day)).starts_at < end and p.ends_at > start]
        day += timedelta(days=1)
    return sorted(periods, key=lambda p: (p.starts_at, p.definition.sort))


def period_for(*, shift_date: date, code: str) -> ShiftPeriod:
    if not sane_day(shift_date):
        raise NotFoundError()
    definition = ShiftDefinition.objects.filter(code=code).first()
    if definition is None:
        raise NotFoundError()
    return period_of(definition, shift_date)


def handover_period(handover: Handover) -> ShiftPeriod:
    """The handover's shift as it was when it was opened (its definition may have changed since)."""
    return ShiftPeriod(handover.shift, handover.shift_date, handover.starts_at, handover.ends_at)


def may_open(period: ShiftPeriod, now: datetime) -> bool:
    """A handover is opened for a shift that has begun, until a little after its end."""
    return period.starts_at <= now <= period.ends_at + HANDOVER_GRACE


# --- who is on a shift ----------------------------------------------------------------------------

def shift_staff(periods: list[ShiftPeriod]) -> dict[ShiftPeriod, list[ShiftAssignment]]:
    """The people on each of ``periods``, leads first (one query)."""
    if not periods:
        return {}
    rows = (ShiftAssignment.objects.filter(date__in={p.date for p in periods},
                                           shift_id__in={p.definition.pk for p in periods})
            .select_related("user").order_by("role", "user__username"))
    by_key: dict[tuple, list[ShiftAssignment]] = {}
    for row in rows:
        by_key.setdefault((row.date, row.shift_id), []).append(row)
    return {p: by_key.get((p.date, p.definition.pk), []) for p in periods}


def team(assignments: list[ShiftAssignment]) -> list[dict]:
    """The people of a shift as the summary keeps them."""
    return [{"name": a.user.get_full_name(), "username": a.user.username, "role": a.role} for a in assignments]


@dataclass
class Now:
    """What the handover screen starts from: the shift on now, the one after, and their people."""

    moment: datetime
    current: ShiftPeriod | None
    next: ShiftPeriod | None
    staff: dict = field(default_factory=dict)

    def people(self, period: ShiftPeriod | None) -> list[ShiftAssignment]:
        return self.staff.get(period, []) if period else []


def shift_now(*, actor: User, moment: datetime | None = None) -> Now:
    require_perm(actor, Perm.SHIFT_VIEW)
    moment = moment or timezone.now()
    definitions = active_definitions()
    current = shift_at(moment, definitions=definitions)
    following = next_shift(current, definitions=definitions) if current else None
    return Now(moment, current, following, shift_staff([p for p in (current, following) if p]))


# --- the summary ---------------------------------------------------------------------------------

def summary_for(period: ShiftPeriod, now: datetime) -> dict:
    """The handover summary of ``period`` generated now from live data, with the people of the shift
    and of the one that takes over."""
    following = next_shift(period)
    staff = shift_staff([p for p in (period, following) if p])
    return build_summary(period=period, now=now, team=team(staff.get(period, [])), next_period=following,
                         next_team=team(staff.get(following, [])) if following else None)


def live_summary(*, actor: User, period: ShiftPeriod, now: datetime | None = None) -> dict:
    require_perm(actor, Perm.SHIFT_VIEW)
    return summary_for(period, now or timezone.now())


# --- the handover being worked on -----------------------------------------------------------------

def handover_of(period: ShiftPeriod) -> Handover | None:
    return (Handover.objects.select_related("shift", "opened_by", "outgoing", "incoming")
            .filter(shift_date=period.date, shift=period.definition).first())


@dataclass
class Target:
    """The handover the console shows now: of the shift that has just ended while it is not taken
    over (within HANDOVER_GRACE), otherwise of the shift on now. ``handover`` is None until opened."""

    period: ShiftPeriod | None
    handover: Handover | None
    next: ShiftPeriod | None


def handover_target(*, actor: User, now: datetime | None = None) -> Target:
    require_perm(actor, Perm.SHIFT_VIEW)
    now = now or timezone.now()
    definitions = active_definitions()
    current = shift_at(now, definitions=definitions)
    previous = (previous_shift(current, definitions=definitions) if current
                else last_ended(now, definitions=definitions))
    if previous is not None and previous.ends_at <= now <= previous.ends_at + HANDOVER_GRACE:
        handover = handover_of(previous)
        if handover is None or handover.status != HandoverStatus.ACKNOWLEDGED:
            return Target(previous, handover, next_shift(previous, definitions=definitions))
    if current is None:
        return Target(None, None, None)
    return Target(current, handover_of(current), next_shift(current, definitions=definitions))


def waiting_handovers(*, actor: User, exclude: Handover | None = None, days: int = 3) -> list[Handover]:
    """Handovers submitted in the last days and not taken over yet (a banner on the screen)."""
    require_perm(actor, Perm.SHIFT_VIEW)
    rows = (Handover.objects.filter(status=HandoverStatus.SUBMITTED,
                                    starts_at__gte=timezone.now() - timedelta(days=days))
            .select_related("shift", "outgoing").order_by("starts_at"))
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows)


def handover_get(*, actor: User, pk: int) -> Handover:
    require_perm(actor, Perm.SHIFT_VIEW)
    handover = (Handover.objects.select_related("shift", "opened_by", "outgoing", "incoming")
                .filter(pk=pk).first())
    if handover is None:
        raise NotFoundError()
    return handover


def handover_history(*, actor: User, status: str = "", limit: int = HISTORY_PAGE, offset: int = 0
                     ) -> tuple[Sequence[Handover], bool]:
    """Handovers, newest shift first; and whether there are more (no COUNT over years of them)."""
    require_perm(actor, Perm.SHIFT_VIEW)
    # The counts of each snapshot, not the snapshots (tens of kilobytes each).
    rows = (Handover.objects.select_related("shift", "outgoing", "incoming").defer("summary", "acknowledge_note")
            .annotate(open_count=KT("summary__open_orders__count"), overdue_count=KT("summary__overdue__count"),
                      outage_count=KT("summary__outages__count"), callback_count=KT("summary__callbacks__count"),
                      call_count=KT("summary__figures__calls")))
    if status:
        if status not in HandoverStatus.values:
            raise ValidationError(_("Unknown status."), fields={"status": ", ".join(HandoverStatus.values)})
        rows = rows.filter(status=status)
    found = list(rows.order_by("-starts_at", "-id")[offset:offset + limit + 1])
    return found[:limit], len(found) > limit


# --- the plan -------------------------------------------------------------------------------------

def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class PlanCell:
    date: date
    shift: ShiftDefinition
    assignments: list[ShiftAssignment]

    @property
    def leads(self) -> list[ShiftAssignment]:
        return [a for a in self.assignments if a.role == ShiftRole.LEAD]


@dataclass
class WeekPlan:
    start: date
    days: list[date]
    rows: list[tuple[ShiftDefinition, list[PlanCell]]]

    def cell(self, day: date, shift_id: int) -> PlanCell | None:
        for definition, cells in self.rows:
            if definition.pk == shift_id:
                return next((c for c in cells if c.date == day), None)
        return None


def week_plan(*, actor: User, start: date, days: int = 7) -> WeekPlan:
    """Who is on which shift over ``days`` days from ``start`` (rows: shifts; columns: days)."""
    require_perm(actor, Perm.SHIFT_VIEW)
    dates = [start + timedelta(days=n) for n in range(days)]
    definitions = list(ShiftDefinition.objects.order_by("sort", "start", "code"))
    rows = (ShiftAssignment.objects.filter(date__gte=dates[0], date__lte=dates[-1])
            .select_related("user").order_by("role", "user__username"))
    by_key: dict[tuple, list[ShiftAssignment]] = {}
    for row in rows:
        by_key.setdefault((row.date, row.shift_id), []).append(row)
    used = {shift_id for _day, shift_id in by_key}
    return WeekPlan(start, dates, [
        (d, [PlanCell(day, d, by_key.get((day, d.pk), [])) for day in dates])
        for d in definitions if d.is_active or d.pk in used])


def plan_cell(*, actor: User, day: date, shift: ShiftDefinition) -> PlanCell:
    require_perm(actor, Perm.SHIFT_VIEW)
    rows = (ShiftAssignment.objects.filter(date=day, shift=shift).select_related("user")
            .order_by("role", "user__username"))
    return PlanCell(day, shift, list(rows))


def assignable_staff() -> QuerySet[User]:
    """The people a shift can be planned with: active hotline operators and shift leads."""
    return User.objects.filter(is_active=True, role__in=[Role.OPERATOR, Role.SHIFT_LEAD]).order_by("role", "username")

