"""Reads of customer data for a given user: what they may see, with phones masked unless their role
needs the full number."""

from collections.abc import Callable
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


@dataclass
class HistoryReader:
    """How one part of the customer's story is read: ``rows(actor, account, phones)`` gives its rows
    newest first (a queryset: one indexed query); ``finish(items)`` may annotate a page's items."""

    rows: Callable[..., Any]
    finish: Callable[[list], None] | None = None


# The apps above register the parts they own (calls.history, in CallsConfig.ready): the customers app
# shows them without importing them. Bills are the customers' own.
_readers: dict[str, HistoryReader] = {}


def history_register(section: str, reader: HistoryReader) -> None:
    _readers[section] = reader


def customer_history(*, actor: User, account: Account, section: str, page: int = 1) -> HistoryPage:
    """One page (newest first) of one part of the customer's story: work orders, calls, outages that
    reached the premise, notices sent to the customer's phones, 12345 cases, bills. Each read is one
    indexed query of HISTORY_PAGE + 1 rows."""
    require_perm(actor, Perm.CUSTOMER_VIEW)
    if section not in HISTORY_SECTIONS:
        raise NotFoundError()
    page = max(1, min(page, 1000))
    start = (page - 1) * HISTORY_PAGE
    phones = [p.number for p in account.phones.all()]
    reader = _readers.get(section)
    if section == "bills":
        rows = Bill.objects.filter(account_id=account.pk).order_by("-period")
    elif reader is None:
        return HistoryPage(section=section, items=[], page=1, has_more=False)
    else:
        rows = reader.rows(actor, account, phones)
    items = list(rows[start:start + HISTORY_PAGE + 1])
    if reader is not None and reader.finish is not None:
        reader.finish(items)
    return HistoryPage(section=section, items=items[:HISTORY_PAGE], page=page, has_more=len(items) > HISTORY_PAGE)
