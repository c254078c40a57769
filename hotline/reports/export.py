"""Exports of a period: the report's tables (one sheet each), or its records — the calls, or the work
orders, one row each — as XLSX (reports/xlsx.py: rows are streamed to a temporary file, never held in
memory) or CSV (UTF-8 with a byte-order mark, so that Excel reads the Chinese correctly).

Records carry no personal data (no caller numbers, names or addresses): the report's readers need
not see them, and an export leaves the system's audit."""

import csv
import io
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.calls.models import Outcome
from hotline.core.errors import ValidationError
from hotline.org.models import Unit, User
from hotline.org.roles import Perm, require_perm
from hotline.reports import facts
from hotline.reports import period as p
from hotline.reports.sql import Seconds
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

MAX_ROWS = 1_000_000  # an Excel sheet holds 1,048,576 rows
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
CHUNK = 5000


@dataclass
class Table:
    title: str  # the sheet's name (at most 31 characters) and the CSV section's heading
    header: list[str]
    rows: Iterable[list]


@dataclass
class Export:
    filename: str
    content_type: str
    chunks: Iterator[bytes] | None = None  # CSV: streamed
    file: object = None  # XLSX: a temporary file, positioned at its start


# --- writers ---------------------------------------------------------------------------------------

def _cell(value):
    """Values as a sheet shows them: local times without a zone (Excel has none), no None."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return value


def write_xlsx(tables: Iterable[Table]):
    """An XLSX workbook of ``tables`` in a temporary file (one sheet each: a bold header, then the rows),
    written by the streaming writer of reports/xlsx.py."""
    from hotline.reports.xlsx import write_workbook

    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — handed to the response, which closes it
    write_workbook(out, ((_sheet_name(t.title), t.header, ([_cell(v) for v in row] for row in t.rows))
                         for t in tables))
    out.seek(0)
    return out


def _sheet_name(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31]


def write_csv(tables: list[Table]) -> Iterator[bytes]:
    """CSV as UTF-8 with a byte-order mark. One table: its header and rows. Several: each under a line
    with its title, separated by an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    several = len(tables) > 1
    for n, table in enumerate(tables):
        if several:
            if n:
                writer.writerow([])
            writer.writerow([safe_csv_text(table.title)])
        writer.writerow([safe_csv_text(str(h)) for h in table.header])
        for count, row in enumerate(table.rows, start=1):
            writer.writerow([_csv_value(v) for v in row])
            if count % 1000 == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return safe_csv_text(value)
    return value  # numbers stay numbers (-3 is a number, not a formula)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_text(text: str) -> str:
    """A text cell that a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return
    before one) gets a leading apostrophe, so that it is shown as typed and never run (CSV injection:
    a caller's "summary" of ``=HYPERLINK(…)`` in an export opened in Excel). Only text: numbers are
    written as numbers."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _percent(value: float | None):
    return None if value is None else round(value * 100, 1)


# --- the report's tables ---------------------------------------------------------------------------

def report_tables(report: p.PeriodReport) -> list[Table]:
    src = report.sources
    kpi_header = [_("Received"), _("Cancelled"), _("Open"), _("Open and overdue"), _("Sign-for due"),
                  _("Signed for on time"), _("On-time sign-for rate (%)"), _("On-site due"), _("Arrived on time"),
                  _("On-time arrival rate (%)"), _("Resolution due"), _("Resolved on time"),
                  _("On-time resolution rate (%)"), _("Dispatches"), _("Returns"), _("Return rate (%)"),
                  _("Resolved"), _("Reopened"), _("Reopen rate (%)"), _("Called back"), _("Callback rate (%)"),
                  _("Satisfied"), _("Basically satisfied"), _("Unsatisfied"), _("Satisfaction rate (%)")]

    def kpi_row(k: p.OrderKpis) -> list:
        return [k.received, k.cancelled, k.open, k.overdue_open, k.sign_due, k.signed_on_time,
                _percent(k.sign_rate), k.onsite_due, k.onsite_on_time, _percent(k.onsite_rate), k.resolve_due, k.resolved_on_time, _percent(k.resolve_rate), k.dispatches,
                k.returns, _percent(k.return_rate), k.resolved, k.reopened, _percent(k.reopen_rate), k.called_back,
                _percent(k.callback_rate), k.satisfied, k.basic, k.unsatisfied, _percent(k.satisfaction_rate)]

    summary = [
        [_("Period"), f"{report.date_from.isoformat()} – {report.date_to.isoformat()}"],
        [_("Generated"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")],
        [_("Calls"), report.calls], [_("Answered"), report.calls_answered],
        *[[row.label, row.count] for row in report.requests_by_source],
        [_("Requests"), report.requests],
        [_("Work orders received"), report.orders.received],
        *[[str(title), _percent(getattr(report.orders, key))] for key, title, _text in p.DEFINITIONS
          if key.endswith("_rate")],
        [],
        *[[str(title), str(text)] for _key, title, text in p.DEFINITIONS],
    ]
    return [
        Table(_("Report summary"), [_("Item"), _("Value")], summary),
        Table(_("Requests by type"), [_("Type"), *[label for _k, label in src], _("Total")],
              [[r.label, *[r.counts.get(k, 0) for k, _l in src], r.total] for r in report.requests_by_type]),
        Table(_("Requests by subject"), [_("Group"), _("Subject"), *[label for _k, label in src], _("Total")],
              [[r.group, r.label, *[r.counts.get(k, 0) for k, _l in src], r.total]
               for r in report.requests_by_subject]),
        Table(_("Calls by day"), [_("Day"), _("Calls"), _("Answered"), *[name for _c, name in report.shift_columns],
                                  *[label for k, label in src if k != p.HOTLINE]],
              [[d.key, d.calls, d.answered, *[d.shifts.get(code, 0) for code, _n in report.shift_columns],
                *[d.orders.get(k, 0) for k, _l in src if k != p.HOTLINE]] for d in report.days]),
        Table(_("Calls by hour"), [_("Hour"), _("Calls"), _("Answered"), _("Per day")],
              [[h.label, h.calls, h.answered, h.per_day] for h in report.hours]),
        Table(_("Calls by shift"), [_("Shift"), _("Calls"), _("Answered"), _("Partly in the period")],
              [[s.label, s.calls, s.answered, _("yes") if s.partial else ""] for s in report.shifts]),
        Table(_("Calls by type"), [_("Type"), _("Calls")], [[r.label, r.count] for r in report.calls_by_type]),
        Table(_("Calls by subject"), [_("Group"), _("Subject"), _("Calls")],
              [[r.group, r.label, r.count] for r in report.calls_by_subject]),
        Table(_("Calls by outcome"), [_("Outcome"), _("Calls")], [[r.label, r.count] for r in report.calls_by_outcome]),
        Table(_("Calls by operator"), [_("Operator"), _("Calls"), _("Answered"), _("Orders created"),
                                       _("Average talk time (s)")],
              [[r.label, r.calls, r.answered, r.orders_created, r.average_talk] for r in report.calls_by_operator]),
        Table(_("Orders by unit"), [_("Unit"), *kpi_header], [[r.label, *kpi_row(r)] for r in report.orders_by_unit]
              + [[report.orders.label, *kpi_row(report.orders)]]),
        Table(_("Orders by source"), [_("Source"), *kpi_header],
              [[r.label, *kpi_row(r)] for r in report.orders_by_source]),
    ]


# --- the records -----------------------------------------------------------------------------------

def _labels(model, field: str = "name") -> dict:
    return dict(model.objects.values_list("pk", field))


def call_records(start: datetime, end: datetime) -> tuple[int, Table]:
    """The inbound calls of the period, oldest first (no caller numbers)."""
    calls = facts.inbound_calls(start, end)
    count = calls.count()
    types, subjects = _labels(RequestType), _labels(Subject)
    staff = {pk: name or username for pk, name, username in User.objects.values_list("pk", "full_name", "username")}
    outcomes = {k: str(v) for k, v in Outcome.choices}

    def rows():
        values = (calls.order_by("ringing_at", "id")
                  .annotate(talk=Seconds("answered_at", "ended_at"))
                  .values_list("ringing_at", "request_type_id", "subject_id", "outcome", "operator_id", "wait_seconds",
                               "talk", "work_order__number", "outage__number"))
        for ringing_at, type_id, subject_id, outcome, operator_id, wait, talk, order, outage in values.iterator(
                chunk_size=CHUNK):
            yield [ringing_at, types.get(type_id, ""), subjects.get(subject_id, ""), outcomes.get(outcome, outcome),
                   staff.get(operator_id, ""), wait, None if talk is None else round(talk), order or "", outage or ""]

    header = [_("Rang at"), _("Type"), _("Subject"), _("Outcome"), _("Operator"), _("Waited (s)"), _("Talked (s)"),
              _("Work order"), _("Outage")]
    return count, Table(_("Calls"), header, rows())


def order_records(start: datetime, end: datetime, now: datetime) -> tuple[int, Table]:
    """The work orders received in the period, oldest first, with the KPI flags the report counts them by."""
    orders = WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end)
    count = orders.count()
    types, subjects, units = _labels(RequestType), _labels(Subject), _labels(Unit)
    statuses, sources = {k: str(v) for k, v in Status.choices}, {k: str(v) for k, v in Source.choices}
    satisfaction = {k: str(v) for k, v in Satisfaction.choices}
    c = facts.order_conditions(now)
    flags = {f"f_{name}": ExpressionWrapper(c[name], output_field=BooleanField())
             for name in ("sign_due", "signed_on_time", "onsite_due", "onsite_on_time", "resolve_due",
                          "resolved_on_time")}
    yes, no = _("yes"), _("no")

    def events(kind: str) -> Counter:
        return Counter(WorkOrderEvent.objects.filter(kind=kind, at__gte=start, order__created_at__gte=start,
                                                     order__created_at__lt=end).values_list("order_id", flat=True))

    def rows():
        returned, reopened = events(EventKind.RETURNED), events(EventKind.REOPENED)
        values = (orders.order_by("created_at", "id").annotate(**flags)
                  .values_list("id", "number", "created_at", "source", "request_type_id", "subject_id", "unit_id",
                               "status", "f_sign_due", "f_signed_on_time", "f_onsite_due", "f_onsite_on_time",
                               "f_resolve_due", "f_resolved_on_time",
                               "resolved_at", "satisfaction"))
        for (pk, number, created_at, source, type_id, subject_id, unit_id, status, sign_due, signed, onsite_due,
             arrived, resolve_due, resolved_on_time, resolved_at, sat) in values.iterator(chunk_size=CHUNK):
            yield [number, created_at, sources.get(source, source), types.get(type_id, ""),
                   subjects.get(subject_id, ""), units.get(unit_id, ""), statuses.get(status, status),
                   (yes if signed else no) if sign_due else "", (yes if arrived else no) if onsite_due else "",
                   (yes if resolved_on_time else no) if resolve_due else "",
                   resolved_at, returned.get(pk, 0), reopened.get(pk, 0), satisfaction.get(sat, "")]

    header = [_("Order number"), _("Received"), _("Source"), _("Type"), _("Subject"), _("Unit"), _("Status"),
              _("Signed for on time"), _("Arrived on time"), _("Resolved on time"), _("Resolved"), _("Returns"), _("Reopened"),
              _("Satisfaction")]
    return count, Table(_("Work orders"), header, rows())


# --- entry point -----------------------------------------------------------------------------------

KINDS = ("report", "calls", "orders")
FORMATS = ("xlsx", "csv")


def period_export(*, actor, date_from, date_to, kind: str = "report", fmt: str = "xlsx") -> Export:
    """The export of a period: ``kind`` report (its tables), calls or orders (the records); ``fmt`` xlsx or
    csv. Refused beyond MAX_ROWS records (choose a shorter period)."""
    require_perm(actor, Perm.REPORT_VIEW)
    if kind not in KINDS:
        raise ValidationError(_("Choose what to export."), fields={"kind": _("Choose one.")})
    if fmt not in FORMATS:
        raise ValidationError(_("Choose XLSX or CSV."), fields={"format": _("Choose one.")})
    p.check_period(date_from, date_to)
    start, end = p.period_bounds(date_from, date_to)
    name = f"hotline-{kind}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    if kind == "report":
        tables = report_tables(p.period_report(actor=actor, date_from=date_from, date_to=date_to))
    else:
        count, table = (call_records(start, end) if kind == "calls"
                        else order_records(start, end, timezone.now()))
        if count > MAX_ROWS:
            raise ValidationError(
                _("%(count)s rows are too many for one file (at most %(max)s): choose a shorter period.")
                % {"count": f"{count:,}", "max": f"{MAX_ROWS:,}"}, fields={"date_from": _("Choose a later day.")})
        tables = [table]
    if fmt == "csv":
        return Export(filename=name, content_type=CSV_TYPE, chunks=write_csv(tables))
    return Export(filename=name, content_type=XLSX_TYPE, file=write_xlsx(tables))
