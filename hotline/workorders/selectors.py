"""Reads of work orders for a user: hotline roles see all orders, unit staff the orders of their
unit (and the units under it). One filter definition serves the console list and the API list."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from hotline.customers.models import Account, Community
from hotline.customers.text import normalize_phone
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm
from hotline.workorders.models import OPEN_STATUSES, Alert, Status, Urgency, WorkOrder, WorkOrderEvent
from hotline.workorders.scope import actor_unit_ids

ORDER_NUMBER = re.compile(r"^gd\d{0,13}$", re.I)


# A unit's request waiting for the hotline's decision (the partial index ``wo_pending_requests``).
PENDING_REQUEST = (Q(redispatch_requested_at__isnull=False) | Q(pause_requested_at__isnull=False)
                   | Q(extension_until__isnull=False))


def orders_visible_to(actor: User) -> QuerySet[WorkOrder]:
    if has_perm(actor, Perm.ORDER_VIEW_ALL):
        return WorkOrder.objects.all()
    if has_perm(actor, Perm.ORDER_VIEW_UNIT) and actor.unit_id:
        return WorkOrder.objects.filter(unit_id__in=actor_unit_ids(actor))
    raise PermissionDeniedError()


@dataclass
class OrderFilter:
    status: str = ""  # a status, or "open"
    unit: int | None = None
    subject: int | None = None
    urgency: str = ""
    overdue: bool = False
    pending: bool = False  # a unit's request waits for the hotline: re-dispatch, pause or extension
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "OrderFilter":
        """From query parameters (console GET or API), with clear errors for bad values."""
        raw = {f.name: "" if params.get(f.name) in (None, False) else str(params.get(f.name)).strip()
               for f in fields(cls)}
        errors = {}
        flt = cls(status=raw["status"], urgency=raw["urgency"], q=raw["q"][:100],
                  overdue=raw["overdue"].lower() in {"1", "true", "on", "yes"},
                  pending=raw["pending"].lower() in {"1", "true", "on", "yes"})
        if flt.status and flt.status != "open" and flt.status not in Status.values:
            errors["status"] = _("Unknown status.")
        if flt.urgency and flt.urgency not in Urgency.values:
            errors["urgency"] = _("Unknown urgency.")
        for name in ("unit", "subject"):
            if raw[name]:
                if raw[name].isdigit():
                    setattr(flt, name, int(raw[name]))
                else:
                    errors[name] = _("Not a valid choice.")
        for name in ("date_from", "date_to"):
            if raw[name]:
                try:
                    setattr(flt, name, date.fromisoformat(raw[name]))
                except ValueError:
                    errors[name] = _("Use the format YYYY-MM-DD.")
        if errors:
            raise ValidationError(_("Check the filters."), fields=errors)
        return flt

    def apply(self, queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
        if self.status == "open":
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif self.status:
            queryset = queryset.filter(status=self.status)
        if self.unit:
            queryset = queryset.filter(unit_id=self.unit)
        if self.subject:
            queryset = queryset.filter(Q(subject_id=self.subject) | Q(subject__group_id=self.subject))
        if self.urgency:
            queryset = queryset.filter(urgency=self.urgency)
        if self.overdue:
            queryset = queryset.filter(is_overdue=True)
        if self.pending:
            queryset = queryset.filter(PENDING_REQUEST)
        tz = timezone.get_current_timezone()
        if self.date_from:
            queryset = queryset.filter(created_at__gte=datetime.combine(self.date_from, time.min, tz))
        if self.date_to:
            queryset = queryset.filter(created_at__lt=datetime.combine(self.date_to + timedelta(days=1), time.min, tz))
        if self.q:
            queryset = queryset.filter(_text_query(self.q))
        return queryset


def _text_query(text: str) -> Q:
    """Find an order by number, phone, account number or community (all orders, from indexes), or by
    words of its title, address or contact name (orders still open: a scan of the whole history would
    take seconds at millions of orders; S4's order is one in hand)."""
    text = text.strip()
    if ORDER_NUMBER.match(text):
        return Q(number__startswith=text.upper())
    digits = normalize_phone(text)
    if digits and digits == text.replace("-", "").replace(" ", ""):
        accounts = list(Account.objects.filter(account_no=text.upper()).values_list("pk", flat=True))
        return (Q(contact_phone=digits) | Q(account_id__in=accounts)
                | Q(number__endswith=digits, status__in=OPEN_STATUSES))
    words = (Q(title__contains=text) | Q(address__contains=text) | Q(contact_name=text)) & Q(status__in=OPEN_STATUSES)
    from functools import reduce
    from operator import or_

    from hotline.customers.text import address_variants

    # 中央公园二期 finds 中央公园2期 (Chinese and Arabic numerals, as the account search).
    named = reduce(or_, (Q(name__contains=v) for v in address_variants(text)))
    communities = list(Community.objects.filter(named).values_list("pk", flat=True)[:20])
    return words | Q(community_id__in=communities) if communities else words


def order_list(*, actor: User, flt: OrderFilter, limit: int = 50, offset: int = 0) -> tuple[list[WorkOrder], bool]:
    """One page of orders, newest first; and whether there is a next page (no COUNT over millions)."""
    queryset = flt.apply(orders_visible_to(actor)).select_related("subject", "unit", "request_type", "community",
                                                                  "account", "assignee", "crew")
    rows = list(queryset.order_by("-created_at", "-id")[offset:offset + limit + 1])
    return rows[:limit], len(rows) > limit


# Statuses counted on the list's tabs: the work in hand. Finished orders (millions over the years)
# are listed but not counted, and each count stops at COUNT_CAP ("1000+"), so that a page never
# counts a whole history or a whole backlog.
COUNTED_STATUSES = (*OPEN_STATUSES, Status.RESOLVED)
COUNT_CAP = 1000


def status_counts(*, actor: User, flt: OrderFilter) -> dict[str, int]:
    """Orders per status (of the work in hand) for the filter without its status (the list's tabs);
    a count of COUNT_CAP means "at least that many"."""
    base = OrderFilter(**{**flt.__dict__, "status": ""}).apply(orders_visible_to(actor))
    counts: dict[str, int] = {status: base.filter(status=status).order_by()[:COUNT_CAP].count() for status in COUNTED_STATUSES}
    counts["open"] = min(COUNT_CAP, sum(counts[s] for s in OPEN_STATUSES))
    return counts


def order_detail(*, actor: User, number: str) -> WorkOrder:
    order = (
        orders_visible_to(actor)
        .select_related("subject__group", "request_type", "unit", "account__premise", "community", "parent",
                        "created_by", "calibration", "assignee", "crew")
        .prefetch_related(
            Prefetch("events", queryset=WorkOrderEvent.objects.select_related("actor__unit", "unit")
                     .prefetch_related("attachments").order_by("at", "id")),
            "duplicates", "calls",
        )
        .filter(number=number.strip().upper())
        .first()
    )
    if order is None:
        raise NotFoundError()
    return order


def _queue_rows(actor: User, *, mine: bool) -> QuerySet[WorkOrder]:
    queryset = orders_visible_to(actor).filter(unit_id__in=actor_unit_ids(actor), status__in=QUEUE_STATUSES)
    if mine:
        crews = list(actor.crews.filter(is_active=True).values_list("pk", flat=True))
        queryset = queryset.filter(Q(assignee=actor) | Q(crew_id__in=crews) if crews else Q(assignee=actor))
    return queryset


QUEUE_STATUSES = (Status.DISPATCHED, Status.REOPENED, Status.ACCEPTED, Status.IN_PROGRESS)


def unit_queue(*, actor: User, limit: int = 100, mine: bool = False) -> list[WorkOrder]:
    """The orders a unit has to work (``mine``: those assigned to the actor or the actor's crews): new
    dispatches first, emergencies first among them, then by deadline. Ordered in the database, so that the
    first ``limit`` rows are the first of the whole queue (the queue page shows it a page at a time)."""
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import Coalesce

    if not actor.unit_id:
        return []
    waiting = (Status.DISPATCHED, Status.REOPENED)
    return list(
        _queue_rows(actor, mine=mine).select_related("subject", "community", "assignee", "crew", "unit",
                                                     "request_type", "account")
        .annotate(q_waiting=Case(When(status__in=waiting, then=Value(0)), default=Value(1), output_field=IntegerField()),
                  q_urgent=Case(When(urgency=Urgency.EMERGENCY, then=Value(0)), default=Value(1),
                                output_field=IntegerField()),
                  q_due=Coalesce("resolve_due", "accept_due", "created_at"))
        .order_by("q_waiting", "q_urgent", "q_due", "id")[:limit]
    )


# The age bands of the callbacks list: time since the resolution, in days (from, to).
CALLBACK_AGES = {"today": (0, 1), "1d": (1, 3), "3d": (3, 7), "7d": (7, None)}


@dataclass
class CallbackFilter:
    """The callbacks list's filters: the unit that resolved it, subject (or its group), source, age since
    the resolution (CALLBACK_AGES), and only those past their callback deadline."""

    unit: int | None = None
    subject: int | None = None
    source: str = ""
    age: str = ""
    overdue: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "CallbackFilter":
        from hotline.workorders.models import Source

        raw = {f.name: "" if params.get(f.name) in (None, False) else str(params.get(f.name)).strip()
               for f in fields(cls)}
        errors = {}
        flt = cls(source=raw["source"], age=raw["age"], overdue=raw["overdue"].lower() in {"1", "true", "on", "yes"})
        if flt.source and flt.source not in Source.values:
            errors["source"] = _("Unknown source.")
        if flt.age and flt.age not in CALLBACK_AGES:
            errors["age"] = _("Not a valid choice.")
        for name in ("unit", "subject"):
            if raw[name]:
                if raw[name].isdigit():
                    setattr(flt, name, int(raw[name]))
                else:
                    errors[name] = _("Not a valid choice.")
        if errors:
            raise ValidationError(_("Check the filters."), fields=errors)
        return flt

    def apply(self, queryset: QuerySet[WorkOrder], now: datetime) -> QuerySet[WorkOrder]:
        if self.unit:
            queryset = queryset.filter(unit_id=self.unit)
        if self.subject:
            queryset = queryset.filter(Q(subject_id=self.subject) | Q(subject__group_id=self.subject))
        if self.source:
            queryset = queryset.filter(source=self.source)
        if self.age:
            low, high = CALLBACK_AGES[self.age]
            queryset = queryset.filter(resolved_at__lte=now - timedelta(days=low))
            if high is not None:
                queryset = queryset.filter(resolved_at__gt=now - timedelta(days=high))
        if self.overdue:
            queryset = queryset.filter(callback_due__lte=now)
        return queryset


def callbacks_due(*, actor: User, flt: CallbackFilter | None = None, limit: int = 100,
                  offset: int = 0) -> list[WorkOrder]:
    """Resolved orders waiting for the hotline's callback: the next try due first (the callback's
    deadline, or the retry plan's next try), then the oldest resolution."""
    from django.db.models.functions import Coalesce

    queryset = (flt or CallbackFilter()).apply(orders_visible_to(actor).filter(status=Status.RESOLVED),
                                               timezone.now())
    return list(queryset.select_related("subject", "unit")
                .order_by(Coalesce("callback_next_at", "callback_due", "resolved_at").asc(), "resolved_at", "id")
                [offset:offset + limit])


def callbacks_count(*, actor: User, flt: CallbackFilter | None = None) -> int:
    """How many callbacks wait (with the filters); resolved orders are the work in hand, a few thousand."""
    return (flt or CallbackFilter()).apply(orders_visible_to(actor).filter(status=Status.RESOLVED),
                                           timezone.now()).count()


def queue_stamp(*, actor: User, mine: bool = False) -> str:
    """A cheap fingerprint of what the queue page shows: the orders (how many, the last change) and the
    unread alerts. The page asks for it every few seconds and reloads its lists only when it changes."""
    from django.db.models import Count, Max

    from hotline.workorders.models import Alert

    if not actor.unit_id:
        return "-"
    orders = _queue_rows(actor, mine=mine).order_by().aggregate(n=Count("id"), last=Max("updated_at"))
    alerts = Alert.objects.filter(unit_id__in=actor_unit_ids(actor), read_at__isnull=True).filter(
        Q(user__isnull=True) | Q(user=actor)).order_by().aggregate(n=Count("id"), last=Max("id"))
    last = orders["last"].timestamp() if orders["last"] else 0
    return f"{orders['n']}-{last:.6f}-{alerts['n']}-{alerts['last'] or 0}"


def unit_alerts(*, actor: User, limit: int = 20) -> list:
    """Unread in-app alerts of the actor's unit (and the units under it), newest first; alerts addressed
    to one person (escalations to the unit head) only to that person."""
    from hotline.workorders.models import Alert

    if not actor.unit_id or not (has_perm(actor, Perm.ORDER_VIEW_UNIT) or has_perm(actor, Perm.ORDER_VIEW_ALL)):
        return []
    return list(
        Alert.objects.filter(unit_id__in=actor_unit_ids(actor), read_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user=actor))
        .select_related("order").order_by("-created_at")[:limit]
    )


