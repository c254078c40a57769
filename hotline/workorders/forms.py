"""Console forms for work orders: the list's filters and one small form per action of the detail
page. Forms only parse input; the rules (who, from which state, what is required) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.core.api_types import NOTE_MAX
from hotline.core.forms import BootstrapMixin, DateInput, add_domain_error  # noqa: F401  (re-exported for the apps' forms)
from hotline.org.models import Unit, UnitKind
from hotline.workorders.models import (
    REACHED,
    CalibrationOutcome,
    CallbackTry,
    PauseReason,
    ReturnReason,
    Status,
    Subject,
    Urgency,
)

# Units that receive orders (the company, the hotline and the marketing centre do not).
NOT_DISPATCHED_TO = (UnitKind.COMPANY, UnitKind.HOTLINE_CENTRE, UnitKind.MARKETING_CENTRE)


# --- choices ----------------------------------------------------------------------------------------

def unit_choices(*, dispatch_only: bool = True) -> list:
    """Units grouped under their parent (branch), for a select."""
    units = Unit.objects.filter(is_active=True).select_related("parent").order_by("parent__code", "code")
    if dispatch_only:
        units = units.exclude(kind__in=NOT_DISPATCHED_TO)
    groups: dict[str, list] = {}
    for unit in units:
        groups.setdefault(unit.parent.name if unit.parent else "", []).append((str(unit.pk), unit.name))
    choices = list(groups.pop("", []))
    return choices + list(groups.items())


def subject_choices(*, with_groups: bool = False) -> list:
    """Subjects under their group (抢修报修 › 主管爆管 …); ``with_groups``: the group itself is an option
    too (the list filter matches a group's subjects)."""
    subjects = list(Subject.objects.filter(is_active=True).order_by("sort", "code"))
    children: dict[int, list] = {}
    for s in subjects:
        if s.group_id:
            children.setdefault(s.group_id, []).append(s)
    choices = []
    for group in (s for s in subjects if s.group_id is None):
        options = [(str(s.pk), s.name) for s in children.get(group.pk, [])]
        if with_groups:
            options.insert(0, (str(group.pk), _("All of %(group)s") % {"group": group.name}))
        if options:
            choices.append((group.name, options))
    return choices


def unit_from_choice(value: str) -> Unit | None:
    if not value or not value.isdigit():
        return None
    return Unit.objects.filter(pk=int(value), is_active=True).first()


# --- list filters -------------------------------------------------------------------------------------

class OrderFilterForm(BootstrapMixin, forms.Form):
    """Only renders the filter bar; parsing is ``selectors.OrderFilter.from_params`` (shared with the API)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Order no., phone, address, community"), "autocomplete": "off"}))
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    subject = forms.ChoiceField(label=_("Subject"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False,
                                choices=[("", _("Any urgency")), *Urgency.choices])
    date_from = forms.DateField(label=_("Received from"), required=False,
                                widget=DateInput(attrs={"aria-label": _("Received from")}))
    date_to = forms.DateField(label=_("Received to"), required=False,
                              widget=DateInput(attrs={"aria-label": _("Received to")}))

    def __init__(self, *args, show_units: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if show_units:
            self.fields["unit"].choices = [("", _("Any unit")), *unit_choices()]
        else:
            del self.fields["unit"]
        self.fields["subject"].choices = [("", _("Any subject")), *subject_choices(with_groups=True)]


STATUS_TABS = [("open", _("Open")), ("", _("All")), *Status.choices]


# --- actions of the detail page -------------------------------------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input (the field staff's phone camera or gallery)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _note(label=None, required=False, rows=2):
    return forms.CharField(label=label or _("Note"), required=required, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ActionForm(BootstrapMixin, forms.Form):
    """Every action posts the version of the order the user saw (concurrent edits are detected)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s" if action else "id_%s")
        super().__init__(*args, **kwargs)


class DispatchForm(ActionForm):
    unit = forms.ChoiceField(label=_("Unit"))
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *unit_choices()]

    def clean_unit(self):
        unit = unit_from_choice(self.cleaned_data["unit"])
        if unit is None:
            raise forms.ValidationError(_("Choose a unit."))
        return unit


class RedispatchForm(DispatchForm):
    """改派: another unit, and why."""

    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    field_order = ["unit", "reason", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class RedispatchRequestForm(ActionForm):
    reason = forms.CharField(label=_("Why another unit should take it"), max_length=200, required=False)


class PauseRequestForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *PauseReason.choices])
    note = forms.CharField(label=_("What we are waiting for"), max_length=200, required=False)


class ResumeForm(ActionForm):
    note = _note()


class AcceptForm(ActionForm):
    note = _note()


class ReturnForm(ActionForm):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *ReturnReason.choices])
    note = _note(_("Explanation"))


