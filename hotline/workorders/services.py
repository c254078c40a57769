"""Every write to a work order. Each transition: one function, in one transaction, that locks the
order, checks the actor's permission and unit and the order's state, applies the change, bumps the
version and writes a timeline event; refused with a DomainError (and nothing changed) otherwise."""

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.customers.models import Account, Community
from hotline.customers.text import normalize_phone
from hotline.org.models import Crew, Unit, User
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders import events, sla, uploads
from hotline.workorders.models import (
    REACHED,
    WITH_UNIT,
    Alert,
    AlertLevel,
    Attachment,
    CalibrationOutcome,
    CallbackTry,
    EventKind,
    MeterCalibration,
    PauseReason,
    RequestType,
    ReturnReason,
    Satisfaction,
    Source,
    Status,
    Subject,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
    render_alert,
)
from hotline.workorders.numbers import next_order_number
from hotline.workorders.scope import acts_for_unit
from hotline.workorders.uploads import MAX_ATTACHMENT_BYTES

S = Status


@dataclass(frozen=True)
class Rule:
    """Who may take a transition, and from which states."""

    perm: Perm
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change
    unit_scoped: bool = False  # the actor must act for the order's unit


RULES: dict[str, Rule] = {
    "dispatch": Rule(Perm.ORDER_DISPATCH, (S.NEW, S.RETURNED), S.DISPATCHED),
    "accept": Rule(Perm.ORDER_WORK, (S.DISPATCHED, S.REOPENED), S.ACCEPTED, unit_scoped=True),
    "return": Rule(Perm.ORDER_RETURN, (S.DISPATCHED, S.ACCEPTED, S.REOPENED), S.RETURNED, unit_scoped=True),
    "progress": Rule(Perm.ORDER_WORK, (S.ACCEPTED, S.IN_PROGRESS), S.IN_PROGRESS, unit_scoped=True),
    "request_extension": Rule(Perm.ORDER_RETURN, (S.ACCEPTED, S.IN_PROGRESS), None, unit_scoped=True),
    "decide_extension": Rule(Perm.ORDER_APPROVE_EXTENSION, (S.ACCEPTED, S.IN_PROGRESS), None),
    "resolve": Rule(Perm.ORDER_WORK, (S.ACCEPTED, S.IN_PROGRESS), S.RESOLVED, unit_scoped=True),
    "callback": Rule(Perm.ORDER_CALLBACK, (S.RESOLVED,), S.CALLBACK_DONE),
    "close": Rule(Perm.ORDER_CLOSE, (S.CALLBACK_DONE,), S.CLOSED),
    "cancel": Rule(Perm.ORDER_CLOSE, (S.NEW, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED, S.REOPENED),
                   S.CANCELLED),
    "urge": Rule(Perm.ORDER_URGE, (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED), None),
    "assign": Rule(Perm.ORDER_ASSIGN, (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED), None, unit_scoped=True),
    "arrive": Rule(Perm.ORDER_WORK, (S.ACCEPTED, S.IN_PROGRESS), S.IN_PROGRESS, unit_scoped=True),
    "stop_flow": Rule(Perm.ORDER_WORK, (S.ACCEPTED, S.IN_PROGRESS), S.IN_PROGRESS, unit_scoped=True),
    "note": Rule(Perm.ORDER_NOTE, tuple(S), None),
    # 改派: the unit asks for it (with a reason); the hotline takes an order not signed for yet (or whose unit
    # asked) from its unit and sends it to another.
    "request_redispatch": Rule(Perm.ORDER_RETURN, (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED), None,
                               unit_scoped=True),
    "redispatch": Rule(Perm.ORDER_REDISPATCH, (S.DISPATCHED, S.REOPENED, S.ACCEPTED, S.IN_PROGRESS), S.DISPATCHED),
    # SLA pause (挂起): the unit asks, the shift lead (or a rule, for some reasons) approves; the unit restarts it.
    "request_pause": Rule(Perm.ORDER_WORK, (S.ACCEPTED, S.IN_PROGRESS), None, unit_scoped=True),
    "decide_pause": Rule(Perm.ORDER_APPROVE_EXTENSION, (S.ACCEPTED, S.IN_PROGRESS), None),
    "resume": Rule(Perm.ORDER_WORK, (S.ACCEPTED, S.IN_PROGRESS), None, unit_scoped=True),
}
SIGNED_FOR = (S.ACCEPTED, S.IN_PROGRESS)


def allowed_actions(actor: User, order: WorkOrder) -> list[str]:
    """The transitions ``actor`` may take on ``order`` now (for the console's buttons)."""
    actions = []
    for name, rule in RULES.items():
        if order.status not in rule.sources or not has_perm(actor, rule.perm):
            continue
        if rule.unit_scoped and not acts_for_unit(actor, order.unit_id):
            continue
        if name == "request_extension" and order.extension_until:
            continue
        if name == "decide_extension" and not order.extension_until:
            continue
        if name == "note" and not _may_see(actor, order):
            continue
        if (name == "arrive" and order.onsite_at) or (name == "stop_flow" and (order.flow_stopped_at or not order.flow_stopped_due)):
            continue
        if name in ("cancel", "close") and order.source == Source.GOV_12345:
            continue  # a 12345 case is returned to the platform instead, and closed when the reply is sent
        if name == "request_redispatch" and order.redispatch_requested_at:
            continue
        if name == "redispatch" and order.status in SIGNED_FOR and not order.redispatch_requested_at:
            continue  # signed for: the unit has it in hand, unless it asked to be relieved of it
        if name == "request_pause" and (order.source == Source.GOV_12345 or order.pause_requested_at
                                        or order.paused_at):
            continue  # a 12345 case follows the platform's rules: its own extension instead
        if name == "decide_pause" and not order.pause_requested_at:
            continue
        if name == "resume" and not order.paused_at:
            continue
        actions.append(name)
    return actions


def _require_rule_perm(actor: User, name: str) -> None:
    """The role check first, so that someone who may not act learns nothing from input errors."""
    require_perm(actor, RULES[name].perm)


def _may_see(actor: User, order: WorkOrder) -> bool:
    return has_perm(actor, Perm.ORDER_VIEW_ALL) or (
        has_perm(actor, Perm.ORDER_VIEW_UNIT) and acts_for_unit(actor, order.unit_id)
    )