@dataclass
class AlertGroup:
    """The alerts about one order: the newest first."""

    order: WorkOrder
    alerts: list

    @property
    def latest(self) -> Alert:
        return self.alerts[0]


def alert_groups(*, actor: User, unread: bool = True, limit: int = 60, since_hours: int = 24) -> list[AlertGroup]:
    """The actor's unit alerts grouped per order, the order with the newest alert first: unread ones, or
    (``unread=False``) those read in the last ``since_hours`` hours."""
    from hotline.workorders.models import Alert

    if not actor.unit_id or not (has_perm(actor, Perm.ORDER_VIEW_UNIT) or has_perm(actor, Perm.ORDER_VIEW_ALL)):
        return []
    alerts = Alert.objects.filter(unit_id__in=actor_unit_ids(actor)).filter(Q(user__isnull=True) | Q(user=actor))
    if unread:
        alerts = alerts.filter(read_at__isnull=True)
    else:
        alerts = alerts.filter(read_at__gte=timezone.now() - timedelta(hours=since_hours))
    groups: dict[int, AlertGroup] = {}
    for alert in alerts.select_related("order").order_by("-created_at", "-id")[:limit]:
        groups.setdefault(alert.order_id, AlertGroup(order=alert.order, alerts=[])).alerts.append(alert)
    return list(groups.values())


