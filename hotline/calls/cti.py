"""CTI: the PBX posts call events (ringing, answered, hangup) and the call's record follows them.

Each event is stored once: ``(call_id, event)`` is unique, so a repeat is recognised and changes
nothing. The call's fields are then derived again from the set of its events (at most three), so
events that arrive out of order, or twice, or with one missing, leave the same record as the right
order would. A call that ends unanswered goes to the call-back list; it leaves it when someone calls
the number back, or when a later call from that number is answered."""

import re
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.calls.matching import match_number
from hotline.calls.models import Call, CallbackStatus, CtiEvent, CtiEventKind, Direction, EndCause, LineState, Outcome
from hotline.core.errors import ValidationError
from hotline.core.rows import HotRows
from hotline.customers.text import normalize_phone
from hotline.org.roles import Perm, require_perm

CALL_ID = re.compile(r"^[\w.:@/+-]{1,64}$")
AGENT = re.compile(r"^[\w.@-]{0,32}$")
CALLS = HotRows(Call, by="cti_call_id")
EVENTS = HotRows(CtiEvent, by="call_id")
UNANSWERED = {EndCause.NO_ANSWER: Outcome.MISSED, EndCause.BUSY: Outcome.MISSED,
              EndCause.CALLER_HANGUP: Outcome.ABANDONED}


@dataclass
class CtiResult:
    call: Call | None
    duplicate: bool


def cti_event_receive(*, actor, event: str, call_id: str, at: datetime, caller: str = "", called: str = "",
                      queue: str = "", agent: str = "", cause: str = "") -> CtiResult:
    """Record one PBX event and bring the call's record up to date (one transaction)."""
    require_perm(actor, Perm.CTI_EVENTS)
    row = _checked(event=event, call_id=call_id, at=at, caller=caller, called=called, queue=queue, agent=agent,
                   cause=cause)
    with transaction.atomic():
        if not EVENTS.insert_ignoring_conflict(row, unique=["call_id", "event"]):
            return CtiResult(call=CALLS.get(call_id), duplicate=True)
        was_answered = False
        call = _new_call(row) if event == CtiEventKind.RINGING else None  # a call's first event, as a rule
        if call is None:
            call, events = _locked_call_and_events(call_id)
            if call is None:
                call = _new_call(row)
            if call is None:  # created meanwhile by another of its events: wait for it, then derive
                call, events = _locked_call_and_events(call_id)
            if events:
                was_answered = _is_answered(call)
                changed = _derive(call, events)
                if "caller_number" in changed and not (call.summary or call.subject_id):
                    changed += _match(call)  # the number came with a later event
                CALLS.update(call, changed)
        if not was_answered and _is_answered(call) and call.caller_number:
            _caller_got_through(call)
        if event == CtiEventKind.ANSWERED and call.operator_id:
            _seat_moved_on(call)
    return CtiResult(call=call, duplicate=False)


def _checked(*, event, call_id, at, caller, called, queue, agent, cause) -> CtiEvent:
    errors = {}
    if event not in CtiEventKind.values:
        errors["event"] = _("One of ringing, answered, hangup.")
    if not CALL_ID.match(call_id or ""):
        errors["call_id"] = _("1 to 64 letters, digits or . : @ / + - _")
    if at is None or timezone.is_naive(at):
        errors["at"] = _("A time with its time zone, e.g. 2026-11-25T08:15:02+08:00.")
    if cause and event != CtiEventKind.HANGUP:
        errors["cause"] = _("Only a hangup has a cause.")
    elif cause and cause not in EndCause.values:
        errors["cause"] = _("One of answered, no_answer, busy, caller_hangup.")
    numbers = {}
    for name, raw in (("from", caller), ("to", called)):
        digits = normalize_phone(raw or "")
        if raw and not 3 <= len(digits) <= 20:
            errors[name] = _("A phone number (3 to 20 digits), or empty when withheld.")
        numbers[name] = digits
    if not AGENT.match(agent or ""):
        errors["agent"] = _("An extension or user name (up to 32 letters or digits).")
    if len(queue or "") > 32:
        errors["queue"] = _("At most 32 characters.")
    if errors:
        raise ValidationError(_("The call event is not valid."), fields=errors)
    return CtiEvent(call_id=call_id, event=event, at=at, caller_number=numbers["from"], called_number=numbers["to"],
                    queue=queue or "", agent=agent or "", cause=cause or "", received_at=timezone.now())


