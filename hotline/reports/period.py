"""Period reports (C9, S9): the calls and work orders of any range of local days, counted by the
database (GROUP BY over the date range; no row passes through Python), with the work-order KPIs.

What is counted — the same definitions on the page, in the export and in the API (``DEFINITIONS``):

* **Calls**: inbound calls that rang in the period (every outcome: answered, missed, abandoned …),
  by type, subject (and its group), outcome, operator, local day, hour of day and shift. A call
  without a type or subject (missed, or not logged yet) is "not classified".
* **Requests by source** (S9): the hotline's calls, plus the work orders received in the period from
  the other channels — the 12345 platform, internal (staff) and web. An order created from a call is
  counted once, as its call.
* **Work-order KPIs** are about the orders *received* in the period (their ``created_at``), as they
  stand now: the same orders for every KPI, each counted once, so the per-unit and per-source rows add
  up to the total. Cancelled orders (duplicates, withdrawn) are counted as received and cancelled and
  are left out of the sign-for and resolution rates.

  - 按时签收率 on-time sign-for rate = orders signed for by their sign-for deadline (``accepted_at ≤
    accept_due``) ÷ orders whose sign-for was due: dispatched to a unit (not waiting at the hotline as
    received or returned), not cancelled, with a deadline, and either signed for or past the deadline.
    A returned or reopened order is measured on its latest dispatch. A re-dispatch (改派) by the hotline
    counts one more sign-for due for the unit the order was taken from, on time only when that unit had
    signed for it by its deadline (and asked for the re-dispatch).
  - 按时到场率 on-time arrival rate = orders whose arrival on site was recorded by their on-site deadline
    (``onsite_at ≤ onsite_due``) ÷ orders whose arrival was due: with an on-site deadline (emergencies),
    dispatched to a unit, not cancelled, and either arrived or past the deadline. The deadline moves by the
    time the clock was paused before it (SLA pause); an order paused now is not past it.
  - 按时办结率 on-time resolution rate = orders resolved by their resolution deadline (``resolved_at ≤
    resolve_due``, the deadline after approved extensions and moved by the time its clock was paused (SLA
    pause, 挂起); a reopened order on its new deadline) ÷ orders whose resolution was due: not cancelled,
    with a deadline, and either resolved or past the deadline (an order paused now is not past it).
  - 退单率 return rate = returns ÷ dispatches, where a dispatch that the unit sent back is a return and
    dispatches = returns + orders now with a unit. Per unit: the returns by that unit (the unit the
    order was returned from) ÷ (its returns + the orders it has now).
  - 重办率 reopen rate = orders reopened after an unsatisfied callback ÷ orders resolved at least once.
  - 回访率 callback rate = orders called back ÷ orders resolved at least once. Called back means the
    customer was reached and gave their opinion; an order whose callback ended without it (not reached
    after the last try of the retry plan, a wrong number, or refused) is counted apart: it is resolved
    but not called back.
  - 满意率 satisfaction rate = orders whose latest callback found the customer satisfied or basically
    satisfied ÷ orders called back (the customers reached; those not reached or refusing are not in it).

  Per unit, an order counts for the unit that has it now (the last one it was dispatched to); orders
  never dispatched are "not dispatched".
* **Days, hours and shifts** are local (``TIME_ZONE``, Asia/Shanghai). Shifts are those of the shift plan
  (``shifts.ShiftDefinition``: 白班 08:15–17:30 and 夜班 17:30–08:15 by default), each belonging to the day
  it began: calls between 00:00 and 08:15 on the first day of the period are in the night shift of the
  day before.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.calls.models import Outcome
from hotline.core.errors import ValidationError
from hotline.org.models import Unit, User
from hotline.org.roles import Perm, require_perm
from hotline.reports.facts import ORDER_VECTOR, Facts, period_bounds
from hotline.reports.rollups import period_facts
from hotline.reports.sql import SLOT_SECONDS, slot_start
from hotline.workorders.models import RequestType, Source, Subject

MAX_DAYS = 731  # two years: a year compared with the one before
HOTLINE = "hotline"  # the source of the requests that are calls
NONE_KEY = "none"

DEFINITIONS = [
    ("calls", gettext_lazy("Calls"), gettext_lazy(
        "Inbound calls that rang in the period, whatever their outcome (answered, missed, abandoned). A call "
        "without a type or subject (missed, or not logged yet) is not classified.")),
    ("requests", gettext_lazy("Requests by source"), gettext_lazy(
        "The hotline's calls plus the work orders received in the period from the 12345 platform, from staff "
        "(internal) and from the web. An order created from a call is counted once, as its call.")),
    ("orders", gettext_lazy("Work orders"), gettext_lazy(
        "The KPIs are about the orders received in the period, as they stand now: each order counted once, so "
        "the rows per unit and per source add up to the total. An order counts for the unit that has it now; "
        "cancelled orders are left out of the sign-for and resolution rates.")),
    ("sign_rate", gettext_lazy("On-time sign-for rate (按时签收率)"), gettext_lazy(
        "Orders signed for by their sign-for deadline ÷ orders whose sign-for was due: dispatched to a unit, "
        "not cancelled, and either signed for or past the deadline. A returned or reopened order is measured "
        "on its latest dispatch. A re-dispatch (改派) by the hotline counts one more sign-for due for the unit the "
        "order was taken from, on time only when that unit had signed for it in time and asked for the "
        "re-dispatch.")),
    ("onsite_rate", gettext_lazy("On-time arrival rate (按时到场率)"), gettext_lazy(
        "Orders whose arrival on site was recorded by their on-site deadline ÷ orders whose arrival was due: "
        "orders with an on-site deadline (emergencies: 30 minutes urban, 50 suburban), dispatched to a unit, not "
        "cancelled, and either arrived or past the deadline. The deadline moves by the time the clock was paused "
        "before it, and an order whose clock is paused now is not past it.")),
    ("resolve_rate", gettext_lazy("On-time resolution rate (按时办结率)"), gettext_lazy(
        "Orders resolved by their resolution deadline (after approved extensions, and moved by the time the "
        "clock was paused) ÷ orders whose resolution was due: not cancelled, and either resolved or past the "
        "deadline (an order whose clock is paused now is not past it).")),
    ("return_rate", gettext_lazy("Return rate (退单率)"), gettext_lazy(
        "Returns ÷ dispatches (a dispatch the unit sent back is a return; dispatches = returns + orders now with "
        "a unit). Per unit: the orders it returned ÷ (those + the orders it has now).")),
    ("reopen_rate", gettext_lazy("Reopen rate (重办率)"), gettext_lazy(
        "Orders reopened after an unsatisfied callback ÷ orders resolved at least once.")),
    ("callback_rate", gettext_lazy("Callback rate (回访率)"), gettext_lazy(
        "Orders called back (the customer reached and giving an opinion) ÷ orders resolved at least once. An "
        "order whose callback ended without reaching the customer (not reached after the last try, wrong number, "
        "refused) counts apart: resolved, not called back.")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate (满意率)"), gettext_lazy(
        "Orders whose latest callback found the customer satisfied or basically satisfied ÷ orders called "
        "back (customers not reached or refusing are not counted).")),
    ("time", gettext_lazy("Days, hours and shifts"), gettext_lazy(
        "Local time. Shifts are those of the shift plan (by default day 08:15–17:30, night 17:30–08:15), each "
        "belonging to the day it began: calls early on the first day may be in a shift of the day before.")),
]


# --- shifts ----------------------------------------------------------------------------------------

class ShiftClock:
    """The shifts of the shift plan (``shifts.ShiftDefinition``) for a report: which shift a moment is in,
    and every shift that overlaps a range. The one place the reports learn shift times from."""

    def __init__(self):
        from hotline.shifts.selectors import active_definitions, shift_locator

        self.definitions = active_definitions()
        self.locate = shift_locator(self.definitions)

    def columns(self) -> list[tuple[str, str]]:
        return [(d.code, d.label) for d in self.definitions]

    def periods_between(self, start: datetime, end: datetime) -> list:
        from hotline.shifts.selectors import shift_periods_between

        return shift_periods_between(start, end)

    @property
    def slot_seconds(self) -> int:
        """Quarter-hours when every boundary is on one (the default shifts), else minutes (see reports.sql)."""
        on_quarters = all(t.minute % 15 == 0 and t.second == 0 and t.microsecond == 0
                          for d in self.definitions for t in (d.start, d.end))
        return SLOT_SECONDS if on_quarters else 60


# --- results ---------------------------------------------------------------------------------------

def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


ORDER_COUNTS = ("received", "cancelled", "open", "overdue_open", "sign_due", "signed_on_time", "resolve_due",
                "resolved_on_time", "with_unit", "returns", "resolved_now", "reopened", "reopened_unresolved",
                "called_back", "satisfied", "basic", "unsatisfied", "onsite_due", "onsite_on_time")


@dataclass
class OrderKpis:
    """The counts behind the work-order KPIs of a set of orders (see the module's docstring)."""

    key: str = ""
    label: str = ""
    received: int = 0
    cancelled: int = 0
    open: int = 0
    overdue_open: int = 0  # open and past a deadline
    sign_due: int = 0
    signed_on_time: int = 0
    resolve_due: int = 0
    resolved_on_time: int = 0
    with_unit: int = 0  # orders that a unit has now
    returns: int = 0
    resolved_now: int = 0  # resolved and not reopened since
    reopened: int = 0  # orders reopened at least once
    reopened_unresolved: int = 0  # … that are not resolved again yet
    called_back: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    onsite_due: int = 0  # orders whose arrival on site was due (an on-site deadline, arrived or past it)
    onsite_on_time: int = 0

    def add(self, other: "OrderKpis") -> None:
        for name in ORDER_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def dispatches(self) -> int:
        return self.returns + self.with_unit

    @property
    def resolved(self) -> int:
        """Orders resolved at least once (a reopened order was resolved before)."""
        return self.resolved_now + self.reopened_unresolved

    @property
    def callback_answers(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def sign_rate(self) -> float | None:
        return rate(self.signed_on_time, self.sign_due)

    @property
    def onsite_rate(self) -> float | None:
        return rate(self.onsite_on_time, self.onsite_due)

    @property
    def resolve_rate(self) -> float | None:
        return rate(self.resolved_on_time, self.resolve_due)

    @property
    def return_rate(self) -> float | None:
        return rate(self.returns, self.dispatches)

    @property
    def reopen_rate(self) -> float | None:
        return rate(self.reopened, self.resolved)

    @property
    def callback_rate(self) -> float | None:
        return rate(self.called_back, self.resolved)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied + self.basic, self.callback_answers)

    def as_dict(self) -> dict:
        out = {"key": self.key, "label": self.label}
        out.update({name: getattr(self, name) for name in ORDER_COUNTS})
        out.update({"dispatches": self.dispatches, "resolved": self.resolved,
                    "sign_rate": self.sign_rate, "onsite_rate": self.onsite_rate, "resolve_rate": self.resolve_rate,
                    "return_rate": self.return_rate, "reopen_rate": self.reopen_rate,
                    "callback_rate": self.callback_rate, "satisfaction_rate": self.satisfaction_rate})
        return out


@dataclass
class CountRow:
    key: str
    label: str
    count: int = 0
    group: str = ""  # subjects: the group's label
    answered: int = 0

    def as_dict(self) -> dict:
        out = {"key": self.key, "label": self.label, "count": self.count}
        if self.group:
            out["group"] = self.group
        return out


@dataclass
class OperatorRow:
    key: str
    label: str
    calls: int = 0
    answered: int = 0
    orders_created: int = 0
    talk_seconds: float = 0.0
    talked: int = 0  # answered calls with an end (their talk time is known)

    @property
    def average_talk(self) -> float | None:
        return round(self.talk_seconds / self.talked, 1) if self.talked else None

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "calls": self.calls, "answered": self.answered,
                "orders_created": self.orders_created, "average_talk": self.average_talk}