def open_by_person(orders: QuerySet[WorkOrder], *, limit: int = 20) -> list[dict]:
    """Open orders by whom they are assigned to (issue 15): a field worker, or a crew when no one person has
    it; each row with its unit, open and overdue counts, most overdue first. ``orders``: the open orders to
    count (the live board's, a handover's). Orders assigned to no one are not in it (the unit rows have them)."""
    from django.db.models import Count

    from hotline.org.models import Crew, Unit

    counts: dict[tuple[str, int], list[int]] = {}
    units: dict[tuple[str, int], int | None] = {}
    rows = (orders.filter(Q(assignee_id__isnull=False) | Q(crew_id__isnull=False)).order_by()
            .values_list("assignee_id", "crew_id", "unit_id", "is_overdue").annotate(n=Count("*")))
    for assignee_id, crew_id, unit_id, overdue, n in rows:
        key = ("person", assignee_id) if assignee_id else ("crew", crew_id)
        row = counts.setdefault(key, [0, 0])
        row[0] += n
        row[1] += n if overdue else 0
        units.setdefault(key, unit_id)
    people = {u.pk: u.get_full_name() or u.username
              for u in User.objects.filter(pk__in=[k[1] for k in counts if k[0] == "person"])}
    crews = dict(Crew.objects.filter(pk__in=[k[1] for k in counts if k[0] == "crew"]).values_list("pk", "name"))
    unit_names = dict(Unit.objects.filter(pk__in={u for u in units.values() if u}).values_list("pk", "name"))
    out: list[dict[str, Any]] = [
        {"kind": kind, "id": pk, "name": (people if kind == "person" else crews).get(pk, ""),
         "unit": unit_names.get(units[(kind, pk)] or 0, ""), "open": n, "overdue": late}
        for (kind, pk), (n, late) in counts.items()]
    out.sort(key=lambda r: (-r["overdue"], -r["open"], r["name"]))
    return out[:limit]
