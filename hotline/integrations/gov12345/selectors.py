"""Reads of 12345 cases: the address a case names, the cases a user may see, their upstream messages
and what the platform is told when it asks how a case stands."""

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, StrIndex
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from hotline.core.errors import NotFoundError, ValidationError
from hotline.customers.models import Account, AccountPhone, Community, Road
from hotline.customers.search import _address_details, normalize_query
from hotline.integrations.models import Case, UpstreamAction
from hotline.notify.models import Channel, Message, MessageStatus
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders import sla
from hotline.workorders.models import OPEN_STATUSES, EventKind, Status, WorkOrder, WorkOrderEvent

ACTION_LABELS = dict(UpstreamAction.choices)
# The fields of what we tell the platform (services._enqueue), as the outbox shows them.
MESSAGE_FIELDS = {
    "order_number": pgettext_lazy("12345 message field", "order"),
    "unit": pgettext_lazy("12345 message field", "unit"),
    "signed_by": pgettext_lazy("12345 message field", "signed for by"),
    "signed_at": pgettext_lazy("12345 message field", "signed for at"),
    "reply_deadline": pgettext_lazy("12345 message field", "reply by"),
    "previous_deadline": pgettext_lazy("12345 message field", "previous deadline"),
    "reason": pgettext_lazy("12345 message field", "reason"),
    "approved_at": pgettext_lazy("12345 message field", "approved at"),
    "result": pgettext_lazy("12345 message field", "result"),
    "handled_by": pgettext_lazy("12345 message field", "handled by"),
    "resolved_at": pgettext_lazy("12345 message field", "resolved at"),
    "satisfaction": pgettext_lazy("12345 message field", "satisfaction"),
    "callback_at": pgettext_lazy("12345 message field", "called back at"),
    "callback_note": pgettext_lazy("12345 message field", "callback note"),
    "reason_code": pgettext_lazy("12345 message field", "reason"),
    "note": pgettext_lazy("12345 message field", "note"),
    "returned_at": pgettext_lazy("12345 message field", "returned at"),
    "returned_by": pgettext_lazy("12345 message field", "returned by"),
}
RETURN_WORKING_DAYS = 2  # a case may be returned to the platform within 2 working days of its receipt
EXTENSION_WORKING_DAYS = 10  # one extension of at most 10 working days beyond the reply deadline


# --- the address of a case --------------------------------------------------------------------------

@dataclass
class AddressMatch:
    community: Community | None = None
    account: Account | None = None
    how: str = ""  # how the account was found: "address" (the dwelling), "phone" (in the area), ""


ROAD_NUMBER = re.compile(r"^(\d+)\s*号")


def _named_community(text: str) -> tuple[Community | None, str]:
    """The one community the text names (and what follows its name), or None when it names none or
    several (the same name in two districts, unless the district is named too)."""
    named = list(Community.objects.annotate(at=StrIndex(Value(text), F("name"))).filter(at__gt=0)
                 .select_related("district", "branch")[:20])
    spans = {c.pk: (c.at - 1, c.at - 1 + len(c.name)) for c in named}
    # A name inside a longer one that matched (丽景小区 inside 丽景小区2期) is not a candidate.
    widest = [c for c in named if not any(
        o.pk != c.pk and spans[o.pk][0] <= spans[c.pk][0] and spans[c.pk][1] <= spans[o.pk][1]
        and spans[o.pk] != spans[c.pk] for o in named)]
    if len(widest) > 1:
        widest = [c for c in widest if c.district.name in text]
    if len(widest) != 1:
        return None, ""
    community = widest[0]
    return community, text[spans[community.pk][1]:]


def _named_road(text: str) -> tuple[Road | None, str]:
    roads = list(Road.objects.annotate(at=StrIndex(Value(text), F("name"))).filter(at__gt=0)[:3])
    if len(roads) != 1:
        return None, ""
    road = roads[0]
    number = ROAD_NUMBER.match(text[road.at - 1 + len(road.name):])
    return road, number[1] if number else ""


def _single(accounts: QuerySet) -> Account | None:
    found = list(accounts.select_related("premise__community")[:2])
    return found[0] if len(found) == 1 else None


def match_address(*, address: str, phone: str = "") -> AddressMatch:
    """The community a case's address names and, where it is unambiguous, the account: the only
    account at the dwelling the address names (a room, or a road number), or else the only account
    with the caller's phone in what the address names (the dwelling, the building, the community)."""
    text = normalize_query(address).replace(" ", "")
    if not text:
        return AddressMatch()
    community, rest = _named_community(text)
    if community is not None:
        details = _address_details(rest) or {}  # None: what follows is not a building/unit/room
        area = Account.objects.filter(premise__community=community,
                                      **{f"premise__{k}": v for k, v in details.items()})
        dwelling = "room" in details
    else:
        road, number = _named_road(text)
        if road is None or not number:
            return AddressMatch()
        area, dwelling = Account.objects.filter(premise__road=road, premise__road_no=number), True
    match = AddressMatch(community=community)
    if dwelling and (account := _single(area)):
        match.account, match.how = account, "address"
    elif phone and (account := _single(area.filter(
            pk__in=AccountPhone.objects.filter(number=phone).values("account_id")))):
        match.account, match.how = account, "phone"
    if match.account is not None and match.community is None:
        match.community = match.account.premise.community
    return match


