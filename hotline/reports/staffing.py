"""Staffing (C10, S11): calls forecast per half-hour of a day from the history, and the seats each
half-hour needs for a service-level target (Erlang C, ``reports.erlang``).

* **Forecast.** The reference days are the same weekday in the last N weeks (``weeks``), each complete
  and before the chosen day (for a day further ahead than a week: the latest such days before today),
  and none before the first call on record. Each half-hour's forecast is the average of the calls that
  rang in that half-hour of the reference days, times ``factor`` (an event: 1.5 for a cold snap, 2 for a
  burst main). Inbound calls of every outcome count: a missed call was offered to the seats too.
* **Average handle time** is the average talk time (answer to hang-up) of the answered calls of the
  reference days, unless a value is given; 180 s when there are no such calls.
* **Seats.** Agents needed per half-hour: the fewest that answer ``target_level`` of the calls within
  ``target_seconds``; scheduled = agents ÷ (1 − shrinkage), rounded up (breaks, training, absence).
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.calls.models import Call, Direction
from hotline.core.errors import ValidationError
from hotline.org.roles import Perm, require_perm
from hotline.reports import erlang
from hotline.reports.period import ShiftClock
from hotline.reports.sql import Seconds, Slot, slot_start

INTERVAL_MINUTES = 30
INTERVALS = 24 * 60 // INTERVAL_MINUTES
DEFAULT_AHT = 180.0
MAX_WEEKS = 26


@dataclass
class Interval:
    index: int
    forecast: float
    actual: int | None = None  # calls that rang (a day that has begun)
    staffing: erlang.Staffing | None = None
    scheduled: int = 0

    @property
    def start(self) -> time:
        minutes = self.index * INTERVAL_MINUTES
        return time(minutes // 60, minutes % 60)

    @property
    def label(self) -> str:
        end = (self.index + 1) * INTERVAL_MINUTES
        return f"{self.start:%H:%M}–{end // 60 % 24:02d}:{end % 60:02d}"

    def as_dict(self) -> dict:
        s = self.staffing
        return {"start": self.start.strftime("%H:%M"), "label": self.label, "forecast": round(self.forecast, 2),
                "actual": self.actual, "agents": s.agents if s else 0, "scheduled": self.scheduled,
                "service_level": _round(s.service_level if s else None, 4),
                "wait_probability": _round(s.wait_probability if s else None, 4),
                "asa": _round(s.asa if s else None, 1), "occupancy": _round(s.occupancy if s else None, 3)}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None or math.isinf(value) else round(value, digits)


@dataclass
class Forecast:
    day: date
    weeks: int
    factor: float
    reference_days: list[date]
    intervals: list[Interval]
    history_starts: date | None = None

    @property
    def total(self) -> float:
        return sum(i.forecast for i in self.intervals)

    @property
    def actual_total(self) -> int | None:
        actual = [i.actual for i in self.intervals if i.actual is not None]
        return sum(actual) if actual else None


@dataclass
class ShiftPeak:
    which: str
    label: str
    forecast: float = 0.0
    agents: int = 0
    scheduled: int = 0


@dataclass
class StaffingPlan:
    forecast: Forecast
    aht: float
    aht_measured: float | None  # from the reference days' calls
    aht_calls: int
    target_level: float
    target_seconds: int
    shrinkage: float
    shifts: list[ShiftPeak] = field(default_factory=list)

    @property
    def intervals(self) -> list[Interval]:
        return self.forecast.intervals

    @property
    def peak_agents(self) -> int:
        return max((i.staffing.agents for i in self.intervals if i.staffing), default=0)

    @property
    def peak_scheduled(self) -> int:
        return max((i.scheduled for i in self.intervals), default=0)

    @property
    def agent_hours(self) -> float:
        return sum(i.staffing.agents for i in self.intervals if i.staffing) * INTERVAL_MINUTES / 60

    @property
    def scheduled_hours(self) -> float:
        return sum(i.scheduled for i in self.intervals) * INTERVAL_MINUTES / 60

    @property
    def service_level(self) -> float | None:
        """The day's expected service level: the intervals' levels weighted by their calls."""
        calls = self.forecast.total
        if not calls:
            return None
        return sum(i.staffing.service_level * i.forecast for i in self.intervals if i.staffing) / calls

    def as_dict(self) -> dict:
        f = self.forecast
        return {
            "day": f.day.isoformat(), "weeks": f.weeks, "factor": f.factor,
            "reference_days": [d.isoformat() for d in f.reference_days],
            "aht": round(self.aht, 1), "aht_measured": _round(self.aht_measured, 1), "aht_calls": self.aht_calls,
            "target_level": self.target_level, "target_seconds": self.target_seconds, "shrinkage": self.shrinkage,
            "forecast_total": round(f.total, 1), "actual_total": f.actual_total,
            "peak_agents": self.peak_agents, "peak_scheduled": self.peak_scheduled,
            "agent_hours": self.agent_hours, "scheduled_hours": self.scheduled_hours,
            "service_level": _round(self.service_level, 4),
            "shifts": [{"shift": s.which, "label": s.label, "forecast": round(s.forecast, 1), "agents": s.agents,
                        "scheduled": s.scheduled} for s in self.shifts],
            "intervals": [i.as_dict() for i in self.intervals],
        }


def _local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))


def _interval_of(local: datetime) -> int:
    return (local.hour * 60 + local.minute) // INTERVAL_MINUTES


def _calls_per_interval(first: date, last: date) -> dict[date, list[int]]:
    """Inbound calls per local day and half-hour, days ``first`` to ``last`` (one GROUP BY quarter-hour)."""
    tz = timezone.get_current_timezone()
    start, end = _local_bounds(first, last)
    rows = (Call.objects.filter(ringing_at__gte=start, ringing_at__lt=end, direction=Direction.INBOUND).order_by()
            .values_list(Slot("ringing_at")).annotate(n=Count("id")))
    out: dict[date, list[int]] = {}
    for slot, n in rows:
        local = slot_start(slot).astimezone(tz)
        out.setdefault(local.date(), [0] * INTERVALS)[_interval_of(local)] += n
    return out


def reference_days(day: date, weeks: int, *, today: date, history_starts: date | None) -> list[date]:
    """The same weekday in the ``weeks`` weeks before ``day`` (complete days before today), newest first."""
    last = day - timedelta(days=7)
    while last >= today:
        last -= timedelta(days=7)
    days = [last - timedelta(days=7 * k) for k in range(weeks)]
    return [d for d in days if history_starts is not None and d >= history_starts]


def call_forecast(*, day: date, weeks: int = 4, factor: float = 1.0, now: datetime | None = None) -> Forecast:
    """Calls per half-hour of ``day``: the average of the same half-hour of the reference days × ``factor``."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(_("Use 1 to %(max)d weeks of history.") % {"max": MAX_WEEKS},
                              fields={"weeks": _("Out of range.")})
    if not 0 <= factor <= 20:
        raise ValidationError(_("The factor must be between 0 and 20."), fields={"factor": _("Out of range.")})
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_call = (Call.objects.filter(direction=Direction.INBOUND).order_by()
                  .aggregate(first=Min("ringing_at"))["first"])
    history_starts = timezone.localdate(first_call) if first_call else None
    days = reference_days(day, weeks, today=today, history_starts=history_starts)
    counts = _calls_per_interval(min(days), max(days)) if days else {}
    intervals = []
    for index in range(INTERVALS):
        mean = sum(counts.get(d, [0] * INTERVALS)[index] for d in days) / len(days) if days else 0.0
        intervals.append(Interval(index=index, forecast=mean * factor))
    if day <= today:
        actual = _calls_per_interval(day, day).get(day, [0] * INTERVALS)
        current = _interval_of(timezone.localtime(now)) if day == today else INTERVALS - 1
        for interval in intervals[: current + 1]:
            interval.actual = actual[interval.index]
    return Forecast(day=day, weeks=weeks, factor=factor, reference_days=days, intervals=intervals,
                    history_starts=history_starts)