class ProgressForm(ActionForm):
    note = _note(_("What has been done"))
    files = MultipleFileField(label=_("Photos"))


class ExtensionRequestForm(ActionForm):
    until = forms.DateTimeField(
        label=_("New deadline"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ExtensionDecideForm(ActionForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("deny", _("Deny"))])
    note = _note()


class ResolveForm(ActionForm):
    result = _note(_("Result"), rows=3)
    files = MultipleFileField(label=_("Photos"))
    calibration_outcome = forms.ChoiceField(label=_("Calibration outcome"), required=False,
                                            choices=[("", "—"), *CalibrationOutcome.choices])
    error_percent = forms.DecimalField(label=_("Measured error (%)"), required=False, max_digits=5, decimal_places=2)

    def __init__(self, *args, calibration: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not calibration:  # only a meter-calibration order records its outcome
            del self.fields["calibration_outcome"], self.fields["error_percent"]

    def clean(self):
        data = super().clean()
        data.setdefault("calibration_outcome", "")
        data.setdefault("error_percent", None)
        return data


# What a callback call found: the customer's opinion, or a try that did not reach it.
CALLBACK_OUTCOMES = [*((s.value, s.label) for s in REACHED), *CallbackTry.choices]


class CallbackForm(ActionForm):
    satisfaction = forms.ChoiceField(label=_("Callback outcome"), widget=forms.RadioSelect, choices=CALLBACK_OUTCOMES)
    note = _note(_("What the customer said"))


class CallbackFilterForm(BootstrapMixin, forms.Form):
    """The callbacks list's filters (selectors.CallbackFilter)."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    subject = forms.ChoiceField(label=_("Subject"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    age = forms.ChoiceField(label=_("Resolved"), required=False, choices=[
        ("", _("Any time")), ("today", _("Within a day")), ("1d", _("1–3 days ago")), ("3d", _("3–7 days ago")),
        ("7d", _("Over 7 days ago"))])
    overdue = forms.BooleanField(label=_("Callback overdue"), required=False)

    def __init__(self, *args, **kwargs):
        from hotline.workorders.models import Source

        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Any unit")), *unit_choices()]
        self.fields["subject"].choices = [("", _("Any subject")), *subject_choices(with_groups=True)]
        self.fields["source"].choices = [("", _("Any source")), *Source.choices]


class CloseForm(ActionForm):
    note = _note()


class CancelForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class DuplicateForm(ActionForm):
    parent = forms.CharField(label=_("Duplicate of order no."), max_length=20,
                             widget=forms.TextInput(attrs={"placeholder": "GD…", "autocomplete": "off"}))


class UrgeForm(ActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = _note(_("Urge message"))


class NoteForm(ActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = _note(_("Coordination note"), rows=2)


class AssignForm(ActionForm):
    """派工: a field worker and/or a crew of the order's unit."""

    assignee = forms.ChoiceField(label=_("Field worker"), required=False)
    crew = forms.ChoiceField(label=_("Crew"), required=False)
    note = _note()

    def __init__(self, *args, unit_id: int | None = None, people: list | None = None, crews: list | None = None,
                 **kwargs):
        from hotline.workorders.services import assignable_crews, assignable_people

        super().__init__(*args, **kwargs)
        # The queue passes the unit's people and crews, read once for all its cards.
        self.people = {str(u.pk): u for u in (assignable_people(unit_id) if people is None else people)}
        self.crews = {str(c.pk): c for c in (assignable_crews(unit_id) if crews is None else crews)}
        self.fields["assignee"].choices = [("", "—"), *((pk, u.get_full_name()) for pk, u in self.people.items())]
        self.fields["crew"].choices = [("", "—"), *((pk, c.name) for pk, c in self.crews.items())]
        if not self.crews:
            del self.fields["crew"]

    def clean(self):
        data = super().clean()
        data["assignee"] = self.people.get(data.get("assignee") or "")
        data["crew"] = self.crews.get(data.get("crew") or "")
        if data["assignee"] is None and data["crew"] is None:
            raise forms.ValidationError(_("Choose a field worker or a crew."))
        return data


class ArriveForm(ActionForm):
    """到场: the position comes from the phone (hidden fields filled by the page where allowed)."""

    note = _note()
    lat = forms.DecimalField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90,
                             max_digits=12, decimal_places=8)
    lng = forms.DecimalField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180,
                             max_digits=12, decimal_places=8)
    files = MultipleFileField(label=_("Photo (optional)"))


class StopFlowForm(ActionForm):
    note = _note(_("How the flow was stopped"))
    files = MultipleFileField(label=_("Photo (optional)"))


class AlertsReadForm(forms.Form):
    alert = forms.IntegerField(required=False)
    order = forms.CharField(required=False, max_length=20)