def _new_call(row: CtiEvent) -> Call | None:
    """The call's record made from its first event, or None when it exists already. Its other events
    that may be on their way wait for this row's lock and derive from all of them (nothing else of
    this call is visible yet: a transaction that stored one of its events created the call too)."""
    call = Call(cti_call_id=row.call_id, direction=Direction.INBOUND, caller_number=row.caller_number,
                called_number=row.called_number, ringing_at=row.at, outcome=Outcome.ANSWERED)
    _derive(call, [row])
    _match(call)
    return call if CALLS.insert_ignoring_conflict(call, unique=["cti_call_id"]) else None


def _match(call: Call) -> list[str]:
    """Match the call to the caller's account(s), premise and community (calls.matching); returns the
    names of the fields that changed."""
    changed = []
    for name, value in match_number(call.caller_number).values().items():
        if getattr(call, name) != value:
            setattr(call, name, value)
            changed.append(name)
    return changed


def _locked_call_and_events(call_id: str) -> tuple[Call | None, list[CtiEvent]]:
    """The call, locked, then all its events. Two statements on purpose: on PostgreSQL a statement
    that waited for the lock still reads other tables as of its start, and would miss the event the
    lock's previous holder just committed."""
    call = CALLS.get(call_id, for_update=True)
    return (call, EVENTS.all(call_id)) if call is not None else (None, [])


def _derive(call: Call, events: list[CtiEvent]) -> list[str]:
    """Set the call's PBX fields from its events; returns the names of the fields that changed."""
    by_kind = {e.event: e for e in events}
    ring, answer, hangup = (by_kind.get(k) for k in (CtiEventKind.RINGING, CtiEventKind.ANSWERED,
                                                       CtiEventKind.HANGUP))
    ordered = [e for e in (ring, answer, hangup) if e is not None]
    answered = answer is not None or (hangup is not None and hangup.cause == EndCause.ANSWERED)
    values = {
        # Without its ringing event the call rang no later than the first event heard of it.
        "ringing_at": ring.at if ring else min(e.at for e in events),
        "answered_at": answer.at if answer else None,
        "ended_at": hangup.at if hangup else None,
        "caller_number": next((e.caller_number for e in ordered if e.caller_number), call.caller_number),
        "called_number": next((e.called_number for e in ordered if e.called_number), call.called_number),
        "queue": next((e.queue for e in ordered if e.queue), ""),
        # The seat that answered, else the one it rang at.
        "agent": next((e.agent for e in (answer, ring, hangup) if e is not None and e.agent), ""),
        "line_state": LineState.ENDED if hangup else LineState.ANSWERED if answered else LineState.RINGING,
        "end_cause": (EndCause.ANSWERED if answered else hangup.cause or EndCause.CALLER_HANGUP) if hangup else "",
    }
    until = answer.at if answer else hangup.at if hangup and not answered else None
    values["wait_seconds"] = max(0, round((until - values["ringing_at"]).total_seconds())) if until else None
    if values["answered_at"] and values["answered_at"] < values["ringing_at"]:
        values["answered_at"] = values["ringing_at"]  # PBX clocks disagree by a second: no negative wait
    if values["ended_at"] and values["ended_at"] < (values["answered_at"] or values["ringing_at"]):
        values["ended_at"] = values["answered_at"] or values["ringing_at"]
    if hangup and not answered:
        values["outcome"] = UNANSWERED[values["end_cause"]]
        if call.callback_status != CallbackStatus.DONE and values["caller_number"]:  # withheld: nobody to call
            values["callback_status"] = CallbackStatus.PENDING
    elif call.outcome in (Outcome.MISSED, Outcome.ABANDONED):
        # An answer heard after a hangup: the call was answered after all.
        values["outcome"] = Outcome.ANSWERED
        if call.callback_status == CallbackStatus.PENDING:
            values["callback_status"] = ""
    if values["agent"] != call.agent or call.operator_id is None:
        operator_id = agent_user_id(values["agent"])
        if operator_id is not None:
            values["operator_id"] = operator_id
    changed = [name for name, value in values.items() if getattr(call, name) != value]
    for name in changed:
        setattr(call, name, values[name])
    return changed


