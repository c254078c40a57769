"""The demo's shifts (SPEC.md S1, C7): the plan of the hotline's staff for the last two weeks and the
next week, and the handovers of the past shifts written through the services at their moments.

* The plan follows the rotation the history was written with (``HistoryWriter._hotline``): the day
  shift has a lead (``shiftlead`` or ``lead01``, alternating) and five seats — the demo ``operator`` and
  four of ``op01``…``op14`` —, the night shift a lead (``lead02``/``lead03``) and two seats; so the calls
  of a shift were taken by the people planned on it.
* Each past shift was handed over by its lead ten minutes before its end (opened, notes, submitted)
  and taken over a few minutes after it by the next shift's lead. The last shift that ended is handed
  over but not yet taken over, whatever the hour the demo is loaded at: log in as ``operator`` and
  acknowledge it (S1, 08:15; the console's banner lists it).

The summaries of past handovers are generated at their moments from the orders as they are now (the
history was written before): the work still open now that was received by then, and the calls, orders
and outages of the shift itself."""

import random
from datetime import date, datetime, timedelta

import time_machine
from django.utils import timezone

from hotline.org.models import User
from hotline.shifts import selectors, services
from hotline.shifts.defaults import ensure_default_shifts
from hotline.shifts.models import ShiftDefinition, ShiftRole

QUIET = ["夜间来电平稳，无重大突发。", "系统与电话运行正常。", "交班时坐席设备、录音正常。", "天气转冷，注意冻管、冻表报修增多。",
         "物业来电较多，已按停水话术答复。", "无遗留投诉。"]
TAKEN_OVER = ["已接班。", "已知悉，继续跟进。", "已接班，超期工单安排督办。", "已接班，回访今天上午完成。"]


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def team(day: date, code: str) -> list[tuple[str, str]]:
    """(username, role) on shift ``code`` of ``day``: the history's rotation."""
    shift_day = day.toordinal()
    if code == "day":
        lead = ["shiftlead", "lead01"][shift_day % 2]
        seats = ["operator"] + [f"op{(6 * shift_day + k) % 14 + 1:02d}" for k in (0, 1, 2, 3)]
    else:
        lead = ["lead02", "lead03"][shift_day % 2]
        seats = [f"op{(6 * shift_day + k) % 14 + 1:02d}" for k in (4, 5)]
    return [(lead, ShiftRole.LEAD)] + [(name, ShiftRole.OPERATOR) for name in seats]


def _notes(rng: random.Random, summary: dict) -> str:
    lines = []
    for outage in summary["outages"]["items"][:2]:
        if outage["water_off"]:
            restore = timezone.localtime(datetime.fromisoformat(outage["expected_restore_at"]))
            lines.append(f"{outage['area']}停水（{outage['number']}），预计{restore:%m-%d %H:%M}恢复供水，"
                         f"来电按停水话术答复并关联停水。")
    overdue = summary["overdue"]
    if overdue["count"]:
        first = overdue["items"][0]
        lines.append(f"超期工单{overdue['count']}单，重点督办{first['number']}（{first['unit'] or '未派单'}）。")
    callbacks = summary["callbacks"]["orders"]["count"]
    if callbacks:
        lines.append(f"待回访{callbacks}单，请下一班尽快回访。")
    if summary["cases"]["count"]:
        lines.append(f"12345工单{summary['cases']['count']}单临近时限，注意按时签收、答复。")
    lines.append(rng.choice(QUIET))
    return "\n".join(lines)


def seed_shifts(*, seed: int = 2026, days: int = 14, ahead: int = 7, log=print) -> None:
    rng = random.Random(seed)
    ensure_default_shifts()
    definitions = {d.code: d for d in ShiftDefinition.objects.filter(code__in=["day", "night"], is_active=True)}
    if len(definitions) < 2:
        log("shifts: skipped (the day and night shifts are not defined)")
        return
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    planner = users.get("shiftlead")
    if planner is None:
        log("shifts: skipped (no shift lead)")
        return
    today = timezone.localdate()
    planned = 0
    for offset in range(-days - 1, ahead + 1):
        day = today + timedelta(days=offset)
        for code, definition in definitions.items():
            for username, role in team(day, code):
                if username in users:
                    services.shift_assign(actor=planner, day=day, shift=definition, user=users[username], role=role)
                    planned += 1
    handed = _handovers(rng, definitions, users, days=days)
    log(f"shifts: {planned} planned from {today - timedelta(days=days + 1)} to {today + timedelta(days=ahead)}, "
        f"{handed} past handovers")


def _lead(period, users: dict) -> User:
    name = team(period.date, period.definition.code)[0][0]
    return users.get(name) or users["shiftlead"]


def _handovers(rng: random.Random, definitions: dict, users: dict, *, days: int) -> int:
    now = timezone.now()
    if days <= 0:
        return 0
    periods = [p for p in selectors.shift_periods_between(now - timedelta(days=days), now)
               if p.ends_at <= now and p.starts_at >= now - timedelta(days=days)]
    for n, period in enumerate(periods):
        outgoing = _lead(period, users)
        following = selectors.next_shift(period)
        incoming = _lead(following, users) if following else None
        if incoming is None or incoming == outgoing:
            # Only a shift lead takes over (the plan's, or one standing in): another lead of the hotline.
            incoming = next((u for u in users.values() if u.role == "shift_lead" and u != outgoing), outgoing)
        with _at(period.ends_at - timedelta(minutes=12)):
            handover, _created = services.handover_open(actor=outgoing, period=period)
            handover = services.handover_save_notes(actor=outgoing, handover=handover, version=handover.version,
                                                    notes=_notes(rng, handover.summary))
        with _at(period.ends_at - timedelta(minutes=rng.randint(1, 6))):
            handover = services.handover_submit(actor=outgoing, handover=handover, version=handover.version)
        last = n == len(periods) - 1
        taken_at = period.ends_at + timedelta(minutes=rng.randint(2, 14))
        if last:
            break  # waiting for the incoming lead (S1)
        with _at(min(taken_at, now)):
            services.handover_acknowledge(actor=incoming, handover=handover, version=handover.version,
                                          note=rng.choice(TAKEN_OVER))
    return len(periods)
