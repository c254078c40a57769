"""Console pages of the reports: the period report (with its export) and staffing. Thin: the numbers come
from ``reports.period``, ``reports.export`` and ``reports.staffing``; the views parse the query string,
shape the charts and render."""

from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hotline.core.errors import ValidationError
from hotline.org.roles import Perm, require_perm
from hotline.reports import period as p
from hotline.reports.export import period_export
from hotline.reports.forms import PRESETS, ExportForm, PeriodForm, StaffingForm
from hotline.reports.staffing import staffing_plan
from hotline.workorders.forms import add_domain_error


def period(request):
    """报表: a period's calls, requests by source and work-order KPIs, with charts and the export links."""
    require_perm(request.user, Perm.REPORT_VIEW)
    form = PeriodForm.from_request(request.GET)
    report = None
    if form.is_valid():
        try:
            report = p.period_report(actor=request.user, date_from=form.cleaned_data["date_from"],
                                     date_to=form.cleaned_data["date_to"])
        except ValidationError as exc:
            add_domain_error(form, exc)
    charts = period_charts(report) if report else {}
    context = {"form": form, "report": report, "presets": PRESETS, "definitions": p.DEFINITIONS, "charts": charts,
               "units_chart_height": 80 + 36 * len(charts.get("chart-units", {}).get("categories", []))}
    return render(request, "reports/period.html", context, status=200 if report else 400)


def period_charts(report: p.PeriodReport) -> dict:
    """The chart specs of the report page (see static/hotline/charts.js)."""
    other = [(key, label) for key, label in report.sources if key != p.HOTLINE]
    units = [u for u in report.orders_by_unit if u.received]
    groups = [r for r in report.calls_by_group if r.count]
    return {
        "chart-days": {
            "kind": "bar", "categories": [d.day.strftime("%m-%d") for d in report.days],
            "axes": [_("Calls"), _("Work orders")],
            "series": [{"name": _("Calls"), "data": [d.calls for d in report.days]}]
            + [{"name": label, "kind": "line", "axis": 1, "data": [d.orders.get(key, 0) for d in report.days]}
               for key, label in other],
        },
        "chart-hours": {
            "kind": "bar", "categories": [f"{h.hour:02d}" for h in report.hours],
            "series": [{"name": _("Calls per day"), "data": [h.per_day for h in report.hours]}],
        },
        "chart-groups": {
            "kind": "pie", "categories": [r.label for r in groups], "series": [{"data": [r.count for r in groups]}],
        },
        "chart-units": {
            "kind": "hbar", "percent": True, "categories": [u.label for u in units],
            "series": [{"name": str(title), "data": [_pct(getattr(u, key)) for u in units]}
                       for key, title in (("sign_rate", _("On-time sign-for")), ("resolve_rate", _("On-time resolution")),
                                          ("satisfaction_rate", _("Satisfaction")))],
        },
    }


def _pct(value: float | None):
    return None if value is None else round(value * 100, 1)


def export(request):
    """The period's report tables, calls or work orders as XLSX or CSV (a download)."""
    require_perm(request.user, Perm.REPORT_VIEW)
    form = ExportForm.from_request(request.GET)
    if not form.is_valid():
        raise ValidationError(_("The period is not valid."), fields={k: " ".join(v) for k, v in form.errors.items()})
    d = form.cleaned_data
    result = period_export(actor=request.user, date_from=d["date_from"], date_to=d["date_to"], kind=d["kind"],
                           fmt=d["format"])
    return export_response(result)


def export_response(result):
    if result.chunks is not None:
        response = StreamingHttpResponse(result.chunks, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        return response
    return FileResponse(result.file, as_attachment=True, filename=result.filename, content_type=result.content_type)


def staffing(request):
    """排班测算: the calls forecast per half-hour of a day and the seats needed (Erlang C)."""
    require_perm(request.user, Perm.STAFFING_VIEW)
    form = StaffingForm.from_request(request.GET)
    plan = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            plan = staffing_plan(actor=request.user, day=d["day"], weeks=d["weeks"], factor=float(d["factor"]),
                                 target_level=d["target_level"] / 100, target_seconds=d["target_seconds"],
                                 aht=float(d["aht"]) if d["aht"] else None, shrinkage=d["shrinkage"] / 100)
        except ValidationError as exc:
            add_domain_error(form, exc)
    chart = None
    if plan is not None:
        chart = {
            "kind": "bar", "categories": [i.start.strftime("%H:%M") for i in plan.intervals],
            "axes": [_("Calls"), _("Agents")],
            "series": [{"name": _("Forecast calls"), "data": [round(i.forecast, 1) for i in plan.intervals]}]
            + ([{"name": _("Actual calls"), "data": [i.actual for i in plan.intervals]}]
               if any(i.actual is not None for i in plan.intervals) else [])
            + [{"name": _("Agents needed"), "kind": "line", "axis": 1, "step": "start",
                "data": [i.staffing.agents for i in plan.intervals]},
               {"name": _("Scheduled agents"), "kind": "line", "axis": 1, "step": "start",
                "data": [i.scheduled for i in plan.intervals]}],
        }
    return render(request, "reports/staffing.html", {"form": form, "plan": plan, "chart": chart},
                  status=200 if plan else 400)
