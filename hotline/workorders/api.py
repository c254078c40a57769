"""Work-order API: the same services and selectors as the console."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from hotline.core.api_types import NOTE_MAX, Code, MaxLen, Note, PhoneInput, SearchText
from hotline.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from hotline.customers.models import Community
from hotline.customers.selectors import phone_display
from hotline.org.idempotency import IdempotencyKeyHeader, idempotent
from hotline.org.models import Unit
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders import selectors, services, sla
from hotline.workorders.files import attachment_url
from hotline.workorders.models import RequestType, Subject, WorkOrder

router = Router(tags=["work orders"])


# --- schemas --------------------------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


class CodeRef(Schema):
    code: str
    name: str


class OrderOut(Schema):
    number: str
    status: str
    source: str
    request_type: CodeRef
    subject: CodeRef
    urgency: str
    title: str
    account_no: str | None
    contact_name: str
    contact_phone: str = Field(description="Masked for roles that do not need the full number")
    address: str
    community: str | None
    unit: Ref | None
    created_at: datetime = Field(description="Received; a 12345 case: when the platform received it")
    arrived_at: datetime | None = Field(description="A 12345 case: when it reached us")
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    dispatch_due: datetime | None
    accept_due: datetime | None
    onsite_due: datetime | None
    resolve_due: datetime | None
    flow_stopped_due: datetime | None = Field(description="止水: the flow stopped by (an emergency: 4 h)")
    onsite_at: datetime | None = Field(description="到场: when the field worker arrived on site")
    flow_stopped_at: datetime | None = Field(description="止水: when the flow was stopped")
    assignee: Ref | None = Field(description="The field worker the unit's dispatcher assigned")
    crew: Ref | None
    needs_reassign: bool = Field(description="The assignee left the unit: to be assigned again")
    is_overdue: bool
    urge_level: int
    running_due: "RunningDueOut | None" = Field(description="The deadline running now (sign-for, on site, flow "
                                                            "stopped, resolve), if any")
    paused_at: datetime | None = Field(description="The SLA clock is paused since (挂起)")
    satisfaction: str = Field(description="satisfied | basic | unsatisfied (the customer reached), refused | "
                                          "not_reached (the callback ended without their opinion), or empty")
    callback_due: datetime | None = Field(description="回访 deadline: 1 working day after the resolution")
    callback_overdue: bool
    callback_tries: int = Field(description="Callback tries that did not reach the customer")
    callback_last_try: str = Field(description="no_answer | refused | wrong_number, or empty")
    callback_next_at: datetime | None = Field(description="When the next try is due (the retry plan)")
    version: int = Field(description="Send it back with a transition: a stale version answers 409 conflict")


class RunningDueOut(Schema):
    kind: str = Field(description="accept | onsite | flow_stopped | resolve | dispatch")
    due: datetime
    overdue: bool


OrderOut.model_rebuild()


class EventOut(Schema):
    at: datetime
    kind: str
    actor: str | None
    unit: str | None
    from_status: str
    to_status: str
    note: str
    data: dict
    attachments: list[str]


class CalibrationOut(Schema):
    meter_no: str
    reading: Decimal | None
    reason: str
    outcome: str
    error_percent: Decimal | None


class OrderDetailOut(OrderOut):
    description: str
    result: str
    cancel_reason: str
    extension_until: datetime | None
    extension_reason: str
    redispatch_requested_at: datetime | None
    redispatch_reason: str
    pause_requested_at: datetime | None
    pause_reason: str = Field(description="The pending or running pause's reason: no_access | third_party | materials")
    pause_note: str
    paused_seconds: int = Field(description="The time the clock was paused, pauses that ended")
    parent: str | None
    duplicates: list[str]
    calibration: CalibrationOut | None
    allowed_actions: list[str]
    events: list[EventOut]
    in_scope: bool = Field(True, description="False when the transition just taken moved the order out of the "
                                             "caller's scope (a unit that returned it): the body is the order as "
                                             "it stood after the caller's action, and the caller cannot read it again")


class OrderPage(Schema):
    results: list[OrderOut]
    has_more: bool
    counts: dict[str, int] | None = None


class OrderListIn(Schema):
    status: str = ""
    unit: int | None = None
    subject: int | None = None
    urgency: str = ""
    overdue: bool = False
    pending: bool = Field(False, description="Only orders with a unit's request waiting for the hotline "
                                             "(re-dispatch, pause, extension)")
    date_from: str = ""
    date_to: str = ""
    q: SearchText = ""
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100000)
    counts: bool = Field(False, description="Also count the open and resolved orders per status for these "
                                            "filters; each count stops at 1000 (meaning 1000 or more)")


class CallbackListIn(Schema):
    unit: int | None = None
    subject: int | None = Field(None, description="A subject or a subject group")
    source: str = Field("", description="call | 12345 | internal | web")
    age: str = Field("", description="Time since the resolution: today | 1d (1–3 days) | 3d (3–7) | 7d (over 7)")
    overdue: bool = Field(False, description="Only those past their callback deadline")
    limit: int = Field(100, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100000)


class CalibrationIn(Schema):
    meter_no: Annotated[str, MaxLen(30)]
    reading: Decimal | None = None
    reason: Annotated[str, MaxLen(200)] = ""


class OrderIn(Schema):
    request_type: str = Field(description="Request type code, e.g. repair")
    subject: str = Field(description="Subject code, e.g. burst_main")
    urgency: str | None = Field(None, description="emergency | urgent | normal; default: the subject's")
    title: str = Field("", max_length=100, description="Default: the subject and the address")
    description: Note = Field("", description=f"At most {NOTE_MAX} characters")
    account_no: Code | None = None
    community_id: int | None = None
    contact_name: Annotated[str, MaxLen(50)] = ""
    contact_phone: PhoneInput = Field("", description="As typed; kept as its digits")
    address: Annotated[str, MaxLen(200)] = ""
    unit_id: int | None = Field(None, description="Dispatch at once to this unit")
    auto_dispatch: bool = Field(False, description="Dispatch at once to the unit of the assignment rules")
    calibration: CalibrationIn | None = None


class VersionIn(Schema):
    version: int | None = None
    note: Note = ""


class DispatchIn(VersionIn):
    unit_id: int


class AssignIn(VersionIn):
    assignee_id: int | None = Field(None, description="A field worker (or dispatcher) of the order's unit")
    crew_id: int | None = Field(None, description="A crew of the order's unit")


class ReturnIn(VersionIn):
    reason_code: Code


class ExtensionIn(Schema):
    version: int | None = None
    until: datetime
    reason: Annotated[str, MaxLen(200)]


class DecisionIn(VersionIn):
    approve: bool


class RedispatchIn(Schema):
    version: int | None = None
    unit_id: int
    reason: Annotated[str, MaxLen(200)]


class ReasonIn(Schema):
    version: int | None = None
    reason: Annotated[str, MaxLen(200)]


class PauseIn(Schema):
    version: int | None = None
    reason: Code = Field(description="no_access | third_party | materials")
    note: Annotated[str, MaxLen(200)] = ""


class CallbackIn(VersionIn):
    satisfaction: Code | None = Field(None, description="The customer reached: satisfied | basic | unsatisfied")
    outcome: Code | None = Field(None, description="A try that did not reach the customer: no_answer (tried "
                                                   "again by the retry plan) | refused | wrong_number")


class CancelIn(Schema):
    version: int | None = None
    reason: Annotated[str, MaxLen(200)] = ""
    parent_number: Code | None = Field(None, description="Cancel as a duplicate of this order")


class NoteIn(Schema):
    note: Note


class AlertOut(Schema):
    id: int
    order: str = Field(alias="order.number")
    level: int
    message: str
    created_at: datetime


# --- helpers --------------------------------------------------------------------------------------

def _order_out(actor, order: WorkOrder) -> dict:
    return {
        "number": order.number, "status": order.status, "source": order.source,
        "request_type": {"code": order.request_type.code, "name": order.request_type.name},
        "subject": {"code": order.subject.code, "name": order.subject.name},
        "urgency": order.urgency, "title": order.title,
        "account_no": order.account.account_no if order.account else None,
        "contact_name": order.contact_name,
        "contact_phone": phone_display(actor, order.contact_phone) if order.contact_phone else "",
        "address": order.address, "community": order.community.name if order.community else None,
        "unit": {"id": order.unit.pk, "name": order.unit.name} if order.unit else None,
        "running_due": _running_due(order),
        "assignee": {"id": order.assignee.pk, "name": order.assignee.get_full_name()} if order.assignee else None,
        "crew": {"id": order.crew.pk, "name": order.crew.name} if order.crew else None,
        **{name: getattr(order, name) for name in (
            "created_at", "arrived_at", "paused_at", "dispatched_at", "accepted_at", "resolved_at", "dispatch_due",
            "accept_due", "onsite_due", "flow_stopped_due", "resolve_due", "onsite_at", "flow_stopped_at", "needs_reassign",
            "is_overdue", "urge_level", "satisfaction", "version", "callback_due", "callback_overdue",
            "callback_tries", "callback_last_try", "callback_next_at")},
    }


def _running_due(order: WorkOrder) -> dict | None:
    running = sla.running_deadline(order)
    if running is None:
        return None
    return {"kind": running.kind, "due": running.due, "overdue": running.overdue}


def _detail_out(actor, order: WorkOrder) -> dict:
    calibration = getattr(order, "calibration", None)
    return {
        **_order_out(actor, order),
        "description": order.description, "result": order.result, "cancel_reason": order.cancel_reason,
        "extension_until": order.extension_until, "extension_reason": order.extension_reason,
        **{name: getattr(order, name) for name in (
            "redispatch_requested_at", "redispatch_reason", "pause_requested_at", "pause_reason", "pause_note",
            "paused_seconds")},
        "parent": order.parent.number if order.parent else None,
        "duplicates": [d.number for d in order.duplicates.all()],
        "calibration": calibration,
        "allowed_actions": services.allowed_actions(actor, order),
        "events": [
            {"at": e.at, "kind": e.kind, "actor": e.actor.get_full_name() if e.actor else None,
             "unit": e.unit.name if e.unit else None, "from_status": e.from_status, "to_status": e.to_status,
             "note": e.note, "data": e.data, "attachments": [attachment_url(a) for a in e.attachments.all()]}
            for e in order.events.all()
        ],
    }


def _visible(actor, number: str) -> WorkOrder:
    order = selectors.orders_visible_to(actor).filter(number=number.upper()).first()
    if order is None:
        raise NotFoundError()
    return order


def _detail(request, number: str) -> dict:
    return _detail_out(request.user, selectors.order_detail(actor=request.user, number=number))


def _answer(request, order: WorkOrder) -> dict:
    """The answer to a transition: the order as the caller sees it now; when the transition moved it out of
    the caller's scope (a unit returning it to the hotline), still 200 with what the caller may see: the order
    as it stood after their own action (nothing of it they had not seen), no actions, ``in_scope: false``."""
    try:
        return _detail(request, order.number)
    except NotFoundError:
        out = _detail_out(request.user, order)
        return {**out, "allowed_actions": [], "in_scope": False}


def _by_code(model, code: str, field: str):
    """An active subject or request type by its code (from the per-process reference data)."""
    from hotline.workorders import reference

    ref = reference.get()
    obj = (ref.subjects if model is Subject else ref.request_types).get(code)
    if obj is None or not obj.is_active:
        raise ValidationError(fields={field: f"Unknown {field}: {code}"})
    return obj


# --- endpoints ------------------------------------------------------------------------------------

@router.get("/orders", response=OrderPage, summary="List orders (filters as in the console)")
def order_list(request, params: Query[OrderListIn]):
    flt = selectors.OrderFilter.from_params(params.dict())
    rows, has_more = selectors.order_list(actor=request.user, flt=flt, limit=params.limit, offset=params.offset)
    counts = selectors.status_counts(actor=request.user, flt=flt) if params.counts else None
    return {"results": [_order_out(request.user, o) for o in rows], "has_more": has_more, "counts": counts}


@router.post("/orders", response={201: OrderOut}, summary="Create (receive) an order")
def order_create(request, payload: OrderIn, idempotency_key: IdempotencyKeyHeader = None):
    """With an ``Idempotency-Key``, a retry gets the first answer and makes no second order."""
    return idempotent(request, "POST /orders", idempotency_key, payload, lambda: _order_create(request, payload))


def _order_create(request, payload: OrderIn):
    from hotline.customers.selectors import account_with_premise
    from hotline.workorders.assignment import default_unit

    require_perm(request.user, Perm.ORDER_CREATE)  # before the lookups: a refusal, not a lookup error

    subject = _by_code(Subject, payload.subject, "subject")
    account = None
    if payload.account_no:
        account = account_with_premise(payload.account_no.upper())  # the hottest path of the API
        if account is None:
            raise ValidationError(fields={"account_no": "Unknown account number."})
    community = Community.objects.filter(pk=payload.community_id).first() if payload.community_id else None
    if payload.community_id and community is None:
        raise ValidationError(fields={"community_id": "Unknown community."})
    unit = None
    if payload.unit_id:
        unit = Unit.objects.filter(pk=payload.unit_id, is_active=True).first()
        if unit is None:
            raise ValidationError(fields={"unit_id": "Unknown unit."})
    elif payload.auto_dispatch:
        unit = default_unit(subject=subject, community=community or (account.premise.community if account else None))
        if unit is None:
            raise ValidationError(fields={"auto_dispatch": "No assignment rule matches; give unit_id."})
    order = services.order_create(
        actor=request.user, request_type=_by_code(RequestType, payload.request_type, "request_type"),
        subject=subject, urgency=payload.urgency,
        title=payload.title.strip() or services.default_title(subject=subject, address=payload.address,
                                                              account=account, community=community),
        description=payload.description,
        account=account, community=community, contact_name=payload.contact_name,
        contact_phone=payload.contact_phone, address=payload.address, unit=unit,
        calibration=payload.calibration.dict() if payload.calibration else None,
    )
    return Status(201, _order_out(request.user, order))


@router.get("/orders/queue", response=list[OrderOut], summary="My unit's queue (mine=true: assigned to me)")
def order_queue(request, mine: bool = False):
    return [_order_out(request.user, o) for o in selectors.unit_queue(actor=request.user, mine=mine)]


@router.get("/orders/callbacks", response=list[OrderOut], summary="Resolved orders waiting for a callback")
def order_callbacks(request, params: Query[CallbackListIn]):
    """The next try due first; filters and paging as on the console's callbacks list."""
    flt = selectors.CallbackFilter.from_params(params.dict())
    return [_order_out(request.user, o)
            for o in selectors.callbacks_due(actor=request.user, flt=flt, limit=params.limit, offset=params.offset)]


