from datetime import datetime

from ninja import Field, Router, Schema

from hotline.reports.board import as_dict, live_board

router = Router(tags=["reports"])


class HourOut(Schema):
    hour: int
    calls: int
    usual: float


class UnitOut(Schema):
    unit_id: int | None
    unit: str | None
    open: int
    overdue: int


class BoardOutage(Schema):
    number: str
    area: str
    status: str
    kind: str
    expected_restore_at: datetime
    linked_calls: int


class BoardSurge(Schema):
    kind: str
    name: str
    calls: int
    usual: float


class BoardCase(Schema):
    number: str
    external_id: str
    title: str
    status: str
    unit: str | None
    due: datetime | None
    late: bool


class PersonOut(Schema):
    kind: str = Field(description="person (a field worker) or crew")
    id: int
    name: str
    unit: str
    open: int
    overdue: int


class BoardOut(Schema):
    at: datetime
    calls_today: int
    usual_so_far: float
    hours: list[HourOut]
    waiting: int | None
    talking: int | None
    answered_today: int | None
    unanswered_today: int | None
    service_level_today: float | None
    open_orders: int
    overdue_orders: int
    units: list[UnitOut]
    people: list[PersonOut]
    outages: list[BoardOutage]
    surges: list[BoardSurge]
    cases: list[BoardCase]
    callbacks_today: int
    satisfaction_today: float | None


@router.get("/board", response=BoardOut, summary="The live board: today's calls, orders, outages, surges, 12345")
def board(request):
    return as_dict(live_board(actor=request.user))
