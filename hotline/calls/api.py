from datetime import datetime

from ninja import Query, Router, Schema, Status
from pydantic import Field

from hotline.calls import selectors, services
from hotline.calls.models import Call
from hotline.core.api_types import NOTE_MAX, Code, Moment, Note, PhoneInput
from hotline.core.audit import audit_read
from hotline.core.errors import NotFoundError, ValidationError
from hotline.customers.models import Account
from hotline.customers.selectors import phone_display
from hotline.customers.text import mask_phone
from hotline.org.idempotency import IdempotencyKeyHeader, idempotent
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders.models import RequestType, Subject
from hotline.workorders.selectors import orders_visible_to

router = Router(tags=["calls"])


class PopAccount(Schema):
    account_no: str
    holder_name: str
    phone: str
    address: str
    community: str | None
    branch: str | None
    status: str
    arrears: str


class PopOrder(Schema):
    number: str
    title: str
    subject: str
    status: str
    unit: str | None
    created_at: datetime
    resolve_due: datetime | None
    is_overdue: bool


class PopCall(Schema):
    id: int
    ringing_at: datetime
    subject: str | None
    summary: str
    outcome: str
    operator: str | None
    order: str | None


class PopOutage(Schema):
    number: str
    kind: str
    status: str
    upcoming: bool
    area: str
    reason: str
    starts_at: datetime
    expected_restore_at: datetime
    script: str
    account_nos: list[str]


class ScreenPopOut(Schema):
    number: str
    accounts: list[PopAccount]
    open_orders: list[PopOrder]
    recent_calls: list[PopCall]
    outages: list[PopOutage]


@router.get("/screen-pop", response=ScreenPopOut, summary="Who is calling: accounts, open orders, recent calls")
def screen_pop(request, number: str):
    pop = selectors.screen_pop(actor=request.user, number=number)
    services.screen_pop_viewed(actor=request.user, number=pop.number, account_ids=[a.pk for a in pop.accounts],
                               via="api")
    return {
        "number": pop.number_display,
        "accounts": [
            {"account_no": a.account_no, "holder_name": a.holder_name,
             "phone": mask_phone(next(iter(a.phones.all())).number) if a.phones.all() else "",
             "address": a.premise.address,
             "community": a.premise.community.name if a.premise.community else None,
             "branch": a.premise.community.branch.name if a.premise.community and a.premise.community.branch else None,
             "status": a.status, "arrears": str(a.arrears)}
            for a in pop.accounts
        ],
        "open_orders": [
            {"number": o.number, "title": o.title, "subject": o.subject.name, "status": o.status,
             "unit": o.unit.name if o.unit else None, "created_at": o.created_at, "resolve_due": o.resolve_due,
             "is_overdue": o.is_overdue}
            for o in pop.open_orders
        ],
        "recent_calls": [_call_out(c) for c in pop.recent_calls],
        "outages": [
            {"number": o.number, "kind": o.kind, "status": o.status, "upcoming": o.is_upcoming, "area": o.area_text,
             "reason": o.reason, "starts_at": o.starts_at, "expected_restore_at": o.expected_restore_at,
             "script": o.script, "account_nos": o.account_nos}
            for o in pop.outages
        ],
    }


def _call_out(call: Call) -> dict:
    return {"id": call.pk, "ringing_at": call.ringing_at, "subject": call.subject.name if call.subject else None,
            "summary": call.summary, "outcome": call.outcome,
            "operator": call.operator.get_full_name() if call.operator else None,
            "order": call.work_order.number if call.work_order else None}


class CallIn(Schema):
    caller_number: PhoneInput = ""
    direction: Code = "inbound"
    account_no: Code | None = None
    request_type: Code | None = None
    subject: Code | None = None
    summary: Note = Field("", description=f"At most {NOTE_MAX} characters")
    outcome: Code = "answered"
    order_number: Code | None = Field(None, description="The order the call is about (outcome linked_order)")
    outage_number: Code | None = Field(None, description="The outage the call is about (outcome linked_outage)")
    ringing_at: Moment | None = None
    answered_at: Moment | None = None
    ended_at: Moment | None = None
    cti_call_id: Code | None = Field(None, description="The PBX's call this log completes (its times are kept)")


class CallOut(PopCall):
    caller_number: str
    account_no: str | None


def _lookup(model, code, field):
    if not code:
        return None
    obj = model.objects.filter(code=code).first()
    if obj is None:
        raise ValidationError(fields={field: f"Unknown {field}: {code}"})
    return obj


@router.post("/calls", response={201: CallOut}, summary="Log a call")
def call_create(request, payload: CallIn, idempotency_key: IdempotencyKeyHeader = None):
    """With an ``Idempotency-Key``, a retry gets the first answer and logs no second call."""
    return idempotent(request, "POST /calls", idempotency_key, payload, lambda: _call_create(request, payload))