@dataclass
class SourceRow:
    """Requests of one type or subject, by source (hotline calls, 12345, internal, web)."""

    key: str
    label: str
    group: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self, sources) -> dict:
        out = {"key": self.key, "label": self.label, "total": self.total,
               "by_source": {key: self.counts.get(key, 0) for key, _label in sources}}
        if self.group:
            out["group"] = self.group
        return out


@dataclass
class DayRow:
    day: date
    calls: int = 0
    answered: int = 0
    shifts: dict[str, int] = field(default_factory=dict)  # calls of the shifts that began this day, by code
    orders: dict[str, int] = field(default_factory=dict)  # received, by source

    @property
    def key(self) -> str:
        return self.day.isoformat()

    def as_dict(self) -> dict:
        return {"day": self.key, "calls": self.calls, "answered": self.answered, "shifts": dict(self.shifts),
                "orders_by_source": dict(self.orders)}


@dataclass
class HourRow:
    hour: int
    calls: int = 0
    answered: int = 0
    days: int = 1

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00–{(self.hour + 1) % 24:02d}:00"

    @property
    def per_day(self) -> float:
        return round(self.calls / self.days, 1)

    def as_dict(self) -> dict:
        return {"hour": self.hour, "label": self.label, "calls": self.calls, "answered": self.answered,
                "per_day": self.per_day}


