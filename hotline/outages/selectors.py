"""Reading outages: lists, the public page, the surge of calls per outage and across the city."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from hotline.customers.models import Community
from hotline.org.models import User
from hotline.outages.models import CURRENT_STATUSES, Outage, OutageArea, OutageStatus

PUBLIC_RESTORED_HOURS = 6  # the public page still shows an outage this long after the water came back
PUBLIC_AHEAD_DAYS = 7


def outage_queryset() -> QuerySet[Outage]:
    return Outage.objects.prefetch_related(
        Prefetch("areas", queryset=OutageArea.objects.select_related("district", "community", "building__community")),
        "orders")


def outage_get(*, actor: User, number: str) -> Outage:
    """One outage by number, for anyone who may see outages (404 otherwise)."""
    from hotline.core.errors import NotFoundError
    from hotline.org.roles import Perm, require_perm

    require_perm(actor, Perm.OUTAGE_VIEW)
    outage = outage_queryset().filter(number=number.strip().upper()).first()
    if outage is None:
        raise NotFoundError()
    return outage


def orders_by_number(*, actor: User, numbers: list[str]) -> list:
    """The work orders with these numbers that ``actor`` may see; an unknown one is refused by name."""
    from django.utils.translation import gettext as _

    from hotline.core.errors import ValidationError
    from hotline.workorders.selectors import orders_visible_to

    numbers = [n.strip().upper() for n in numbers if n.strip()]
    found = list(orders_visible_to(actor).filter(number__in=numbers))
    missing = sorted(set(numbers) - {o.number for o in found})
    if missing:
        message = _("Unknown work orders: %(numbers)s") % {"numbers": ", ".join(missing)}
        raise ValidationError(message, fields={"orders": message})
    return found


def outage_list(*, status: str = "current", q: str = "") -> QuerySet[Outage]:
    rows = outage_queryset()
    if status == "current":
        rows = rows.filter(status__in=CURRENT_STATUSES).order_by("starts_at")
    elif status in OutageStatus.values:
        rows = rows.filter(status=status)
    elif status != "all":
        from hotline.core.errors import ValidationError

        raise ValidationError(fields={"status": "current, all, or one of " + ", ".join(OutageStatus.values)})
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(area_text__contains=q) | Q(reason__contains=q)
                           | Q(areas__community__name__contains=q)).distinct()
    return rows


# --- public ---------------------------------------------------------------------------------------

def public_outages(*, q: str = "", now: datetime | None = None) -> list[dict]:
    """Active, upcoming (a week ahead) and just-restored outages, with the names of the places they
    touch; ``q`` matches the area, a community or a road. No personal data, no internal notes."""
    now = now or timezone.now()
    outages = list(
        Outage.objects.filter(
            Q(status__in=CURRENT_STATUSES, starts_at__lte=now + timedelta(days=PUBLIC_AHEAD_DAYS))
            | Q(status=OutageStatus.RESTORED, restored_at__gte=now - timedelta(hours=PUBLIC_RESTORED_HOURS)))
        .prefetch_related(Prefetch("areas", queryset=OutageArea.objects.select_related(
            "district", "community__road", "building__community__road")))
        .order_by("status", "starts_at"))
    district_ids = {a.district_id for o in outages for a in o.areas.all() if a.district_id}
    by_district: dict[int, list[Community]] = {}
    if district_ids:
        for community in Community.objects.filter(district_id__in=district_ids).select_related("road"):
            by_district.setdefault(community.district_id, []).append(community)
    needle = (q or "").strip()
    result = []
    for outage in outages:
        communities: list[Community] = []
        for piece in outage.areas.all():
            if piece.community:
                communities.append(piece.community)
            elif piece.building:
                communities.append(piece.building.community)
            elif piece.district_id:
                communities += by_district.get(piece.district_id, [])
        names = list(dict.fromkeys(c.name for c in communities))
        roads = list(dict.fromkeys(c.road.name for c in communities if c.road))
        if needle and not (needle in outage.area_text or any(needle in n for n in names)
                           or any(needle in r for r in roads)):
            continue
        result.append({
            "number": outage.number, "kind": outage.kind, "kind_display": outage.get_kind_display(),
            "status": outage.status if not (outage.status == OutageStatus.SCHEDULED and outage.starts_at <= now)
            else OutageStatus.ACTIVE,
            "status_display": (outage.get_status_display() if not (
                outage.status == OutageStatus.SCHEDULED and outage.starts_at <= now)
                else str(OutageStatus.ACTIVE.label)),
            "area": outage.area_text, "communities": names[:50], "roads": roads[:20], "reason": outage.reason,
            "starts_at": outage.starts_at, "expected_restore_at": outage.expected_restore_at,
            "restored_at": outage.restored_at, "supply_point": outage.supply_point,
            "extended_from": outage.extended_from, "extension_reason": outage.extension_reason,
        })
    return result


# --- surges ---------------------------------------------------------------------------------------

def outage_surge(outage: Outage, *, bucket_minutes: int = 15) -> dict:
    """Calls linked to the outage per period, and how many were notified and when (the surge view)."""
    from hotline.notify.models import Message, MessageStatus

    times = list(outage.calls.order_by("ringing_at").values_list("ringing_at", flat=True))
    buckets: Counter = Counter()
    size = timedelta(minutes=bucket_minutes)
    # Periods counted from the local midnight of the first call: every call falls in a period of the
    # series, whatever the size (45 or 90 minutes divide no hour).
    if times:
        origin = timezone.localtime(times[0]).replace(hour=0, minute=0, second=0, microsecond=0)
        for at in times:
            local = timezone.localtime(at)
            buckets[origin + (local - origin) // size * size] += 1
    series = []
    if buckets:
        at, last = min(buckets), max(buckets)
        while at <= last:
            series.append({"start": at, "calls": buckets.get(at, 0)})
            at += size
    notices = []
    for event in outage.events.filter(notified__gt=0).order_by("at"):
        key = f"outage:{outage.pk}:{event.pk}:"
        sent = Message.objects.filter(idempotency_key__startswith=key)
        counts = dict(sent.values_list("status").annotate(n=Count("id")).order_by())
        notices.append({"at": event.at, "kind": event.kind, "queued": event.notified,
                        "sent": counts.get(MessageStatus.SENT, 0), "failed": counts.get(MessageStatus.FAILED, 0),
                        "last_sent_at": sent.filter(status=MessageStatus.SENT).order_by("-sent_at")
                        .values_list("sent_at", flat=True).first()})
    return {"outage": outage.number, "bucket_minutes": bucket_minutes, "calls": len(times), "series": series,
            "notices": notices}


@dataclass
class Surge:
    kind: str  # community | subject
    id: int
    name: str
    calls: int
    usual: float  # calls in such a window on an ordinary day (the last BASELINE_DAYS)
    outage: Outage | None = None  # a current outage covering the community: extend it

    @property
    def ratio(self) -> float:
        return self.calls / max(self.usual, 0.1)


BASELINE_DAYS = 14
MIN_CALLS = 5  # fewer calls than this in the window is never a surge
FACTOR = 3.0  # "far above": this many times the usual level


def call_surges(*, minutes: int = 60, now: datetime | None = None) -> list[Surge]:
    """Communities and subjects whose calls in the last ``minutes`` are far above their usual level."""
    from hotline.calls.models import Call
    from hotline.outages.services import current_outages

    now = now or timezone.now()
    since = now - timedelta(minutes=minutes)
    base_from = since - timedelta(days=BASELINE_DAYS)
    windows = BASELINE_DAYS * 24 * 60 / minutes
    recent = Call.objects.filter(ringing_at__gte=since, ringing_at__lte=now)
    surges: list[Surge] = []

    # The call's community: its caller's, matched from the number or chosen by the operator (calls.matching).
    by_community = dict(recent.filter(community__isnull=False).values_list("community_id")
                        .annotate(n=Count("id")).order_by())
    by_community.pop(None, None)
    candidates = {cid: n for cid, n in by_community.items() if n >= MIN_CALLS}
    if candidates:
        usual = dict(Call.objects.filter(ringing_at__gte=base_from, ringing_at__lt=since,
                                         community_id__in=list(candidates))
                     .values_list("community_id").annotate(n=Count("id")).order_by())
        places = {pk: (name, district_id) for pk, name, district_id in
                  Community.objects.filter(pk__in=list(candidates)).values_list("pk", "name", "district_id")}
        names = {pk: name for pk, (name, _district) in places.items()}
        current = current_outages(now)
        # An outage covers the community when it names it, one of its buildings, or its district.
        from hotline.customers.models import Building

        of_building = dict(Building.objects.filter(
            pk__in=[a.building_id for o in current for a in o.areas.all() if a.building_id])
            .values_list("pk", "community_id"))
        for cid, n in candidates.items():
            level = usual.get(cid, 0) / windows
            if n >= FACTOR * max(level, 0.5):
                district_id = places.get(cid, ("", None))[1]
                covering = [o for o in current
                            if any(a.community_id == cid or (a.district_id and a.district_id == district_id)
                                   or (a.building_id and of_building.get(a.building_id) == cid)
                                   for a in o.areas.all())]
                surges.append(Surge("community", cid, names.get(cid, ""), n, round(level, 2),
                                    covering[0] if covering else None))

    by_subject = dict(recent.filter(subject__isnull=False).values_list("subject_id").annotate(n=Count("id")).order_by())
    candidates = {sid: n for sid, n in by_subject.items() if n >= MIN_CALLS}
    if candidates:
        from hotline.workorders.models import Subject

        usual = dict(Call.objects.filter(ringing_at__gte=base_from, ringing_at__lt=since,
                                         subject_id__in=list(candidates))
                     .values_list("subject_id").annotate(n=Count("id")).order_by())
        names = dict(Subject.objects.filter(pk__in=list(candidates)).values_list("pk", "name"))
        for sid, n in candidates.items():
            level = usual.get(sid, 0) / windows
            if n >= FACTOR * max(level, 0.5):
                surges.append(Surge("subject", sid, names.get(sid, ""), n, round(level, 2)))
    surges.sort(key=lambda s: (-s.ratio, s.name))
    return surges
