from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import ThrottledError
from hotline.org.models import User
from hotline.org.services import login_failure_record, login_throttle_check


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing attempts after repeated failures (see services.login_throttle_check)."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request else None
        try:
            login_throttle_check(username=username, ip=ip)
        except ThrottledError as exc:
            raise forms.ValidationError(str(exc.message), code="throttled") from None
        try:
            return super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, ip=ip)
            raise


class TokenCreateForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Acts as user"), queryset=User.objects.filter(is_active=True).order_by("role", "username")
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. PBX / CTI, 12345 platform"))