# --- cases -------------------------------------------------------------------------------------------

def cases_visible_to(actor: User) -> QuerySet[Case]:
    """Every case, for staff with the 12345 view and for the platform that transferred them (there is one
    platform: every case is its own)."""
    if not has_perm(actor, Perm.CASE_INBOUND):
        require_perm(actor, Perm.CASE_VIEW)
    return Case.objects.all()


def _topic_of_case() -> Concat:
    return Concat(Value("case:"), OuterRef("pk"), output_field=CharField())


@dataclass
class CaseFilter:
    status: str = ""  # a work-order status, "open", or "returned"
    upstream: str = ""  # "pending" (waiting to be sent) or "failed"
    q: str = ""

    STATUSES = ("open", "returned", *Status.values)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "CaseFilter":
        flt = cls(status=str(params.get("status") or "").strip(), upstream=str(params.get("upstream") or "").strip(),
                  q=str(params.get("q") or "").strip()[:100])
        errors = {}
        if flt.status and flt.status not in cls.STATUSES:
            errors["status"] = _("Unknown status.")
        if flt.upstream and flt.upstream not in ("pending", "failed"):
            errors["upstream"] = _("Unknown upstream status.")
        if errors:
            raise ValidationError(_("Check the filters."), fields=errors)
        return flt

    def apply(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.status == "open":
            queryset = queryset.filter(order__status__in=OPEN_STATUSES)
        elif self.status == "returned":
            queryset = queryset.filter(returned_at__isnull=False)
        elif self.status:
            queryset = queryset.filter(order__status=self.status)
        if self.upstream:
            states = [MessageStatus.FAILED] if self.upstream == "failed" else [MessageStatus.PENDING,
                                                                                MessageStatus.SENDING]
            queryset = queryset.filter(Exists(Message.objects.filter(topic=_topic_of_case(), status__in=states)))
        if self.q:
            queryset = queryset.filter(Q(case_id__istartswith=self.q) | Q(order__number=self.q.upper())
                                       | Q(title__contains=self.q) | Q(address__contains=self.q))
        return queryset


def case_list(*, actor: User, flt: CaseFilter, limit: int = 50, offset: int = 0) -> tuple[list[Case], bool]:
    """A page of cases, newest first, each with ``upstream`` (its messages and their summary)."""
    rows = list(flt.apply(cases_visible_to(actor)).select_related("order__unit")
                .order_by("-created_at", "-id")[offset:offset + limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    attach_upstream(rows)
    return rows, has_more


def case_detail(*, actor: User, case_id: str) -> Case:
    case = cases_visible_to(actor).select_related("order__unit", "order__subject").filter(case_id=case_id).first()
    if case is None:
        raise NotFoundError()
    return case


# --- what went upstream ------------------------------------------------------------------------------

@dataclass
class Upstream:
    """A case's upstream messages, oldest first, and their state in one word."""

    messages: list[Message] = field(default_factory=list)

    @property
    def state(self) -> str:
        """"failed", "pending" (waiting or being sent), "sent" (all of them), or "" (none yet)."""
        statuses = {m.status for m in self.messages}
        if MessageStatus.FAILED in statuses:
            return "failed"
        if statuses & {MessageStatus.PENDING, MessageStatus.SENDING}:
            return "pending"
        return "sent" if statuses else ""

    @property
    def failed(self) -> list[Message]:
        return [m for m in self.messages if m.status == MessageStatus.FAILED]

    @property
    def error(self) -> str:
        return next((m.last_error for m in self.failed), "")


def attach_upstream(cases: list[Case]) -> None:
    """Set ``case.upstream`` on every case with one query."""
    by_topic: dict[str, list[Message]] = {case.topic: [] for case in cases}
    if by_topic:
        for message in Message.objects.filter(topic__in=list(by_topic), channel=Channel.GOV12345).order_by("id"):
            message.action_label = str(ACTION_LABELS.get(message.template, message.template))
            by_topic[message.topic].append(message)
    for case in cases:
        case.upstream = Upstream(by_topic[case.topic])


def earlier_unsent(key: str) -> int | None:
    """The first message of the same case, written before the one with ``key``, not yet sent."""
    message = Message.objects.filter(idempotency_key=key).values("pk", "topic").first()
    if message is None or not message["topic"]:
        return None
    return (Message.objects.filter(topic=message["topic"], channel=Channel.GOV12345, pk__lt=message["pk"])
            .exclude(status=MessageStatus.SENT).order_by("pk").values_list("pk", flat=True).first())


def replied_not_closed(*, limit: int = 500) -> list[Case]:
    """Cases whose final reply was sent while their order still waits to be closed."""
    sent_reply = Message.objects.filter(topic=_topic_of_case(), channel=Channel.GOV12345,
                                        template=UpstreamAction.REPLY, status=MessageStatus.SENT)
    return list(Case.objects.filter(order__status=Status.CALLBACK_DONE).filter(Exists(sent_reply))
                .select_related("order")[:limit])


def has_message(case: Case, action: str, *, status: str | None = None) -> bool:
    messages = Message.objects.filter(topic=case.topic, channel=Channel.GOV12345, template=action)
    return (messages if status is None else messages.filter(status=status)).exists()


# --- deadlines of the platform's rules ---------------------------------------------------------------

def return_deadline(case: Case, calendar: sla.WorkCalendar | None = None) -> datetime:
    """Until when the case may go back to the platform: 2 working days after it reached us."""
    return (calendar or sla.WorkCalendar()).add(case.created_at, sla.Limit(RETURN_WORKING_DAYS, "wd"))


def may_return(case: Case, *, now: datetime | None = None) -> bool:
    return (case.returned_at is None and case.order.status in OPEN_STATUSES
            and (now or timezone.now()) <= return_deadline(case))


def extension_limit(due: datetime, calendar: sla.WorkCalendar | None = None) -> datetime:
    """The latest deadline one extension may set: 10 working days after the current one."""
    return (calendar or sla.WorkCalendar()).add(due, sla.Limit(EXTENSION_WORKING_DAYS, "wd"))


# --- what the platform is told when it asks --------------------------------------------------------

def _last_event(order: WorkOrder, *kinds: str) -> WorkOrderEvent | None:
    return (WorkOrderEvent.objects.filter(order=order, kind__in=kinds).select_related("actor")
            .order_by("-at", "-id").first())


def local(value: datetime | None) -> datetime | None:
    """Times the platform reads are in its local time (TIME_ZONE), as it sends them."""
    return timezone.localtime(value) if value else None


def message_out(m: Message) -> dict:
    return {"id": m.pk, "action": m.template, "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
            "created_at": local(m.created_at), "sent_at": local(m.sent_at)}


def case_status(case: Case) -> dict:
    """The order's state, unit, deadlines, last progress, result and the upstream messages."""
    order = case.order
    progress = _last_event(order, EventKind.PROGRESS)
    attach_upstream([case])
    return {
        "case_id": case.case_id, "order_number": order.number, "status": order.status,
        "unit": order.unit.name if order.unit else None,
        "sign_deadline": local(case.sign_deadline), "reply_deadline": local(case.reply_deadline),
        "accept_due": local(order.accept_due), "resolve_due": local(order.resolve_due),
        "accepted_at": local(order.accepted_at), "resolved_at": local(order.resolved_at),
        "closed_at": local(order.closed_at),
        "last_progress": {"at": local(progress.at), "note": progress.note} if progress else None,
        "result": order.result, "satisfaction": order.satisfaction,
        "returned": {"at": local(case.returned_at), "reason_code": case.return_reason, "note": case.return_note}
        if case.returned_at else None,
        "urges": case.urges.count(),
        "messages": [message_out(m) for m in case.upstream.messages],
    }


def message_display(message: Message) -> str:
    """A message to the platform as staff read it: its action and its fields, not its JSON."""
    import json

    from hotline.core.display import join_list, when
    from hotline.integrations.models import ReturnReason
    from hotline.workorders.models import Satisfaction

    try:
        payload = json.loads(message.text)
    except ValueError:
        return message.text
    if not isinstance(payload, dict):
        return message.text
    choices = {"reason_code": dict(ReturnReason.choices), "satisfaction": dict(Satisfaction.choices)}
    action = str(payload.get("action") or "")
    parts = [str(ACTION_LABELS.get(action, action))]
    if payload.get("case_id"):
        parts.append(_("case %(case_id)s") % {"case_id": payload["case_id"]})
    for key, value in payload.items():
        if key in ("action", "case_id") or value in (None, ""):
            continue
        text = str(choices.get(key, {}).get(value, value))
        if key.endswith("_at") or key.endswith("_deadline"):
            with contextlib.suppress(ValueError):
                text = when(datetime.fromisoformat(text))
        parts.append(_("%(field)s: %(value)s") % {"field": MESSAGE_FIELDS.get(key, key), "value": text})
    return join_list(part for part in parts if part)
