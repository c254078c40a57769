from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError
from hotline.org.forms import LoginForm, TokenCreateForm
from hotline.org.models import ApiToken
from hotline.org.roles import Perm, Role, require_perm
from hotline.org.services import api_token_create, api_token_revoke

# Where each role lands after logging in (issue 14 §6): the page of its daily work. URL names only, so
# that org imports no feature app; the others (admin) land on the home page, the customer search.
LANDING = {
    Role.OPERATOR: "calls:panel",
    Role.DISPATCHER: "workorders:queue",
    Role.FIELD_WORKER: "workorders:queue",
    Role.SHIFT_LEAD: "reports:board",
    Role.OUTAGE_COORDINATOR: "outages:list",
    Role.MANAGER: "reports:period",
}


def landing_url(user) -> str:
    return reverse(LANDING.get(getattr(user, "role", ""), "home"))


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Without a ``next``, each role lands on its own page."""
        return landing_url(self.request.user)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "org/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


def tokens(request):
    require_perm(request.user, Perm.TOKEN_MANAGE)
    created = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_token_create(actor=request.user, user=form.cleaned_data["user"],
                                          name=form.cleaned_data["name"])
            created = {"token": token, "raw": raw}
            form = TokenCreateForm()
        except DomainError as exc:
            form.add_error(None, str(exc.message))
    token_list = ApiToken.objects.select_related("user").order_by("revoked_at", "-created_at")
    return render(request, "org/tokens.html", {"form": form, "tokens": token_list, "created": created})


@require_POST
def token_revoke(request, token_id: int):
    require_perm(request.user, Perm.TOKEN_MANAGE)
    token = get_object_or_404(ApiToken, pk=token_id, revoked_at__isnull=True)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens")
