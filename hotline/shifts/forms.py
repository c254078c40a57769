"""Console forms for shifts. Parsing only: the rules are in ``shifts.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.shifts.models import ShiftDefinition, ShiftRole
from hotline.workorders.forms import BootstrapMixin, add_domain_error  # noqa: F401 (re-exported)


class NotesForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    notes = forms.CharField(label=_("Handover notes"), required=False, max_length=20000, widget=forms.Textarea(attrs={
        "rows": 6, "placeholder": _("What the figures do not say: promises to customers, work to watch, "
                                    "equipment, who to call…")}))
    early_reason = forms.CharField(label=_("Reason for handing over early"), required=False, max_length=200,
                                   help_text=_("Needed more than %(minutes)s minutes before the shift ends."))

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        field = self.fields["early_reason"]
        field.help_text = field.help_text % {"minutes": settings.HANDOVER_EARLY_MINUTES}


class AcknowledgeForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("Note on taking over (optional)"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class OpenForm(forms.Form):
    date = forms.DateField(required=False)
    shift = forms.CharField(required=False, max_length=20)


class DefinitionForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=20, required=False)
    name = forms.CharField(label=_("Name"), max_length=30)
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    sort = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=999, initial=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def of(cls, definition: ShiftDefinition, **kwargs) -> "DefinitionForm":
        return cls(initial={"code": definition.code, "name": definition.name, "start": definition.start,
                            "end": definition.end, "sort": definition.sort, "is_active": definition.is_active,
                            "version": definition.version}, prefix=f"d{definition.pk}", **kwargs)


class AssignForm(forms.Form):
    date = forms.DateField()
    shift = forms.IntegerField()
    user = forms.IntegerField()
    role = forms.ChoiceField(choices=ShiftRole.choices, initial=ShiftRole.OPERATOR)


class CopyWeekForm(forms.Form):
    source = forms.DateField()
    target = forms.DateField()