@router.get("/orders/{number}", response=OrderDetailOut, summary="Order detail with timeline")
def order_get(request, number: str):
    order = selectors.order_detail(actor=request.user, number=number)
    services.order_viewed(actor=request.user, order=order, via="api")
    return _detail_out(request.user, order)


@router.post("/orders/{number}/dispatch", response=OrderDetailOut, summary="转办: dispatch to a unit")
def order_dispatch(request, number: str, payload: DispatchIn):
    require_perm(request.user, Perm.ORDER_DISPATCH)  # before the unit's lookup
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise ValidationError(fields={"unit_id": "Unknown unit."})
    order = services.order_dispatch(actor=request.user, order=_visible(request.user, number), unit=unit,
                                    note=payload.note, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/accept", response=OrderDetailOut, summary="签收: sign for")
def order_accept(request, number: str, payload: VersionIn):
    order = services.order_accept(actor=request.user, order=_visible(request.user, number), note=payload.note,
                                  version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/assign", response=OrderDetailOut, summary="派工: assign to a field worker or a crew")
def order_assign(request, number: str, payload: AssignIn):
    from hotline.org.models import Crew, User

    order = _visible(request.user, number)
    require_perm(request.user, Perm.ORDER_ASSIGN)  # before the ids say whether someone exists
    assignee = crew = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError(fields={"assignee_id": "Unknown person."})
    if payload.crew_id is not None:
        crew = Crew.objects.filter(pk=payload.crew_id).first()
        if crew is None:
            raise ValidationError(fields={"crew_id": "Unknown crew."})
    order = services.order_assign(actor=request.user, order=order, assignee=assignee, crew=crew, note=payload.note,
                                  version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/arrive", response=OrderDetailOut, summary="到场: arrived on site, with position and photo")
def order_arrive(request, number: str, note: Form[Note | None] = None, version: Form[int | None] = None,
                 lat: Form[Decimal | None] = None, lng: Form[Decimal | None] = None,
                 files: File[list[UploadedFile] | None] = None):
    order = services.order_arrive(actor=request.user, order=_visible(request.user, number), note=note or "", lat=lat, lng=lng,
                                  files=files or [], version=version)
    return _answer(request, order)


@router.post("/orders/{number}/stop-flow", response=OrderDetailOut, summary="止水: the flow is stopped")
def order_stop_flow(request, number: str, note: Form[Note | None] = None, version: Form[int | None] = None,
                    files: File[list[UploadedFile] | None] = None):
    order = services.order_stop_flow(actor=request.user, order=_visible(request.user, number), note=note or "",
                                     files=files or [], version=version)
    return _answer(request, order)


@router.post("/orders/{number}/return", response=OrderDetailOut, summary="退回: return to the hotline")
def order_return(request, number: str, payload: ReturnIn):
    order = services.order_return(actor=request.user, order=_visible(request.user, number),
                                  reason_code=payload.reason_code,
                                  note=payload.note, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/progress", response=OrderDetailOut, summary="Progress report, with photos")
def order_progress(request, number: str, note: Form[Note], version: Form[int | None] = None,
                   files: File[list[UploadedFile] | None] = None):
    order = services.order_progress(actor=request.user, order=_visible(request.user, number), note=note,
                                    files=files or [], version=version)
    return _answer(request, order)


@router.post("/orders/{number}/extension", response=OrderDetailOut, summary="延期: request an extension")
def order_extension(request, number: str, payload: ExtensionIn):
    order = services.order_request_extension(actor=request.user, order=_visible(request.user, number),
                                             until=payload.until,
                                             reason=payload.reason, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/extension/decision", response=OrderDetailOut, summary="Approve or deny an extension")
def order_extension_decision(request, number: str, payload: DecisionIn):
    order = services.order_decide_extension(actor=request.user, order=_visible(request.user, number),
                                            approve=payload.approve, note=payload.note, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/redispatch/request", response=OrderDetailOut,
             summary="The unit asks the hotline to re-dispatch (改派) the order")
def order_request_redispatch(request, number: str, payload: ReasonIn):
    order = services.order_request_redispatch(actor=request.user, order=_visible(request.user, number),
                                              reason=payload.reason, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/redispatch", response=OrderDetailOut,
             summary="改派: take the order from its unit (not signed for, or the unit asked) to another unit")
def order_redispatch(request, number: str, payload: RedispatchIn):
    require_perm(request.user, Perm.ORDER_REDISPATCH)  # before the unit's lookup
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise ValidationError(fields={"unit_id": "Unknown unit."})
    order = services.order_redispatch(actor=request.user, order=_visible(request.user, number), unit=unit,
                                      reason=payload.reason, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/pause", response=OrderDetailOut,
             summary="挂起: ask to pause the SLA clock, with a reason (some reasons are approved at once)")
def order_pause(request, number: str, payload: PauseIn):
    order = services.order_request_pause(actor=request.user, order=_visible(request.user, number),
                                         reason=payload.reason, note=payload.note, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/pause/decision", response=OrderDetailOut,
             summary="Approve or refuse a pause request")
def order_pause_decision(request, number: str, payload: DecisionIn):
    order = services.order_decide_pause(actor=request.user, order=_visible(request.user, number),
                                        approve=payload.approve, note=payload.note, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/resume", response=OrderDetailOut,
             summary="Restart the paused SLA clock (the deadlines move by the paused time)")
def order_resume(request, number: str, payload: VersionIn):
    order = services.order_resume(actor=request.user, order=_visible(request.user, number), note=payload.note,
                                  version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/resolve", response=OrderDetailOut, summary="办结: resolve, with photos")
def order_resolve(request, number: str, result: Form[Note], version: Form[int | None] = None,
                  calibration_outcome: Form[Code | None] = None, error_percent: Form[Decimal | None] = None,
                  files: File[list[UploadedFile] | None] = None):
    order = services.order_resolve(actor=request.user, order=_visible(request.user, number), result=result,
                                   files=files or [], calibration_outcome=calibration_outcome or "",
                                   error_percent=error_percent, version=version)
    return _answer(request, order)


@router.post("/orders/{number}/callback", response=OrderDetailOut, summary="回访: record the callback")
def order_callback(request, number: str, payload: CallbackIn):
    """Either ``satisfaction`` (the customer was reached) or ``outcome`` (a try that was not)."""
    require_perm(request.user, Perm.ORDER_CALLBACK)
    if bool(payload.satisfaction) == bool(payload.outcome):
        raise ValidationError(fields={"satisfaction": "Give either satisfaction or outcome."})
    order = _visible(request.user, number)
    if payload.outcome:
        order = services.order_callback_try(actor=request.user, order=order, outcome=payload.outcome,
                                            note=payload.note, version=payload.version)
    else:
        order = services.order_callback(actor=request.user, order=order, satisfaction=payload.satisfaction or "",
                                        note=payload.note, version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/close", response=OrderDetailOut, summary="归档: close")
def order_close(request, number: str, payload: VersionIn):
    order = services.order_close(actor=request.user, order=_visible(request.user, number), note=payload.note,
                                 version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/cancel", response=OrderDetailOut, summary="Cancel, or link as a duplicate")
def order_cancel(request, number: str, payload: CancelIn):
    order = _visible(request.user, number)
    if payload.parent_number:
        parent = _visible(request.user, payload.parent_number)
        order = services.order_link_duplicate(actor=request.user, order=order, parent=parent,
                                              version=payload.version)
    else:
        order = services.order_cancel(actor=request.user, order=order, reason=payload.reason,
                                      version=payload.version)
    return _answer(request, order)


@router.post("/orders/{number}/urge", response=OrderDetailOut, summary="督办: urge the unit")
def order_urge(request, number: str, payload: NoteIn):
    order = services.order_urge(actor=request.user, order=_visible(request.user, number), note=payload.note)
    return _answer(request, order)


@router.post("/orders/{number}/notes", response=OrderDetailOut, summary="Add a coordination note")
def order_note(request, number: str, payload: NoteIn):
    order = services.order_note(actor=request.user, order=_visible(request.user, number), note=payload.note)
    return _answer(request, order)


@router.get("/alerts", response=list[AlertOut], summary="Unread alerts of my unit")
def alert_list(request):
    if not (has_perm(request.user, Perm.ORDER_VIEW_UNIT) or has_perm(request.user, Perm.ORDER_VIEW_ALL)):
        raise PermissionDeniedError()
    return selectors.unit_alerts(actor=request.user, limit=100)


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="The alerts to mark read; all unread when omitted")


@router.post("/alerts/read", response=dict, summary="Mark alerts read")
def alert_read(request, payload: ReadIn):
    return {"marked": services.alerts_mark_read(actor=request.user, alert_ids=payload.ids)}


class CatalogueOut(Schema):
    request_types: list[CodeRef]
    subjects: list[dict]
    units: list[dict]


@router.get("/catalogue", response=CatalogueOut, summary="Request types, subjects and units")
def catalogue(request):
    # The staff's reference data (subjects, units); an external system has no use for it.
    if not any(has_perm(request.user, p) for p in (Perm.ORDER_VIEW_ALL, Perm.ORDER_VIEW_UNIT, Perm.ORDER_CREATE)):
        raise PermissionDeniedError()
    subjects = Subject.objects.filter(is_active=True).select_related("group")
    return {
        "request_types": list(RequestType.objects.filter(is_active=True).values("code", "name")),
        "subjects": [{"code": s.code, "name": s.name, "group": s.group.code if s.group else None,
                      "default_urgency": s.default_urgency} for s in subjects],
        "units": list(Unit.objects.filter(is_active=True).values("id", "name", "kind", "parent_id")),
    }