def _transition(name: str, *, actor: User, order: WorkOrder, version: int | None, kind: str, note: str = "",
                apply: Callable[[WorkOrder], dict] | None = None, to_status: str | None = None,
                after: Callable[[WorkOrder, WorkOrderEvent], None] | None = None) -> WorkOrder:
    """Take transition ``name``: ``apply`` changes the locked order (and returns the event's data),
    ``after`` writes what goes with it (alerts, attachments) in the same transaction."""
    rule = RULES[name]
    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if not has_perm(actor, rule.perm) or (rule.unit_scoped and not acts_for_unit(actor, locked.unit_id)):
            raise PermissionDeniedError()
        if name == "note" and not _may_see(actor, locked):
            raise PermissionDeniedError()
        if version is not None and version != locked.version:
            raise ConflictError()
        if locked.status not in rule.sources:
            raise InvalidStateError(
                _("Order %(number)s is “%(status)s”: it cannot be %(action)s now.")
                % {"number": locked.number, "status": locked.get_status_display(), "action": _action_label(name)}
            )
        from_status = locked.status
        step_before = sla.current_step(locked)
        target = to_status or rule.target or from_status
        pause = {}
        if target not in SIGNED_FOR:
            # The order leaves the unit's hands (resolved, returned, re-dispatched, cancelled): a running
            # pause ends here (its time moves the deadlines first) and a pending request lapses.
            pause = _end_pause(locked, timezone.now())
            locked.pause_requested_at, locked.pause_reason, locked.pause_note = None, "", ""
        if _phase(target) != _phase(from_status):
            # A new step (sign-for, then resolution) starts its own urge cycle; ``apply`` may then
            # record that the step just finished late (a late resolution stays overdue).
            locked.urge_level, locked.is_overdue = 0, False
        data = {**pause, **(apply(locked) if apply else {})}
        locked.status = target
        if _phase(target) == _phase(from_status) and sla.current_step(locked) != step_before:
            # A milestone within the work (arrival on site, the flow stopped) met: the next one's cycle.
            locked.urge_level, locked.is_overdue = 0, False
        locked.sla_next_at = sla.next_urge(locked)
        locked.version += 1
        locked.save()
        event = WorkOrderEvent.objects.create(
            order=locked, at=timezone.now(), actor=actor, kind=kind, from_status=from_status,
            to_status=locked.status, unit_id=locked.unit_id, note=note, data=data or {},
        )
        if after:
            after(locked, event)
        # Announced in the same transaction: a subscriber's outbox message (the 12345 platform's sign-for,
        # extension, reply) commits with the change, and a subscriber may refuse the step (events.py).
        events.publish(order=locked, event=event)
    order.__dict__.update(locked.__dict__)
    return locked


def _phase(status: str) -> str | None:
    if status in (S.DISPATCHED, S.REOPENED):
        return "accept"
    if status in (S.ACCEPTED, S.IN_PROGRESS):
        return "resolve"
    return None


def _action_label(name: str) -> str:
    labels = {
        "dispatch": _("dispatched"), "accept": _("signed for"), "return": _("returned"), "progress": _("updated"),
        "request_extension": _("extended"), "decide_extension": _("extended"), "resolve": _("resolved"),
        "callback": _("called back"), "close": _("closed"), "cancel": _("cancelled"), "urge": _("urged"),
        "note": _("annotated"), "request_redispatch": _("re-dispatched"), "redispatch": _("re-dispatched"),
        "request_pause": _("paused"), "decide_pause": _("paused"), "resume": _("restarted"),
        "assign": _("assigned"), "arrive": _("marked as arrived"), "stop_flow": _("marked as flow stopped"),
    }
    return labels[name]


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, fields={field: _("This field is required.")})
    return value


# Alerts that also go out by SMS (the outbox) to the unit's duty phone, and to its head on escalation:
# everything else is in-app only, or a busy repair centre's phone would never stop.
SMS_LEVELS = {AlertLevel.URGE, AlertLevel.ESCALATION, AlertLevel.MANUAL}


def _alert(order: WorkOrder, level: int, code: str, params: dict | None = None, *, user: User | None = None,
           sms_to: User | None = None) -> None:
    """An in-app alert about ``order`` (a code and its values, shown in the reader's language); the SMS
    levels also go to the unit's duty mobile (and to ``sms_to``, a person, when given)."""
    if not order.unit_id:
        return
    alert = Alert(unit_id=order.unit_id, user=user, order=order, level=level, code=code,
                  params={"number": order.number, **(params or {})})
    alert.save(force_insert=True)
    if level in SMS_LEVELS or (level == AlertLevel.NEW_ORDER and order.urgency == Urgency.EMERGENCY):
        _staff_sms(order, alert, user)
    elif sms_to is not None:
        _staff_sms(order, alert, sms_to, unit_phone=False)


def _staff_sms(order: WorkOrder, alert: Alert, head: User | None = None, *, unit_phone: bool = True) -> None:
    from django.conf import settings

    from hotline.notify.models import Channel
    from hotline.notify.services import Outgoing, enqueue_many, is_mobile, render

    unit = order.unit
    if unit is None:  # _alert sends only for an order with a unit
        return
    # The duty phone's mobile; a unit that still has only its landline gets nothing (the admin warns).
    recipients = [((unit.duty_mobile or unit.phone).strip(), unit.name)] if unit_phone else []
    if head is not None and head.phone:
        recipients.append((head.phone.strip(), head.get_full_name()))
    recipients = [(phone, name) for phone, name in dict(recipients).items() if is_mobile(phone)]
    if not recipients:
        return
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        text = render("order_staff_alert", {
            "company": settings.COMPANY_NAME, "number": order.number, "subject": order.subject.name,
            "address": order.address or (order.community.name if order.community else ""),
            "title": order.title, "message": str(AlertLevel(alert.level).label)})
    enqueue_many([Outgoing(Channel.STAFF, phone, text, f"order:{order.pk}:alert:{alert.pk}:{phone}",
                           recipient_name=name, template="order_staff_alert", topic=f"order:{order.pk}")
                  for phone, name in recipients])


# --- creation -------------------------------------------------------------------------------------

