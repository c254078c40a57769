"""Reads of customer data for a given user: what they may see, with phones masked unless their role
needs the full number."""

from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Field, Model, Prefetch

from hotline.core.errors import NotFoundError
from hotline.customers.models import Account, AccountPhone, Bill, Meter
from hotline.customers.text import format_phone, mask_phone
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm, require_perm

RECENT_BILLS = 12


def phone_display(actor: User, number: str) -> str:
    return format_phone(number) if has_perm(actor, Perm.CUSTOMER_VIEW_CONTACT) else mask_phone(number)


@dataclass
class AccountDetail:
    account: Account
    phones: list[str]
    meters: list[Meter]
    bills: list[Bill]
    holder_changes: list

    @property
    def current_meter(self) -> Meter | None:
        return next((m for m in self.meters if m.removed_on is None), None)


def account_detail(*, actor: User, account_no: str) -> AccountDetail:
    """One account with its premise, meters (history included), previous holders and recent bills."""
    require_perm(actor, Perm.CUSTOMER_VIEW)
    account = (
        Account.objects.select_related(
            "premise__district", "premise__road", "premise__community__branch", "premise__building"
        )
        .prefetch_related(
            Prefetch("phones", queryset=AccountPhone.objects.order_by("position")),
            "holder_changes",
        )
        .filter(account_no=account_no.strip().upper())
        .first()
    )
    if account is None:
        raise NotFoundError()
    return AccountDetail(
        account=account,
        phones=[phone_display(actor, p.number) for p in account.phones.all()],
        meters=list(
            Meter.objects.filter(premise_id=account.premise_id).order_by(
                F("removed_on").desc(nulls_first=True), "-installed_on", "-id"
            )
        ),
        bills=list(Bill.objects.filter(account_id=account.pk).order_by("-period")[:RECENT_BILLS]),
        holder_changes=[
            {"holder_name": h.holder_name, "phones": [phone_display(actor, p) for p in h.phones.split()],
             "valid_from": h.valid_from, "valid_to": h.valid_to}
            for h in account.holder_changes.all()
        ],
    )


def area_summary() -> dict:
    """Counts for the home page; cheap enough at a million accounts (index-only counts)."""
    from hotline.customers.models import Community, District

    return {
        "districts": District.objects.count(),
        "communities": Community.objects.count(),
        "accounts": Account.objects.count(),
    }


# A model's part of the row: the model, its attnames, and each column with its converters.
Shape = tuple[type[Model], list[str], list[tuple[Any, list[Any]]]]
_ACCOUNT_QUERY: tuple[str, list[Shape]] | None = None  # (sql, shapes), built once


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # a concrete field: it has a column
    return field.column


def _account_query(connection: BaseDatabaseWrapper) -> tuple[str, list[Shape]]:
    from hotline.customers.models import Account, Community, Premise

    q = connection.ops.quote_name
    models: tuple[tuple[type[Model], str], ...] = ((Account, "a"), (Premise, "p"), (Community, "c"))
    columns = ", ".join(f"{alias}.{q(_column(model, f.name))}" for model, alias in models for f in model._meta.concrete_fields)
    sql = (f"SELECT {columns} FROM {q(Account._meta.db_table)} a "
           f"JOIN {q(Premise._meta.db_table)} p ON p.{q('id')} = a.{q(_column(Account, 'premise'))} "
           f"LEFT JOIN {q(Community._meta.db_table)} c ON c.{q('id')} = p.{q(_column(Premise, 'community'))} "
           f"WHERE a.{q(_column(Account, 'account_no'))} = %s LIMIT 1")
    shapes: list[Shape] = []
    for model, _alias in models:
        fields = model._meta.concrete_fields
        converters = []
        for field in fields:  # as the ORM's compiler applies them: the backend's, then the field's
            col = field.get_col(model._meta.db_table)
            converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
        shapes.append((model, [f.attname for f in fields], converters))
    return sql, shapes


def account_with_premise(account_no: str) -> Account | None:
    """The account with its premise and community loaded (as ``select_related`` would), for the hot
    path of creating an order by account number: one plain SELECT whose text is built once per
    process, rows turned into models with ``from_db`` (a quarter of the CPU of the ORM query)."""
    from django.db import connection

    from hotline.customers.models import Account, Premise

    global _ACCOUNT_QUERY
    if _ACCOUNT_QUERY is None:
        _ACCOUNT_QUERY = _account_query(connection)
    sql, shapes = _ACCOUNT_QUERY
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_no])
        row = cursor.fetchone()
    if row is None:
        return None
    objects: list[Model | None] = []
    start = 0
    for model, attnames, converters in shapes:
        values = list(row[start:start + len(attnames)])
        start += len(attnames)
        if values[0] is None:  # no community
            objects.append(None)
            continue
        for i, (col, field_converters) in enumerate(converters):
            for converter in field_converters:
                values[i] = converter(values[i], col, connection)
        objects.append(model.from_db(connection.alias, attnames, values))
    account, premise, community = objects
    assert isinstance(account, Account) and premise is not None  # inner joins: only the community can be missing
    Account.premise.field.set_cached_value(account, premise)
    Premise.community.field.set_cached_value(premise, community)
    return account


