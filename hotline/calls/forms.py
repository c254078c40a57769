"""The call panel's form: the call itself (type, subject, summary, outcome) and, in the same form, the
fields of the work order created from it. Parsing only: ``calls.services`` applies the rules."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hotline.calls.models import Outcome
from hotline.core.api_types import NOTE_MAX
from hotline.core.forms import DateInput
from hotline.workorders.forms import BootstrapMixin, subject_choices, unit_choices, unit_from_choice
from hotline.workorders.models import RequestType, Subject, Urgency

CALIBRATION_SUBJECT = "meter_calibration"  # the subject whose orders carry the 校表 fields
AUTO_UNIT = "auto"
LOG_OUTCOMES = [Outcome.ANSWERED, Outcome.LINKED_ORDER, Outcome.TRANSFERRED, Outcome.MISSED]


class CallForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("Caller number"), max_length=30, required=False)
    account = forms.CharField(label=_("Account"), max_length=20, required=False)
    request_type = forms.ModelChoiceField(label=_("Type"), queryset=RequestType.objects.none(), empty_label=None,
                                          widget=forms.RadioSelect)
    subject = forms.ChoiceField(label=_("Subject"), required=False)
    summary = forms.CharField(label=_("Call summary"), required=False, max_length=NOTE_MAX,
                              widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What the caller says, what was answered")}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(o.value, o.label) for o in LOG_OUTCOMES],
                                initial=Outcome.ANSWERED)
    work_order = forms.CharField(label=_("Work order"), max_length=20, required=False)

    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", _("Subject's default")),
                                                                             *Urgency.choices])
    unit = forms.ChoiceField(label=_("Dispatch to"), required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("Default: the subject and the address")}))
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    meter_no = forms.CharField(label=_("Meter number"), max_length=30, required=False)
    reading = forms.DecimalField(label=_("Reading"), max_digits=12, decimal_places=1, required=False)
    reason = forms.CharField(label=_("Reason for the calibration"), max_length=200, required=False)

    def __init__(self, *args, action: str = "", auto_unit=None, subject=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["request_type"].queryset = RequestType.objects.filter(is_active=True)
        self.fields["subject"].choices = [("", _("Choose the subject…")), *subject_choices()]
        # Choosing the subject re-renders the order fields with its defaults (urgency, unit, 校表 fields).
        self.fields["subject"].widget.attrs.update({
            "hx-get": reverse("calls:panel"), "hx-include": "#call-form", "hx-target": "#call-details",
            "hx-swap": "outerHTML", "hx-trigger": "change"})
        if auto_unit is not None:
            auto_label = _("By assignment rules: %(unit)s") % {"unit": auto_unit.name}
        elif subject is not None:
            auto_label = _("By assignment rules: no rule matches, choose a unit")
        else:
            auto_label = _("By assignment rules")
        self.fields["unit"].choices = [(AUTO_UNIT, auto_label), ("", _("Do not dispatch yet")), *unit_choices()]

    def clean_subject(self) -> Subject | None:
        value = self.cleaned_data["subject"]
        return Subject.objects.filter(pk=int(value)).first() if value and value.isdigit() else None

    def clean_unit(self):
        value = self.cleaned_data["unit"]
        if value == AUTO_UNIT:
            return AUTO_UNIT
        return unit_from_choice(value)

    def clean(self):
        data = super().clean()
        if self.action == "order" and not data.get("subject"):
            self.add_error("subject", _("Choose the subject of the order."))
        return data

    def calibration(self) -> dict | None:
        """The 校表 fields, for a meter-calibration order."""
        subject = self.cleaned_data.get("subject")
        if subject is None or subject.code != CALIBRATION_SUBJECT:
            return None
        return {key: self.cleaned_data.get(key) for key in ("meter_no", "reading", "reason")}


class KpiForm(BootstrapMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())
    group = forms.ChoiceField(label=_("By"), choices=[("hour", _("Hour of day")), ("shift", _("Shift")),
                                                      ("day", _("Day"))], required=False)