def order_create(*, actor: User, request_type: RequestType, subject: Subject, title: str, description: str = "", urgency: str | None = None,
                 account: Account | None = None, community: Community | None = None, contact_name: str = "", contact_phone: str = "", address: str = "",
                 source: str = Source.CALL, unit: Unit | None = None, calibration: dict | None = None,
                 external_id: str = "", deadlines: dict | None = None, at: datetime | None = None,
                 arrived_at: datetime | None = None) -> WorkOrder:
    """Receive (受理) an order; with ``unit`` it is dispatched at once (an emergency goes straight out).
    A case from another platform (12345) is received ``at`` the platform's time and ``arrived_at`` the moment
    it reached us: the order and its deadlines keep the platform's clock, its dispatch is when it arrived."""
    require_perm(actor, Perm.ORDER_CREATE)
    title = _required(title, "title", _("Give the order a short title."))
    # Whoever calls (API, console, 12345, imports): the digits the screen pop matches (１３８… → 138…).
    contact_phone = normalize_phone(contact_phone) or contact_phone.strip()
    urgency = urgency or subject.default_urgency
    if urgency not in Urgency.values:
        raise ValidationError(_("Unknown urgency."), fields={"urgency": _("Choose an urgency.")})
    if subject.code == "meter_calibration" and not (calibration or {}).get("meter_no"):
        raise ValidationError(_("A meter-calibration request needs the meter number."),
                              fields={"meter_no": _("This field is required.")})
    if account is not None:
        premise = account.premise
        community = community or premise.community
        address = address or premise.address
        contact_name = contact_name or account.holder_name
    now = at or timezone.now()
    dispatch_at = max(arrived_at or now, now)
    if unit is not None:
        _require_rule_perm(actor, "dispatch")
        _check_unit(unit)
    # One SLA lookup serves the dispatch deadline and, when dispatched at once, the others.
    due = {**sla.deadlines(subject_id=subject.pk, urgency=urgency, start=now,
                           suburban=is_suburban(community.pk if community is not None else None)),
           **{k: v for k, v in (deadlines or {}).items() if v}}
    number = next_order_number()
    with transaction.atomic():
        order = WorkOrder(
            number=number, source=source, external_id=external_id, request_type=request_type,
            subject=subject, urgency=urgency, account=account, community=community, contact_name=contact_name[:50],
            contact_phone=contact_phone[:20], address=address[:200], title=title[:100], description=description,
            created_by=actor, created_at=now, dispatch_due=due["dispatch_due"], arrived_at=arrived_at,
        )
        # A platform's own deadlines (12345) are kept; ours are set at dispatch.
        order.accept_due, order.resolve_due = (deadlines or {}).get("accept_due"), (deadlines or {}).get("resolve_due")
        events = [WorkOrderEvent(at=now, actor=actor, kind=EventKind.CREATED, to_status=Status.NEW,
                                 note=description[:2000])]
        if unit is not None:
            _apply_dispatch(order, unit, dispatch_at, due)
            order.status = Status.DISPATCHED
            order.sla_next_at = sla.next_urge(order)
            events.append(WorkOrderEvent(at=dispatch_at, actor=actor, kind=EventKind.DISPATCHED, from_status=Status.NEW,
                                         to_status=Status.DISPATCHED, unit=unit, data={"unit": unit.name}))
        order.save(force_insert=True)
        for event in events:
            event.order = order
        WorkOrderEvent.objects.bulk_create(events)
        if calibration:
            MeterCalibration.objects.create(order=order, meter_no=calibration["meter_no"][:30],
                                            reading=calibration.get("reading"),
                                            reason=(calibration.get("reason") or "")[:200])
        if unit is not None:
            _new_order_alert(order)
    return order


def default_title(*, subject: Subject, address: str = "", account: Account | None = None,
                  community: Community | None = None) -> str:
    """An order's title when none is typed: the subject and where (``爆管 · 张店区人民路128号``); the call's
    summary stays the description."""
    where = (address or "").strip()
    if not where and account is not None:
        where = account.premise.address
    if not where and community is not None:
        where = community.name
    return f"{subject.name} · {where}"[:100] if where else subject.name


def is_suburban(community_id: int | None) -> bool:
    """Whether the premise's district is suburban (the longer on-site deadline)."""
    if not community_id:
        return False
    return Community.objects.filter(pk=community_id, district__is_suburban=True).exists()


def _check_unit(unit: Unit | None) -> None:
    if unit is None or not unit.is_active:
        raise ValidationError(_("Choose an active unit."), fields={"unit": _("Choose a unit.")})


def _apply_dispatch(order: WorkOrder, unit: Unit, now: datetime, due: dict) -> None:
    """Send to ``unit``: the sign-for clock restarts; the resolution deadline is set once (a return
    and re-dispatch does not buy time), and a 12345 case keeps the platform's deadlines."""
    if order.unit_id != unit.pk:
        # Another unit: its dispatcher decides who does the work.
        order.assignee, order.crew, order.assigned_at, order.needs_reassign = None, None, None, False
    order.unit, order.dispatched_at = unit, now
    if order.source != Source.GOV_12345 or not order.accept_due:
        order.accept_due = due["accept_due"]
    order.onsite_due = order.onsite_due or due["onsite_due"]
    order.flow_stopped_due = order.flow_stopped_due or due["flow_stopped_due"]
    order.resolve_due = order.resolve_due or due["resolve_due"]
    order.urge_level, order.is_overdue = 0, False


def _new_order_alert(order: WorkOrder) -> None:
    _alert(order, AlertLevel.NEW_ORDER, "new_order", {"title": order.title})


# --- the lifecycle --------------------------------------------------------------------------------

def order_dispatch(*, actor: User, order: WorkOrder, unit: Unit, note: str = "", version: int | None = None) -> WorkOrder:
    """转办: send the order to a unit; deadlines are set by the SLA on the first dispatch."""
    _require_rule_perm(actor, "dispatch")
    _check_unit(unit)

    def apply(o: WorkOrder) -> dict:
        now = timezone.now()
        _apply_dispatch(o, unit, now, sla.deadlines(subject_id=o.subject_id, urgency=o.urgency, start=now,
                                                    suburban=is_suburban(o.community_id)))
        return {"unit": unit.name}

    return _transition("dispatch", actor=actor, order=order, version=version, kind=EventKind.DISPATCHED, note=note,
                       apply=apply, after=lambda o, event: _new_order_alert(o))


def order_accept(*, actor: User, order: WorkOrder, note: str = "", version: int | None = None) -> WorkOrder:
    """签收: the unit takes the order on."""
    def apply(o: WorkOrder) -> dict:
        o.accepted_at = timezone.now()
        return {}

    def after(o: WorkOrder, event: WorkOrderEvent) -> None:
        # Signed for: the unit has seen it; its "new order" alert is done with.
        Alert.objects.filter(order=o, level__in=(AlertLevel.NEW_ORDER, AlertLevel.REOPENED),
                             read_at__isnull=True).update(read_at=event.at)

    return _transition("accept", actor=actor, order=order, version=version, kind=EventKind.ACCEPTED, note=note,
                       apply=apply, after=after)