# --- the customer's history (the customer page) -----------------------------------------------------

HISTORY_PAGE = 10
HISTORY_SECTIONS = ("orders", "calls", "outages", "notices", "cases", "bills")


@dataclass
class HistoryPage:
    section: str
    items: list
    page: int
    has_more: bool


def customer_history(*, actor, account: Account, section: str, page: int = 1) -> HistoryPage:
    """One page (newest first) of one part of the customer's story: work orders of the account or its
    phones (all states, those the user may see), calls (of the account, or from its phones when not
    attached to another account), outages that reached the premise, notices sent to its phones,
    12345 cases of its orders, bills. Each read is one indexed query of HISTORY_PAGE + 1 rows."""
    from django.db.models import Q

    require_perm(actor, Perm.CUSTOMER_VIEW)
    if section not in HISTORY_SECTIONS:
        raise NotFoundError()
    page = max(1, min(page, 1000))
    start = (page - 1) * HISTORY_PAGE
    phones = [p.number for p in account.phones.all()]
    premise = account.premise
    if section == "orders":
        rows = _customer_orders(actor, account, phones).select_related("subject", "unit").order_by("-created_at", "-id")
    elif section == "calls":
        from hotline.calls.models import Call

        q = Q(account_id=account.pk)
        if phones:
            q |= Q(caller_number__in=phones, account__isnull=True)
        rows = (Call.objects.filter(q).select_related("subject", "work_order", "outage", "operator")
                .order_by("-ringing_at", "-id"))
    elif section == "outages":
        from hotline.outages.models import Outage

        q = Q(areas__district_id=premise.district_id)
        if premise.community_id:
            q |= Q(areas__community_id=premise.community_id)
        if premise.building_id:
            q |= Q(areas__building_id=premise.building_id)
        ids = Outage.objects.filter(q).values("pk")
        rows = Outage.objects.filter(pk__in=ids).order_by("-starts_at", "-id")
    elif section == "notices":
        from hotline.notify.models import Message

        rows = Message.objects.filter(recipient__in=phones or ["-"]).order_by("-created_at", "-id")
    elif section == "cases":
        from hotline.integrations.models import Case

        order_ids = _customer_orders(actor, account, phones).values("pk")
        rows = Case.objects.filter(order_id__in=order_ids).select_related("order").order_by("-created_at", "-id")
    else:
        rows = Bill.objects.filter(account_id=account.pk).order_by("-period")
    items = list(rows[start:start + HISTORY_PAGE + 1])
    if section == "notices":
        _notice_links(items)
    return HistoryPage(section=section, items=items[:HISTORY_PAGE], page=page, has_more=len(items) > HISTORY_PAGE)


def _customer_orders(actor, account: Account, phones: list[str]):
    from django.db.models import Q

    from hotline.core.errors import PermissionDeniedError
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


def _notice_links(messages: list) -> None:
    """What each notice was about (its topic: an outage or a work order), as a link."""
    from django.urls import reverse

    from hotline.outages.models import Outage
    from hotline.workorders.models import WorkOrder

    wanted: dict[str, set[int]] = {"outage": set(), "order": set()}
    for m in messages:
        kind, _sep, pk = m.topic.partition(":")
        if kind in wanted and pk.isdigit():
            wanted[kind].add(int(pk))
    outages = dict(Outage.objects.filter(pk__in=wanted["outage"]).values_list("pk", "number")) \
        if wanted["outage"] else {}
    orders = dict(WorkOrder.objects.filter(pk__in=wanted["order"]).values_list("pk", "number")) \
        if wanted["order"] else {}
    for m in messages:
        kind, _sep, pk = m.topic.partition(":")
        m.about, m.about_url = "", ""
        if kind == "outage" and pk.isdigit() and int(pk) in outages:
            m.about, m.about_url = outages[int(pk)], reverse("outages:detail", args=[outages[int(pk)]])
        elif kind == "order" and pk.isdigit() and int(pk) in orders:
            m.about, m.about_url = orders[int(pk)], reverse("workorders:detail", args=[orders[int(pk)]])
