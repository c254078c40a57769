"""The handover summary (交接班汇总), generated from live data at a moment:

* the shift's figures: calls taken, answered, missed; orders received, emergencies among them;
* open work orders by status and by unit (each with a link to the filtered list), and by the field worker
  (or crew) they are assigned to;
* overdue orders, the oldest first (the top ``ITEMS``);
* current outages (water off, or starting within a day) with their expected restore and linked calls,
  and those restored during the shift;
* callbacks due: resolved orders waiting for the hotline's callback, and missed calls to call back;
* 12345 cases whose sign-for or reply deadline falls within ``CASE_HOURS`` (or has passed);
* notable calls of the shift: complaints, emergency orders, calls about outages, repeated callers.

The result is plain JSON (codes, texts as they are now, ISO times in UTC) so that a submitted handover
keeps it as a snapshot and reads the same years later. Phone numbers are kept masked: the history is
read by roles that do not see them. Every query is bounded (counts over indexed work in hand, items
limited), whatever the size of the history.

Orders and outages are read as they are now, limited to what existed at the moment (``created_at``):
at the moment of a handover that is the same thing; for a handover written afterwards (the demo's
past shifts) it is the work of then that is still open now."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from hotline.calls.models import Call, Direction, Outcome
from hotline.calls.selectors import pending_callbacks
from hotline.customers.models import AccountPhone
from hotline.customers.text import mask_phone
from hotline.org.models import Unit
from hotline.outages.models import CURRENT_STATUSES, Outage, OutageKind, OutageStatus
from hotline.shifts.models import ShiftRole
from hotline.workorders.models import OPEN_STATUSES, Source, Status, Urgency, WorkOrder
from hotline.workorders.selectors import open_by_person

ITEMS = 10  # items kept per list (counts are always complete)
CASE_HOURS = 24  # 12345 cases whose deadline falls within this many hours
REPEAT_CALLS = 3  # calls from one number in one shift that make a repeated caller
SUMMARY_VERSION = 1

# Statuses of a 12345 case whose reply has not gone upstream yet (it goes with the callback).
CASE_REPLY_PENDING = (*OPEN_STATUSES, Status.RESOLVED)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def order_url(number: str) -> str:
    return reverse("workorders:detail", args=[number])


def list_url(**params) -> str:
    return f"{reverse('workorders:list')}?{urlencode(params)}"


def build_summary(*, period, now: datetime, team: list | None = None, next_period=None,
                  next_team: list | None = None) -> dict:
    """The summary of ``period`` (a selectors.ShiftPeriod) as of ``now``."""
    since, until = period.starts_at, min(now, period.ends_at)
    window = Window(since, period.ends_at, now)
    return {
        "version": SUMMARY_VERSION,
        "generated_at": iso(now),
        "shift": {"code": period.definition.code, "name": period.definition.name, "date": period.date.isoformat(),
                  "starts_at": iso(period.starts_at), "ends_at": iso(period.ends_at), "team": team or []},
        "next_shift": ({"code": next_period.definition.code, "name": next_period.definition.name,
                        "date": next_period.date.isoformat(), "starts_at": iso(next_period.starts_at),
                        "ends_at": iso(next_period.ends_at), "team": next_team or []} if next_period else None),
        "window": {"from": iso(since), "to": iso(until)},
        "figures": _figures(window),
        "open_orders": _open_orders(now),
        "overdue": _overdue(now),
        "outages": _outages(window),
        "callbacks": _callbacks(now),
        "cases": _cases(now),
        "notable": _notable(window),
    }


@dataclass(frozen=True)
class Window:
    """The shift so far: from its start to its end (excluded: the next shift's) or to now (included)."""

    start: datetime
    end: datetime
    now: datetime

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end, f"{field}__lte": self.now})


def _count(items: list, queryset, limit: int = ITEMS) -> int:
    """The size of ``queryset`` of which ``items`` are the first ``limit``: counted only when cut."""
    return len(items) if len(items) < limit else queryset.count()


def _orders(now: datetime):
    return WorkOrder.objects.filter(created_at__lte=now)


# --- the shift's own figures ----------------------------------------------------------------------