def order_return(*, actor: User, order: WorkOrder, reason_code: str, note: str = "", version: int | None = None) -> WorkOrder:
    """退回: the unit sends a misrouted order back to the hotline, with a reason."""
    _require_rule_perm(actor, "return")
    if reason_code not in ReturnReason.values:
        raise ValidationError(_("Choose a reason for returning the order."),
                              fields={"reason_code": _("Choose a reason.")})
    note = _required(note, "note", _("Say why the order is returned."))

    def apply(o: WorkOrder) -> dict:
        returned_from = o.unit.name if o.unit else ""
        o.unit, o.accepted_at, o.urge_level, o.is_overdue = None, None, 0, False
        o.assignee, o.crew, o.assigned_at, o.needs_reassign = None, None, None, False
        return {"reason_code": reason_code, "from_unit": returned_from}

    return _transition("return", actor=actor, order=order, version=version, kind=EventKind.RETURNED, note=note,
                       apply=apply)


def order_progress(*, actor: User, order: WorkOrder, note: str, files: Iterable[UploadedFile] = (),
                   version: int | None = None) -> WorkOrder:
    """A progress report from the unit (on site, valve closed …), with photos."""
    _require_rule_perm(actor, "progress")
    note = _required(note, "note", _("Write what has been done."))
    checked = _check_files(files)
    return _transition("progress", actor=actor, order=order, version=version, kind=EventKind.PROGRESS, note=note,
                       after=lambda o, event: _attach(o, event, checked, actor))


def order_request_extension(*, actor: User, order: WorkOrder, until: datetime | None, reason: str,
                            version: int | None = None) -> WorkOrder:
    """延期申请: the unit asks for a later resolution deadline; a shift lead decides."""
    _require_rule_perm(actor, "request_extension")
    reason = _required(reason, "reason", _("Give the reason for the extension."))
    if until is None or until <= timezone.now():
        raise ValidationError(_("The new deadline must be in the future."), fields={"until": _("Choose a later time.")})

    def apply(o: WorkOrder) -> dict:
        if o.extension_until:
            raise InvalidStateError(_("An extension request is already waiting for a decision."))
        if o.resolve_due and until <= o.resolve_due:
            raise ValidationError(_("The new deadline must be after the current one."),
                                  fields={"until": _("Choose a later time.")})
        if o.source == Source.GOV_12345 and o.extensions_granted >= 1:
            raise InvalidStateError(_("A 12345 case may be extended only once."))
        if o.resolve_due and timezone.now() > o.resolve_due:
            raise InvalidStateError(_("An extension must be asked for before the deadline."))
        o.extension_until, o.extension_reason = until, reason[:200]
        return {"until": until.isoformat()}

    return _transition("request_extension", actor=actor, order=order, version=version,
                       kind=EventKind.EXTENSION_REQUESTED, note=reason, apply=apply)


def order_decide_extension(*, actor: User, order: WorkOrder, approve: bool, note: str = "",
                           version: int | None = None) -> WorkOrder:
    """The shift lead approves (the deadline moves) or denies a pending extension request."""
    def apply(o: WorkOrder) -> dict:
        if not o.extension_until:
            raise InvalidStateError(_("There is no extension request to decide."))
        data = {"until": o.extension_until.isoformat(), "previous_due": o.resolve_due.isoformat() if o.resolve_due else None}
        if approve:
            o.resolve_due, o.extensions_granted = o.extension_until, o.extensions_granted + 1
            o.is_overdue, o.urge_level = False, 0
        o.extension_until, o.extension_reason = None, ""
        return data

    kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_DENIED
    return _transition("decide_extension", actor=actor, order=order, version=version, kind=kind, note=note,
                       apply=apply)


def order_resolve(*, actor: User, order: WorkOrder, result: str, files: Iterable[UploadedFile] = (),
                  calibration_outcome: str = "", error_percent: Decimal | None = None, version: int | None = None) -> WorkOrder:
    """办结: the unit reports the order done, with the result (and photos)."""
    _require_rule_perm(actor, "resolve")
    result = _required(result, "result", _("Write the result."))
    checked = _check_files(files)
    if calibration_outcome and calibration_outcome not in CalibrationOutcome.values:
        raise ValidationError(_("Unknown calibration outcome."), fields={"calibration_outcome": _("Choose one.")})

    def apply(o: WorkOrder) -> dict:
        calibration = MeterCalibration.objects.filter(order=o).first()
        if calibration is not None:
            if not calibration_outcome:
                raise ValidationError(_("Record the outcome of the meter calibration."),
                                      fields={"calibration_outcome": _("Choose one.")})
            calibration.outcome, calibration.error_percent = calibration_outcome, error_percent
            calibration.save(update_fields=["outcome", "error_percent"])
        o.result, o.resolved_at, o.extension_until, o.extension_reason = result, timezone.now(), None, ""
        o.is_overdue = bool(o.resolve_due and o.resolved_at > o.resolve_due)
        _start_callback(o)
        return {"calibration_outcome": calibration_outcome} if calibration_outcome else {}

    return _transition("resolve", actor=actor, order=order, version=version, kind=EventKind.RESOLVED, note=result,
                       apply=apply, after=lambda o, event: _attach(o, event, checked, actor))


def _start_callback(o: WorkOrder) -> None:
    """A resolution starts the callback: its deadline (sla.callback_deadline) and a fresh retry plan."""
    o.callback_due = sla.callback_deadline(o.resolved_at) if o.resolved_at else None
    o.callback_overdue, o.callback_tries, o.callback_last_try, o.callback_next_at = False, 0, "", None


def order_callback(*, actor: User, order: WorkOrder, satisfaction: str, note: str = "",
                   version: int | None = None) -> WorkOrder:
    """回访: the hotline calls the customer back; an unsatisfied customer reopens the order to the unit.
    A try that does not reach the customer's opinion is ``order_callback_try``."""
    _require_rule_perm(actor, "callback")
    if satisfaction not in REACHED:
        raise ValidationError(_("Record the customer's satisfaction."), fields={"satisfaction": _("Choose one.")})
    unsatisfied = satisfaction == Satisfaction.UNSATISFIED
    if unsatisfied:
        note = _required(note, "note", _("Write what the customer is unhappy about."))

    def apply(o: WorkOrder) -> dict:
        now = timezone.now()
        o.satisfaction, o.callback_at = satisfaction, now
        o.callback_next_at = None
        if unsatisfied:
            # Back to the unit as new work: its clocks start again from the callback.
            due = sla.deadlines(subject_id=o.subject_id, urgency=o.urgency, start=now,
                                suburban=is_suburban(o.community_id))
            o.resolved_at, o.accepted_at, o.dispatched_at = None, None, now
            o.accept_due, o.onsite_due, o.resolve_due = due["accept_due"], due["onsite_due"], due["resolve_due"]
            o.flow_stopped_due, o.onsite_at, o.flow_stopped_at = due["flow_stopped_due"], None, None
            o.callback_due, o.callback_overdue = None, False
        return {"satisfaction": satisfaction, **({"tries": o.callback_tries} if o.callback_tries else {})}

    def after(o: WorkOrder, event: WorkOrderEvent) -> None:
        if unsatisfied:
            _alert(o, AlertLevel.REOPENED, "reopened")

    return _transition("callback", actor=actor, order=order, version=version,
                       kind=EventKind.REOPENED if unsatisfied else EventKind.CALLBACK, note=note, apply=apply,
                       to_status=S.REOPENED if unsatisfied else None, after=after)


