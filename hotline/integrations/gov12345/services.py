"""12345 cases: receiving transferred cases and urges, and what goes back upstream.

Inbound, a case becomes a work order of source 12345 with the platform's deadlines, its category
mapped to a subject, its address matched to a community (and an account where that is unambiguous),
dispatched by the assignment rules — one transaction, idempotent on the case id. Outbound, everything
the platform must hear goes to the outbox (channel ``gov12345``, topic ``case:<pk>``), written in the
transaction of the step that causes it: the sign-for (the first time the unit signs), a return
(``case_return``), an approved extension, and the final reply after the callback. When the platform
has the reply (``upstream_sent``), the order is closed."""

import json
from contextvars import ContextVar
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core.audit import audit
from hotline.core.errors import ConflictError, InvalidStateError, NotFoundError, Text, ValidationError
from hotline.integrations.gov12345 import adapter, selectors
from hotline.integrations.gov12345.adapter import CaseData
from hotline.integrations.models import Case, CaseUrge, ReturnReason, UpstreamAction
from hotline.notify.models import Channel, Message, MessageStatus
from hotline.notify.services import Outgoing, enqueue_many
from hotline.org.models import User
from hotline.org.roles import Perm, Role, lent, require_perm
from hotline.workorders import reference
from hotline.workorders.assignment import default_unit
from hotline.workorders.models import (
    Attachment,
    EventKind,
    RequestType,
    Source,
    Status,
    Subject,
    WorkOrder,
    WorkOrderEvent,
)
from hotline.workorders.services import RULES, order_cancel, order_close, order_create, order_urge

# Set while this module itself cancels (a return) or closes (the reply arrived) a 12345 order: the
# same steps taken by hand are refused, or the platform would never hear of them.
_own_step: ContextVar[str] = ContextVar("gov12345_own_step", default="")


def _stored_text(message: Text, **values: object) -> str:
    """Text kept in the timeline or sent upstream (``message`` lazy): in the interface's default
    language, whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % values if values else str(message)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- the platform's system user --------------------------------------------------------------------

def platform_user() -> User:
    """The user the platform acts as (``GOV12345_USER``), created without a password if missing."""
    from hotline.org.models import User

    user = User.objects.filter(username=settings.GOV12345_USER).first()
    if user is None:
        user = User(username=settings.GOV12345_USER, full_name="12345 平台", role=Role.GOV12345)
        user.set_unusable_password()
        user.save()
    return user


def system_actor() -> User:
    """The platform's user, allowed — in memory only, never saved — the one step its reply completes:
    closing the order (its role may not close orders by hand)."""
    actor = platform_user()
    actor.is_active, actor.is_superuser = True, True
    return actor


# --- inbound: cases ---------------------------------------------------------------------------------

def _classify(category: str) -> tuple[Subject, RequestType]:
    """(subject, request type) for the platform's category."""
    ref = reference.get()
    subject = ref.subjects.get(adapter.subject_code_for(category))
    if subject is None or not subject.is_active:
        subject = ref.subjects[adapter.FALLBACK_SUBJECT]
    group = ref.subjects_by_id.get(subject.group_id)
    request_type = adapter.REQUEST_TYPE_BY_GROUP.get(group.code if group else "", adapter.FALLBACK_REQUEST_TYPE)
    return subject, ref.request_types[request_type]


def _received_before(case: Case, data: CaseData) -> Case:
    if case.payload_digest != data.digest:
        raise ConflictError(
            _("Case %(case_id)s was received before with different content; nothing was changed.")
            % {"case_id": case.case_id}, fields={"case_id": _("Already received.")})
    return case


def _answer(case: Case, order: WorkOrder) -> dict:
    def exact(value: datetime | None) -> str | None:  # the platform's own deadlines come back as they were sent
        return timezone.localtime(value).isoformat() if value else None

    return {"case_id": case.case_id, "order_number": order.number, "status": str(order.status),
            "unit": order.unit.name if order.unit else None, "accept_due": exact(order.accept_due),
            "resolve_due": exact(order.resolve_due), "received_at": _iso(case.created_at)}