def _calls(window: Window):
    return Call.objects.filter(window.q("ringing_at"), direction=Direction.INBOUND)


def _figures(window: Window) -> dict:
    calls = _calls(window).aggregate(
        calls=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False)),
        missed=Count("id", filter=Q(outcome__in=[Outcome.MISSED, Outcome.ABANDONED])),
        about_outages=Count("id", filter=Q(outage__isnull=False)))
    orders = WorkOrder.objects.filter(window.q("created_at")).aggregate(
        orders_created=Count("id"), emergencies=Count("id", filter=Q(urgency=Urgency.EMERGENCY)),
        from_12345=Count("id", filter=Q(source=Source.GOV_12345)))
    return {**calls, **orders}


# --- work in hand ---------------------------------------------------------------------------------

def _open_orders(now: datetime) -> dict:
    open_orders = _orders(now).filter(status__in=OPEN_STATUSES)
    counts = dict(open_orders.values_list("status").annotate(n=Count("id")).order_by())
    by_status = [{"status": str(s), "count": counts[s], "url": list_url(status=str(s))}
                 for s in OPEN_STATUSES if counts.get(s)]
    rows = (open_orders.values("unit_id").annotate(n=Count("id"), overdue=Count("id", filter=Q(is_overdue=True)))
            .order_by())
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in rows if r["unit_id"]]).values_list("pk", "name"))
    by_unit = [{"unit_id": r["unit_id"], "unit": names.get(r["unit_id"], ""), "count": r["n"],
                "overdue": r["overdue"],
                "url": list_url(status="open", unit=r["unit_id"]) if r["unit_id"] else list_url(status="new")}
               for r in rows]
    by_unit.sort(key=lambda r: (-r["count"], r["unit"]))
    return {"count": sum(counts.values()), "by_status": by_status, "by_unit": by_unit,
            "by_person": open_by_person(open_orders, limit=ITEMS), "url": list_url(status="open")}


def _order_item(order, **extra) -> dict:
    return {"number": order.number, "title": order.title, "status": order.status, "urgency": order.urgency,
            "unit": order.unit.name if order.unit_id else "", "subject": order.subject.name,
            "community": order.community.name if order.community_id else "", "created_at": iso(order.created_at),
            "url": order_url(order.number), **extra}


def _overdue(now: datetime) -> dict:
    """Open orders past a deadline (the SLA sweep's flag), the oldest first."""
    overdue = _orders(now).filter(status__in=OPEN_STATUSES, is_overdue=True).filter(
        Q(resolve_due__lt=now) | Q(accept_due__lt=now))
    items = []
    for order in overdue.select_related("unit", "subject", "community").order_by("created_at", "id")[:ITEMS]:
        waiting_sign = order.accepted_at is None and order.accept_due and order.accept_due < now
        due = order.accept_due if waiting_sign else order.resolve_due
        items.append(_order_item(order, due=iso(due), deadline="sign" if waiting_sign else "resolve",
                                 urge_level=order.urge_level))
    return {"count": _count(items, overdue), "items": items, "url": list_url(status="open", overdue="1")}


def _outages(window: Window) -> dict:
    """Outages with the water off (or off within a day) at ``now``; and those restored in the shift."""
    now = window.now
    known = Outage.objects.filter(created_at__lte=now)
    current = list(known.filter(
        Q(status__in=CURRENT_STATUSES) | Q(status=OutageStatus.RESTORED, restored_at__gt=now),
        starts_at__lte=now + timedelta(hours=24)).order_by("starts_at", "id"))
    restored = list(known.filter(window.q("restored_at"), status=OutageStatus.RESTORED).order_by("restored_at"))
    ids = [o.pk for o in current + restored]
    linked = {r["outage_id"]: r for r in Call.objects.filter(outage_id__in=ids, ringing_at__lte=now)
              .values("outage_id").annotate(n=Count("id"), shift=Count("id", filter=Q(ringing_at__gte=window.start)))
              .order_by()}

    def item(outage) -> dict:
        calls = linked.get(outage.pk, {})
        off = outage.starts_at <= now and not (outage.restored_at and outage.restored_at <= now)
        return {"number": outage.number, "kind": outage.kind, "water_off": off, "area": outage.area_text,
                "reason": outage.reason, "starts_at": iso(outage.starts_at),
                "expected_restore_at": iso(outage.expected_restore_at), "restored_at": iso(outage.restored_at),
                "supply_point": outage.supply_point, "calls": calls.get("n", 0), "calls_in_shift": calls.get("shift", 0),
                "url": reverse("outages:detail", args=[outage.number])}

    return {"count": len(current), "items": [item(o) for o in current[:ITEMS]],
            "restored": [item(o) for o in restored[:ITEMS]]}


