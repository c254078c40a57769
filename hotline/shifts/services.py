"""Writes of shifts: the definitions, the plan, and the handover's life (draft → submitted →
acknowledged). Each one checks the permission first, runs in one transaction, locks what it changes,
compares the version the user saw, and writes an audit event; refused with a DomainError (and
nothing changed) otherwise."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError as InvalidValue
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hotline.core.audit import audit
from hotline.core.display import join_list
from hotline.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationError
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.shifts import selectors
from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment, ShiftDefinition, ShiftRole
from hotline.shifts.selectors import ShiftPeriod

NOTES_MAX = 5000


# --- definitions ----------------------------------------------------------------------------------

def shift_definition_save(*, actor: User, definition: ShiftDefinition | None = None, code: str = "", name: str,
                          start: time | None, end: time | None, sort: int = 0, is_active: bool = True,
                          version: int | None = None) -> ShiftDefinition:
    """Define a shift, or change one (its code stays). Handovers already opened keep the times they had."""
    require_perm(actor, Perm.SHIFT_MANAGE)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    if start is None:
        errors["start"] = _("This field is required.")
    if end is None:
        errors["end"] = _("This field is required.")
    elif start is not None and start == end:
        errors["end"] = _("A shift cannot end when it starts.")
    for field, value in (("start", start), ("end", end)):  # not ``name``: it is the shift's name
        if value is not None and value.tzinfo is not None:
            errors[field] = _("A local time of day, without an offset.")
    if definition is None:
        code = (code or "").strip().lower()
        try:
            validate_slug(code)
        except InvalidValue:
            errors["code"] = _("Letters, digits, - and _ only.")
        else:
            if ShiftDefinition.objects.filter(code=code).exists():
                errors["code"] = _("This code is taken.")
    if errors or start is None or end is None:  # start and end are None only with an error
        raise ValidationError(_("Check the shift: %(fields)s") % {"fields": join_list(dict.fromkeys(errors.values()))},
                              fields=errors)
    with transaction.atomic():
        if definition is None:
            saved = ShiftDefinition.objects.create(code=code, name=name[:30], start=start, end=end, sort=sort,
                                                   is_active=is_active)
            audit(actor=actor, action="shift.defined", target=saved, code=code)
            return saved
        locked = ShiftDefinition.objects.select_for_update().get(pk=definition.pk)
        if version is not None and version != locked.version:
            raise ConflictError()
        if locked.is_active and not is_active and not ShiftDefinition.objects.filter(is_active=True).exclude(
                pk=locked.pk).exists():
            raise ValidationError(_("At least one shift must stay active."), fields={"is_active": _("Keep it active.")})
        before = {"name": locked.name, "start": str(locked.start), "end": str(locked.end), "active": locked.is_active}
        locked.name, locked.start, locked.end, locked.sort, locked.is_active = name[:30], start, end, sort, is_active
        locked.version += 1
        locked.save()
        audit(actor=actor, action="shift.changed", target=locked, before=before)
    definition.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- the plan -------------------------------------------------------------------------------------

def _check_person(user: User | None) -> User:
    if user is None or not user.is_active or not has_perm(user, Perm.HANDOVER):
        raise ValidationError(_("Only active hotline operators and shift leads can be planned on a shift."),
                              fields={"user": _("Choose a member of the hotline.")})
    return user


def shift_assign(*, actor: User, day: date, shift: ShiftDefinition, user: User | None, role: str = ShiftRole.OPERATOR
                 ) -> ShiftAssignment:
    """Put ``user`` on ``shift`` of ``day`` (or change their role in it)."""
    require_perm(actor, Perm.SHIFT_MANAGE)
    if role not in ShiftRole.values:
        raise ValidationError(_("Choose lead or operator."), fields={"role": _("Choose one.")})
    if not selectors.sane_day(day):
        raise ValidationError(_("Choose a day."), fields={"date": _("This field is required.")})
    user = _check_person(user)
    if not shift.is_active:
        raise ValidationError(_("The shift %(name)s is not in use.") % {"name": shift.name},
                              fields={"shift": _("Choose a shift in use.")})
    with transaction.atomic():
        assignment = ShiftAssignment.objects.select_for_update().filter(date=day, shift=shift, user=user).first()
        created = False
        if assignment is None:
            try:
                with transaction.atomic():  # a savepoint: someone may plan the same person at the same moment
                    assignment = ShiftAssignment.objects.create(date=day, shift=shift, user=user, role=role)
                    created = True
            except IntegrityError:
                assignment = ShiftAssignment.objects.select_for_update().get(date=day, shift=shift, user=user)
        if not created:
            if assignment.role == role:
                return assignment
            assignment.role = role
            assignment.save(update_fields=["role"])
        audit(actor=actor, action="shift.assigned", target=assignment, date=day.isoformat(), shift=shift.code,
              user=user.username, role=role)
    return assignment


def shift_unassign(*, actor: User, assignment: ShiftAssignment) -> None:
    require_perm(actor, Perm.SHIFT_MANAGE)
    with transaction.atomic():
        audit(actor=actor, action="shift.unassigned", target=assignment, date=assignment.date.isoformat(),
              shift=assignment.shift.code, user=assignment.user.username)
        ShiftAssignment.objects.filter(pk=assignment.pk).delete()


def shift_plan_copy_week(*, actor: User, source: date, target: date) -> int:
    """Copy the plan of the week from ``source`` (7 days) onto the week from ``target``; people already
    planned there keep their place. Returns how many were added."""
    require_perm(actor, Perm.SHIFT_MANAGE)
    if not (selectors.sane_day(source) and selectors.sane_day(target)):
        raise ValidationError(_("Choose a day."), fields={"target": _("This field is required.")})
    if source == target:
        raise ValidationError(_("Choose another week to copy from."), fields={"source": _("Choose another week.")})
    offset = target - source
    with transaction.atomic():
        rows = list(ShiftAssignment.objects.filter(date__gte=source, date__lt=source + timedelta(days=7),
                                                   shift__is_active=True, user__is_active=True))
        existing = set(ShiftAssignment.objects.filter(date__gte=target, date__lt=target + timedelta(days=7))
                       .values_list("date", "shift_id", "user_id"))
        new = [ShiftAssignment(date=r.date + offset, shift_id=r.shift_id, user_id=r.user_id, role=r.role)
               for r in rows if (r.date + offset, r.shift_id, r.user_id) not in existing]
        ShiftAssignment.objects.bulk_create(new)
        if new:
            audit(actor=actor, action="shift.plan_copied", target=new[0].shift, from_week=source.isoformat(),
                  to_week=target.isoformat(), count=len(new))
    return len(new)


# --- the handover ---------------------------------------------------------------------------------

def _summary(period: ShiftPeriod, now: datetime) -> dict:
    return selectors.summary_for(period, now)


def _when(moment: datetime | None) -> str:
    return date_format(timezone.localtime(moment), "m-d H:i") if moment else ""


def handover_open(*, actor: User, period: ShiftPeriod | None = None, now: datetime | None = None
                  ) -> tuple[Handover, bool]:
    """Open the handover of ``period`` (by default the one the console works on now): a draft whose
    summary is generated from live data. Opening an open one returns it. Returns (handover, created)."""
    require_perm(actor, Perm.HANDOVER)
    now = now or timezone.now()
    if period is None:
        period = selectors.handover_target(actor=actor, now=now).period
        if period is None:
            raise ValidationError(_("No shift is defined for this time."))
    existing = selectors.handover_of(period)
    if existing is not None:
        return existing, False
    if not selectors.may_open(period, now):
        raise ValidationError(_("Only the handover of the shift on now, or of the one that has just ended, can be "
                                "opened (%(shift)s runs %(start)s–%(end)s).")
                              % {"shift": period.name, "start": _when(period.starts_at), "end": _when(period.ends_at)},
                              fields={"shift": _("Choose the current shift.")})
    summary = _summary(period, now)
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                shift_date=period.date, shift=period.definition, shift_name=period.name, starts_at=period.starts_at,
                ends_at=period.ends_at, opened_by=actor, opened_at=now, summary=summary, summary_at=now)
            audit(actor=actor, action="handover.opened", target=handover, shift=period.key)
    except IntegrityError:  # someone opened it at the same moment: theirs is the one
        existing = selectors.handover_of(period)
        if existing is None:
            raise
        return existing, False
    return handover, True


def _locked(handover: Handover) -> Handover:
    return Handover.objects.select_for_update(of=("self",)).select_related("outgoing", "incoming").get(pk=handover.pk)


def _refresh(handover: Handover, locked: Handover) -> Handover:
    handover.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    handover._state.fields_cache.update(locked._state.fields_cache)
    return handover


def _state_error(handover: Handover) -> InvalidStateError:
    if handover.status == HandoverStatus.ACKNOWLEDGED:
        return InvalidStateError(_("The handover of %(shift)s was already taken over by %(who)s at %(when)s.") % {
            "shift": handover.shift_name, "who": handover.incoming.get_full_name() if handover.incoming else "—",
            "when": _when(handover.acknowledged_at)})
    if handover.status == HandoverStatus.SUBMITTED:
        return InvalidStateError(_("The handover of %(shift)s was already handed over by %(who)s at %(when)s: it "
                                   "can no longer be changed.") % {
            "shift": handover.shift_name, "who": handover.outgoing.get_full_name() if handover.outgoing else "—",
            "when": _when(handover.submitted_at)})
    return InvalidStateError(_("The handover of %(shift)s has not been handed over yet.")
                             % {"shift": handover.shift_name})


def _clean_notes(notes: str) -> str:
    notes = (notes or "").replace("\r\n", "\n").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError(_("The notes are too long (at most %(max)d characters).") % {"max": NOTES_MAX},
                              fields={"notes": _("Shorten the text.")})
    return notes


def handover_refresh(*, actor: User, handover: Handover, now: datetime | None = None) -> Handover:
    """Generate the draft's summary again from live data (the notes and the version stay)."""
    require_perm(actor, Perm.HANDOVER)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(handover)
        if locked.status != HandoverStatus.DRAFT:
            raise _state_error(locked)
        locked.summary, locked.summary_at = _summary(selectors.handover_period(locked), now), now
        locked.save(update_fields=["summary", "summary_at"])
    return _refresh(handover, locked)


