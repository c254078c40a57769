"""Console forms of the reports: the period, the export, the staffing parameters. Parsing only; the
selectors check the values (and say what is wrong) again for the API."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.forms import DateInput
from hotline.workorders.forms import BootstrapMixin

PRESETS = [
    ("7d", _("Last 7 days")), ("week", _("This week")), ("last_week", _("Last week")), ("30d", _("Last 30 days")),
    ("month", _("This month")), ("last_month", _("Last month")), ("year", _("This year")),
    ("365d", _("Last 12 months")),
]


def preset_period(name: str, today: date | None = None) -> tuple[date, date] | None:
    """The days of a named period ending today (or the last complete week / month)."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    periods = {
        "7d": (today - timedelta(days=6), today),
        "week": (monday, today),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "30d": (today - timedelta(days=29), today),
        "month": (first_of_month, today),
        "last_month": (last_month_end.replace(day=1), last_month_end),
        "year": (today.replace(month=1, day=1), today),
        "365d": (today - timedelta(days=364), today),
    }
    return periods.get(name)


class PeriodForm(BootstrapMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())

    @classmethod
    def from_request(cls, params) -> "PeriodForm":
        """The form of the query string; a ``preset`` fills in both days; the last 7 days by default."""
        data = params.copy()
        period = preset_period(params.get("preset", ""))
        if period:
            data["date_from"], data["date_to"] = (d.isoformat() for d in period)
        if not data.get("date_from") and not data.get("date_to"):
            first, last = preset_period("7d")
            data["date_from"], data["date_to"] = first.isoformat(), last.isoformat()
        return cls(data)


EXPORT_KINDS = [("report", _("Report tables")), ("calls", _("Calls (one row each)")),
                ("orders", _("Work orders (one row each)"))]
EXPORT_FORMATS = [("xlsx", "Excel (XLSX)"), ("csv", "CSV")]


class ExportForm(PeriodForm):
    kind = forms.ChoiceField(label=_("What"), choices=EXPORT_KINDS, initial="report")
    format = forms.ChoiceField(label=_("Format"), choices=EXPORT_FORMATS, initial="xlsx")


class StaffingForm(BootstrapMixin, forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())
    weeks = forms.IntegerField(label=_("Weeks of history"), min_value=1, max_value=26, initial=4)
    factor = forms.DecimalField(label=_("Event factor"), min_value=0, max_value=20, decimal_places=2, initial=1,
                                help_text=_("1 = a normal day; 1.5 = half as many calls again (a cold snap)."),
                                widget=forms.NumberInput(attrs={"step": "0.05"}))
    target_level = forms.IntegerField(label=_("Service level (%)"), min_value=50, max_value=99, initial=80)
    target_seconds = forms.IntegerField(label=_("Answered within (s)"), min_value=1, max_value=600, initial=20)
    aht = forms.IntegerField(label=_("Average handle time (s)"), min_value=10, max_value=3600, required=False,
                             help_text=_("Blank: measured from the reference days' calls."))
    shrinkage = forms.IntegerField(label=_("Shrinkage (%)"), min_value=0, max_value=80, initial=30)

    @classmethod
    def from_request(cls, params) -> "StaffingForm":
        data = params.copy()
        for name, value in cls.defaults().items():
            if not data.get(name) and name != "aht":
                data[name] = value
        return cls(data)

    @staticmethod
    def defaults() -> dict:
        return {"day": (timezone.localdate() + timedelta(days=1)).isoformat(), "weeks": 4, "factor": "1",
                "target_level": 80, "target_seconds": 20, "shrinkage": 30}
