"""Screen pop: who is calling, what they have open, what they called about before."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q

from hotline.calls.models import Call
from hotline.customers.models import Account, AccountPhone
from hotline.customers.selectors import phone_display
from hotline.customers.text import normalize_phone
from hotline.org.models import User
from hotline.org.roles import Perm, require_perm
from hotline.workorders.models import OPEN_STATUSES, Subject, WorkOrder
from hotline.workorders.selectors import orders_visible_to

if TYPE_CHECKING:
    from hotline.outages.models import Outage

POP_LIMIT = 10


@dataclass
class ScreenPop:
    number: str
    number_display: str
    accounts: list[Account]
    open_orders: list[WorkOrder]
    recent_calls: list[Call]
    outages: "list[Outage]" = field(default_factory=list)  # active outages at the callers' addresses (outages app)


def screen_pop(*, actor: User, number: str) -> ScreenPop:
    """Everything the operator needs before saying hello, from the caller's number: for those who take
    calls (the hotline), and only the open orders they may see."""
    require_perm(actor, Perm.CALL_LOG)
    require_perm(actor, Perm.CUSTOMER_VIEW)
    digits = normalize_phone(number)
    if not digits:
        return ScreenPop(number="", number_display="", accounts=[], open_orders=[], recent_calls=[])
    account_ids = list(AccountPhone.objects.filter(number=digits).values_list("account_id", flat=True)[:POP_LIMIT])
    accounts = list(
        Account.objects.filter(pk__in=account_ids)
        .select_related("premise__community__branch", "premise__district")
        .prefetch_related(Prefetch("phones", queryset=AccountPhone.objects.order_by("position")))
    )
    orders_q = Q(contact_phone=digits, status__in=OPEN_STATUSES)
    if account_ids:
        orders_q |= Q(account_id__in=account_ids, status__in=OPEN_STATUSES)
    open_orders = list(
        orders_visible_to(actor).filter(orders_q).select_related("subject", "unit").order_by("-created_at")[:POP_LIMIT]
    )
    recent_calls = list(
        Call.objects.filter(caller_number=digits).select_related("subject", "operator", "work_order")
        .order_by("-ringing_at")[:POP_LIMIT]
    )
    return ScreenPop(number=digits, number_display=phone_display(actor, digits), accounts=accounts,
                     open_orders=open_orders, recent_calls=recent_calls, outages=outages_for(accounts))


def outages_for(accounts: list[Account]) -> "list[Outage]":
    """Current and upcoming outages at these accounts' premises, each with the operator's answer script
    and the accounts it touches (``outage.account_nos``)."""
    from hotline.outages.services import answer_script, current_outages, outages_at

    if not accounts:
        return []
    current = current_outages()
    found: dict[int, Outage] = {}
    for account in accounts:
        for outage in outages_at(account.premise, current):
            outage = found.setdefault(outage.pk, outage)
            outage.account_nos = [*getattr(outage, "account_nos", []), account.account_no]
    for outage in found.values():
        outage.script = answer_script(outage)
    return list(found.values())


# --- the call panel (console) ---------------------------------------------------------------------

def caller_account(*, actor: User, account_no: str) -> Account | None:
    """The account an operator attaches to a call (from the screen pop, or typed), with its premise."""
    require_perm(actor, Perm.CUSTOMER_VIEW)
    account_no = (account_no or "").strip().upper()
    if not account_no:
        return None
    return (
        Account.objects.select_related("premise__community__branch", "premise__district")
        .prefetch_related(Prefetch("phones", queryset=AccountPhone.objects.order_by("position")))
        .filter(account_no=account_no).first()
    )


@dataclass
class OrderDefaults:
    """What the call panel pre-fills in a new work order for this caller and subject."""

    urgency: str = ""
    unit: object = None  # hotline.org.models.Unit | None, from the assignment rules
    address: str = ""
    contact_name: str = ""
    meter_no: str = ""


def call_order_defaults(*, subject: Subject | None = None, account: Account | None = None) -> OrderDefaults:
    from hotline.customers.models import Meter
    from hotline.workorders.assignment import default_unit

    defaults = OrderDefaults()
    community = None
    if account is not None:
        community = account.premise.community
        defaults.address, defaults.contact_name = account.premise.address, account.holder_name
        defaults.meter_no = (
            Meter.objects.filter(premise_id=account.premise_id, removed_on__isnull=True)
            .order_by("-installed_on", "-id").values_list("number", flat=True).first() or ""
        )
    if subject is not None:
        defaults.urgency = subject.default_urgency
        defaults.unit = default_unit(subject=subject, community=community)
    return defaults


def operator_calls_today(*, actor: User, limit: int = 30) -> list[Call]:
    """The operator's own calls since midnight (local time), newest first."""
    from django.utils import timezone

    require_perm(actor, Perm.CALL_LOG)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        Call.objects.filter(operator=actor, ringing_at__gte=midnight)
        .select_related("subject", "account", "work_order").order_by("-ringing_at")[:limit]
    )