def order_callback_try(*, actor: User, order: WorkOrder, outcome: str, note: str = "",
                       version: int | None = None) -> WorkOrder:
    """A callback try that did not reach the customer's opinion: no answer (tried again by the retry
    plan, ``settings.CALLBACK_TRIES`` tries over ``CALLBACK_RETRY_SPAN``), refused, or a wrong number.
    After the last unanswered try, a refusal or a wrong number the callback ends: the order is closed as
    not reached (a 12345 case is "called back" so that its reply goes upstream, and closed with it);
    such orders count apart from the callbacks that reached the customer (reports.period)."""
    _require_rule_perm(actor, "callback")
    if outcome not in CallbackTry.values:
        raise ValidationError(_("Record what the callback found."), fields={"outcome": _("Choose one.")})
    if outcome == CallbackTry.WRONG_NUMBER:
        note = _required(note, "note", _("Write what was found out about the number."))

    def apply(o: WorkOrder) -> dict:
        now = timezone.now()
        o.callback_tries += 1
        o.callback_last_try = outcome
        data = {"outcome": outcome, "try": o.callback_tries, "of": settings.CALLBACK_TRIES}
        if outcome == CallbackTry.NO_ANSWER and o.callback_tries < settings.CALLBACK_TRIES:
            o.callback_next_at = sla.callback_retry_at(now)
            return {**data, "next_at": o.callback_next_at.isoformat()}
        o.callback_next_at = None
        o.satisfaction = Satisfaction.REFUSED if outcome == CallbackTry.REFUSED else Satisfaction.NOT_REACHED
        if o.source != Source.GOV_12345:
            o.closed_at = now
        return {**data, "satisfaction": o.satisfaction}

    with transaction.atomic():
        # Whether this try ends the callback is known only under the row lock: the first pass decides.
        locked = WorkOrder.objects.select_for_update().get(pk=order.pk)
        final = outcome != CallbackTry.NO_ANSWER or locked.callback_tries + 1 >= settings.CALLBACK_TRIES
        to_status = S.RESOLVED  # waiting for the next try
        if final:
            to_status = S.CALLBACK_DONE if locked.source == Source.GOV_12345 else S.CLOSED
        return _transition("callback", actor=actor, order=order, version=version,
                           kind=EventKind.CALLBACK if final else EventKind.CALLBACK_TRY, note=note, apply=apply,
                           to_status=to_status)


def order_close(*, actor: User, order: WorkOrder, note: str = "", version: int | None = None) -> WorkOrder:
    """归档: close an order after the callback (12345 cases after their reply is uploaded)."""
    def apply(o: WorkOrder) -> dict:
        o.closed_at = timezone.now()
        return {}

    return _transition("close", actor=actor, order=order, version=version, kind=EventKind.CLOSED, note=note,
                       apply=apply)


def order_cancel(*, actor: User, order: WorkOrder, reason: str, version: int | None = None,
                 parent: WorkOrder | None = None) -> WorkOrder:
    """Cancel a withdrawn order, or one that duplicates ``parent``."""
    _require_rule_perm(actor, "cancel")
    reason = _required(reason, "reason", _("Give the reason for cancelling."))
    if parent is not None and (parent.pk == order.pk or parent.parent_id == order.pk):
        raise ValidationError(_("An order cannot duplicate itself."), fields={"parent": _("Choose another order.")})

    def apply(o: WorkOrder) -> dict:
        o.cancel_reason, o.closed_at = reason[:200], timezone.now()
        if parent is not None:
            o.parent = parent
            return {"parent": parent.number}
        return {}

    kind = EventKind.DUPLICATE_LINKED if parent is not None else EventKind.CANCELLED
    return _transition("cancel", actor=actor, order=order, version=version, kind=kind, note=reason, apply=apply)


def order_link_duplicate(*, actor: User, order: WorkOrder, parent: WorkOrder, version: int | None = None) -> WorkOrder:
    """A second report of the same problem: cancel it as a duplicate linked to the parent order (to
    the order that is being worked, when ``parent`` is itself a duplicate)."""
    seen = {order.pk}
    while parent.parent_id is not None and parent.pk not in seen:
        seen.add(parent.pk)
        parent = WorkOrder.objects.get(pk=parent.parent_id)
    return order_cancel(actor=actor, order=order, parent=parent, version=version,
                        reason=_("Duplicate of %(number)s") % {"number": parent.number})


def order_urge(*, actor: User, order: WorkOrder, note: str, version: int | None = None) -> WorkOrder:
    """督办 by hand: a shift lead urges the unit."""
    _require_rule_perm(actor, "urge")
    note = _required(note, "note", _("Write the urge message."))
    return _transition("urge", actor=actor, order=order, version=version, kind=EventKind.URGED, note=note,
                       apply=lambda o: {"level": AlertLevel.MANUAL},
                       after=lambda o, event: _alert(o, AlertLevel.MANUAL, "manual", {"note": note[:500]}))


def order_note(*, actor: User, order: WorkOrder, note: str, version: int | None = None) -> WorkOrder:
    """A coordination note (S4): who was called, what they said."""
    _require_rule_perm(actor, "note")
    note = _required(note, "note", _("Write the note."))
    return _transition("note", actor=actor, order=order, version=version, kind=EventKind.NOTE, note=note)


# --- re-dispatch (改派) ----------------------------------------------------------------------------

def order_request_redispatch(*, actor: User, order: WorkOrder, reason: str, version: int | None = None) -> WorkOrder:
    """The unit asks the hotline to send the order to another unit (it keeps the order meanwhile)."""
    _require_rule_perm(actor, "request_redispatch")
    reason = _required(reason, "reason", _("Say why the order should go to another unit."))

    def apply(o: WorkOrder) -> dict:
        if o.redispatch_requested_at:
            raise InvalidStateError(_("A re-dispatch request is already waiting for the hotline."))
        o.redispatch_requested_at, o.redispatch_reason = timezone.now(), reason[:200]
        return {}

    return _transition("request_redispatch", actor=actor, order=order, version=version,
                       kind=EventKind.REDISPATCH_REQUESTED, note=reason, apply=apply)


