"""Console forms for outages. Parsing only: the rules are in ``outages.services``."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import District
from hotline.outages.models import OutageKind
from hotline.workorders.forms import BootstrapMixin, add_domain_error  # noqa: F401 (re-exported)

LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL)

    def __init__(self, **kwargs):
        super().__init__(input_formats=[LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"], **kwargs)


class IdListField(forms.Field):
    """Several ids posted under one name (the area picker's hidden inputs)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        try:
            return [int(v) for v in values if str(v).strip()]
        except ValueError:
            raise forms.ValidationError(_("Choose from the list.")) from None


class OutageForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutageKind.choices, widget=forms.RadioSelect,
                             initial=OutageKind.PLANNED)
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. DN300 main replacement on 人民路")}))
    starts_at = LocalDateTimeField(label=_("Water off from"))
    expected_restore_at = LocalDateTimeField(label=_("Expected restore"))
    districts = forms.ModelMultipleChoiceField(label=_("Whole districts"), queryset=District.objects.order_by("name"),
                                               required=False, widget=forms.CheckboxSelectMultiple)
    communities = IdListField(required=False)
    buildings = IdListField(required=False)
    area_text = forms.CharField(label=_("Area in words"), max_length=300, required=False,
                                widget=forms.TextInput(attrs={"placeholder": _("Default: the names of the chosen places")}))
    affects_hydrants = forms.BooleanField(label=_("Fire hydrants affected"), required=False)
    supply_point = forms.CharField(label=_("Emergency water supply point"), max_length=200, required=False)
    note = forms.CharField(label=_("Internal note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    orders = forms.CharField(label=_("Linked work orders"), max_length=300, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "GD2026112500012"}))

    def order_numbers(self) -> list[str]:
        raw = self.cleaned_data.get("orders", "")
        return [n for n in raw.replace("，", ",").replace(" ", ",").split(",") if n.strip()]


class VersionForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ExtendForm(VersionForm):
    expected_restore_at = LocalDateTimeField(label=_("New expected restore"))
    reason = forms.CharField(label=_("Reason for the extension"), max_length=200)


class RestoreForm(VersionForm):
    restored_at = LocalDateTimeField(label=_("Water back at"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class LinkCallsForm(BootstrapMixin, forms.Form):
    start = LocalDateTimeField(label=_("Calls from"))
    end = LocalDateTimeField(label=_("to"), required=False)
    all_subjects = forms.BooleanField(label=_("Calls about any subject (not only supply questions)"), required=False)

    def clean_end(self):
        """The end minute is part of the period: "to 17:30" takes the call of 17:30:40 too (the form
        shows the minute the page was opened, so the calls of that minute were otherwise left out)."""
        end = self.cleaned_data.get("end")
        return end + timedelta(minutes=1) - timedelta(microseconds=1) if end else end


class LinkOrderForm(BootstrapMixin, forms.Form):
    order_number = forms.CharField(label=_("Work order number"), max_length=20)