@dataclass
class ShiftRow:
    key: str  # the day it began and the shift's code, e.g. 2026-11-24-night; "none": outside any shift
    label: str
    code: str = ""
    day: date | None = None
    calls: int = 0
    answered: int = 0
    partial: bool = False  # the period covers only part of this shift

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "shift": self.code, "day": self.day.isoformat() if self.day else None,
                "calls": self.calls, "answered": self.answered, "partial": self.partial}


@dataclass
class PeriodReport:
    date_from: date
    date_to: date
    generated_at: datetime
    sources: list[tuple[str, str]]
    calls: int = 0
    calls_answered: int = 0
    calls_by_type: list[CountRow] = field(default_factory=list)
    calls_by_group: list[CountRow] = field(default_factory=list)
    calls_by_subject: list[CountRow] = field(default_factory=list)
    calls_by_outcome: list[CountRow] = field(default_factory=list)
    calls_by_operator: list[OperatorRow] = field(default_factory=list)
    days: list[DayRow] = field(default_factory=list)
    hours: list[HourRow] = field(default_factory=list)
    shifts: list[ShiftRow] = field(default_factory=list)
    shift_columns: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the shift plan
    requests_by_source: list[CountRow] = field(default_factory=list)
    requests_by_type: list[SourceRow] = field(default_factory=list)
    requests_by_subject: list[SourceRow] = field(default_factory=list)
    orders: OrderKpis = field(default_factory=OrderKpis)
    orders_by_unit: list[OrderKpis] = field(default_factory=list)
    orders_by_source: list[OrderKpis] = field(default_factory=list)

    @property
    def day_count(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def requests(self) -> int:
        return sum(row.count for row in self.requests_by_source)

    @property
    def shift_totals(self) -> list[tuple[str, int]]:
        """(shift name, calls) over the period, in the plan's order."""
        totals = {code: 0 for code, _name in self.shift_columns}
        for row in self.shifts:
            if row.code in totals:
                totals[row.code] += row.calls
        return [(name, totals[code]) for code, name in self.shift_columns]

    @property
    def calls_in_earlier_shifts(self) -> int:
        """Calls early on the first day that are in a shift of the day before."""
        return sum(row.calls for row in self.shifts if row.day is not None and row.day < self.date_from)

    def as_dict(self) -> dict:
        return {
            "date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "sources": [{"key": k, "label": label} for k, label in self.sources],
            "shift_plan": [{"code": code, "name": name} for code, name in self.shift_columns],
            "calls": {"total": self.calls, "answered": self.calls_answered,
                      "by_type": [r.as_dict() for r in self.calls_by_type],
                      "by_group": [r.as_dict() for r in self.calls_by_group],
                      "by_subject": [r.as_dict() for r in self.calls_by_subject],
                      "by_outcome": [r.as_dict() for r in self.calls_by_outcome],
                      "by_operator": [r.as_dict() for r in self.calls_by_operator],
                      "by_day": [r.as_dict() for r in self.days],
                      "by_hour": [r.as_dict() for r in self.hours],
                      "by_shift": [r.as_dict() for r in self.shifts]},
            "requests": {"total": self.requests,
                         "by_source": [r.as_dict() for r in self.requests_by_source],
                         "by_type": [r.as_dict(self.sources) for r in self.requests_by_type],
                         "by_subject": [r.as_dict(self.sources) for r in self.requests_by_subject]},
            "orders": {"total": self.orders.as_dict(),
                       "by_unit": [r.as_dict() for r in self.orders_by_unit],
                       "by_source": [r.as_dict() for r in self.orders_by_source]},
            "definitions": {key: str(text) for key, _title, text in DEFINITIONS},
        }


# --- the report ------------------------------------------------------------------------------------

def check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from is None or date_to is None or date_to < date_from:
        raise ValidationError(_("The period is not valid."), fields={"date_to": _("Choose a later day.")})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(_("Choose at most two years."), fields={"date_from": _("Choose a later day.")})


def sources() -> list[tuple[str, str]]:
    """The columns of "requests by source": hotline calls first, then the order sources other than calls."""
    return [(HOTLINE, _("Hotline calls"))] + [(s.value, str(s.label)) for s in Source if s != Source.CALL]


def period_report(*, actor, date_from: date, date_to: date, rollups: bool = True,
                  now: datetime | None = None) -> PeriodReport:
    """The report of the local days ``date_from`` to ``date_to`` (both included) as of ``now`` (the work-order
    KPIs depend on the deadlines passed). Closed days come from their rollups (``reports.rollups``;
    ``rollups=False`` counts every day from the records)."""
    require_perm(actor, Perm.REPORT_VIEW)
    check_period(date_from, date_to)
    start, end = period_bounds(date_from, date_to)
    now = now or timezone.now()
    report = PeriodReport(date_from=date_from, date_to=date_to, generated_at=now, sources=sources())
    clock = ShiftClock()
    facts = period_facts(date_from, date_to, now, slot_seconds=clock.slot_seconds, rollups=rollups)
    names = _Names()
    _calls(report, facts, names)
    _call_times(report, facts, clock, start, end)
    _orders(report, facts, names)
    _order_days(report, facts)
    return report


class _Names:
    """Labels of types, subjects, units and operators, read once per report (a few small queries)."""

    def __init__(self):
        types = list(RequestType.objects.values_list("pk", "name"))  # in the catalogue's order
        self.types = dict(types)
        self.type_order = {pk: n for n, (pk, _name) in enumerate(types)}
        subjects = list(Subject.objects.values_list("pk", "name", "group_id"))
        self.subjects = {pk: name for pk, name, _g in subjects}
        self.group_of = {pk: (group or pk) for pk, _n, group in subjects}
        self._units: dict[int, str] | None = None

    def unit(self, pk) -> str:
        if self._units is None:
            self._units = dict(Unit.objects.values_list("pk", "name"))
        return self._units.get(pk, "") if pk is not None else _("Not dispatched")

    def units_by_name(self) -> dict[str, int]:
        self.unit(None)
        return {name: pk for pk, name in self._units.items()}

    def type(self, pk) -> str:
        return self.types.get(pk, "") if pk is not None else _("Not classified")

    def subject(self, pk) -> str:
        return self.subjects.get(pk, "") if pk is not None else _("Not classified")


def _sorted_counts(counts: dict, label, order: dict | None = None) -> list[CountRow]:
    """Rows by descending count (or in ``order``), the unclassified last."""
    rows = [CountRow(key=str(k) if k is not None else NONE_KEY, label=label(k), count=n) for k, n in counts.items()]
    if order is not None:
        rows.sort(key=lambda r: (r.key == NONE_KEY, order.get(int(r.key), 9999) if r.key != NONE_KEY else 0))
    else:
        rows.sort(key=lambda r: (r.key == NONE_KEY, -r.count, r.label))
    return rows


def _calls(report: PeriodReport, facts: Facts, names: _Names) -> None:
    """Calls by type, subject and group, outcome and operator."""
    by_type: dict = defaultdict(int)
    by_subject: dict = defaultdict(int)
    by_group: dict = defaultdict(int)
    for type_id, subject_id, (n,) in facts.rows("call_ts"):
        by_type[type_id] += int(n)
        by_subject[subject_id] += int(n)
        by_group[names.group_of.get(subject_id) if subject_id is not None else None] += int(n)
    by_outcome = {outcome: int(n) for outcome, _k, (n,) in facts.rows("call_outcome")}
    operators: dict = {}
    for operator_id, _k, (n, answered, created, talk, talked) in facts.rows("call_operator"):
        operators[operator_id] = OperatorRow(key=str(operator_id or NONE_KEY), label="", calls=int(n),
                                             answered=int(answered), orders_created=int(created),
                                             talk_seconds=float(talk), talked=int(talked))
        report.calls += int(n)
        report.calls_answered += int(answered)
    report.calls_by_type = _sorted_counts(by_type, names.type, names.type_order)
    report.calls_by_group = _sorted_counts(by_group, names.subject)
    report.calls_by_subject = _sorted_counts(by_subject, names.subject)
    for row in report.calls_by_subject:
        if row.key != NONE_KEY:
            row.group = names.subject(names.group_of.get(int(row.key)))
    outcome_labels = dict(Outcome.choices)
    report.calls_by_outcome = _sorted_counts(by_outcome, lambda k: str(outcome_labels.get(k, k)))
    staff = {pk: name or username for pk, name, username in
             User.objects.filter(pk__in=[pk for pk in operators if pk is not None])
             .values_list("pk", "full_name", "username")}
    for pk, row in operators.items():
        row.label = staff.get(pk, "") if pk is not None else _("No operator")
    report.calls_by_operator = sorted(operators.values(), key=lambda r: (r.key == NONE_KEY, -r.calls, r.label))
    report.requests_by_type = [SourceRow(key=r.key, label=r.label, counts={HOTLINE: r.count})
                               for r in report.calls_by_type]
    report.requests_by_subject = [SourceRow(key=r.key, label=r.label, group=r.group, counts={HOTLINE: r.count})
                                  for r in report.calls_by_subject]


def _call_times(report: PeriodReport, facts: Facts, clock: ShiftClock, start: datetime, end: datetime) -> None:
    """Calls by local day, hour of day and shift, from their UTC quarter-hours (see ``reports.sql``)."""
    tz = timezone.get_current_timezone()
    report.shift_columns = clock.columns()
    days = {row.day: row for row in _day_rows(report)}
    hours = [HourRow(hour=h, days=report.day_count) for h in range(24)]
    periods = clock.periods_between(start, end)
    shifts = {period.key: ShiftRow(key=period.key, label=f"{period.date.isoformat()} {period.label}",
                                   code=period.definition.code, day=period.date,
                                   partial=period.starts_at < start or period.ends_at > end)
              for period in periods}
    # The slots come in time order: a slot is in the shift of the one before unless it left that shift or
    # another shift began in between (only a later start can take a moment from its shift).
    starts = sorted(period.starts_at for period in periods)
    period, next_start = None, 0
    for slot, _k, (n, answered) in sorted(facts.rows("call_slot")):
        n, answered = int(n), int(answered)
        local = slot_start(slot, facts.slot_seconds).astimezone(tz)
        began = False
        while next_start < len(starts) and starts[next_start] <= local:
            next_start, began = next_start + 1, True
        day = days[local.date()]
        day.calls += n
        day.answered += answered
        hour = hours[local.hour]
        hour.calls += n
        hour.answered += answered
        if period is None or began or not period.contains(local):
            period = clock.locate(local)
            key = period.key if period is not None else NONE_KEY
            row = shifts.get(key)
            if row is None:  # a moment that no shift covers (the plan leaves a gap)
                row = shifts[key] = ShiftRow(key=key, label=_("outside any shift"))
            began_on = days.get(period.date) if period is not None else None  # the day the shift began
        row.calls += n
        row.answered += answered
        if began_on is not None:
            began_on.shifts[row.code] = began_on.shifts.get(row.code, 0) + n
    report.hours = hours
    # Every shift that overlaps the period, in time order; one of the day before only when it had calls.
    report.shifts = [row for row in shifts.values()
                     if row.calls or (row.day is not None and row.day >= report.date_from)]


def _day_rows(report: PeriodReport) -> list[DayRow]:
    if not report.days:
        report.days = [DayRow(day=report.date_from + timedelta(days=n)) for n in range(report.day_count)]
    return report.days


def _kpis(values) -> OrderKpis:
    return OrderKpis(**{name: int(v) for name, v in zip(ORDER_VECTOR, values, strict=True)})


def _orders(report: PeriodReport, facts: Facts, names: _Names) -> None:
    """The work-order KPIs in total, per unit (returns for the unit they came from) and per source."""
    by_unit: dict = {}
    by_source: dict = {}
    for unit_id, _k, values in facts.rows("order_unit"):
        _kpi_row(by_unit, unit_id, names.unit).add(_kpis(values))
    for source, _k, values in facts.rows("order_source"):
        _kpi_row(by_source, source, _source_label).add(_kpis(values))
    unit_ids = None
    for from_unit, _k, (n,) in facts.rows("order_return"):
        if unit_ids is None:
            unit_ids = names.units_by_name()
        unit_id = unit_ids.get(from_unit)
        if unit_id is None:  # a unit renamed since: its row under the name the event recorded
            row = by_unit.setdefault(f"name:{from_unit}", OrderKpis(key=f"name:{from_unit}", label=from_unit or "?"))
        else:
            row = _kpi_row(by_unit, unit_id, names.unit)
        row.returns += int(n)
    for from_unit, _k, (n, on_time) in facts.rows("order_redispatch"):
        if unit_ids is None:
            unit_ids = names.units_by_name()
        unit_id = unit_ids.get(from_unit)
        if unit_id is None:
            row = by_unit.setdefault(f"name:{from_unit}", OrderKpis(key=f"name:{from_unit}", label=from_unit or "?"))
        else:
            row = _kpi_row(by_unit, unit_id, names.unit)
        row.sign_due += int(n)
        row.signed_on_time += int(on_time)
    total = OrderKpis(key="total", label=_("Total"))
    for row in by_source.values():
        total.add(row)
    report.orders = total
    report.orders_by_unit = sorted(by_unit.values(), key=lambda r: (r.key == NONE_KEY, -r.received, r.label))
    order = {s.value: n for n, s in enumerate(Source)}
    report.orders_by_source = sorted(by_source.values(), key=lambda r: order.get(r.key, 99))
    requests_type: dict = defaultdict(lambda: defaultdict(int))
    requests_subject: dict = defaultdict(lambda: defaultdict(int))
    for type_id, source, (n,) in facts.rows("request_type"):
        requests_type[type_id][source] += int(n)
    for subject_id, source, (n,) in facts.rows("request_subject"):
        requests_subject[subject_id][source] += int(n)
    _merge_requests(report, requests_type, requests_subject, names)


def _source_label(source) -> str:
    return str(dict(Source.choices).get(source, source))


def _kpi_row(rows: dict, key, label) -> OrderKpis:
    row = rows.get(key)
    if row is None:
        row = rows[key] = OrderKpis(key=str(key) if key is not None else NONE_KEY, label=label(key))
    return row


def _merge_requests(report: PeriodReport, by_type: dict, by_subject: dict, names: _Names) -> None:
    """Add the orders from the other channels to the requests by type and subject, and total by source."""
    def merge(rows: list[SourceRow], counts: dict, label, group=None) -> list[SourceRow]:
        index = {row.key: row for row in rows}
        for key, per_source in counts.items():
            k = str(key) if key is not None else NONE_KEY
            row = index.get(k)
            if row is None:
                row = index[k] = SourceRow(key=k, label=label(key), group=group(key) if group else "")
                rows.append(row)
            for source, n in per_source.items():
                row.counts[source] = row.counts.get(source, 0) + n
        return rows

    report.requests_by_type = merge(report.requests_by_type, by_type, names.type)
    report.requests_by_type.sort(key=lambda r: (r.key == NONE_KEY,
                                                names.type_order.get(int(r.key), 99) if r.key != NONE_KEY else 0))
    report.requests_by_subject = merge(report.requests_by_subject, by_subject, names.subject,
                                       lambda k: names.subject(names.group_of.get(k)) if k is not None else "")
    report.requests_by_subject.sort(key=lambda r: (r.key == NONE_KEY, -r.total, r.label))
    totals = defaultdict(int)
    for row in report.requests_by_type:
        for source, n in row.counts.items():
            totals[source] += n
    report.requests_by_source = [CountRow(key=key, label=label, count=totals.get(key, 0))
                                 for key, label in report.sources]


def _order_days(report: PeriodReport, facts: Facts) -> None:
    """Orders received per local day and source."""
    days = {row.key: row for row in _day_rows(report)}
    for day, source, (n,) in facts.rows("order_day"):
        row = days[day]
        row.orders[source] = row.orders.get(source, 0) + int(n)
