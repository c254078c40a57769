"""Console pages for 12345 cases: the list (deadlines, what went upstream, a resend button for what
failed) and the return to the platform. The case panel of the order page is a template tag
(templatetags/gov12345.py). Thin: reads through the selectors, writes through the services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.core.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from hotline.integrations.forms import ReturnForm
from hotline.integrations.gov12345 import selectors, services
from hotline.integrations.gov12345.selectors import CaseFilter
from hotline.notify.models import Message
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders.forms import add_domain_error
from hotline.workorders.models import OPEN_STATUSES, Status

PAGE_SIZE = 50
STATUS_FILTERS = [("open", gettext_lazy("Open")), ("", gettext_lazy("All")),
                  ("returned", gettext_lazy("Returned to the platform")), (Status.RESOLVED, Status.RESOLVED.label),
                  (Status.CALLBACK_DONE, Status.CALLBACK_DONE.label), (Status.CLOSED, Status.CLOSED.label),
                  (Status.CANCELLED, Status.CANCELLED.label)]
UPSTREAM_FILTERS = [("", gettext_lazy("Any")), ("failed", gettext_lazy("Failed to send")),
                    ("pending", gettext_lazy("Waiting to be sent"))]


def case_list(request):
    require_perm(request.user, Perm.CASE_VIEW)
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = "open"
    filter_error = None
    try:
        flt = CaseFilter.from_params(params)
    except ValidationError as exc:
        flt, filter_error = CaseFilter(status="open"), exc
    raw_page = request.GET.get("page", "")
    page = max(1, min(int(raw_page), 10_000)) if raw_page.isdigit() else 1
    rows, has_next = selectors.case_list(actor=request.user, flt=flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    for case in rows:  # which platform clocks still run
        order = case.order
        case.sign_active = order.accepted_at is None and order.status in OPEN_STATUSES
        case.reply_active = order.status in OPEN_STATUSES
        case.extended = order.resolve_due is not None and order.resolve_due != case.reply_deadline
    params.pop("page", None)
    return render(request, "integrations/cases.html", {
        "rows": rows, "flt": flt, "filter_error": filter_error, "page": page, "now": timezone.now(),
        "statuses": STATUS_FILTERS, "upstreams": UPSTREAM_FILTERS,
        "previous_url": _page_url(params, page - 1) if page > 1 else None,
        "next_url": _page_url(params, page + 1) if has_next else None,
        "may_manage": has_perm(request.user, Perm.CASE_MANAGE), "here": request.get_full_path()})


def _page_url(params, page: int) -> str:
    query = params.copy()
    if page > 1:
        query["page"] = str(page)
    return f"{reverse('integrations:cases')}?{query.urlencode()}"


def case_return(request, case_id: str):
    """退回: the form (also on the order's page) and its errors."""
    require_perm(request.user, Perm.CASE_MANAGE)
    case = selectors.case_detail(actor=request.user, case_id=case_id)
    form = ReturnForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.case_return(actor=request.user, case=case, reason_code=form.cleaned_data["reason_code"],
                                     note=form.cleaned_data["note"])
            except (PermissionDeniedError, NotFoundError):
                raise
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.http_status
            else:
                messages.success(request, _("Case %(case_id)s returned to the 12345 platform; order %(number)s is "
                                            "cancelled.") % {"case_id": case.case_id, "number": case.order.number})
                return redirect("workorders:detail", case.order.number)
    return render(request, "integrations/return.html", {
        "case": case, "form": form, "deadline": selectors.return_deadline(case),
        "may_return": selectors.may_return(case)}, status=status)


@require_POST
def message_resend(request, message_id: int):
    message = get_object_or_404(Message, pk=message_id)
    try:
        services.message_resend(actor=request.user, message=message)
        messages.success(request, _("The message will be sent to the 12345 platform again."))
    except (PermissionDeniedError, NotFoundError):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(_next_url(request) or reverse("integrations:cases"))


def _next_url(request) -> str | None:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None
