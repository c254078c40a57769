"""The outbox (what was sent, what waits, what failed) and the message templates."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError, PermissionDeniedError
from hotline.core.forms import BootstrapMixin, add_domain_error
from hotline.notify import services
from hotline.notify.models import Channel, Message, MessageStatus, MessageTemplate
from hotline.notify.selectors import outbox_page
from hotline.org.roles import Perm, has_perm, require_perm


def outbox(request):
    require_perm(request.user, Perm.NOTIFY_VIEW)
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    rows = Message.objects.order_by("-id")
    if status in MessageStatus.values:
        rows = rows.filter(status=status)
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    return render(request, "notify/outbox.html", {
        "messages_page": outbox_page(request.user, rows[:100], via="console"), "counts": services.outbox_counts(), "status": status, "channel": channel,
        "statuses": MessageStatus.choices, "channels": Channel.choices,
        "may_manage": has_perm(request.user, Perm.NOTIFY_MANAGE)})


@require_POST
def retry(request, message_id: int):
    message = get_object_or_404(Message, pk=message_id)
    try:
        services.retry_failed(actor=request.user, message=message)
        messages.success(request, _("The message will be sent again."))
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("notify:outbox")


def templates(request):
    require_perm(request.user, Perm.NOTIFY_VIEW)
    return render(request, "notify/templates.html", {
        "templates": MessageTemplate.objects.all(), "may_manage": has_perm(request.user, Perm.NOTIFY_MANAGE)})


class TemplateForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=gettext_lazy("Text"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5}))


def template_edit(request, code: str):
    require_perm(request.user, Perm.NOTIFY_MANAGE)
    template = get_object_or_404(MessageTemplate, code=code)
    form = TemplateForm(request.POST or None, initial={"text": template.text})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(actor=request.user, template=template, text=form.cleaned_data["text"])
            messages.success(request, _("Template saved."))
            return redirect("notify:templates")
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "notify/template_edit.html", {"template": template, "form": form}, status=status)