def order_redispatch(*, actor: User, order: WorkOrder, unit: Unit, reason: str, version: int | None = None) -> WorkOrder:
    """改派: the hotline takes the order from its unit (not signed for yet, or the unit asked) and sends it to
    ``unit``. The first unit is told; its sign-for counts as missed in the KPIs (unless it had signed for
    it in time and asked to be relieved); the new unit's sign-for clock starts now, the resolution deadline
    stays (a re-dispatch does not buy time)."""
    _require_rule_perm(actor, "redispatch")
    _check_unit(unit)
    reason = _required(reason, "reason", _("Give the reason for the re-dispatch."))
    previous: dict[str, int | None] = {}

    def apply(o: WorkOrder) -> dict:
        if o.status in SIGNED_FOR and not o.redispatch_requested_at:
            raise InvalidStateError(_("Order %(number)s is signed for: it can be re-dispatched only when its unit "
                                      "asks for it.") % {"number": o.number})
        if o.unit_id == unit.pk:
            raise ValidationError(_("The order is already with this unit."), fields={"unit": _("Choose another unit.")})
        now = timezone.now()
        first = o.unit
        previous["unit_id"] = o.unit_id
        data = {"unit": unit.name, "from_unit": first.name if first else "", "from_unit_id": o.unit_id,
                "requested": bool(o.redispatch_requested_at),
                "signed_on_time": bool(o.accepted_at and o.accept_due and o.accepted_at <= o.accept_due)}
        _apply_dispatch(o, unit, now, sla.deadlines(subject_id=o.subject_id, urgency=o.urgency, start=now,
                                                    suburban=is_suburban(o.community_id)))
        o.accepted_at = None
        o.redispatch_requested_at, o.redispatch_reason = None, ""
        o.extension_until, o.extension_reason = None, ""
        return data

    def after(o: WorkOrder, event: WorkOrderEvent) -> None:
        first_id = previous.get("unit_id")
        if first_id is not None:
            # The first unit's open alerts of the order are done with; it is told where the order went.
            Alert.objects.filter(order=o, unit_id=first_id, read_at__isnull=True).update(read_at=event.at)
            Alert.objects.create(unit_id=first_id, order=o, level=AlertLevel.REDISPATCHED, code="redispatched",
                                 params={"number": o.number, "unit": unit.name, "reason": reason[:200]})
        _new_order_alert(o)

    return _transition("redispatch", actor=actor, order=order, version=version, kind=EventKind.REDISPATCHED,
                       note=reason, apply=apply, after=after)


# --- SLA pause (挂起) ------------------------------------------------------------------------------

def _end_pause(o: WorkOrder, now: datetime) -> dict:
    """Restart a paused clock: the deadlines still running move by the paused time. Returns the event's data."""
    if not o.paused_at:
        return {}
    paused = max(now - o.paused_at, timedelta(0))
    if o.resolve_due:
        o.resolve_due += paused
    if o.onsite_due and o.onsite_due > o.paused_at:
        o.onsite_due += paused
    if o.flow_stopped_due and o.flow_stopped_due > o.paused_at:
        o.flow_stopped_due += paused
    seconds = int(paused.total_seconds())
    o.paused_seconds += seconds
    o.paused_at, o.pause_reason, o.pause_note = None, "", ""
    return {"paused_seconds": seconds}


def _start_pause(o: WorkOrder, now: datetime, reason: str, note: str) -> None:
    o.paused_at, o.pause_reason, o.pause_note = now, reason, note[:200]
    o.pause_requested_at = None


def order_request_pause(*, actor: User, order: WorkOrder, reason: str, note: str = "",
                        version: int | None = None) -> WorkOrder:
    """挂起申请: the unit asks to stop the clock while it waits for something that is not its doing. Reasons
    in ``settings.SLA_PAUSE_AUTO_APPROVE`` pause at once; the others wait for the shift lead."""
    from django.conf import settings

    _require_rule_perm(actor, "request_pause")
    if reason not in PauseReason.values:
        raise ValidationError(_("Choose why the clock should stop."), fields={"reason": _("Choose a reason.")})
    note = (note or "").strip()
    auto = reason in settings.SLA_PAUSE_AUTO_APPROVE

    def apply(o: WorkOrder) -> dict:
        if o.source == Source.GOV_12345:
            raise InvalidStateError(_("A 12345 case cannot be paused: it follows the platform's rules (ask for "
                                      "the platform's extension instead)."))
        if o.paused_at or o.pause_requested_at:
            raise InvalidStateError(_("The clock of order %(number)s is already paused or a pause is waiting "
                                      "for a decision.") % {"number": o.number})
        now = timezone.now()
        if o.resolve_due and now > o.resolve_due:
            raise InvalidStateError(_("A pause must be asked for before the deadline."))
        if auto:
            _start_pause(o, now, reason, note)
        else:
            o.pause_requested_at, o.pause_reason, o.pause_note = now, reason, note[:200]
        return {"reason": reason, "auto": auto}

    return _transition("request_pause", actor=actor, order=order, version=version,
                       kind=EventKind.PAUSED if auto else EventKind.PAUSE_REQUESTED, note=note, apply=apply)


def order_decide_pause(*, actor: User, order: WorkOrder, approve: bool, note: str = "",
                       version: int | None = None) -> WorkOrder:
    """The shift lead approves (the clock stops now) or refuses a pending pause request."""
    def apply(o: WorkOrder) -> dict:
        if not o.pause_requested_at:
            raise InvalidStateError(_("There is no pause request to decide."))
        data = {"reason": o.pause_reason}
        if approve:
            _start_pause(o, timezone.now(), o.pause_reason, o.pause_note)
        else:
            o.pause_requested_at, o.pause_reason, o.pause_note = None, "", ""
        return data

    return _transition("decide_pause", actor=actor, order=order, version=version,
                       kind=EventKind.PAUSED if approve else EventKind.PAUSE_DENIED, note=note, apply=apply)


def order_resume(*, actor: User, order: WorkOrder, note: str = "", version: int | None = None) -> WorkOrder:
    """The unit restarts the clock (what it waited for came): the deadlines move by the paused time."""
    def apply(o: WorkOrder) -> dict:
        if not o.paused_at:
            raise InvalidStateError(_("The clock of order %(number)s is not paused.") % {"number": o.number})
        return _end_pause(o, timezone.now())

    return _transition("resume", actor=actor, order=order, version=version, kind=EventKind.RESUMED, note=note,
                       apply=apply)


def assignable_people(unit_id: int | None) -> QuerySet[User]:
    """The active field workers and dispatchers of the order's unit (and the units under it)."""
    from hotline.org.roles import Role
    from hotline.workorders.scope import unit_subtree_ids

    if not unit_id:
        return User.objects.none()
    return User.objects.filter(unit_id__in=unit_subtree_ids(unit_id), is_active=True,
                               role__in=(Role.FIELD_WORKER, Role.DISPATCHER)).order_by("role", "full_name", "username")


