from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hotline.org.models import User


class LoginForm(AuthenticationForm):
    """Django's login form. Throttling happens in ``authenticate`` (django-axes, ``org/throttle.py``)
    for this form and the admin's alike; a refused attempt is answered by ``throttle.lockout_response``."""


class TokenCreateForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Acts as user"), queryset=User.objects.filter(is_active=True).order_by("role", "username")
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. PBX / CTI, 12345 platform"))
