"""Writes of calls: logging a call, and turning it into (or linking it to) a work order."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.calls.matching import match_account
from hotline.calls.models import Call, CallbackStatus, Direction, Outcome
from hotline.core.audit import audit
from hotline.core.errors import InvalidStateError, ValidationError
from hotline.customers.models import Account, Community
from hotline.customers.text import normalize_phone
from hotline.org.models import Unit, User
from hotline.org.roles import Perm, require_perm
from hotline.workorders.models import RequestType, Subject, WorkOrder
from hotline.workorders.services import default_title, order_create

if TYPE_CHECKING:
    from hotline.outages.models import Outage


def call_log(*, actor: User, caller_number: str = "", direction: str = Direction.INBOUND, account: Account | None = None,
             request_type: RequestType | None = None, subject: Subject | None = None, summary: str = "", outcome: str = Outcome.ANSWERED,
             work_order: WorkOrder | None = None, ringing_at: datetime | None = None,
             answered_at: datetime | None = None, ended_at: datetime | None = None,
             called_number: str = "", outage: "Outage | None" = None, call: Call | None = None) -> Call:
    """Log a call (a consultation answered on the spot needs only the number, subject and a summary;
    a call about an outage is logged against it with ``outage``). ``call``: the record the PBX's events
    made of this call, completed instead of a new one (its times are the PBX's)."""
    require_perm(actor, Perm.CALL_LOG)
    number = normalize_phone(caller_number)
    if direction not in Direction.values:
        raise ValidationError(_("Unknown call direction."), fields={"direction": _("Choose one.")})
    if outcome not in Outcome.values:
        raise ValidationError(_("Unknown call outcome."), fields={"outcome": _("Choose one.")})
    if caller_number and not 3 <= len(number) <= 20:
        raise ValidationError(_("The caller number is not a phone number."),
                              fields={"caller_number": _("Enter digits.")})
    if outcome in (Outcome.ORDER_CREATED, Outcome.LINKED_ORDER) and work_order is None:
        raise ValidationError(_("Choose the work order the call is about."), fields={"work_order": _("Required.")})
    if outage is not None and outcome == Outcome.ANSWERED:
        outcome = Outcome.LINKED_OUTAGE
    if outcome == Outcome.LINKED_OUTAGE and outage is None:
        raise ValidationError(_("Choose the outage the call is about."), fields={"outage": _("Required.")})
    if not summary.strip() and outcome == Outcome.ANSWERED:
        raise ValidationError(_("Write a short summary of the call."), fields={"summary": _("This field is required.")})
    if call is not None:
        return _complete_pbx_call(call, actor=actor, account=account, request_type=request_type, subject=subject,
                                  summary=summary.strip(), outcome=outcome, work_order=work_order, outage=outage)
    now = timezone.now()
    ringing_at = ringing_at or answered_at or now
    if answered_at and answered_at < ringing_at or ended_at and ended_at < (answered_at or ringing_at):
        raise ValidationError(_("The call's times are out of order."), fields={"ended_at": _("Check the times.")})
    if direction == Direction.OUTBOUND and number:
        _callbacks_done(number, actor=actor, at=now)
    return Call.objects.create(
        **match_account(account).values(),
        direction=direction, caller_number=number, called_number=normalize_phone(called_number),
        ringing_at=ringing_at, answered_at=answered_at or (ringing_at if outcome != Outcome.MISSED else None),
        ended_at=ended_at or (now if outcome != Outcome.MISSED else None), operator=actor,
        request_type=request_type, subject=subject, summary=summary.strip(), outcome=outcome, work_order=work_order,
        outage=outage,
    )


def _complete_pbx_call(call: Call, *, actor: User, **values: Any) -> Call:
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if not locked.cti_call_id:
            raise ValidationError(_("Only a call reported by the telephone system can be completed."))
        if locked.summary or locked.subject_id:
            raise InvalidStateError(_("This call is already logged."))
        if locked.outcome in (Outcome.MISSED, Outcome.ABANDONED):
            raise InvalidStateError(_("This call was not answered: call the number back instead."))
        account = values.pop("account")
        for name, value in values.items():
            setattr(locked, name, value)
        # The operator's choice wins over the match by number. Logged without an account: a match
        # to one account they did not keep is dropped; a match to a community alone (several
        # accounts there, none chosen) stays.
        if account is not None or locked.account_id is not None:
            for name, value in match_account(account).values().items():
                setattr(locked, name, value)
        locked.operator = locked.operator or actor
        locked.save(update_fields=[*values, "account", "premise", "community", "operator"])
    call.__dict__.update(locked.__dict__)
    return locked


def call_create_order(*, actor: User, caller_number: str, account: Account | None = None, request_type: RequestType, subject: Subject, summary: str,
                      title: str = "", urgency: str | None = None, contact_name: str = "", address: str = "",
                      contact_phone: str = "", community: Community | None = None, unit: Unit | None = None, calibration: dict | None = None,
                      ringing_at: datetime | None = None, call: Call | None = None) -> Call:
    """Log the call and create the work order it asks for, in one transaction."""
    with transaction.atomic():
        order = order_create(
            actor=actor, request_type=request_type, subject=subject, urgency=urgency, account=account,
            title=title or default_title(subject=subject, address=address, account=account, community=community),
            description=summary, contact_name=contact_name,
            contact_phone=normalize_phone(contact_phone or caller_number), address=address, community=community,
            unit=unit, calibration=calibration,
        )
        return call_log(actor=actor, caller_number=caller_number, account=account, request_type=request_type,
                        subject=subject, summary=summary, outcome=Outcome.ORDER_CREATED, work_order=order,
                        ringing_at=ringing_at, call=call)


def screen_pop_viewed(*, actor: User, number: str, account_ids: list[int], via: str) -> None:
    """Record whose data a screen pop showed (SPEC.md §6: audit of who saw personal data)."""
    from hotline.core.models import AuditEvent

    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor, action="customer.screen_pop", target_type="customers.account", target_id=str(pk),
                   data={"number": number, "via": via})
        for pk in account_ids
    ])


def call_link_order(*, actor: User, call: Call, order: WorkOrder) -> Call:
    """Link a logged call to an existing order (the caller asks about progress, or reports it again)."""
    require_perm(actor, Perm.CALL_LOG)
    with transaction.atomic():
        Call.objects.filter(pk=call.pk).update(work_order=order, outcome=Outcome.LINKED_ORDER)
        audit(actor=actor, action="call.linked_order", target=call, order=order.number)
    call.refresh_from_db()
    return call


# --- call-backs of missed and abandoned calls -----------------------------------------------------

def _callbacks_done(number: str, *, actor: User, at: datetime) -> int:
    return Call.objects.filter(caller_number=number, callback_status=CallbackStatus.PENDING).update(
        callback_status=CallbackStatus.DONE, called_back_at=at, called_back_by=actor)


def callback_done(*, actor: User, number: str, note: str = "") -> int:
    """The number's missed calls are dealt with (called back, or nobody to call): they leave the
    call-back list. Returns how many calls that was."""
    require_perm(actor, Perm.CALL_LOG)
    digits = normalize_phone(number)
    if not digits:
        raise ValidationError(_("Give the number called back."), fields={"number": _("This field is required.")})
    with transaction.atomic():
        done = _callbacks_done(digits, actor=actor, at=timezone.now())
        if not done:
            raise InvalidStateError(_("No missed call from this number is waiting for a call-back."))
        from hotline.core.models import AuditEvent

        AuditEvent.objects.create(actor=actor, action="call.called_back", target_type="calls.number",
                                  target_id=digits, data={"calls": done, "note": note[:200]})
    return done