def _is_answered(call: Call) -> bool:
    return call.line_state == LineState.ANSWERED or call.end_cause == EndCause.ANSWERED


def _caller_got_through(call: Call) -> None:
    """A caller whose earlier call was missed has now been answered: no call-back is needed."""
    from django.db import connection

    q = connection.ops.quote_name
    sql = (f"UPDATE {q(Call._meta.db_table)} SET {q('callback_status')} = %s, {q('called_back_at')} = %s "
           f"WHERE {q('caller_number')} = %s AND {q('callback_status')} = %s AND {q('ringing_at')} < %s")
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:  # plain SQL: it runs for every answered call
        cursor.execute(sql, [CallbackStatus.DONE.value, adapt(call.answered_at or call.ringing_at), call.caller_number,
                             CallbackStatus.PENDING.value, adapt(call.ringing_at)])


def _seat_moved_on(call: Call) -> None:
    """The seat answered this call: its earlier calls still ringing or in conversation there (their
    hangup lost) are over."""
    from datetime import timedelta

    from django.db import connection

    q = connection.ops.quote_name
    window = timedelta(seconds=max(settings.CTI_RINGING_TIMEOUT_SECONDS, settings.CTI_CALL_TIMEOUT_SECONDS))
    adapt = connection.ops.adapt_datetimefield_value
    sql = (f"UPDATE {q(Call._meta.db_table)} SET {q('line_state')} = %s WHERE {q('operator_id')} = %s "
           f"AND {q('ringing_at')} >= %s AND {q('ringing_at')} < %s AND {q('line_state')} IN (%s, %s)")
    with connection.cursor() as cursor:  # on the (operator, ringing_at) index: one seat's last hour
        cursor.execute(sql, [LineState.ENDED.value, call.operator_id, adapt(call.ringing_at - window),
                             adapt(call.ringing_at), LineState.RINGING.value, LineState.ANSWERED.value])


def end_stale_calls(*, now: datetime | None = None, started_before: datetime | None = None) -> int:
    """Calls whose hangup never came stop being live: ringing or in conversation for longer than
    the timeouts (the worker's sweep, every minute), or, with ``started_before``, every call still
    live that rang before that moment (``manage.py serve`` at its start: no call survives a restart
    as a live call). A hangup that arrives later still sets the call's end as it reports it."""
    from datetime import timedelta

    now = now or timezone.now()
    live = Call.objects.filter(line_state__in=[LineState.RINGING, LineState.ANSWERED])
    if started_before is not None:
        stale = live.filter(ringing_at__lt=started_before)
    else:
        soonest = min(settings.CTI_RINGING_TIMEOUT_SECONDS, settings.CTI_CALL_TIMEOUT_SECONDS)
        stale = live.filter(ringing_at__lt=now - timedelta(seconds=soonest)).filter(
            Q(line_state=LineState.RINGING, ringing_at__lt=now - timedelta(seconds=settings.CTI_RINGING_TIMEOUT_SECONDS))
            | Q(line_state=LineState.ANSWERED,
                answered_at__lt=now - timedelta(seconds=settings.CTI_CALL_TIMEOUT_SECONDS)))
    return stale.update(line_state=LineState.ENDED)


# The seats: extension or user name -> user id, read once per process (REFERENCE_CACHE_SECONDS).
_agents: dict[str, int] = {}
_agents_loaded = 0.0


def forget_agents(**_kwargs) -> None:
    global _agents_loaded
    _agents.clear()
    _agents_loaded = 0.0


def agent_user_id(agent: str) -> int | None:
    from hotline.org.models import User

    global _agents_loaded
    if not agent:
        return None
    if not _agents_loaded or time.monotonic() - _agents_loaded > settings.REFERENCE_CACHE_SECONDS:
        rows = User.objects.filter(is_active=True).exclude(role__in=["pbx", "gov12345", "integration"]) \
            .values_list("pk", "username", "extension")
        seats = {username: pk for pk, username, _ext in rows}
        seats.update({ext: pk for pk, _u, ext in rows if ext})  # an extension wins over a like-named login
        _agents.clear()
        _agents.update(seats)
        _agents_loaded = time.monotonic() if settings.REFERENCE_CACHE_SECONDS > 0 else 0.0
    return _agents.get(agent)
