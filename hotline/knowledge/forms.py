"""Console forms of the knowledge base. Parsing only: the rules are in ``knowledge.services``."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hotline.knowledge.models import ArticleKind
from hotline.workorders.forms import BootstrapMixin, subject_choices
from hotline.workorders.models import Subject


def filing_choices() -> list:
    """Subjects under their group; the group itself is an option too (an article for all of it)."""
    choices = []
    for group_name, options in subject_choices(with_groups=True):
        group_pk = options[0][0]
        choices.append((group_name, [(group_pk, _("%(group)s (the whole group)") % {"group": group_name}),
                                     *options[1:]]))
    return choices


def subject_from(value) -> Subject | None:
    value = str(value or "")
    return Subject.objects.filter(pk=int(value)).select_related("group").first() if value.isdigit() else None


class ArticleForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ArticleKind.choices, initial=ArticleKind.SCRIPT,
                             widget=forms.RadioSelect)
    subject = forms.ChoiceField(label=_("Subject"), required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False,
                               help_text=_("Words callers and operators use, separated by spaces."),
                               widget=forms.TextInput(attrs={"placeholder": _("e.g. 冻表 水表冻裂 寒潮")}))
    body = forms.CharField(label=_("Text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 12}))
    note = forms.CharField(label=_("Note on the change"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. new fee from 1 January")}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("General (no subject)")), *filing_choices()]

    def clean_subject(self) -> Subject | None:
        return subject_from(self.cleaned_data["subject"])


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    subject = forms.ChoiceField(required=False, widget=forms.Select(attrs={
        "class": "form-select", "id": "knowledge-subject", "aria-label": _("Subject")}))
    kind = forms.ChoiceField(required=False, choices=[("", _("All kinds")), *ArticleKind.choices],
                             widget=forms.Select(attrs={"class": "form-select", "id": "knowledge-kind",
                                                        "aria-label": _("Kind")}))
    inactive = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={
        "class": "form-check-input", "id": "knowledge-inactive"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("All subjects")), *subject_choices(with_groups=True)]
        for name in ("subject", "kind", "inactive"):  # each change searches again (htmx, the form's target)
            self.fields[name].widget.attrs.update({"hx-get": reverse("knowledge:list"), "hx-include": "closest form",
                                                   "hx-trigger": "change"})

    def clean_subject(self) -> Subject | None:
        return subject_from(self.cleaned_data["subject"])