def case_receive(*, actor: User, data: CaseData) -> tuple[Case, bool]:
    """Receive a transferred case: (case, True) when it is new; (the case received before, False) when
    it is a resend — nothing is stored again. A different payload under a known case id is refused."""
    require_perm(actor, Perm.CASE_INBOUND)
    existing = Case.objects.filter(case_id=data.case_id).first()
    if existing is not None:
        return _received_before(existing, data), False
    subject, request_type = _classify(data.category)
    match = selectors.match_address(address=data.address, phone=data.phone)
    unit = default_unit(subject=subject, community=match.community)
    now = timezone.now()
    try:
        with transaction.atomic(), lent(actor, Perm.ORDER_CREATE, Perm.ORDER_DISPATCH):
            order = order_create(
                actor=actor, request_type=request_type, subject=subject, title=data.title,
                description=data.content, urgency=data.urgency or None, account=match.account,
                community=match.community, contact_name=data.caller, contact_phone=data.phone, address=data.address,
                source=Source.GOV_12345, unit=unit, external_id=data.case_id,
                # The platform's clock: received when the platform received it (never later than now).
                at=min(data.received_at, now), arrived_at=now,
                deadlines={"accept_due": data.sign_deadline, "resolve_due": data.reply_deadline})
            case = Case.objects.create(
                case_id=data.case_id, order=order, received_at=data.received_at, title=data.title,
                content=data.content, category=data.category, address=data.address, caller=data.caller,
                phone=data.phone, sign_deadline=data.sign_deadline, reply_deadline=data.reply_deadline,
                urgency=data.urgency, attachment_links=data.links, payload_digest=data.digest, created_at=now)
            _attach_files(order, data.files, actor)
            case.answer = _answer(case, order)
            case.save(update_fields=["answer"])
            audit(actor=actor, action="gov12345.case_received", target=case, case_id=case.case_id,
                  order=order.number, subject=subject.code, unit=unit.name if unit else None,
                  community=match.community.name if match.community else None,
                  account=match.account.account_no if match.account else None, matched_by=match.how)
    except IntegrityError:
        # The same case sent twice at once: the other request stored it first.
        existing = Case.objects.filter(case_id=data.case_id).first()
        if existing is None:
            raise
        return _received_before(existing, data), False
    return case, True


def _attach_files(order: WorkOrder, files: list[adapter.InlineFile], actor: User) -> None:
    if not files:
        return
    event = WorkOrderEvent.objects.filter(order=order, kind=EventKind.CREATED).first()
    for f in files:
        Attachment.objects.create(order=order, event=event, file=ContentFile(f.content, name=f.name), name=f.name,
                                  uploaded_by=actor)


# --- inbound: urges ---------------------------------------------------------------------------------