def _callbacks(now: datetime) -> dict:
    """Resolved orders waiting for the hotline's callback (回访) and missed calls to call back (回拨)."""
    resolved = _orders(now).filter(status=Status.RESOLVED, resolved_at__lte=now)
    orders = [_order_item(o, resolved_at=iso(o.resolved_at))
              for o in resolved.select_related("unit", "subject", "community").order_by("resolved_at", "id")[:ITEMS]]
    # Grouped here: the pending calls are few, and a GROUP BY would walk a whole index of the call table.
    grouped: dict[str, dict] = {}
    for call in pending_callbacks():
        if call.ringing_at <= now:
            row = grouped.setdefault(call.caller_number, {"caller_number": call.caller_number, "n": 0, "last": None})
            row["n"] += 1
            row["last"] = max(row["last"] or call.ringing_at, call.ringing_at)
    every = sorted(grouped.values(), key=lambda r: r["last"])
    numbers = every[:ITEMS]
    names = dict(AccountPhone.objects.filter(number__in=[r["caller_number"] for r in numbers])
                 .order_by("-account_id").values_list("number", "account__holder_name"))
    calls = [{"number": mask_phone(r["caller_number"]), "holder": names.get(r["caller_number"], ""), "calls": r["n"],
              "last_at": iso(r["last"])} for r in numbers]
    order_count = _count(orders, resolved)
    number_count = len(every)
    call_count = sum(r["n"] for r in every)
    return {"count": order_count + number_count,
            "orders": {"count": order_count, "items": orders, "url": reverse("workorders:callbacks")},
            "missed_calls": {"count": number_count, "calls": call_count, "items": calls,
                             "url": reverse("calls:missed")}}


def _case_ids(order_ids: list[int]) -> dict[int, str]:
    """The platform's case numbers of these orders (the 12345 app keeps them), when it is installed."""
    try:
        from hotline.integrations.models import Case
    except ImportError:  # pragma: no cover - the integration is optional to this summary
        return {}
    return dict(Case.objects.filter(order_id__in=order_ids).values_list("order_id", "case_id"))


def _cases_url() -> str:
    try:
        return reverse("integrations:cases")
    except NoReverseMatch:  # pragma: no cover
        return list_url(status="open")


def _cases(now: datetime) -> dict:
    """12345 cases whose platform deadline (sign for; reply) is within CASE_HOURS or has passed."""
    horizon = now + timedelta(hours=CASE_HOURS)
    sign = Q(accepted_at__isnull=True, accept_due__lte=horizon, status__in=OPEN_STATUSES)
    reply = Q(resolve_due__lte=horizon, status__in=CASE_REPLY_PENDING)
    # The statuses also as one condition of their own: the (source, status) index then finds the few open cases.
    cases = (_orders(now).filter(source=Source.GOV_12345, status__in={*OPEN_STATUSES, *CASE_REPLY_PENDING})
             .exclude(external_id="").filter(sign | reply))
    rows = list(cases.select_related("unit", "subject", "community").order_by("id")[:500])
    items = []
    for order in rows:
        signing = order.accepted_at is None and order.accept_due and order.accept_due <= horizon \
            and order.status in OPEN_STATUSES
        due = order.accept_due if signing else order.resolve_due
        items.append((due, order, "sign" if signing else "reply"))
    items.sort(key=lambda t: (t[0], t[1].pk))
    case_ids = _case_ids([o.pk for _due, o, _kind in items[:ITEMS]])
    return {"count": _count(rows, cases, 500), "hours": CASE_HOURS, "url": _cases_url(),
            "items": [_order_item(o, due=iso(due), deadline=kind, overdue=due < now,
                                  case_id=case_ids.get(o.pk, o.external_id)) for due, o, kind in items[:ITEMS]]}


