"""The PBX's side of the demo's history, so that the connection KPIs and the missed-call list have
something to show:

* every inbound call of the history is marked as the PBX reported it (queue, agent, waiting time):
  the history wrote those calls through the call services with their ringing and answer times;
* calls nobody answered (no answer, busy, the caller gave up while waiting) are posted as PBX events
  through the CTI service at their moments: about 4 % of the volume, more at the busy hours, and a
  few in the last hour and a half. Those more than ``CALLED_BACK_AFTER`` old were called back by the
  hotline; the recent ones wait in the list, whatever the hour the demo is loaded at."""

import random
from datetime import timedelta

from django.utils import timezone

from hotline.calls.cti import cti_event_receive
from hotline.calls.models import Call, CallbackStatus, Direction, EndCause, LineState
from hotline.org.models import User
from hotline.org.roles import Role

CALLED_BACK_AFTER = timedelta(hours=8)  # missed calls older than this were called back
RECENT_MISSED = 3  # missed calls in the last 90 minutes, so that the list is never empty


def seed_pbx(*, seed: int = 2026, log=print) -> None:
    rng = random.Random(seed)
    pbx = User.objects.get(username="pbx")
    seats = {u.pk: u.extension or u.username for u in User.objects.filter(role__in=[Role.OPERATOR, Role.SHIFT_LEAD])}
    calls = list(Call.objects.filter(direction=Direction.INBOUND, cti_call_id__isnull=True, answered_at__isnull=False)
                 .only("pk", "ringing_at", "answered_at", "operator_id"))
    for call in calls:
        # A busy hour's callers wait longer: some past the 15-second target.
        if rng.random() < 0.12:
            call.answered_at = call.ringing_at + timedelta(seconds=rng.randint(16, 75))
        call.cti_call_id, call.queue, call.agent = f"demo-{call.pk}", "hotline", seats.get(call.operator_id, "")
        call.line_state, call.end_cause = LineState.ENDED, EndCause.ANSWERED
        call.wait_seconds = int((call.answered_at - call.ringing_at).total_seconds())
    _update_by_pk(calls, ["answered_at", "cti_call_id", "queue", "agent", "line_state", "end_cause", "wait_seconds"])
    numbers = [c.caller_number for c in Call.objects.filter(direction=Direction.INBOUND).only("caller_number")[:2000]
               if c.caller_number]
    now = timezone.now()
    moments = [call.ringing_at + timedelta(minutes=rng.randint(-40, 40))
               for call in rng.sample(calls, k=min(len(calls), len(calls) // 25 + 6))]
    if calls:  # a history to add to
        moments += [now - timedelta(minutes=rng.randint(5, 90)) for _ in range(RECENT_MISSED)]
    missed = 0
    for n, at in enumerate(moments):
        if at >= now - timedelta(minutes=1):
            continue
        number = rng.choice(numbers) if numbers else "13800000000"
        cause = rng.choices([EndCause.CALLER_HANGUP, EndCause.NO_ANSWER, EndCause.BUSY], weights=[6, 3, 1])[0]
        call_id = f"demo-missed-{n}"
        common = {"actor": pbx, "call_id": call_id, "caller": number, "called": "96889", "queue": "hotline"}
        cti_event_receive(event="ringing", at=at, agent=rng.choice(list(seats.values()) or [""]), **common)
        cti_event_receive(event="hangup", at=at + timedelta(seconds=rng.randint(8, 90)), cause=cause, **common)
        missed += 1
    earlier = list(Call.objects.filter(callback_status=CallbackStatus.PENDING, ringing_at__lt=now - CALLED_BACK_AFTER))
    for call in earlier:
        call.callback_status, call.called_back_at = CallbackStatus.DONE, call.ringing_at + timedelta(minutes=25)
    _update_by_pk(earlier, ["callback_status", "called_back_at"])
    log(f"PBX: {len(calls)} answered calls with their waiting times, {missed} missed or abandoned "
        f"({Call.objects.filter(callback_status=CallbackStatus.PENDING).count()} recent ones still to call back)")


def _update_by_pk(calls: list[Call], names: list[str]) -> None:
    """One plain UPDATE by primary key, executed for every call (executemany): bulk_update's CASE over
    thousands of rows took 25 s of the demo's load on SQLite, this takes a fraction of a second."""
    from django.db import connection

    q = connection.ops.quote_name
    fields = [Call._meta.get_field(name) for name in names]
    sql = (f"UPDATE {q(Call._meta.db_table)} SET {', '.join(f'{q(f.column)} = %s' for f in fields)} "
           f"WHERE {q('id')} = %s")
    rows = [[*(f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields), c.pk] for c in calls]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