def case_urge(*, actor: User, case: Case, urge_id: str, at: datetime, content: str) -> tuple[CaseUrge, bool]:
    """催办 from the platform, once per ``urge_id``: on the order's timeline, and an alert to the unit
    when the order is with one (an order at the hotline or already done gets the timeline entry)."""
    require_perm(actor, Perm.CASE_INBOUND)
    existing = CaseUrge.objects.filter(case=case, urge_id=urge_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            urge = CaseUrge.objects.create(case=case, urge_id=urge_id, at=at, content=content.strip(),
                                           received_at=now, received_by=actor)
            note = _stored_text(gettext_lazy("Urged by the 12345 platform (%(urge_id)s): %(content)s"), urge_id=urge_id,
                                content=content.strip() or "—")
            order = WorkOrder.objects.get(pk=case.order_id)
            if order.status in RULES["urge"].sources:
                with lent(actor, Perm.ORDER_URGE):
                    order_urge(actor=actor, order=order, note=note)
            else:
                # Recorded without a transition (no version bump), as the SLA sweep records its urges.
                WorkOrderEvent.objects.create(order=order, at=now, actor=actor, kind=EventKind.URGED,
                                              from_status=order.status, to_status=order.status,
                                              unit_id=order.unit_id, note=note, data={"urge_id": urge_id})
            audit(actor=actor, action="gov12345.urge_received", target=case, case_id=case.case_id, urge_id=urge_id)
    except IntegrityError:
        existing = CaseUrge.objects.filter(case=case, urge_id=urge_id).first()
        if existing is None:
            raise
        return existing, False
    return urge, True


# --- outbound ---------------------------------------------------------------------------------------

def _enqueue(case: Case, action: str, event: WorkOrderEvent, body: dict) -> None:
    text = json.dumps({"case_id": case.case_id, "action": action, **body}, ensure_ascii=False)
    enqueue_many([Outgoing(channel=Channel.GOV12345, recipient=case.case_id, text=text,
                           key=f"{case.topic}:{action}:{event.pk}", recipient_name=case.title[:100],
                           template=action, topic=case.topic)])


def _person(user: User | None) -> str | None:
    return user.get_full_name() if user is not None else None


def _check_extension(*, until: datetime | None, due: datetime | None) -> None:
    if until is None or due is None:
        return
    limit = selectors.extension_limit(due)
    if until > limit:
        raise ValidationError(
            _("A 12345 case may be extended by at most %(days)d working days: until %(limit)s at the latest.")
            % {"days": selectors.EXTENSION_WORKING_DAYS, "limit": timezone.localtime(limit).strftime("%Y-%m-%d %H:%M")},
            fields={"until": _("Choose an earlier time.")})


def order_event_upstream(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Subscribed to the work orders' events (apps.py): called by every transition, inside its transaction.
    For a 12345 order, write what the platform must hear, or refuse (and so roll back) a step the
    platform's rules do not allow."""
    if order.source != Source.GOV_12345:
        return
    case = Case.objects.filter(order_id=order.pk).first()
    if case is None:
        return
    kind = event.kind
    if kind == EventKind.ACCEPTED:
        if not selectors.has_message(case, UpstreamAction.SIGN_FOR):  # signed for again after a return: told once
            _enqueue(case, UpstreamAction.SIGN_FOR, event, {
                "order_number": order.number, "signed_at": _iso(event.at),
                "unit": order.unit.name if order.unit else None, "signed_by": _person(event.actor)})
    elif kind == EventKind.EXTENSION_REQUESTED:
        _check_extension(until=order.extension_until, due=order.resolve_due)
    elif kind == EventKind.EXTENSION_APPROVED:
        until = datetime.fromisoformat(event.data["until"])
        previous = datetime.fromisoformat(event.data["previous_due"]) if event.data.get("previous_due") else None
        _check_extension(until=until, due=previous)
        asked = (WorkOrderEvent.objects.filter(order=order, kind=EventKind.EXTENSION_REQUESTED)
                 .order_by("-at", "-id").first())
        _enqueue(case, UpstreamAction.EXTENSION, event, {
            "order_number": order.number, "reply_deadline": _iso(until), "previous_deadline": _iso(previous),
            "reason": asked.note if asked else "", "approved_at": _iso(event.at)})
    elif kind == EventKind.CALLBACK:
        resolved = (WorkOrderEvent.objects.filter(order=order, kind=EventKind.RESOLVED).select_related("actor")
                    .order_by("-at", "-id").first())
        _enqueue(case, UpstreamAction.REPLY, event, {
            "order_number": order.number, "result": order.result,
            "unit": order.unit.name if order.unit else None,
            "handled_by": _person(resolved.actor) if resolved else None, "resolved_at": _iso(order.resolved_at),
            "satisfaction": order.satisfaction, "callback_at": _iso(order.callback_at),
            "callback_note": event.note})
    elif kind in (EventKind.CANCELLED, EventKind.DUPLICATE_LINKED) and _own_step.get() != "return":
        raise InvalidStateError(
            _("Order %(number)s came from the 12345 platform: return the case to the platform instead of "
              "cancelling the order.") % {"number": order.number})
    elif kind == EventKind.CLOSED and _own_step.get() != "close" and not selectors.has_message(
            case, UpstreamAction.REPLY, status=MessageStatus.SENT):
        raise InvalidStateError(
            _("Order %(number)s came from the 12345 platform: it is closed when the platform has the final "
              "reply.") % {"number": order.number})


def upstream_sent(message: Message) -> None:
    """After-send hook of the outbox: the platform has the final reply, so the order is closed.
    Idempotent (a second call finds it closed); ``close_replied`` catches up a hook that never ran."""
    parts = message.idempotency_key.split(":")
    if len(parts) < 3 or parts[0] != "case" or parts[2] != UpstreamAction.REPLY or not parts[1].isdigit():
        return
    case = Case.objects.select_related("order").filter(pk=int(parts[1])).first()
    if case is not None:
        _close_replied(case)


def _close_replied(case: Case) -> bool:
    if case.order.status != Status.CALLBACK_DONE:
        return False
    step = _own_step.set("close")
    try:
        order_close(actor=system_actor(), order=case.order, note=_stored_text(gettext_lazy("Replied to the 12345 platform.")))
    except (InvalidStateError, ConflictError):  # closed in the meantime (the hook and the sweep at once)
        return False
    finally:
        _own_step.reset(step)
    return True


def close_replied(*, limit: int = 500) -> int:
    """Periodic: close the orders whose final reply was sent but not followed by the close (a worker
    that died between the two). Returns how many were closed."""
    return sum(_close_replied(case) for case in selectors.replied_not_closed(limit=limit))


# --- staff: return a case, send a failed message again ---------------------------------------------

def case_return(*, actor: User, case: Case, reason_code: str, note: str) -> Case:
    """退回: give the case back to the platform with a reason code, within 2 working days of its receipt;
    the order is cancelled."""
    require_perm(actor, Perm.CASE_MANAGE)
    if reason_code not in ReturnReason.values:
        raise ValidationError(_("Choose a reason for returning the case."),
                              fields={"reason_code": _("Choose a reason.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say why the case goes back to the platform."),
                              fields={"note": _("This field is required.")})
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.returned_at is not None:
            raise InvalidStateError(_("Case %(case_id)s has already been returned to the platform.")
                                    % {"case_id": locked.case_id})
        now, deadline = timezone.now(), selectors.return_deadline(locked)
        if now > deadline:
            raise InvalidStateError(
                _("Case %(case_id)s can no longer be returned: the %(days)d working days for a return ended at "
                  "%(time)s.") % {"case_id": locked.case_id, "days": selectors.RETURN_WORKING_DAYS,
                                  "time": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")})
        reason = _stored_text(gettext_lazy("Returned to the 12345 platform (%(reason)s): %(note)s"),
                              reason=ReturnReason(reason_code).label, note=note)
        step = _own_step.set("return")
        try:
            order = order_cancel(actor=actor, order=WorkOrder.objects.get(pk=locked.order_id), reason=reason)
        finally:
            _own_step.reset(step)
        event = WorkOrderEvent.objects.filter(order=order, kind=EventKind.CANCELLED).latest("id")
        locked.returned_at, locked.return_reason, locked.return_note = now, reason_code, note
        locked.save(update_fields=["returned_at", "return_reason", "return_note"])
        _enqueue(locked, UpstreamAction.RETURN, event, {
            "order_number": order.number, "reason_code": reason_code, "note": note, "returned_at": _iso(now),
            "returned_by": _person(actor)})
        audit(actor=actor, action="gov12345.case_returned", target=locked, case_id=locked.case_id,
              reason_code=reason_code)
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def message_resend(*, actor: User, message: Message) -> Message:
    """Send a failed upstream message again; the case's later messages that failed after it (they
    wait for it) go again too, in their order."""
    require_perm(actor, Perm.CASE_MANAGE)
    if message.channel != Channel.GOV12345 or not message.topic.startswith("case:"):
        raise NotFoundError()
    with transaction.atomic():
        again = {"status": MessageStatus.PENDING, "next_attempt_at": timezone.now(), "attempts": 0, "last_error": ""}
        # Conditional on the status in the database: a second click does not put back a message a
        # worker is already sending.
        if not Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(**again):
            raise InvalidStateError(_("Only a failed message can be sent again."))
        later = Message.objects.filter(topic=message.topic, channel=Channel.GOV12345, pk__gt=message.pk,
                                       status=MessageStatus.FAILED).update(**again)
        audit(actor=actor, action="gov12345.message_resent", target=message, topic=message.topic, later=later)
        if settings.OUTBOX_DELIVER_ON_COMMIT:
            from hotline.notify.services import _kick

            transaction.on_commit(_kick)
    message.refresh_from_db()
    return message
