"""Outages in the API: the coordinators' actions, the call links, and the public list (no login)."""

from datetime import datetime
from typing import Annotated

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from hotline.calls.models import Call
from hotline.core.api_types import Code, MaxLen, Moment, Note, SearchText
from hotline.core.errors import PermissionDeniedError, ValidationError
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.outages import selectors, services
from hotline.outages.models import Outage
from hotline.outages.services import Area

router = Router(tags=["outages"])
public_router = Router(tags=["public"], auth=None)


class AreaIn(Schema):
    districts: list[int] = []
    communities: list[int] = []
    buildings: list[int] = []


class OutageIn(Schema):
    kind: str = Field(description="planned | emergency")
    reason: Annotated[str, MaxLen(200)]
    starts_at: Moment
    expected_restore_at: Moment
    area: AreaIn
    area_text: Annotated[str, MaxLen(300)] = Field("", description="The area in words; built from the area when blank")
    affects_hydrants: bool = False
    supply_point: Annotated[str, MaxLen(200)] = ""
    note: Note = ""
    orders: list[Code] = Field([], description="Numbers of linked work orders (the repair behind it)")


class ProblemOut(Schema):
    code: str
    message: str
    blocking: bool


class PreviewOut(Schema):
    area_text: str
    accounts: int
    customers: int
    properties: int
    problems: list[ProblemOut]
    customer_text: str
    property_text: str


class AreaOut(Schema):
    kind: str
    id: int
    name: str


class EventOut(Schema):
    at: datetime
    kind: str
    actor: str | None
    note: str
    data: dict
    notified: int


class OutageOut(Schema):
    number: str
    kind: str
    status: str
    reason: str
    area_text: str
    areas: list[AreaOut]
    starts_at: datetime
    expected_restore_at: datetime
    restored_at: datetime | None
    affects_hydrants: bool
    supply_point: str
    affected_accounts: int
    version: int
    orders: list[str]
    linked_calls: int
    notifications: dict[str, int]


class OutageDetailOut(OutageOut):
    events: list[EventOut]


def _areas(outage: Outage) -> list[dict]:
    out = []
    for piece in outage.areas.all():
        if piece.district:
            out.append({"kind": "district", "id": piece.district_id, "name": piece.district.name})
        elif piece.community:
            out.append({"kind": "community", "id": piece.community_id, "name": piece.community.name})
        else:
            out.append({"kind": "building", "id": piece.building_id, "name": str(piece.building)})
    return out


def _out(outage: Outage, *, detail: bool = False) -> dict:
    from hotline.notify.services import outbox_counts

    data = {
        "number": outage.number, "kind": outage.kind, "status": outage.status, "reason": outage.reason,
        "area_text": outage.area_text, "areas": _areas(outage), "starts_at": outage.starts_at,
        "expected_restore_at": outage.expected_restore_at, "restored_at": outage.restored_at,
        "affects_hydrants": outage.affects_hydrants, "supply_point": outage.supply_point,
        "affected_accounts": outage.affected_accounts, "version": outage.version,
        "orders": [o.number for o in outage.orders.all()], "linked_calls": outage.calls.count(),
        "notifications": outbox_counts(f"outage:{outage.pk}"),
    }
    if detail:
        data["events"] = [{"at": e.at, "kind": e.kind, "actor": e.actor.get_full_name() if e.actor else None,
                           "note": e.note, "data": e.data, "notified": e.notified}
                          for e in outage.events.select_related("actor")]
    return data


def _get(request, number: str) -> Outage:
    return selectors.outage_get(actor=request.user, number=number)


@router.get("/outages", response=list[OutageOut], summary="Outages (current by default)")
def outage_list(request, status: Code = "current", q: SearchText = "", limit: int = Query(50, ge=1, le=200)):
    require_perm(request.user, Perm.OUTAGE_VIEW)
    return [_out(o) for o in selectors.outage_list(status=status, q=q)[:limit]]


@router.post("/outages/preview", response=PreviewOut, summary="What announcing would send, and to how many")
def outage_preview(request, payload: OutageIn):
    require_perm(request.user, Perm.OUTAGE_MANAGE)  # before the input is looked at
    preview = services.outage_preview(
        actor=request.user, kind=payload.kind, reason=payload.reason, starts_at=payload.starts_at,
        expected_restore_at=payload.expected_restore_at, area=Area.from_ids(**payload.area.dict()),
        affects_hydrants=payload.affects_hydrants, supply_point=payload.supply_point, area_text=payload.area_text)
    return {**preview.__dict__, "problems": [p.__dict__ for p in preview.problems]}


