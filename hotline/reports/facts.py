"""The counts behind a period report, as the database gives them: ``Facts``, count vectors keyed by a
dimension and up to two keys (calls by subject, orders by unit …), which add up across days.

``live_facts`` counts them from the records of any range of moments (one GROUP BY per dimension family;
no record passes through Python). ``reports.rollups`` keeps the facts of each closed day, so that a report
over a year adds up stored facts and counts only its last days live; ``reports.period`` turns facts into
the report. The definitions of what is counted are in ``reports.period``'s docstring."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.fields.json import KT
from django.utils import timezone

from hotline.calls.models import Call, Direction, Outcome
from hotline.reports.sql import SLOT_SECONDS, Seconds, Slot, slot_start
from hotline.workorders.models import (
    OPEN_STATUSES,
    EventKind,
    Satisfaction,
    Source,
    Status,
    WorkOrder,
    WorkOrderEvent,
)

# The KPI counts that one order contributes to, each a condition on its row (the returns and reopenings
# come from its timeline events). The export flags each order with the same conditions.
COUNTED = ("cancelled", "open", "overdue_open", "sign_due", "signed_on_time", "resolve_due", "resolved_on_time",
           "with_unit", "resolved_now", "called_back", "satisfied", "basic", "unsatisfied", "onsite_due",
           "onsite_on_time")
ORDER_VECTOR = ("received", *COUNTED, "returns", "reopened", "reopened_unresolved")
OPERATOR_VECTOR = ("calls", "answered", "orders_created", "talk", "talked")

CALLS, ORDERS = "calls", "orders"


class Dim:
    """A dimension: its kind (which records it counts), the types of its two keys, and its vector's length."""

    def __init__(self, name: str, kind: str, key1=str, key2=None, size: int = 1):
        self.name, self.kind, self.key1, self.key2, self.size = name, kind, key1, key2, size

    @staticmethod
    def _load(type_, text: str):
        if type_ is None or text == "":
            return None
        return type_(text)

    def load(self, key1: str, key2: str) -> tuple:
        return self._load(self.key1, key1), self._load(self.key2, key2)


DIMS = {dim.name: dim for dim in (
    Dim("call_ts", CALLS, int, int),  # (request type, subject): calls
    Dim("call_outcome", CALLS, str),  # outcome: calls
    Dim("call_operator", CALLS, int, size=len(OPERATOR_VECTOR)),  # operator: OPERATOR_VECTOR
    Dim("call_slot", CALLS, int, size=2),  # UTC quarter-hour of the ringing: calls, answered
    Dim("order_unit", ORDERS, int, size=len(ORDER_VECTOR)),  # the unit that has the order now: ORDER_VECTOR
    Dim("order_source", ORDERS, str, size=len(ORDER_VECTOR)),  # source: ORDER_VECTOR
    Dim("order_return", ORDERS, str),  # the name of the unit a return came from: returns
    # the name of the unit a re-dispatch (改派) took the order from: sign-fors due, signed on time
    Dim("order_redispatch", ORDERS, str, size=2),
    Dim("request_type", ORDERS, int, str),  # (request type, source other than calls): orders
    Dim("request_subject", ORDERS, int, str),  # (subject, source other than calls): orders
    Dim("order_day", ORDERS, str, str),  # (local day ISO, source): orders received
)}


def _key(value) -> str:
    return "" if value is None else str(value)


