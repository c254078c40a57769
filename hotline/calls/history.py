"""The parts of the customer page (customers.selectors.customer_history) that other apps own: the
customer's work orders, calls, the outages that reached the premise, the notices sent to the
customer's phones and the 12345 cases of their orders. Registered in CallsConfig.ready, so that the
customers app shows them without importing the apps above it."""

from django.db.models import Q
from django.urls import reverse

from hotline.core.errors import PermissionDeniedError
from hotline.customers.selectors import HistoryReader, history_register


def _orders(actor, account, phones: list[str]):
    from hotline.workorders.models import WorkOrder
    from hotline.workorders.selectors import orders_visible_to

    try:
        visible = orders_visible_to(actor)
    except PermissionDeniedError:
        return WorkOrder.objects.none()
    q = Q(account_id=account.pk)
    if phones:
        q |= Q(contact_phone__in=phones)
    return visible.filter(q)


def orders(actor, account, phones: list[str]):
    """Work orders of the account or its phones, all states, those the user may see."""
    return _orders(actor, account, phones).select_related("subject", "unit").order_by("-created_at", "-id")


def calls(actor, account, phones: list[str]):
    """Calls of the account, or from its phones when not attached to another account."""
    from hotline.calls.models import Call

    q = Q(account_id=account.pk)
    if phones:
        q |= Q(caller_number__in=phones, account__isnull=True)
    return Call.objects.filter(q).select_related("subject", "work_order", "outage").order_by("-ringing_at", "-id")


def outages(actor, account, phones: list[str]):
    """Outages whose area named the premise's district, community or building."""
    from hotline.outages.models import Outage

    premise = account.premise
    q = Q(areas__district_id=premise.district_id)
    if premise.community_id:
        q |= Q(areas__community_id=premise.community_id)
    if premise.building_id:
        q |= Q(areas__building_id=premise.building_id)
    return Outage.objects.filter(pk__in=Outage.objects.filter(q).values("pk")).order_by("-starts_at", "-id")


def notices(actor, account, phones: list[str]):
    """Messages sent to the customer's phones (on the (recipient, created_at) index)."""
    from hotline.notify.models import Message

    return Message.objects.filter(recipient__in=phones or ["-"]).order_by("-created_at", "-id")


def cases(actor, account, phones: list[str]):
    """12345 cases whose work order is the customer's."""
    from hotline.integrations.models import Case

    return (Case.objects.filter(order_id__in=_orders(actor, account, phones).values("pk")).select_related("order")
            .order_by("-created_at", "-id"))


def notice_links(messages: list) -> None:
    """What each notice was about (its topic: an outage or a work order), as a link."""
    from hotline.outages.models import Outage
    from hotline.workorders.models import WorkOrder

    wanted: dict[str, set[int]] = {"outage": set(), "order": set()}
    for m in messages:
        kind, _sep, pk = m.topic.partition(":")
        if kind in wanted and pk.isdigit():
            wanted[kind].add(int(pk))
    found = {
        "outage": dict(Outage.objects.filter(pk__in=wanted["outage"]).values_list("pk", "number"))
        if wanted["outage"] else {},
        "order": dict(WorkOrder.objects.filter(pk__in=wanted["order"]).values_list("pk", "number"))
        if wanted["order"] else {},
    }
    urls = {"outage": "outages:detail", "order": "workorders:detail"}
    for m in messages:
        kind, _sep, pk = m.topic.partition(":")
        number = found.get(kind, {}).get(int(pk)) if pk.isdigit() else None
        m.about, m.about_url = (number, reverse(urls[kind], args=[number])) if number else ("", "")


def register() -> None:
    history_register("orders", HistoryReader(orders))
    history_register("calls", HistoryReader(calls))
    history_register("outages", HistoryReader(outages))
    history_register("notices", HistoryReader(notices, notice_links))
    history_register("cases", HistoryReader(cases))