@router.post("/outages", response={201: OutageDetailOut}, summary="Announce an outage (notifies everyone affected)")
def outage_announce(request, payload: OutageIn):
    require_perm(request.user, Perm.OUTAGE_MANAGE)  # before the input is looked at
    outage = services.outage_announce(
        actor=request.user, kind=payload.kind, reason=payload.reason, starts_at=payload.starts_at,
        expected_restore_at=payload.expected_restore_at, area=Area.from_ids(**payload.area.dict()),
        area_text=payload.area_text, affects_hydrants=payload.affects_hydrants, supply_point=payload.supply_point,
        note=payload.note, orders=selectors.orders_by_number(actor=request.user, numbers=payload.orders))
    return Status(201, _out(_get(request, outage.number), detail=True))


@router.get("/outages/{number}", response=OutageDetailOut, summary="One outage with its updates")
def outage_get(request, number: str):
    return _out(_get(request, number), detail=True)


class ChangePreviewIn(Schema):
    action: str = Field(description="extend | restore | cancel")
    expected_restore_at: Moment | None = Field(None, description="extend: the new expected restore time")
    reason: Annotated[str, MaxLen(200)] = Field("", description="extend, cancel: the reason")
    restored_at: Moment | None = Field(None, description="restore: when the water came back (default now)")


@router.post("/outages/{number}/preview", response=PreviewOut,
             summary="What an extension, a restore or a cancellation would send, and to how many (nothing sent)")
def outage_change_preview(request, number: str, payload: ChangePreviewIn):
    outage = _get(request, number)
    preview = services.outage_change_preview(
        actor=request.user, outage=outage, action=payload.action, expected_restore_at=payload.expected_restore_at,
        reason=payload.reason, restored_at=payload.restored_at)
    return {**preview.__dict__, "problems": [p.__dict__ for p in preview.problems]}


class ExtendIn(Schema):
    expected_restore_at: Moment
    reason: str
    version: int | None = None


@router.post("/outages/{number}/extend", response=OutageDetailOut, summary="延期: a new expected restore time")
def outage_extend(request, number: str, payload: ExtendIn):
    outage = _get(request, number)
    services.outage_extend(actor=request.user, outage=outage, expected_restore_at=payload.expected_restore_at,
                           reason=payload.reason, version=payload.version)
    return _out(_get(request, number), detail=True)


class RestoreIn(Schema):
    restored_at: Moment | None = None
    note: str = ""
    version: int | None = None


@router.post("/outages/{number}/restore", response=OutageDetailOut, summary="Water restored")
def outage_restore(request, number: str, payload: RestoreIn):
    outage = _get(request, number)
    services.outage_restore(actor=request.user, outage=outage, restored_at=payload.restored_at, note=payload.note,
                            version=payload.version)
    return _out(_get(request, number), detail=True)


class CancelIn(Schema):
    reason: str
    version: int | None = None


@router.post("/outages/{number}/cancel", response=OutageDetailOut, summary="Cancel a scheduled outage")
def outage_cancel(request, number: str, payload: CancelIn):
    outage = _get(request, number)
    services.outage_cancel(actor=request.user, outage=outage, reason=payload.reason, version=payload.version)
    return _out(_get(request, number), detail=True)


class UpdateIn(Schema):
    reason: Annotated[str, MaxLen(200)] | None = None
    supply_point: Annotated[str, MaxLen(200)] | None = None
    note: Note | None = None
    affects_hydrants: bool | None = None
    version: int | None = None


@router.patch("/outages/{number}", response=OutageDetailOut, summary="Correct the details (no new notice)")
def outage_update(request, number: str, payload: UpdateIn):
    outage = _get(request, number)
    services.outage_update(actor=request.user, outage=outage, **payload.dict())
    return _out(_get(request, number), detail=True)


class OrderLinkIn(Schema):
    order_number: Code


@router.post("/outages/{number}/orders", response=OutageDetailOut, summary="Link a work order")
def outage_link_order(request, number: str, payload: OrderLinkIn):
    if not (has_perm(request.user, Perm.OUTAGE_MANAGE) or has_perm(request.user, Perm.ORDER_DISPATCH)):
        raise PermissionDeniedError()  # before the order's lookup (as the service would)
    outage = _get(request, number)
    services.outage_link_order(actor=request.user, outage=outage, order=selectors.orders_by_number(actor=request.user, numbers=[payload.order_number])[0])
    return _out(_get(request, number), detail=True)


