"""The 12345 platform's API (cases, urges, status requests) and the staff's (case list, return to the
platform, send a failed reply again). Thin: the wire format is the adapter's, the rules the services'.
See docs/gov12345.md."""

from datetime import datetime
from functools import cache

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema, Status
from ninja.security import HttpBearer, django_auth
from pydantic import Field

from hotline.core.api import TokenAuth
from hotline.core.errors import NotFoundError
from hotline.integrations.gov12345 import adapter, selectors, services
from hotline.integrations.gov12345.adapter import CaseIn, UrgeIn
from hotline.integrations.models import ReturnReason
from hotline.notify.models import Message
from hotline.org.roles import Perm, has_perm
from hotline.org.signing import SignatureAuth

router = Router(tags=["12345 platform"])


# --- authentication of the platform -----------------------------------------------------------------

class _Platform:
    """For the platform's endpoints: a body over the size limit is refused (413) before anything
    reads it, and an authenticated user without ``perm`` (a PBX's token) gets 403, not 401."""

    def __init__(self, *args, perm: Perm | tuple[Perm, ...], **kwargs):
        self.perms = perm if isinstance(perm, tuple) else (perm,)  # any of them
        super().__init__(*args, **kwargs)

    def __call__(self, request):
        adapter.check_body_size(request)
        user = super().__call__(request)  # type: ignore[misc]  # a mixin: the auth class after it in the MRO has __call__
        if user and not any(has_perm(user, perm) for perm in self.perms):
            raise PermissionDenied
        return user


@cache
def _token_auth():
    return TokenAuth()


class PlatformToken(_Platform, HttpBearer):
    openapi_description = ("API token of the 12345 platform's user (role “12345 platform”): "
                           "`Authorization: Bearer hl_…`")

    def authenticate(self, request, token):
        return _token_auth().authenticate(request, token)


class PlatformSignature(_Platform, SignatureAuth):
    pass


def platform_auth(perm: Perm | tuple[Perm, ...]) -> list:
    return [PlatformToken(perm=perm), PlatformSignature("GOV12345_INBOUND_SECRET", "GOV12345_USER", perm=perm)]


# --- schemas --------------------------------------------------------------------------------------

class ErrorOut(Schema):
    code: str = Field(description="validation_error, not_authenticated, permission_denied, not_found, conflict, "
                                  "invalid_state, payload_too_large")
    message: str
    fields: dict[str, str] = Field(description="field (dotted path) → what is wrong with it")


class CaseAnswer(Schema):
    case_id: str
    order_number: str = Field(description="Our work-order number")
    status: str = Field(description="The order's status when the case was received: new (at the hotline, to be "
                                    "dispatched by hand) or dispatched")
    unit: str | None = Field(description="The unit it was dispatched to")
    accept_due: datetime | None = Field(description="Sign for by (the platform's sign_deadline)")
    resolve_due: datetime | None = Field(description="Resolve by (the platform's reply_deadline)")
    received_at: datetime = Field(description="When we received it")


class UrgeOut(Schema):
    case_id: str
    urge_id: str
    order_number: str
    at: datetime
    received_at: datetime


class MessageOut(Schema):
    id: int
    action: str = Field(description="sign_for, return, extension or reply")
    status: str = Field(description="pending, sending, sent or failed")
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class ProgressOut(Schema):
    at: datetime
    note: str


class ReturnedOut(Schema):
    at: datetime
    reason_code: str
    note: str


class CaseStatusOut(Schema):
    case_id: str
    order_number: str
    status: str = Field(description="The work order's status (new, dispatched, accepted, in_progress, returned, "
                                    "reopened, resolved, callback_done, closed, cancelled)")
    unit: str | None
    sign_deadline: datetime
    reply_deadline: datetime
    accept_due: datetime | None = Field(description="Sign for by, as the order has it")
    resolve_due: datetime | None = Field(description="Resolve by, as the order has it (later after an extension)")
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_progress: ProgressOut | None
    result: str
    satisfaction: str
    returned: ReturnedOut | None
    urges: int
    messages: list[MessageOut] = Field(description="What we sent (or are sending) the platform about the case")


class CaseOut(Schema):
    case_id: str
    title: str
    category: str
    received_at: datetime
    created_at: datetime
    order_number: str
    order_status: str
    unit: str | None
    sign_deadline: datetime
    reply_deadline: datetime
    resolve_due: datetime | None
    is_overdue: bool
    returned_at: datetime | None
    upstream: str = Field(description="failed, pending, sent, or empty (nothing sent yet)")
    upstream_error: str