# --- live calls and call-backs (from the PBX's events, calls.cti) ---------------------------------

REPEAT_MINUTES = 10  # calls from one number this close together are one caller trying again


def live_q(now: datetime) -> Q:
    """The calls that are live at ``now``: ringing, or in conversation, and not timed out without
    their hangup (CTI_RINGING_TIMEOUT_SECONDS, CTI_CALL_TIMEOUT_SECONDS)."""
    from datetime import timedelta

    from django.conf import settings

    from hotline.calls.models import LineState

    ringing = timedelta(seconds=settings.CTI_RINGING_TIMEOUT_SECONDS)
    talking = timedelta(seconds=settings.CTI_CALL_TIMEOUT_SECONDS)
    return (Q(ringing_at__gte=now - max(ringing, talking), ringing_at__lte=now)
            & (Q(line_state=LineState.RINGING, ringing_at__gte=now - ringing)
               | Q(line_state=LineState.ANSWERED, answered_at__gte=now - talking)))


def live_call(*, actor: User) -> Call | None:
    """The call ringing at (or in conversation with) the operator's seat now and not yet logged,
    newest first: a call the operator has written up no longer holds the panel."""
    from django.utils import timezone

    require_perm(actor, Perm.CALL_LOG)
    return (
        Call.objects.filter(live_q(timezone.now()), operator=actor, summary="", subject__isnull=True)
        .order_by("-ringing_at").first()
    )


def repeat_calls(calls: list[Call], at: datetime) -> int:
    """How many of these calls (one number's, newest first) came within REPEAT_MINUTES before ``at``."""
    from datetime import timedelta

    return sum(1 for c in calls if at - timedelta(minutes=REPEAT_MINUTES) <= c.ringing_at <= at)


@dataclass
class CallbackEntry:
    """One number to call back: its missed and abandoned calls together."""

    number: str
    number_display: str
    calls: list[Call]  # newest first
    holder_name: str = ""

    @property
    def last_at(self) -> datetime:
        return self.calls[0].ringing_at

    @property
    def first_at(self) -> datetime:
        return self.calls[-1].ringing_at

    @property
    def longest_wait(self) -> int:
        return max((c.wait_seconds or 0) for c in self.calls)


def callback_list(*, actor: User, limit: int = 100) -> list[CallbackEntry]:
    """Missed and abandoned calls waiting for a call-back, one entry per number, oldest wait first."""

    require_perm(actor, Perm.CALL_LOG)
    entries: dict[str, CallbackEntry] = {}
    for call in pending_callbacks():
        entry = entries.get(call.caller_number)
        if entry is None:
            if len(entries) >= limit:
                continue
            entry = entries[call.caller_number] = CallbackEntry(
                number=call.caller_number, number_display=phone_display(actor, call.caller_number), calls=[])
        entry.calls.insert(0, call)
    names = dict(AccountPhone.objects.filter(number__in=list(entries)).order_by("-account_id")
                 .values_list("number", "account__holder_name"))
    for entry in entries.values():
        entry.holder_name = names.get(entry.number, "")
    return list(entries.values())


def pending_callbacks(limit: int = 5000) -> list[Call]:
    """The calls waiting for a call-back, oldest first. Read through their partial index only: with an
    ORDER BY, a GROUP BY or a DISTINCT in the query the planner walks a whole index of the call table
    instead (seconds at five million calls), so sorting and grouping happen here on the few rows."""
    from hotline.calls.models import CallbackStatus

    calls = list(Call.objects.filter(callback_status=CallbackStatus.PENDING).order_by()
                 .only("pk", "caller_number", "ringing_at", "outcome", "wait_seconds", "queue", "agent")[:limit])
    calls.sort(key=lambda c: (c.ringing_at, c.pk))
    return calls


def callback_count() -> int:
    """How many numbers are waiting for a call-back (the menu's badge)."""
    return len({c.caller_number for c in pending_callbacks()})
