"""Connection KPIs (接通率) from the PBX's data: calls offered, answered, answered within 15 seconds
(15秒接通率, GB/T 33358-2016), abandoned, missed, average wait and average handle time, by hour of day,
by shift or by day. Only calls the PBX reported count: a call logged by hand has no waiting time."""

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.calls.models import Call, Direction, EndCause, Outcome
from hotline.core.errors import ValidationError
from hotline.org.roles import Perm, require_perm

ANSWER_TARGET_SECONDS = 15
MAX_DAYS = 366
GROUPS = {"hour": gettext_lazy("Hour of day"), "shift": gettext_lazy("Shift"), "day": gettext_lazy("Day")}


@dataclass
class KpiRow:
    key: str
    label: str
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    missed: int = 0
    wait_total: int = 0  # seconds waited by the answered calls
    handle_total: int = 0  # seconds of conversation of the answered calls that ended
    handled: int = 0

    def add(self, *, answered: bool, wait: int | None, handle: int | None, outcome: str) -> None:
        self.offered += 1
        if answered:
            self.answered += 1
            self.wait_total += wait or 0
            if wait is not None and wait <= ANSWER_TARGET_SECONDS:
                self.answered_in_target += 1
            if handle is not None:
                self.handle_total += handle
                self.handled += 1
        elif outcome == Outcome.ABANDONED:
            self.abandoned += 1
        else:
            self.missed += 1

    def merge(self, other: "KpiRow") -> None:
        for name in ("offered", "answered", "answered_in_target", "abandoned", "missed", "wait_total",
                     "handle_total", "handled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def answer_rate(self) -> float | None:
        """接通率: answered / offered."""
        return self._rate(self.answered, self.offered)

    @property
    def service_level(self) -> float | None:
        """15秒接通率: answered within 15 s / offered."""
        return self._rate(self.answered_in_target, self.offered)

    @property
    def abandon_rate(self) -> float | None:
        return self._rate(self.abandoned, self.offered)

    @property
    def average_wait(self) -> float | None:
        """Average speed of answer (seconds), over the answered calls."""
        return round(self.wait_total / self.answered, 1) if self.answered else None

    @property
    def average_handle(self) -> float | None:
        """Average handle (talk) time in seconds, over the answered calls that ended."""
        return round(self.handle_total / self.handled, 1) if self.handled else None

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "offered": self.offered, "answered": self.answered,
                "answered_in_target": self.answered_in_target, "abandoned": self.abandoned, "missed": self.missed,
                "answer_rate": self.answer_rate, "service_level": self.service_level,
                "abandon_rate": self.abandon_rate, "average_wait": self.average_wait,
                "average_handle": self.average_handle}


@dataclass
class KpiReport:
    date_from: date
    date_to: date
    group: str
    rows: list[KpiRow] = field(default_factory=list)
    total: KpiRow = field(default_factory=lambda: KpiRow(key="total", label=_("Total")))


def connection_kpis(*, actor, date_from: date, date_to: date, group: str = "hour") -> KpiReport:
    """The KPIs of the PBX's inbound calls that rang between the two days (local time, both included)."""
    require_perm(actor, Perm.CALL_KPI_VIEW)
    if group not in GROUPS:
        raise ValidationError(_("Group by hour, shift or day."), fields={"group": _("Choose one.")})
    if date_from is None or date_to is None or date_to < date_from:
        raise ValidationError(_("The period is not valid."), fields={"date_to": _("Choose a later day.")})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(_("Choose at most a year."), fields={"date_from": _("Choose a later day.")})
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    report = KpiReport(date_from=date_from, date_to=date_to, group=group)
    rows = _empty_rows(group, date_from, date_to, start, end)
    locate = _shift_locator() if group == "shift" else None
    calls = (Call.objects.filter(ringing_at__gte=start, ringing_at__lt=end, direction=Direction.INBOUND)
             .exclude(line_state="")
             .values_list("ringing_at", "answered_at", "ended_at", "wait_seconds", "end_cause", "outcome"))
    for ringing_at, answered_at, ended_at, wait, cause, outcome in calls.iterator(chunk_size=5000):
        local = timezone.localtime(ringing_at, tz)
        key, label = _bucket(group, local, locate)
        row = rows.get(key)
        if row is None:  # a night shift that began the evening before the period
            row = rows[key] = KpiRow(key=key, label=label)
            rows.move_to_end(key, last=False)
        answered = answered_at is not None or cause == EndCause.ANSWERED
        handle = round((ended_at - answered_at).total_seconds()) if answered_at and ended_at else None
        row.add(answered=answered, wait=wait, handle=handle, outcome=outcome)
    report.rows = list(rows.values())
    for row in report.rows:
        report.total.merge(row)
    return report


def _empty_rows(group: str, date_from: date, date_to: date, start: datetime,
                end: datetime) -> "OrderedDict[str, KpiRow]":
    from hotline.shifts.selectors import shift_periods_between

    rows: OrderedDict[str, KpiRow] = OrderedDict()
    if group == "hour":
        for hour in range(24):
            rows[f"{hour:02d}"] = KpiRow(key=f"{hour:02d}", label=f"{hour:02d}:00–{(hour + 1) % 24:02d}:00")
    elif group == "day":
        day = date_from
        while day <= date_to:
            rows[day.isoformat()] = KpiRow(key=day.isoformat(), label=day.isoformat())
            day += timedelta(days=1)
    else:  # the shifts (SHIFT definitions: 白班, 夜班 …) that begin on the period's days
        for period in shift_periods_between(start, end):
            if date_from <= period.date <= date_to:
                rows[period.key] = KpiRow(key=period.key, label=_shift_label(period))
    return rows


def _shift_label(period) -> str:
    return f"{period.date.isoformat()} {period.name}"


def _shift_locator():
    from hotline.shifts.selectors import shift_locator

    return shift_locator()


def _bucket(group: str, local: datetime, locate=None) -> tuple[str, str]:
    if group == "hour":
        return f"{local.hour:02d}", ""
    if group == "day":
        return local.date().isoformat(), local.date().isoformat()
    period = locate(local)
    if period is None:  # a moment no shift covers (the definitions leave a gap)
        return "none", _("outside any shift")
    return period.key, _shift_label(period)