def measured_handle_time(days: list[date]) -> tuple[float | None, int]:
    """Average talk time (s) of the answered inbound calls of ``days`` and how many there were."""
    if not days:
        return None, 0
    # The reference days are a week apart: each is its own range (one query, OR-ed ranges).
    ranges = Q()
    for d in sorted(set(days)):
        s, e = _local_bounds(d, d)
        ranges |= Q(ringing_at__gte=s, ringing_at__lt=e)
    row = (Call.objects.filter(ranges, direction=Direction.INBOUND, answered_at__isnull=False,
                               ended_at__isnull=False).order_by()
           .aggregate(aht=Avg(Seconds("answered_at", "ended_at")), n=Count("id")))
    return (row["aht"] if row["n"] else None), row["n"]


def staffing_plan(*, actor, day: date, weeks: int = 4, factor: float = 1.0, target_level: float = 0.8,
                  target_seconds: int = 20, aht: float | None = None, shrinkage: float = 0.3,
                  now: datetime | None = None) -> StaffingPlan:
    """The forecast of ``day`` and the seats each half-hour needs (see the module's docstring)."""
    require_perm(actor, Perm.STAFFING_VIEW)
    errors = {}
    if not 0.5 <= target_level < 1:
        errors["target_level"] = _("Between 50 % and 99 %.")
    if not 1 <= target_seconds <= 600:
        errors["target_seconds"] = _("Between 1 and 600 seconds.")
    if aht is not None and not 10 <= aht <= 3600:
        errors["aht"] = _("Between 10 and 3600 seconds.")
    if not 0 <= shrinkage <= 0.8:
        errors["shrinkage"] = _("Between 0 % and 80 %.")
    if errors:
        raise ValidationError(_("Check the staffing parameters."), fields=errors)
    forecast = call_forecast(day=day, weeks=weeks, factor=factor, now=now)
    measured, aht_calls = measured_handle_time(forecast.reference_days)
    handle = aht if aht is not None else (measured or DEFAULT_AHT)
    for interval in forecast.intervals:
        interval.staffing = erlang.agents_needed(interval.forecast, aht=handle, target_level=target_level,
                                                 target_seconds=target_seconds, interval=INTERVAL_MINUTES * 60)
        interval.scheduled = erlang.scheduled_agents(interval.staffing.agents, shrinkage)
    plan = StaffingPlan(forecast=forecast, aht=handle, aht_measured=measured, aht_calls=aht_calls,
                        target_level=target_level, target_seconds=target_seconds, shrinkage=shrinkage)
    plan.shifts = _shift_peaks(plan)
    return plan


def _shift_peaks(plan: StaffingPlan) -> list[ShiftPeak]:
    """Per shift of the shift plan that overlaps the day (the one that began the day before first): the
    calls forecast in it and the most seats any of its half-hours needs. A half-hour that straddles a
    handover counts for both shifts (its calls are shared in proportion to the minutes)."""
    day = plan.forecast.day
    start, end = _local_bounds(day, day)
    clock = ShiftClock()
    peaks = []
    for period in clock.periods_between(start, end):
        label = period.label if period.date == day else _("%(shift)s of the day before") % {"shift": period.label}
        peak = ShiftPeak(period.key, label)
        for interval in plan.intervals:
            first = datetime.combine(day, interval.start, tzinfo=start.tzinfo)
            last = first + timedelta(minutes=INTERVAL_MINUTES)
            overlap = (min(last, period.ends_at) - max(first, period.starts_at)).total_seconds()
            if overlap <= 0:
                continue
            peak.forecast += interval.forecast * overlap / (INTERVAL_MINUTES * 60)
            peak.agents = max(peak.agents, interval.staffing.agents)
            peak.scheduled = max(peak.scheduled, interval.scheduled)
        peaks.append(peak)
    return peaks
