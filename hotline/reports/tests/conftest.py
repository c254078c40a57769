"""Data for the report tests, written in bulk with the exact times and states a test needs (the services
are tested elsewhere; here the counting is under test)."""

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from hotline.calls.models import Call
from hotline.org.roles import Role
from hotline.workorders.models import RequestType, Subject, WorkOrder, WorkOrderEvent

TZ = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def at(day, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)


@pytest.fixture
def staff(make_user):
    def operator(username, name):
        user = make_user(Role.OPERATOR, username=username)
        user.full_name = name
        user.save(update_fields=["full_name"])
        return user

    return {
        "operator": make_user(Role.OPERATOR),
        "lead": make_user(Role.SHIFT_LEAD, username="lead"),
        "manager": make_user(Role.MANAGER),
        "dispatcher": make_user(Role.DISPATCHER, username="dispatcher", unit="repair"),
        "a": operator("op-a", "话务员甲"),
        "b": operator("op-b", "话务员乙"),
    }


@pytest.fixture
def ref(db, catalogue):
    """Request types and subjects by code."""
    class Ref:
        types = {t.code: t for t in RequestType.objects.all()}
        subjects = {s.code: s for s in Subject.objects.all()}

    return Ref


def make_call(ringing_at, *, type=None, subject=None, operator=None, outcome="answered", talk=None, wait=5,
              direction="inbound", order=None) -> Call:
    answered = outcome not in ("missed", "abandoned")
    answered_at = ringing_at + timedelta(seconds=wait) if answered else None
    ended_at = answered_at + timedelta(seconds=talk) if answered and talk is not None else None
    return Call(direction=direction, caller_number="13800000000", ringing_at=ringing_at, answered_at=answered_at,
                ended_at=ended_at, operator=operator, request_type=type, subject=subject, outcome=outcome,
                work_order=order, wait_seconds=wait if answered else None)


def make_order(created_at, *, type, subject, source="call", status="dispatched", unit=None, **fields) -> WorkOrder:
    n = next(_numbers)
    return WorkOrder(number=f"GDT{n:08d}", source=source, request_type=type, subject=subject, status=status,
                     unit=unit, title=f"测试工单{n}", created_at=created_at,
                     dispatched_at=created_at if unit else None, **fields)


def save_orders(orders: list[WorkOrder], events: list[tuple[WorkOrder, str, datetime, dict]] = ()) -> None:
    WorkOrder.objects.bulk_create(orders)
    WorkOrderEvent.objects.bulk_create([WorkOrderEvent(order=o, kind=kind, at=when, data=data)
                                        for o, kind, when, data in events])