def assignable_crews(unit_id: int | None) -> QuerySet[Crew]:
    from hotline.workorders.scope import unit_subtree_ids

    if not unit_id:
        return Crew.objects.none()
    return Crew.objects.filter(unit_id__in=unit_subtree_ids(unit_id), is_active=True).order_by("name")


def order_assign(*, actor: User, order: WorkOrder, assignee: User | None = None, crew: Crew | None = None,
                 note: str = "",
                 version: int | None = None) -> WorkOrder:
    """派工: the unit's dispatcher assigns the order to one of its field workers, or to a crew (or
    both: a crew and the one who leads it), or reassigns it."""
    _require_rule_perm(actor, "assign")
    if assignee is None and crew is None:
        raise ValidationError(_("Choose a field worker or a crew."), fields={"assignee": _("Choose someone.")})

    def apply(o: WorkOrder) -> dict:
        unit_name = o.unit.name if o.unit else ""
        if assignee is not None and not assignable_people(o.unit_id).filter(pk=assignee.pk).exists():
            raise ValidationError(_("%(name)s is not an active member of %(unit)s.")
                                  % {"name": assignee.get_full_name(), "unit": unit_name},
                                  fields={"assignee": _("Choose someone of the unit.")})
        if crew is not None and not assignable_crews(o.unit_id).filter(pk=crew.pk).exists():
            raise ValidationError(_("%(name)s is not an active crew of %(unit)s.")
                                  % {"name": crew.name, "unit": unit_name}, fields={"crew": _("Choose a crew.")})
        if (assignee.pk if assignee else None) == o.assignee_id and (crew.pk if crew else None) == o.crew_id \
                and not o.needs_reassign:
            raise InvalidStateError(_("The order is already assigned so."))
        previous = ", ".join(x for x in (o.assignee.get_full_name() if o.assignee else "",
                                         o.crew.name if o.crew else "") if x)
        o.assignee, o.crew, o.assigned_at, o.needs_reassign = assignee, crew, timezone.now(), False
        return {"assignee": assignee.get_full_name() if assignee else None, "assignee_id": assignee.pk if assignee else None,
                "crew": crew.name if crew else None, "crew_id": crew.pk if crew else None,
                "previous": previous or None}

    def after(o: WorkOrder, event: WorkOrderEvent) -> None:
        name = ", ".join(x for x in (assignee.get_full_name() if assignee else "", crew.name if crew else "") if x)
        # An emergency also reaches the worker's own mobile.
        sms_to = assignee if assignee is not None and o.urgency == Urgency.EMERGENCY else None
        _alert(o, AlertLevel.ASSIGNED, "assigned", {"assignee": name}, user=assignee, sms_to=sms_to)

    return _transition("assign", actor=actor, order=order, version=version, kind=EventKind.ASSIGNED, note=note,
                       apply=apply, after=after)


def _position(lat: object, lng: object) -> tuple[Decimal | None, Decimal | None]:
    """A phone's position, both or neither, within the ranges of latitude and longitude."""
    if lat in (None, "") and lng in (None, ""):
        return None, None
    la: Decimal | None = None
    lo: Decimal | None = None
    with suppress(InvalidOperation, ValueError):
        la, lo = Decimal(str(lat)), Decimal(str(lng))
    if la is None or lo is None or not la.is_finite() or not lo.is_finite() or not (-90 <= la <= 90) \
            or not (-180 <= lo <= 180):
        raise ValidationError(_("The position is not a valid latitude and longitude."),
                              fields={"lat": _("Latitude -90 to 90, longitude -180 to 180.")})
    return la.quantize(Decimal("0.000001")), lo.quantize(Decimal("0.000001"))


def order_arrive(*, actor: User, order: WorkOrder, note: str = "", lat: object = None, lng: object = None,
                 files: Iterable[UploadedFile] = (), version: int | None = None) -> WorkOrder:
    """到场: the field worker is on site (the time; the phone's position where allowed; a photo)."""
    _require_rule_perm(actor, "arrive")
    lat, lng = _position(lat, lng)
    checked = _check_files(files)

    def apply(o: WorkOrder) -> dict:
        if o.onsite_at:
            raise InvalidStateError(_("The arrival on site is already recorded."))
        now = timezone.now()
        o.onsite_at, o.arrival_lat, o.arrival_lng = now, lat, lng
        data: dict[str, object] = {"late": bool(o.onsite_due and now > o.onsite_due)}
        if lat is not None:
            data.update(lat=str(lat), lng=str(lng))
        return data

    return _transition("arrive", actor=actor, order=order, version=version, kind=EventKind.ARRIVED, note=note,
                       apply=apply, after=lambda o, event: _attach(o, event, checked, actor))


def order_stop_flow(*, actor: User, order: WorkOrder, note: str = "", files: Iterable[UploadedFile] = (),
                    version: int | None = None) -> WorkOrder:
    """止水: the water no longer flows (e.g. the outdoor valve closed); the repair itself follows."""
    _require_rule_perm(actor, "stop_flow")
    checked = _check_files(files)

    def apply(o: WorkOrder) -> dict:
        if o.flow_stopped_at:
            raise InvalidStateError(_("The flow is already recorded as stopped."))
        now = timezone.now()
        o.flow_stopped_at = now
        return {"late": bool(o.flow_stopped_due and now > o.flow_stopped_due)}

    return _transition("stop_flow", actor=actor, order=order, version=version, kind=EventKind.FLOW_STOPPED,
                       note=note, apply=apply, after=lambda o, event: _attach(o, event, checked, actor))


def assignee_left(user: User) -> int:
    """``user`` left their unit (deactivated or moved): their open orders are flagged for reassignment,
    with a timeline event and an alert to the unit. Returns how many."""
    from hotline.workorders.scope import unit_subtree_ids

    flagged = 0
    for pk in WorkOrder.objects.filter(assignee=user, status__in=WITH_UNIT).values_list("pk", flat=True):
        with transaction.atomic():
            order = WorkOrder.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)
            if order.status not in WITH_UNIT or order.assignee_id != user.pk or order.needs_reassign:
                continue
            if user.is_active and user.unit_id in unit_subtree_ids(order.unit_id):
                continue
            # Bookkeeping, as the SLA sweep does: the version is left alone (no one's edit is refused).
            WorkOrder.objects.filter(pk=pk).update(needs_reassign=True)
            WorkOrderEvent.objects.create(order=order, at=timezone.now(), actor=None, kind=EventKind.ASSIGNEE_LEFT,
                                          from_status=order.status, to_status=order.status, unit_id=order.unit_id,
                                          data={"assignee": user.get_full_name()})
            _alert(order, AlertLevel.REASSIGN, "reassign", {"worker": user.get_full_name()})
            flagged += 1
    return flagged


