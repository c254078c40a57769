"""Shifts in the API: definitions, the plan, the shift on now, and the handover's life (open, notes,
refresh, submit, acknowledge) with its history. Thin: the same selectors and services as the console."""

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from hotline.core.api_types import EARLIEST, LATEST, Code, LongNote, MaxLen, Note
from hotline.core.errors import NotFoundError, ValidationError
from hotline.org.models import User
from hotline.org.roles import Perm, require_perm
from hotline.shifts import selectors, services
from hotline.shifts.models import Handover, ShiftAssignment, ShiftDefinition, ShiftRole
from hotline.shifts.selectors import ShiftPeriod

router = Router(tags=["shifts"])


def _clock_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("a local time of day, without an offset (e.g. 08:15)")
    return value


def _day(value: dt.date) -> dt.date:
    if not EARLIEST <= value.year < LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


ClockTime = Annotated[dt.time, AfterValidator(_clock_time)]
Day = Annotated[dt.date, AfterValidator(_day)]


# --- schemas --------------------------------------------------------------------------------------

class ShiftOut(Schema):
    code: str
    name: str
    start: dt.time
    end: dt.time
    overnight: bool
    sort: int
    is_active: bool
    version: int


class ShiftIn(Schema):
    code: Code = Field(description="Letters, digits, - and _; fixed once created")
    name: Annotated[str, MaxLen(30)]
    start: ClockTime
    end: ClockTime = Field(description="Not after the start: the shift ends the next day")
    sort: int = Field(0, ge=0, le=999)
    is_active: bool = True


class ShiftPatch(Schema):
    name: Annotated[str, MaxLen(30)] | None = None
    start: ClockTime | None = None
    end: ClockTime | None = None
    sort: int | None = Field(None, ge=0, le=999)
    is_active: bool | None = None
    version: int | None = None


class PersonOut(Schema):
    username: str
    name: str
    role: str = Field(description="lead | operator")


class PeriodOut(Schema):
    key: str
    shift: str
    name: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    people: list[PersonOut]


class HandoverRef(Schema):
    id: int | None
    status: str = Field(description="none (not opened yet) | draft | submitted | acknowledged")


class CurrentOut(Schema):
    now: dt.datetime
    current: PeriodOut | None
    next: PeriodOut | None
    handover_shift: PeriodOut | None = Field(description="The shift whose handover is worked on now: the one "
                                                         "that has just ended while not taken over, else the current")
    handover: HandoverRef


class AssignmentOut(Schema):
    id: int
    date: dt.date
    shift: str
    username: str
    name: str
    role: str


class AssignIn(Schema):
    date: Day
    shift: Code = Field(description="Shift code")
    username: Annotated[str, MaxLen(150)]
    role: str = Field(ShiftRole.OPERATOR, description="lead | operator")


class HandoverListOut(Schema):
    id: int | None
    status: str
    shift: str
    shift_name: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    outgoing: str | None
    submitted_at: dt.datetime | None
    incoming: str | None
    acknowledged_at: dt.datetime | None
    version: int


class HandoverOut(HandoverListOut):
    opened_by: str | None
    opened_at: dt.datetime | None
    notes: str
    acknowledge_note: str
    early_reason: str = ""
    incoming_standing_in: bool = Field(False, description="Taken over by a shift lead standing in for the "
                                                          "planned incoming lead")
    summary_at: dt.datetime | None
    summary: dict = Field(description="Counts and items per section (figures, open_orders, overdue, outages, "
                                      "callbacks, cases, notable); times in ISO 8601 (UTC)")


class OpenIn(Schema):
    date: Day | None = Field(None, description="With shift: the shift to hand over; default: the current one")
    shift: Code | None = None


class NotesIn(Schema):
    notes: LongNote
    version: int | None = None


class SubmitIn(Schema):
    notes: LongNote | None = Field(None, description="Replace the notes as they are handed over")
    early_reason: Annotated[str, MaxLen(200)] = Field("", description="Needed when handing over more than HANDOVER_EARLY_MINUTES "
                                                    "(30) minutes before the shift ends")
    version: int | None = None


class AcknowledgeIn(Schema):
    note: Note = ""
    version: int | None = None


# --- helpers --------------------------------------------------------------------------------------

