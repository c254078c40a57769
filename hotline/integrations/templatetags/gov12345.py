"""``{% gov12345_case_panel order %}``: the 12345 panel of a work order's page (case, the platform's
deadlines, its urges, what went upstream, the return to the platform)."""

from django import template
from django.utils import timezone

from hotline.integrations.forms import ReturnForm
from hotline.integrations.gov12345 import selectors
from hotline.integrations.models import Case
from hotline.org.roles import Perm, has_perm
from hotline.workorders.models import Source

register = template.Library()


@register.inclusion_tag("integrations/_case_panel.html", takes_context=True)
def gov12345_case_panel(context, order):
    request = context["request"]
    user = request.user
    if order.source != Source.GOV_12345 or not has_perm(user, Perm.CASE_VIEW):
        return {"case": None}
    case = Case.objects.filter(order_id=order.pk).first()
    if case is None:
        return {"case": None}
    case.order = order
    selectors.attach_upstream([case])
    may_manage = has_perm(user, Perm.CASE_MANAGE)
    return {
        "case": case, "order": order, "urges": list(case.urges.all()), "may_manage": may_manage,
        "may_return": may_manage and selectors.may_return(case), "return_deadline": selectors.return_deadline(case),
        "form": ReturnForm(), "csrf_token": context.get("csrf_token"), "here": request.get_full_path(),
        "now": timezone.now(), "extended": order.resolve_due is not None and order.resolve_due != case.reply_deadline,
    }