def order_viewed(*, actor: User, order: WorkOrder, via: str) -> None:
    """Record that ``actor`` opened an order with the customer's contact data (SPEC.md §6)."""
    from hotline.core.audit import audit

    audit(actor=actor, action="order.viewed", target=order, via=via)


# --- attachments ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedFile:
    """An upload whose content was checked: the name to store, the detected type, the bytes."""

    name: str
    content_type: str
    content: bytes


def _check_files(files: Iterable[UploadedFile]) -> list[CheckedFile]:
    """Every file must be a photo (JPEG, PNG, WebP, decoded in full) or a PDF, judged by its content;
    its name is cleaned and given the extension of that type. Nothing is stored when one fails."""
    checked = []
    for f in (f for f in files if f):
        sent_name = str(f.name or "")[:500]
        if (f.size or 0) > MAX_ATTACHMENT_BYTES:  # an unknown size is caught by the read below
            raise ValidationError(_("An attachment is larger than 10 MB."), fields={"files": sent_name})
        f.seek(0)
        content = f.read(MAX_ATTACHMENT_BYTES + 1)
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise ValidationError(_("An attachment is larger than 10 MB."), fields={"files": sent_name})
        try:
            found = uploads.inspect(sent_name, content)
        except uploads.NotAllowed:
            raise ValidationError(_("Attach photos (JPEG, PNG, WebP) or PDF files."),
                                  fields={"files": sent_name}) from None
        checked.append(CheckedFile(name=found.name, content_type=found.content_type, content=content))
    return checked


def _attach(order: WorkOrder, event: WorkOrderEvent, files: list[CheckedFile], actor: User) -> None:
    from uuid import uuid4

    from django.core.files.base import ContentFile

    for f in files:
        # Stored on disk under a random name with the type's extension; the cleaned name is for people.
        stored = ContentFile(f.content, name=uuid4().hex + uploads.EXTENSIONS[f.content_type][0])
        Attachment.objects.create(order=order, event=event, file=stored, name=f.name, content_type=f.content_type,
                                  uploaded_by=actor)


# --- SLA sweep (periodic) -------------------------------------------------------------------------

URGE_CODES = {1: "reminder", 2: "urge", 3: "escalation"}


def sla_sweep(*, now: datetime | None = None) -> int:
    """Raise the urge level of every order whose next urge time has come: reminder, urge notice,
    escalation to the unit head. Each step writes a timeline event and an in-app alert once.
    Returns the number of orders urged."""
    now = now or timezone.now()
    calendar = sla.WorkCalendar()
    urged = 0
    due_ids = list(WorkOrder.objects.filter(sla_next_at__lte=now).values_list("pk", flat=True)[:5000])
    for pk in due_ids:
        with transaction.atomic():
            order = WorkOrder.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=pk).first()
            if order is None or order.sla_next_at is None or order.sla_next_at > now:
                continue
            level = max((lv for lv, at in sla.urge_schedule(order, calendar) if at <= now), default=order.urge_level)
            _start, due = sla.current_due(order)
            step = sla.current_step(order)
            if level > order.urge_level and due is not None:
                order.urge_level = level
                order.is_overdue = level >= 2
                params = {"number": order.number, "due": due.isoformat(), "step": step}
                with translation.override(settings.LANGUAGE_CODE):  # the timeline's note, as before
                    message = render_alert(URGE_CODES[level], params)
                WorkOrderEvent.objects.create(order=order, at=now, actor=None, kind=EventKind.URGED,
                                              from_status=order.status, to_status=order.status,
                                              unit_id=order.unit_id, note=message,
                                              data={"level": level, "step": step})
                head = order.unit.head if order.unit and level == 3 else None
                _alert(order, AlertLevel(level), URGE_CODES[level], params, user=head)
                urged += 1
            order.sla_next_at = sla.next_urge(order, calendar)
            # Bookkeeping only: the version is left alone, so that a unit's edit in flight is not
            # refused because the clock ticked.
            WorkOrder.objects.filter(pk=order.pk).update(
                urge_level=order.urge_level, is_overdue=order.is_overdue, sla_next_at=order.sla_next_at,
            )
    return urged


CALLBACK_OVERDUE_MESSAGE = gettext_lazy("Urge notice (督办): the callback of order %(number)s is overdue since "
                                        "%(due)s.")


def callback_sweep(*, now: datetime | None = None) -> int:
    """Mark the resolved orders whose callback deadline has passed as callback overdue, once each, with
    an urge event on their timeline (the callbacks list shows and filters them). Returns how many."""
    now = now or timezone.now()
    marked = 0
    due = list(WorkOrder.objects.filter(status=Status.RESOLVED, callback_overdue=False, callback_due__lte=now)
               .values_list("pk", "number", "callback_due", "unit_id")[:5000])
    for pk, number, callback_due, unit_id in due:
        with transaction.atomic():
            # A conditional update: a second sweep, a callback recorded meanwhile, finds nothing to mark.
            if not WorkOrder.objects.filter(pk=pk, status=Status.RESOLVED, callback_overdue=False).update(
                    callback_overdue=True):
                continue
            message = CALLBACK_OVERDUE_MESSAGE % {
                "number": number, "due": timezone.localtime(callback_due).strftime("%Y-%m-%d %H:%M")}
            WorkOrderEvent.objects.create(order_id=pk, at=now, actor=None, kind=EventKind.URGED,
                                          from_status=Status.RESOLVED, to_status=Status.RESOLVED, unit_id=unit_id,
                                          note=str(message), data={"level": 2, "step": "callback"})
            marked += 1
    return marked


# --- alerts ---------------------------------------------------------------------------------------

def alerts_mark_read(*, actor: User, alert_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's unit alerts read (the given ones, or all unread); returns how many."""
    from django.db.models import Q

    from hotline.workorders.scope import unit_subtree_ids

    # Those who act on the alerts (the unit's staff, the hotline); a read-only manager must not hide them.
    if not (has_perm(actor, Perm.ORDER_WORK) or has_perm(actor, Perm.ORDER_DISPATCH)) or not actor.unit_id:
        raise PermissionDeniedError()
    alerts = Alert.objects.filter(unit_id__in=unit_subtree_ids(actor.unit_id), read_at__isnull=True).filter(
        Q(user__isnull=True) | Q(user=actor))
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=list(alert_ids))
    return alerts.update(read_at=timezone.now())