class Facts:
    """Count vectors by (dimension, key1, key2); ``add`` sums into them."""

    def __init__(self, slot_seconds: int = SLOT_SECONDS):
        self.slot_seconds = slot_seconds  # of the call_slot keys
        self.data: dict[str, dict[tuple, list]] = defaultdict(dict)

    def add(self, dim: str, key1, key2, values) -> None:
        row = self.data[dim].get((key1, key2))
        if row is None:
            row = self.data[dim][(key1, key2)] = [0] * DIMS[dim].size
        for i, v in enumerate(values):
            row[i] += v or 0

    def merge(self, other: "Facts") -> None:
        for dim, rows in other.data.items():
            for (key1, key2), values in rows.items():
                self.add(dim, key1, key2, values)

    def rows(self, dim: str) -> Iterator[tuple]:
        """(key1, key2, values) of a dimension."""
        for (key1, key2), values in self.data.get(dim, {}).items():
            yield key1, key2, values

    def stored(self, kind: str) -> Iterator[tuple]:
        """(dim, key1, key2, values) of a kind as text keys, for ``reports.models.DayFact``."""
        for dim, rows in self.data.items():
            if DIMS[dim].kind == kind:
                for (key1, key2), values in rows.items():
                    yield dim, _key(key1), _key(key2), values

    def add_stored(self, rows: Iterable[tuple]) -> None:
        """Add (dim, key1, key2, *values) rows read back from ``DayFact`` (values as floats)."""
        for dim, key1, key2, *values in rows:
            spec = DIMS[dim]
            self.add(dim, *spec.load(key1, key2), values[:spec.size])

    def drop(self, dim: str) -> None:
        self.data.pop(dim, None)


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The aware moments of local midnight starting ``date_from`` and ending ``date_to``."""
    tz = timezone.get_current_timezone()
    return (datetime.combine(date_from, time.min, tzinfo=tz),
            datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))


# --- counting from the records ----------------------------------------------------------------------

def inbound_calls(start: datetime, end: datetime):
    return Call.objects.filter(ringing_at__gte=start, ringing_at__lt=end, direction=Direction.INBOUND)


def order_conditions(now: datetime) -> dict[str, Q]:
    """The condition of each count of ``COUNTED`` (see ``reports.period``'s docstring), as of ``now``."""
    not_cancelled = ~Q(status=Status.CANCELLED)
    sign_due = (Q(accept_due__isnull=False) & not_cancelled & ~Q(status__in=[Status.NEW, Status.RETURNED])
                & (Q(accepted_at__isnull=False) | Q(accept_due__lte=now)))
    # An order whose clock is paused now is not due: its deadline moves by the paused time when it restarts.
    resolve_due = (Q(resolve_due__isnull=False) & not_cancelled
                   & (Q(resolved_at__isnull=False) | Q(resolve_due__lte=now, paused_at__isnull=True)))
    # 按时到场: orders with an on-site deadline (emergencies), dispatched to a unit, arrived or past the deadline;
    # like the resolution, an order paused now is not past it (its deadline moves when the clock restarts).
    onsite_due = (Q(onsite_due__isnull=False) & not_cancelled & ~Q(status__in=[Status.NEW, Status.RETURNED])
                  & (Q(onsite_at__isnull=False) | Q(onsite_due__lte=now, paused_at__isnull=True)))
    called_back = Q(callback_at__isnull=False)
    return {
        "cancelled": Q(status=Status.CANCELLED),
        "open": Q(status__in=OPEN_STATUSES),
        "overdue_open": Q(status__in=OPEN_STATUSES, is_overdue=True),
        "sign_due": sign_due,
        "signed_on_time": sign_due & Q(accepted_at__lte=F("accept_due")),
        "resolve_due": resolve_due,
        "resolved_on_time": resolve_due & Q(resolved_at__lte=F("resolve_due")),
        "with_unit": Q(unit_id__isnull=False),
        "resolved_now": Q(resolved_at__isnull=False),
        "called_back": called_back,
        "satisfied": called_back & Q(satisfaction=Satisfaction.SATISFIED),
        "basic": called_back & Q(satisfaction=Satisfaction.BASIC),
        "unsatisfied": called_back & Q(satisfaction=Satisfaction.UNSATISFIED),
        "onsite_due": onsite_due,
        "onsite_on_time": onsite_due & Q(onsite_at__lte=F("onsite_due")),
    }


def live_facts(start: datetime, end: datetime, now: datetime, *, kinds=(CALLS, ORDERS),
               slot_seconds: int = SLOT_SECONDS) -> Facts:
    """The facts of the calls that rang and the orders received in [start, end), as of ``now``."""
    facts = Facts(slot_seconds)
    if CALLS in kinds:
        _calls(facts, start, end)
        call_slots(facts, start, end)
    if ORDERS in kinds:
        _orders(facts, start, end, now)
        _order_days(facts, start, end)
    return facts


def _calls(facts: Facts, start: datetime, end: datetime) -> None:
    """Calls by type and subject, outcome and operator: one GROUP BY over the range."""
    answered = Q(answered_at__isnull=False)
    rows = (inbound_calls(start, end).order_by()
            .values_list("request_type_id", "subject_id", "operator_id", "outcome")
            .annotate(n=Count("id"), answered=Count("id", filter=answered),
                      talk=Sum(Seconds("answered_at", "ended_at"), filter=answered & Q(ended_at__isnull=False)),
                      talked=Count("id", filter=answered & Q(ended_at__isnull=False))))
    for type_id, subject_id, operator_id, outcome, n, n_answered, talk, talked in rows:
        facts.add("call_ts", type_id, subject_id, (n,))
        facts.add("call_outcome", outcome, None, (n,))
        created = n if outcome == Outcome.ORDER_CREATED else 0
        facts.add("call_operator", operator_id, None, (n, n_answered, created, talk or 0.0, talked))


def call_slots(facts: Facts, start: datetime, end: datetime) -> None:
    """Calls and answered calls by the period of ``facts.slot_seconds`` they rang in (see ``reports.sql``)."""
    rows = (inbound_calls(start, end).order_by().values_list(Slot("ringing_at", facts.slot_seconds))
            .annotate(n=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False))))
    for slot, n, answered in rows:
        facts.add("call_slot", slot, None, (n, answered))


