"""What every console form shares: Bootstrap's classes, and a service's ``DomainError`` shown on the form."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (``2026-12-01``) whatever the interface language, or the
    browser shows it empty (Chinese formats dates ``2026/12/01``) and refuses the form."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BootstrapMixin:
    """Bootstrap classes on every widget, and ``is-invalid`` on the fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def add_domain_error(form: forms.Form, exc) -> None:
    """Show a service's DomainError on the form: the message on top, the field hints at the fields."""
    form.add_error(None, str(exc.message))
    for name, hint in exc.fields.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, hint)