# --- notable calls of the shift -------------------------------------------------------------------

def _call_item(call) -> dict:
    return {"at": iso(call.ringing_at), "number": mask_phone(call.caller_number),
            "holder": call.account.holder_name if call.account_id else "",
            "subject": call.subject.name if call.subject_id else "", "summary": call.summary[:120],
            "order": call.work_order.number if call.work_order_id else "",
            "operator": call.operator.get_full_name() if call.operator_id else ""}


def _notable(window: Window) -> dict:
    calls = _calls(window)
    complaints = calls.filter(request_type__code="complaint")
    complaint_items = [_call_item(c) for c in complaints.select_related("account", "subject", "work_order", "operator")
                       .order_by("ringing_at")[:ITEMS]]
    emergencies = WorkOrder.objects.filter(window.q("created_at"), urgency=Urgency.EMERGENCY)
    emergency_items = [_order_item(o) for o in emergencies.select_related("unit", "subject", "community")
                       .order_by("created_at")[:ITEMS]]
    per_outage = list(calls.filter(outage__isnull=False).values("outage_id").annotate(n=Count("id"))
                      .order_by("-n", "outage_id"))
    outages = {o.pk: o for o in Outage.objects.filter(pk__in=[r["outage_id"] for r in per_outage[:ITEMS]])}
    outage_items = [{"number": outages[r["outage_id"]].number, "area": outages[r["outage_id"]].area_text,
                     "calls": r["n"], "url": reverse("outages:detail", args=[outages[r["outage_id"]].number])}
                    for r in per_outage[:ITEMS]]
    repeated = list(calls.exclude(caller_number="").values("caller_number")
                    .annotate(n=Count("id"), last=Max("ringing_at")).filter(n__gte=REPEAT_CALLS)
                    .order_by("-n", "-last"))
    latest: dict[str, object] = {}
    for call in (calls.filter(caller_number__in=[r["caller_number"] for r in repeated[:ITEMS]])
                 .select_related("account", "subject", "work_order", "operator").order_by("-ringing_at")):
        latest.setdefault(call.caller_number, call)
    repeat_items = [{**_call_item(latest[r["caller_number"]]), "calls": r["n"]} for r in repeated[:ITEMS]]
    complaint_count, emergency_count = _count(complaint_items, complaints), _count(emergency_items, emergencies)
    return {
        "count": complaint_count + emergency_count + len(repeated),
        "complaints": {"count": complaint_count, "items": complaint_items},
        "emergencies": {"count": emergency_count, "items": emergency_items},
        "outage_calls": {"count": sum(r["n"] for r in per_outage), "items": outage_items},
        "repeat_callers": {"count": len(repeated), "min_calls": REPEAT_CALLS, "items": repeat_items},
    }


# --- reading a summary back -----------------------------------------------------------------------

TIME_KEYS = {"due", "from", "to"}


def _labels() -> dict[str, dict[str, str]]:
    deadline = {"sign": _("sign for"), "resolve": _("resolve"), "reply": _("reply")}
    return {"status": dict(Status.choices), "urgency": dict(Urgency.choices), "kind": dict(OutageKind.choices),
            "role": dict(ShiftRole.choices), "deadline": deadline}


def hydrate(summary: dict) -> dict:
    """A copy of ``summary`` for a template: times as datetimes (shown in local time), and a
    ``<key>_label`` in the user's language beside each status, urgency, kind, role and deadline code."""
    labels = _labels()

    def walk(value, key=""):
        if isinstance(value, dict):
            out = {k: walk(v, k) for k, v in value.items()}
            for name, choices in labels.items():
                if isinstance(value.get(name), str):
                    out[f"{name}_label"] = choices.get(value[name], value[name])
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and (key.endswith("_at") or key in TIME_KEYS):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return value
        return value

    return walk(summary or {})