def _shift(definition: ShiftDefinition) -> dict:
    return {"code": definition.code, "name": definition.name, "start": definition.start, "end": definition.end,
            "overnight": definition.overnight, "sort": definition.sort, "is_active": definition.is_active,
            "version": definition.version}


def _period(period: ShiftPeriod | None, staff: dict) -> dict | None:
    if period is None:
        return None
    return {"key": period.key, "shift": period.definition.code, "name": period.name, "date": period.date,
            "starts_at": period.starts_at, "ends_at": period.ends_at,
            "people": [{"username": a.user.username, "name": a.user.get_full_name(), "role": a.role}
                       for a in staff.get(period, [])]}


def _name(user) -> str | None:
    return user.get_full_name() if user else None


def _handover(h: Handover, *, detail: bool = True) -> dict:
    data = {"id": h.pk, "status": h.status, "shift": h.shift.code, "shift_name": h.shift_name, "date": h.shift_date,
            "starts_at": h.starts_at, "ends_at": h.ends_at, "outgoing": _name(h.outgoing),
            "submitted_at": h.submitted_at, "incoming": _name(h.incoming), "acknowledged_at": h.acknowledged_at,
            "version": h.version}
    if detail:
        data.update({"opened_by": _name(h.opened_by), "opened_at": h.opened_at, "notes": h.notes,
                     "acknowledge_note": h.acknowledge_note, "summary_at": h.summary_at, "summary": h.summary,
                     "early_reason": h.early_reason, "incoming_standing_in": h.incoming_standing_in})
    return data


def _definition(code: str) -> ShiftDefinition:
    definition = ShiftDefinition.objects.filter(code=code).first()
    if definition is None:
        raise NotFoundError()
    return definition


def _get(request, pk: int) -> Handover:
    return selectors.handover_get(actor=request.user, pk=pk)


# --- shifts and the plan --------------------------------------------------------------------------

@router.get("/shifts", response=list[ShiftOut], summary="Shift definitions")
def shift_list(request):
    require_perm(request.user, Perm.SHIFT_VIEW)
    return [_shift(d) for d in ShiftDefinition.objects.order_by("sort", "start", "code")]


@router.get("/shifts/current", response=CurrentOut, summary="The shift on now, the next one, and the handover")
def shift_current(request):
    now = timezone.now()
    on = selectors.shift_now(actor=request.user, moment=now)
    target = selectors.handover_target(actor=request.user, now=now)
    periods = [p for p in (on.current, on.next, target.period) if p]
    staff = selectors.shift_staff(periods)
    return {"now": now, "current": _period(on.current, staff), "next": _period(on.next, staff),
            "handover_shift": _period(target.period, staff),
            "handover": {"id": target.handover.pk if target.handover else None,
                         "status": target.handover.status if target.handover else "none"}}


@router.get("/shifts/plan", response=list[AssignmentOut], summary="Who is on which shift, day by day")
def plan_get(request, start: Day | None = None, days: int = Query(7, ge=1, le=62)):
    start = start or selectors.week_start(timezone.localdate())
    week = selectors.week_plan(actor=request.user, start=start, days=days)
    return [{"id": a.pk, "date": cell.date, "shift": definition.code, "username": a.user.username,
             "name": a.user.get_full_name(), "role": a.role}
            for definition, cells in week.rows for cell in cells for a in cell.assignments]


@router.post("/shifts/plan", response={201: AssignmentOut}, summary="Put someone on a shift (or change their role)")
def plan_assign(request, payload: AssignIn):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    definition = ShiftDefinition.objects.filter(code=payload.shift).first()
    if definition is None:
        raise ValidationError(fields={"shift": "Unknown shift."})
    user = User.objects.filter(username=payload.username).first()
    if user is None:
        raise ValidationError(fields={"username": "Unknown user."})
    a = services.shift_assign(actor=request.user, day=payload.date, shift=definition, user=user, role=payload.role)
    return Status(201, {"id": a.pk, "date": a.date, "shift": definition.code, "username": user.username,
                        "name": user.get_full_name(), "role": a.role})


@router.delete("/shifts/plan/{assignment_id}", response={204: None}, summary="Take someone off a shift")
def plan_remove(request, assignment_id: int):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    assignment = ShiftAssignment.objects.select_related("shift", "user").filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFoundError()
    services.shift_unassign(actor=request.user, assignment=assignment)
    return Status(204, None)