class CasePage(Schema):
    results: list[CaseOut]
    has_more: bool


class CaseListIn(Schema):
    status: str = Field("", description="A work-order status, `open`, or `returned`")
    upstream: str = Field("", description="`failed` or `pending`")
    q: str = Field("", max_length=100, description="Case number (prefix), order number, a word of the title or address")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100000)


class ReturnIn(Schema):
    reason_code: str = Field(max_length=64, description=" | ".join(ReturnReason.values))
    note: str = Field(max_length=4000)


def _case_out(case) -> dict:
    order = case.order
    local = selectors.local
    return {"case_id": case.case_id, "title": case.title, "category": case.category,
            "received_at": local(case.received_at), "created_at": local(case.created_at), "order_number": order.number,
            "order_status": order.status, "unit": order.unit.name if order.unit else None,
            "sign_deadline": local(case.sign_deadline), "reply_deadline": local(case.reply_deadline),
            "resolve_due": local(order.resolve_due), "is_overdue": order.is_overdue,
            "returned_at": local(case.returned_at),
            "upstream": case.upstream.state, "upstream_error": case.upstream.error}


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- the platform's endpoints -----------------------------------------------------------------------

@router.post("/gov12345/cases", auth=platform_auth(Perm.CASE_INBOUND),
             response={201: CaseAnswer, 200: CaseAnswer, **ERRORS, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut},
             summary="12345: transfer a case (idempotent on case_id)",
             description="201: received, a work order was created. 200: this case_id was received before with the "
                         "same content; nothing was stored again and the body is the first answer's. 409: the "
                         "case_id was received before with different content. 413: the body is over 20 MB or an "
                         "attachment over 10 MB. 422: a field is missing or wrong (`fields` says which).")
def case_receive(request, payload: CaseIn):
    case, created = services.case_receive(actor=request.user, data=adapter.case_data(payload))
    return Status(201 if created else 200, case.answer)


@router.post("/gov12345/cases/{case_id}/urges", auth=platform_auth(Perm.CASE_INBOUND),
             response={201: UrgeOut, 200: UrgeOut, **ERRORS, 422: ErrorOut},
             summary="12345: urge a case (催办; idempotent on urge_id)",
             description="201: recorded on the order's timeline (and an alert to the unit working it). 200: this "
                         "urge_id was received before; nothing changed.")
def case_urge(request, case_id: str, payload: UrgeIn):
    case = selectors.case_detail(actor=request.user, case_id=case_id)
    urge, created = services.case_urge(actor=request.user, case=case, urge_id=payload.urge_id, at=payload.at,
                                       content=payload.content)
    return Status(201 if created else 200, {"case_id": case.case_id, "urge_id": urge.urge_id,
                                            "order_number": case.order.number, "at": selectors.local(urge.at),
                                            "received_at": selectors.local(urge.received_at)})


@router.get("/gov12345/cases/{case_id}", auth=[*platform_auth((Perm.CASE_INBOUND, Perm.CASE_VIEW)), django_auth],
            response={200: CaseStatusOut, **ERRORS}, summary="12345: how a case stands")
def case_status(request, case_id: str):
    return selectors.case_status(selectors.case_detail(actor=request.user, case_id=case_id))


# --- the staff's endpoints --------------------------------------------------------------------------

@router.get("/gov12345/cases", response={200: CasePage, **ERRORS, 400: ErrorOut},
            summary="12345 cases, newest first, with the state of what went upstream")
def case_list(request, params: Query[CaseListIn]):
    flt = selectors.CaseFilter.from_params(params.dict())
    rows, has_more = selectors.case_list(actor=request.user, flt=flt, limit=params.limit, offset=params.offset)
    return {"results": [_case_out(case) for case in rows], "has_more": has_more}


@router.post("/gov12345/cases/{case_id}/return", response={200: CaseStatusOut, **ERRORS, 400: ErrorOut, 409: ErrorOut},
             summary="Return a case to the 12345 platform (within 2 working days; cancels the order)")
def case_return(request, case_id: str, payload: ReturnIn):
    case = selectors.case_detail(actor=request.user, case_id=case_id)
    services.case_return(actor=request.user, case=case, reason_code=payload.reason_code, note=payload.note)
    return selectors.case_status(selectors.case_detail(actor=request.user, case_id=case_id))


@router.post("/gov12345/messages/{message_id}/resend", response={200: MessageOut, **ERRORS, 409: ErrorOut},
             summary="Send a failed message to the 12345 platform again")
def message_resend(request, message_id: int):
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFoundError()
    return selectors.message_out(services.message_resend(actor=request.user, message=message))