def handover_save_notes(*, actor: User, handover: Handover, notes: str, version: int | None) -> Handover:
    """Write the draft's free notes (what the figures do not say)."""
    require_perm(actor, Perm.HANDOVER)
    notes = _clean_notes(notes)
    with transaction.atomic():
        locked = _locked(handover)
        if locked.status != HandoverStatus.DRAFT:
            raise _state_error(locked)
        if version is not None and version != locked.version:
            raise ConflictError()
        if notes != locked.notes:
            locked.notes = notes
            locked.version += 1
            locked.save(update_fields=["notes", "version"])
            audit(actor=actor, action="handover.notes", target=locked, length=len(notes))
    return _refresh(handover, locked)


def handover_submit(*, actor: User, handover: Handover, version: int | None, notes: str | None = None,
                    early_reason: str = "", now: datetime | None = None) -> Handover:
    """交班: the summary is generated once more and frozen with the notes; the submitter is the outgoing lead.
    More than ``settings.HANDOVER_EARLY_MINUTES`` before the shift's end it needs a reason."""
    from django.conf import settings

    require_perm(actor, Perm.HANDOVER)
    if notes is not None:
        notes = _clean_notes(notes)
    early_reason = (early_reason or "").strip()
    if len(early_reason) > 200:
        raise ValidationError(_("The reason is too long (at most %(max)d characters).") % {"max": 200},
                              fields={"early_reason": _("Shorten the text.")})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(handover)
        if locked.status != HandoverStatus.DRAFT:
            raise _state_error(locked)
        if version is not None and version != locked.version:
            raise ConflictError()
        early = locked.ends_at - now
        if early > timedelta(minutes=settings.HANDOVER_EARLY_MINUTES) and not early_reason:
            raise ValidationError(
                _("%(shift)s ends at %(end)s, in %(minutes)d minutes: give the reason for handing over this early.")
                % {"shift": locked.shift_name, "end": _when(locked.ends_at), "minutes": early.total_seconds() // 60},
                fields={"early_reason": _("Why hand over now?")})
        locked.early_reason = early_reason if early > timedelta(0) else ""
        if notes is not None:
            locked.notes = notes
        locked.summary, locked.summary_at = _summary(selectors.handover_period(locked), now), now
        locked.status, locked.outgoing, locked.submitted_at = HandoverStatus.SUBMITTED, actor, now
        locked.version += 1
        locked.save()
        audit(actor=actor, action="handover.submitted", target=locked, shift=selectors.handover_period(locked).key)
    return _refresh(handover, locked)


def incoming_leads(handover: Handover) -> list:
    """The leads of the shift that takes over from ``handover``'s, by the plan."""
    from hotline.shifts.models import ShiftAssignment, ShiftRole

    incoming = selectors.next_shift(selectors.handover_period(handover))
    if incoming is None:
        return []
    return [a.user for a in ShiftAssignment.objects.filter(date=incoming.date, shift=incoming.definition,
                                                           role=ShiftRole.LEAD).select_related("user")]


def _check_incoming_lead(actor: User, handover: Handover) -> bool:
    """Only the incoming shift's lead by the plan takes over, or a shift lead standing in (returns True
    then, and it is recorded as such)."""
    from hotline.org.roles import Role

    leads = incoming_leads(handover)
    if any(lead.pk == actor.pk for lead in leads):
        return False
    if actor.role == Role.SHIFT_LEAD:
        return True
    names = join_list(lead.get_full_name() for lead in leads)
    if names:
        raise PermissionDeniedError(_("Only the incoming shift's lead (%(names)s), or a shift lead standing in, may "
                                      "take over.") % {"names": names})
    raise PermissionDeniedError(_("Only a shift lead may take over: no lead is planned for the incoming shift."))


def handover_acknowledge(*, actor: User, handover: Handover, version: int | None, note: str = "",
                         now: datetime | None = None) -> Handover:
    """接班: the incoming lead has read the handover and takes the shift's open items over."""
    require_perm(actor, Perm.HANDOVER)
    note = (note or "").strip()
    if len(note) > NOTES_MAX:
        raise ValidationError(_("The note is too long (at most %(max)d characters).") % {"max": NOTES_MAX},
                              fields={"note": _("Shorten the text.")})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(handover)
        if locked.status != HandoverStatus.SUBMITTED:
            raise _state_error(locked)
        if locked.outgoing_id == actor.pk:
            raise PermissionDeniedError(_("You handed this shift over yourself: the incoming lead acknowledges it."))
        standing_in = _check_incoming_lead(actor, locked)
        if version is not None and version != locked.version:
            raise ConflictError()
        locked.status, locked.incoming, locked.acknowledged_at = HandoverStatus.ACKNOWLEDGED, actor, now
        locked.incoming_standing_in = standing_in
        locked.acknowledge_note = note
        locked.version += 1
        locked.save()
        audit(actor=actor, action="handover.acknowledged", target=locked, standing_in=standing_in)
    return _refresh(handover, locked)