@router.post("/shifts", response={201: ShiftOut}, summary="Define a shift")
def shift_create(request, payload: ShiftIn):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    d = services.shift_definition_save(actor=request.user, code=payload.code, name=payload.name, start=payload.start,
                                       end=payload.end, sort=payload.sort, is_active=payload.is_active)
    return Status(201, _shift(d))


@router.patch("/shifts/{code}", response=ShiftOut, summary="Change a shift (with its version)")
def shift_update(request, code: str, payload: ShiftPatch):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    d = _definition(code)
    changed = payload.dict(exclude={"version"}, exclude_none=True)
    services.shift_definition_save(
        actor=request.user, definition=d, version=payload.version, name=changed.get("name", d.name),
        start=changed.get("start", d.start), end=changed.get("end", d.end), sort=changed.get("sort", d.sort),
        is_active=changed.get("is_active", d.is_active))
    return _shift(d)


# --- handovers ------------------------------------------------------------------------------------

@router.get("/handovers/current", response=HandoverOut,
            summary="The handover worked on now (a live summary, id null, while it is not opened)")
def handover_current(request):
    now = timezone.now()
    target = selectors.handover_target(actor=request.user, now=now)
    if target.handover is not None:
        return _handover(target.handover)
    if target.period is None:
        raise NotFoundError()
    p = target.period
    return {"id": None, "status": "none", "shift": p.definition.code, "shift_name": p.name, "date": p.date,
            "starts_at": p.starts_at, "ends_at": p.ends_at, "outgoing": None, "submitted_at": None, "incoming": None,
            "acknowledged_at": None, "version": 0, "opened_by": None, "opened_at": None, "notes": "",
            "acknowledge_note": "", "summary_at": now,
            "summary": selectors.live_summary(actor=request.user, period=p, now=now)}


@router.post("/handovers", response={200: HandoverOut, 201: HandoverOut},
             summary="Open the handover (of the current shift by default); an open one is returned as it is")
def handover_open(request, payload: OpenIn):
    require_perm(request.user, Perm.HANDOVER)
    period = None
    if payload.date or payload.shift:
        if not (payload.date and payload.shift):
            raise ValidationError(fields={"shift": "Give both date and shift, or neither."})
        period = selectors.period_of(_definition(payload.shift), payload.date)
    handover, created = services.handover_open(actor=request.user, period=period)
    return Status(201 if created else 200, _handover(handover))


@router.get("/handovers", response=list[HandoverListOut], summary="Handover history, newest shift first")
def handover_list(request, status: str = "", limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)):
    rows, _more = selectors.handover_history(actor=request.user, status=status, limit=limit, offset=offset)
    return [_handover(h, detail=False) for h in rows]


@router.get("/handovers/{handover_id}", response=HandoverOut, summary="One handover with its summary")
def handover_get(request, handover_id: int):
    return _handover(_get(request, handover_id))


@router.post("/handovers/{handover_id}/refresh", response=HandoverOut,
             summary="Generate a draft's summary again from live data")
def handover_refresh(request, handover_id: int):
    require_perm(request.user, Perm.HANDOVER)
    return _handover(services.handover_refresh(actor=request.user, handover=_get(request, handover_id)))


@router.post("/handovers/{handover_id}/notes", response=HandoverOut, summary="Write a draft's notes")
def handover_notes(request, handover_id: int, payload: NotesIn):
    require_perm(request.user, Perm.HANDOVER)
    return _handover(services.handover_save_notes(actor=request.user, handover=_get(request, handover_id),
                                                  notes=payload.notes, version=payload.version))


@router.post("/handovers/{handover_id}/submit", response=HandoverOut,
             summary="Hand over: the summary is generated once more and frozen with the notes")
def handover_submit(request, handover_id: int, payload: SubmitIn):
    require_perm(request.user, Perm.HANDOVER)
    return _handover(services.handover_submit(actor=request.user, handover=_get(request, handover_id),
                                              notes=payload.notes, version=payload.version,
                                              early_reason=payload.early_reason))


@router.post("/handovers/{handover_id}/acknowledge", response=HandoverOut,
             summary="Take over: the incoming lead (not the one who handed over) acknowledges")
def handover_acknowledge(request, handover_id: int, payload: AcknowledgeIn):
    require_perm(request.user, Perm.HANDOVER)
    return _handover(services.handover_acknowledge(actor=request.user, handover=_get(request, handover_id),
                                                   note=payload.note, version=payload.version))
