"""Fixtures of the shift tests: the default shifts, a clock that can be set, the people of a handover
(the night lead hands over, the day operator takes over), and a night of known hotline work."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline.org.roles import Role
from hotline.workorders.tests import conftest as orders

# The work-order tests' fixtures: staff of every role, 中央公园2期, a subject, new_order(**fields).
staff, community, subject, new_order = orders.staff, orders.community, orders.subject, orders.new_order

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment of November 2026 in Shanghai (the 24th and 25th are a Tuesday and a Wednesday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


# The night shift of the 24th (17:30 → 08:15 on the 25th) and the moment its lead hands over.
NIGHT_START, NIGHT_END = at(24, 17, 30), at(25, 8, 15)
HANDOVER_AT = at(25, 7, 50)


@pytest.fixture
def shifts(db):
    """The default shifts (白班 08:15–17:30, 夜班 17:30–08:15), whatever an earlier test left."""
    from hotline.shifts.defaults import ensure_default_shifts
    from hotline.shifts.models import ShiftDefinition

    ensure_default_shifts()
    return {d.code: d for d in ShiftDefinition.objects.all()}


@pytest.fixture
def clock():
    """clock(moment): the time is ``moment`` (frozen) until the next call or the end of the test."""
    running: list = []

    def set_to(moment: datetime) -> datetime:
        if running:
            running.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        running.append(traveller)
        return moment

    yield set_to
    for traveller in running:
        traveller.stop()


@pytest.fixture
def people(staff, make_user):
    """staff (operator, lead, dispatcher, worker, manager, coordinator, admin) and a second shift lead
    (the day lead), a PBX and someone with no role in shifts."""
    return {**staff, "daylead": make_user(Role.SHIFT_LEAD, username="daylead"),
            "pbx": make_user(Role.PBX, username="pbx")}


def client_for(user=None):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Night:
    """The known work of the night of the 24th (see ``night``)."""

    overdue_sign: object  # O1: dispatched 24th 10:00, not signed for
    new_order: object  # O2: received 20:00, not dispatched
    emergency: object  # O3: burst main 21:00, dispatched at once, not signed for
    resolved: object  # O4: resolved 24th 12:00, waiting for the callback
    case_sign: object  # O5: 12345 case received 06:00, sign for by 25th 09:30
    case_reply: object  # O6: 12345 case signed for, reply due 25th 20:00
    case_far: object  # O7: 12345 case due next month
    outage: object  # water off since 24th 15:00, two linked calls (16:00 and 19:00)
    restored: object  # emergency outage 19:00, restored 02:00
    repeat_number: str


@pytest.fixture
def night(people, units, community, subject, clock, shifts) -> Night:
    """A night of hotline work, written through the services at its moments (Shanghai time):

    day shift of the 24th: O1 dispatched 10:00 (sign for by 10:30: overdue), O4 dispatched 09:00 and
    resolved 12:00, O7 (12345, due in December) 13:00, O6 (12345, reply by the 25th 20:00) 14:00 and
    signed for, an outage announced 15:00 (water off) with a linked call at 16:00, a consultation at 16:30;
    night shift: a call linked to the outage 19:00, an emergency outage 19:00 restored at 02:00, O2
    received 20:00, O3 (burst main, emergency) from a call 21:00, a complaint 22:00, one number calling
    23:00, 01:00 and 03:00, a missed call 04:00, O5 (12345, sign for by 09:30) 06:00."""
    from hotline.calls.cti import cti_event_receive
    from hotline.calls.services import call_create_order, call_log
    from hotline.outages.services import Area, outage_announce, outage_restore
    from hotline.workorders.models import RequestType, Source, Subject
    from hotline.workorders.services import order_accept, order_create, order_resolve, sla_sweep

    operator, worker, coordinator = people["operator"], people["worker"], people["coordinator"]
    repair = units["repair"]
    types = {t.code: t for t in RequestType.objects.all()}
    subjects = {s.code: s for s in Subject.objects.all()}

    def order(**extra):
        fields = {"request_type": types["repair"], "subject": subject, "title": "楼道水管漏水", "community": community,
                  "contact_phone": "13805331234"}
        return order_create(actor=operator, **{**fields, **extra})

    def call(number: str, **extra):
        fields = {"caller_number": number, "request_type": types["consultation"], "subject": subjects["no_water"],
                  "summary": "咨询"}
        return call_log(actor=operator, **{**fields, **extra})

    clock(at(24, 9, 0))
    resolved = order(title="表前阀门漏水", unit=repair)
    clock(at(24, 9, 10))
    order_accept(actor=worker, order=resolved)
    clock(at(24, 12, 0))
    order_resolve(actor=worker, order=resolved, result="已更换阀门")
    clock(at(24, 10, 0))
    overdue_sign = order(title="小区支管漏水", unit=repair)
    clock(at(24, 13, 0))
    case_far = order(title="12345：水费咨询", source=Source.GOV_12345, external_id="SH-FAR",
                     deadlines={"accept_due": at(3, 12, month=12), "resolve_due": at(10, 12, month=12)})
    clock(at(24, 14, 0))
    # Normal urgency: no on-site deadline of ours (an urgent one would be overdue on site by the night).
    case_reply = order(title="12345：楼道水管漏水", source=Source.GOV_12345, external_id="SH-REPLY", unit=repair,
                       urgency="normal", deadlines={"accept_due": at(24, 15, 0), "resolve_due": at(25, 20, 0)})
    order_accept(actor=worker, order=case_reply)
    clock(at(24, 15, 0))
    outage = outage_announce(actor=coordinator, kind="emergency", reason="DN300供水管道爆管抢修",
                             starts_at=at(24, 15, 0), expected_restore_at=at(25, 12, 0),
                             area=Area(communities=[community]))
    clock(at(24, 16, 0))
    call("13700000001", outage=outage)
    clock(at(24, 16, 30))
    call("13700000002")
    clock(at(24, 19, 0))
    call("13700000003", outage=outage)
    restored = outage_announce(actor=coordinator, kind="emergency", reason="阀门故障抢修", starts_at=at(24, 19, 0),
                               expected_restore_at=at(24, 23, 0), area=Area(communities=[community]))
    clock(at(24, 20, 0))
    new = order(title="水表箱损坏")
    clock(at(24, 21, 0))
    emergency = call_create_order(actor=operator, caller_number="13700000004", request_type=types["repair"],
                                  subject=subjects["burst_main"], summary="路面冒水，疑似爆管", community=community,
                                  unit=repair).work_order
    clock(at(24, 22, 0))
    call("13700000005", request_type=types["complaint"], subject=subjects["complaint_service"],
         summary="抢修人员态度差，要求投诉")
    for moment in (at(24, 23, 0), at(25, 1, 0), at(25, 3, 0)):
        clock(moment)
        call("13700000006", summary="还是没有水")
    clock(at(25, 2, 0))
    outage_restore(actor=coordinator, outage=restored)
    clock(at(25, 4, 0))
    cti_event_receive(actor=people["pbx"], event="ringing", call_id="m-1", at=at(25, 4, 0), caller="13700000007")
    cti_event_receive(actor=people["pbx"], event="hangup", call_id="m-1", at=at(25, 4, 0) + timedelta(seconds=30),
                      caller="13700000007", cause="no_answer")
    clock(at(25, 6, 0))
    case_sign = order(title="12345：无水", source=Source.GOV_12345, external_id="SH-SIGN",
                      deadlines={"accept_due": at(25, 9, 30), "resolve_due": at(30, 17, 30)})
    clock(HANDOVER_AT)
    sla_sweep(now=HANDOVER_AT)
    return Night(overdue_sign=overdue_sign, new_order=new, emergency=emergency, resolved=resolved,
                 case_sign=case_sign, case_reply=case_reply, case_far=case_far, outage=outage, restored=restored,
                 repeat_number="13700000006")