def _call_create(request, payload: CallIn):
    account = None
    if payload.account_no:
        account = Account.objects.filter(account_no=payload.account_no.upper()).first()
        if account is None:
            raise ValidationError(fields={"account_no": "Unknown account number."})
    order = None
    if payload.order_number:
        order = orders_visible_to(request.user).filter(number=payload.order_number.upper()).first()
        if order is None:
            raise ValidationError(fields={"order_number": "Unknown order."})
    outage = None
    if payload.outage_number:
        from hotline.outages.models import Outage

        outage = Outage.objects.filter(number=payload.outage_number.upper()).first()
        if outage is None:
            raise ValidationError(fields={"outage_number": "Unknown outage."})
    pbx_call = None
    if payload.cti_call_id:
        pbx_call = Call.objects.filter(cti_call_id=payload.cti_call_id).first()
        if pbx_call is None:
            raise ValidationError(fields={"cti_call_id": "Unknown call."})
    call = services.call_log(
        actor=request.user, caller_number=payload.caller_number, direction=payload.direction, account=account,
        call=pbx_call,
        outage=outage,
        request_type=_lookup(RequestType, payload.request_type, "request_type"),
        subject=_lookup(Subject, payload.subject, "subject"), summary=payload.summary, outcome=payload.outcome,
        work_order=order, ringing_at=payload.ringing_at, answered_at=payload.answered_at, ended_at=payload.ended_at,
    )
    return Status(201, {**_call_out(call), "caller_number": call.caller_number,
                        "account_no": account.account_no if account else None})


class CallListIn(Schema):
    number: PhoneInput = ""
    mine: bool = False
    limit: int = Field(50, ge=1, le=200)


@router.get("/calls", response=list[CallOut], summary="Recent calls (by number, or mine)")
def call_list(request, params: Query[CallListIn]):
    require_perm(request.user, Perm.CALL_VIEW)
    calls = Call.objects.select_related("subject", "operator", "work_order", "account").order_by("-ringing_at")
    if params.number:
        from hotline.customers.text import normalize_phone

        calls = calls.filter(caller_number=normalize_phone(params.number))
    if params.mine:
        calls = calls.filter(operator=request.user)
    rows = list(calls[:params.limit])
    if has_perm(request.user, Perm.CUSTOMER_VIEW_CONTACT):  # full numbers shown: who saw them is recorded
        audit_read(actor=request.user, action="calls.listed", rows=rows, number=params.number or "", via="api")
    return [{**_call_out(c), "caller_number": phone_display(request.user, c.caller_number),
             "account_no": c.account.account_no if c.account else None} for c in rows]


class LinkIn(Schema):
    order_number: Code


@router.post("/calls/{call_id}/link", response=CallOut, summary="Link a call to an order")
def call_link(request, call_id: int, payload: LinkIn):
    require_perm(request.user, Perm.CALL_LOG)
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        raise NotFoundError()
    order = orders_visible_to(request.user).filter(number=payload.order_number.upper()).first()
    if order is None:
        raise ValidationError(fields={"order_number": "Unknown order."})
    call = services.call_link_order(actor=request.user, call=call, order=order)
    call = Call.objects.select_related("subject", "operator", "work_order", "account").get(pk=call.pk)
    return {**_call_out(call), "caller_number": phone_display(request.user, call.caller_number),
            "account_no": call.account.account_no if call.account else None}


class CallbackCallOut(Schema):
    id: int
    ringing_at: datetime
    outcome: str
    wait_seconds: int | None


class CallbackOut(Schema):
    number: str
    holder_name: str
    calls: list[CallbackCallOut]


@router.get("/calls/callbacks", response=list[CallbackOut],
            summary="Missed and abandoned calls to call back, one entry per number")
def callback_list(request):
    return [{"number": e.number_display, "holder_name": e.holder_name,
             "calls": [{"id": c.pk, "ringing_at": c.ringing_at, "outcome": c.outcome, "wait_seconds": c.wait_seconds}
                       for c in e.calls]}
            for e in selectors.callback_list(actor=request.user)]


class CallbackDoneIn(Schema):
    number: str = Field(..., max_length=40)
    note: str = Field("", max_length=200)


class CallbackDoneOut(Schema):
    number: str
    calls: int


@router.post("/calls/callbacks/done", response=CallbackDoneOut,
             summary="The number was called back: its missed calls leave the list")
def callback_done(request, payload: CallbackDoneIn):
    done = services.callback_done(actor=request.user, number=payload.number, note=payload.note)
    return {"number": payload.number, "calls": done}