class CallLinkIn(Schema):
    call_id: int


@router.post("/outages/{number}/calls", response=dict, summary="Link one call to the outage")
def outage_link_call(request, number: str, payload: CallLinkIn):
    require_perm(request.user, Perm.OUTAGE_LINK_CALLS)  # before the call's lookup
    outage = _get(request, number)
    call = Call.objects.filter(pk=payload.call_id).first()
    if call is None:
        raise ValidationError(fields={"call_id": "Unknown call."})
    services.link_call(actor=request.user, call=call, outage=outage)
    return {"call_id": call.pk, "outage": outage.number, "outcome": call.outcome}


class BulkLinkIn(Schema):
    start: Moment
    end: Moment | None = None
    all_subjects: bool = Field(False, description="Also calls about other subjects (default: supply questions)")


@router.post("/outages/{number}/calls/bulk", response=dict, summary="Link all calls of a period from the area")
def outage_link_calls(request, number: str, payload: BulkLinkIn):
    outage = _get(request, number)
    linked = services.link_calls_in_period(actor=request.user, outage=outage, start=payload.start,
                                           end=payload.end or timezone.now(), all_subjects=payload.all_subjects)
    return {"outage": outage.number, "linked": linked}


@router.get("/outages/{number}/surge", response=dict, summary="Calls linked over time and notices sent")
def outage_surge(request, number: str, minutes: int = Query(15, ge=5, le=240)):
    outage = _get(request, number)
    return selectors.outage_surge(outage, bucket_minutes=minutes)


# --- public ---------------------------------------------------------------------------------------

class PublicOutageOut(Schema):
    number: str
    kind: str
    kind_display: str
    status: str
    status_display: str
    area: str
    communities: list[str]
    roads: list[str]
    reason: str
    starts_at: datetime
    expected_restore_at: datetime
    restored_at: datetime | None
    supply_point: str
    extended_from: datetime | None = Field(None, description="After an extension: the restore time it moved")
    extension_reason: str = ""


@public_router.get("/public/outages", response=list[PublicOutageOut],
                   summary="Active and upcoming outages (no login, no personal data)")
def public_outages(request, q: SearchText = ""):
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):  # residents read the labels: the default language
        return selectors.public_outages(q=q)


# --- areas: the ids an outage (or an order) names ------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


class AreaBuildingOut(Schema):
    id: int
    name: str


class AreaCommunityOut(Schema):
    id: int
    name: str
    district: Ref
    road: str | None
    buildings: list[AreaBuildingOut] = Field(description="Given when at most three communities match")


class AreaSearchOut(Schema):
    districts: list[Ref]
    communities: list[AreaCommunityOut]


class AreaSearchIn(Schema):
    q: SearchText = Field(description="A fragment of a district, community or road name (中央公园, 人民路)")
    limit: int = Field(15, ge=1, le=50)


@router.get("/areas", response=AreaSearchOut,
            summary="Find districts, communities (and their buildings) by name: the ids POST /outages needs")
def area_search(request, params: Query[AreaSearchIn]):
    """The console's area picker as an API: communities whose name or road contains ``q``, and districts whose
    name does; the buildings of each community when at most three match."""
    from django.db.models import Q

    from hotline.customers.models import Community, District

    if not any(has_perm(request.user, p) for p in (Perm.OUTAGE_MANAGE, Perm.ORDER_CREATE)):
        raise PermissionDeniedError()
    q = params.q.strip()
    if not q:
        raise ValidationError(fields={"q": "Give a name fragment."})
    districts = list(District.objects.filter(name__contains=q).order_by("name").values("id", "name")[:params.limit])
    communities = list(Community.objects.filter(Q(name__contains=q) | Q(road__name__contains=q))
                       .select_related("road", "district").order_by("name")[:params.limit])
    few = len(communities) <= 3
    return {
        "districts": districts,
        "communities": [
            {"id": c.pk, "name": c.name, "district": {"id": c.district_id, "name": c.district.name},
             "road": c.road.name if c.road else None,
             "buildings": list(c.buildings.order_by("name").values("id", "name")[:200]) if few else []}
            for c in communities
        ],
    }