def _orders(facts: Facts, start: datetime, end: datetime, now: datetime) -> None:
    """Orders received in the range: one GROUP BY (unit, source, type, subject) with the KPI counts, then the
    returns and reopenings of the same orders from their timeline events."""
    c = order_conditions(now)
    # By id, through the created_at index: for the GROUP BY below SQLite's planner would otherwise skip-scan
    # the (unit, status, created_at) index — four to ten times slower for a day among two million orders.
    ids = WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end).order_by().values("id")
    received = WorkOrder.objects.filter(id__in=ids)
    rows = (received.order_by().values_list("unit_id", "source", "request_type_id", "subject_id")
            .annotate(n_received=Count("id"), **{f"n_{name}": Count("id", filter=c[name]) for name in COUNTED}))
    for unit_id, source, type_id, subject_id, *values in rows:
        facts.add("order_unit", unit_id, None, values)
        facts.add("order_source", source, None, values)
        if source != Source.CALL:
            facts.add("request_type", type_id, source, values[:1])
            facts.add("request_subject", subject_id, source, values[:1])
    returns_at = ORDER_VECTOR.index("returns")
    # Returns: each one a "returned" event of an order received in the range, for the unit it came from.
    # The events of the orders received in the range (through the index of their order), not
    # of the range's moments: an order is returned or reopened any time after it was received.
    returned = (WorkOrderEvent.objects.filter(kind=EventKind.RETURNED, order_id__in=ids)
                .order_by().values_list(KT("data__from_unit"), "order__source").annotate(n=Count("id")))
    for from_unit, source, n in returned:
        facts.add("order_return", from_unit, None, (n,))
        facts.add("order_source", source, None, [0] * returns_at + [n])
    # Re-dispatches (改派): each one a sign-for due of the unit the order was taken from, on time only when
    # that unit had signed for it by its deadline (and then asked to be relieved of it).
    sign_at = ORDER_VECTOR.index("sign_due")
    redispatched = (WorkOrderEvent.objects.filter(kind=EventKind.REDISPATCHED, order_id__in=ids)
                    .order_by().values_list(KT("data__from_unit"), "order__source")
                    .annotate(n=Count("id"), on_time=Count("id", filter=Q(data__signed_on_time=True))))
    for from_unit, source, n, on_time in redispatched:
        facts.add("order_redispatch", from_unit, None, (n, on_time))
        facts.add("order_source", source, None, [0] * sign_at + [n, on_time])
        # Reopened: orders with a "reopened" event, by their unit now; and which of them are unresolved now.
    reopened = (WorkOrderEvent.objects.filter(kind=EventKind.REOPENED, order_id__in=ids)
                .order_by().values_list("order__unit_id", "order__source")
                .annotate(n=Count("order_id", distinct=True),
                          unresolved=Count("order_id", distinct=True, filter=Q(order__resolved_at__isnull=True))))
    for unit_id, source, n, unresolved in reopened:
        values = [0] * (returns_at + 1) + [n, unresolved]
        facts.add("order_unit", unit_id, None, values)
        facts.add("order_source", source, None, values)


def _order_days(facts: Facts, start: datetime, end: datetime) -> None:
    """Orders received per local day and source (grouped by UTC quarter-hour, placed in Python)."""
    tz = timezone.get_current_timezone()
    rows = (WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
            .values_list(Slot("created_at"), "source").annotate(n=Count("id")))
    for slot, source, n in rows:
        facts.add("order_day", slot_start(slot).astimezone(tz).date().isoformat(), source, (n,))


def deadline_window(start: datetime, end: datetime, now: datetime) -> tuple[datetime | None, datetime | None]:
    """For the orders received in [start, end): the latest sign-for, on-site or resolution deadline at or
    before ``now`` and the first one after it. Their counts as of ``now`` hold for any moment in between."""
    received = WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    passed = received.aggregate(a=Max("accept_due", filter=Q(accept_due__lte=now)),
                                o=Max("onsite_due", filter=Q(onsite_due__lte=now)),
                                r=Max("resolve_due", filter=Q(resolve_due__lte=now)),
                                next_a=Min("accept_due", filter=Q(accept_due__gt=now)),
                                next_o=Min("onsite_due", filter=Q(onsite_due__gt=now)),
                                next_r=Min("resolve_due", filter=Q(resolve_due__gt=now)))
    latest = [t for t in (passed["a"], passed["o"], passed["r"]) if t is not None]
    upcoming = [t for t in (passed["next_a"], passed["next_o"], passed["next_r"]) if t is not None]
    return (max(latest) if latest else None), (min(upcoming) if upcoming else None)
