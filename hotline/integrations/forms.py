"""Console forms for 12345 cases. Forms only parse input; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.integrations.models import ReturnReason
from hotline.workorders.forms import BootstrapMixin


class ReturnForm(BootstrapMixin, forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *ReturnReason.choices])
    note = forms.CharField(label=_("Note to the platform"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))
