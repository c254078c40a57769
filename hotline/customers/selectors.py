"""Reads of customer data for a given user: what they may see, with phones masked unless their role
needs the full number."""

from dataclasses import dataclass

from django.db.models import F, Prefetch

from hotline.core.errors import NotFoundError
from hotline.customers.models import Account, AccountPhone, Bill, Meter
from hotline.customers.text import format_phone, mask_phone
from hotline.org.roles import Perm, has_perm, require_perm

RECENT_BILLS = 12


def phone_display(actor, number: str) -> str:
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


def account_detail(*, actor, account_no: str) -> AccountDetail:
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
