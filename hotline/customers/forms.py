from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import ImportKind


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Content"), choices=ImportKind.choices, initial=ImportKind.ACCOUNTS)
    file = forms.FileField(label=_("File (.csv or .xlsx)"))
