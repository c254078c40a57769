"""The reports in the JSON API: the period report, its export, and the staffing plan (thin: the
selectors do the work and check the permission)."""

from datetime import date

from ninja import Query, Router, Schema
from pydantic import Field

from hotline.reports import period as p
from hotline.reports.export import period_export
from hotline.reports.staffing import staffing_plan
from hotline.reports.views import export_response

router = Router(tags=["reports"])


class Period(Schema):
    date_from: date
    date_to: date


class ExportQuery(Period):
    kind: str = Field("report", description="report (its tables), calls or orders (one row each)")
    format: str = Field("xlsx", description="xlsx or csv (UTF-8 with a byte-order mark)")


class Count(Schema):
    key: str
    label: str
    count: int
    group: str | None = None


class BySource(Schema):
    key: str
    label: str
    total: int
    by_source: dict[str, int]
    group: str | None = None


class Operator(Schema):
    key: str
    label: str
    calls: int
    answered: int
    orders_created: int
    average_talk: float | None


class Day(Schema):
    day: date
    calls: int
    answered: int
    shifts: dict[str, int] = Field(description="calls of the shifts that began on the day, by shift code")
    orders_by_source: dict[str, int]


class Hour(Schema):
    hour: int
    label: str
    calls: int
    answered: int
    per_day: float


class Shift(Schema):
    key: str
    label: str
    shift: str
    day: date | None
    calls: int
    answered: int
    partial: bool


class Calls(Schema):
    total: int
    answered: int
    by_type: list[Count]
    by_group: list[Count]
    by_subject: list[Count]
    by_outcome: list[Count]
    by_operator: list[Operator]
    by_day: list[Day]
    by_hour: list[Hour]
    by_shift: list[Shift]


class Requests(Schema):
    total: int
    by_source: list[Count]
    by_type: list[BySource]
    by_subject: list[BySource]


class Kpis(Schema):
    key: str
    label: str
    received: int
    cancelled: int
    open: int
    overdue_open: int
    sign_due: int
    signed_on_time: int
    onsite_due: int
    onsite_on_time: int
    resolve_due: int
    resolved_on_time: int
    with_unit: int
    dispatches: int
    returns: int
    resolved: int
    resolved_now: int
    reopened: int
    reopened_unresolved: int
    called_back: int
    satisfied: int
    basic: int
    unsatisfied: int
    sign_rate: float | None = Field(description="按时签收率, 0–1")
    onsite_rate: float | None = Field(description="按时到场率, 0–1")
    resolve_rate: float | None = Field(description="按时办结率, 0–1")
    return_rate: float | None = Field(description="退单率, 0–1")
    reopen_rate: float | None = Field(description="重办率, 0–1")
    callback_rate: float | None = Field(description="回访率, 0–1")
    satisfaction_rate: float | None = Field(description="满意率, 0–1")


class Orders(Schema):
    total: Kpis
    by_unit: list[Kpis]
    by_source: list[Kpis]


class Source(Schema):
    key: str
    label: str


class ShiftPlan(Schema):
    code: str
    name: str


class PeriodOut(Schema):
    date_from: date
    date_to: date
    generated_at: str
    sources: list[Source]
    shift_plan: list[ShiftPlan]
    calls: Calls
    requests: Requests
    orders: Orders
    definitions: dict[str, str]


@router.get("/reports/period", response=PeriodOut, summary="Period report: calls, requests by source, order KPIs")
def period_report(request, q: Query[Period]):
    return p.period_report(actor=request.user, date_from=q.date_from, date_to=q.date_to).as_dict()


@router.get("/reports/period/export", summary="Export a period: its report tables, calls or orders (XLSX or CSV)",
            response={200: None})
def period_export_file(request, q: Query[ExportQuery]):
    return export_response(period_export(actor=request.user, date_from=q.date_from, date_to=q.date_to, kind=q.kind,
                                         fmt=q.format))


class StaffingQuery(Schema):
    day: date
    weeks: int = 4
    factor: float = 1.0
    target_level: float = Field(0.8, description="share answered within target_seconds, 0.5–0.99")
    target_seconds: int = 20
    aht: float | None = Field(None, description="average handle time in seconds; default: measured")
    shrinkage: float = 0.3


class Interval(Schema):
    start: str
    label: str
    forecast: float
    actual: int | None
    agents: int
    scheduled: int
    service_level: float | None
    wait_probability: float | None
    asa: float | None
    occupancy: float | None


class ShiftPeak(Schema):
    shift: str
    label: str
    forecast: float
    agents: int
    scheduled: int


class StaffingOut(Schema):
    day: date
    weeks: int
    factor: float
    reference_days: list[date]
    aht: float
    aht_measured: float | None
    aht_calls: int
    target_level: float
    target_seconds: int
    shrinkage: float
    forecast_total: float
    actual_total: int | None
    peak_agents: int
    peak_scheduled: int
    agent_hours: float
    scheduled_hours: float
    service_level: float | None
    shifts: list[ShiftPeak]
    intervals: list[Interval]


@router.get("/reports/staffing", response=StaffingOut, summary="Calls forecast per half-hour and seats needed (Erlang C)")
def staffing(request, q: Query[StaffingQuery]):
    return staffing_plan(actor=request.user, day=q.day, weeks=q.weeks, factor=q.factor, target_level=q.target_level,
                         target_seconds=q.target_seconds, aht=q.aht, shrinkage=q.shrinkage).as_dict()
