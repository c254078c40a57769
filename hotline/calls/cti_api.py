"""The PBX's API (call events) and the connection KPIs. See docs/cti.md."""

from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from hotline.calls import cti, kpis
from hotline.core.api import TokenAuth
from hotline.core.api_types import Moment
from hotline.org.signing import SignatureAuth

router = Router(tags=["CTI"])


class CtiEventIn(Schema):
    event: Literal["ringing", "answered", "hangup"]
    call_id: str = Field(..., min_length=1, max_length=64, description="The PBX's id of the call")
    from_: str = Field("", alias="from", max_length=40, description="Caller number (empty when withheld)")
    to: str = Field("", max_length=40, description="Number called (the hotline's)")
    queue: str = Field("", max_length=32)
    agent: str = Field("", max_length=32, description="The seat: its extension or the operator's user name")
    at: Moment = Field(..., description="When it happened, with its time zone")
    cause: Literal["answered", "no_answer", "busy", "caller_hangup"] | None = Field(
        None, description="hangup only: why the call ended")


class CtiEventOut(Schema):
    call_id: str
    event: str
    duplicate: bool = Field(description="The event was already received: nothing changed")
    state: str | None = Field(description="ringing, answered or ended")
    outcome: str | None
    wait_seconds: int | None
    end_cause: str | None


@router.post("/cti/events", response=CtiEventOut, auth=[TokenAuth(), SignatureAuth("CTI_SECRET", "CTI_USER")],
             summary="A call event from the PBX (idempotent on call_id + event)")
def cti_event(request, payload: CtiEventIn):
    result = cti.cti_event_receive(
        actor=request.user, event=payload.event, call_id=payload.call_id, at=payload.at, caller=payload.from_,
        called=payload.to, queue=payload.queue, agent=payload.agent, cause=payload.cause or "")
    call = result.call
    return {"call_id": payload.call_id, "event": payload.event, "duplicate": result.duplicate,
            "state": call.line_state if call else None, "outcome": call.outcome if call else None,
            "wait_seconds": call.wait_seconds if call else None, "end_cause": (call.end_cause or None) if call else None}


class KpiIn(Schema):
    date_from: date
    date_to: date
    group: Literal["hour", "shift", "day"] = "hour"


class KpiRowOut(Schema):
    key: str
    label: str
    offered: int
    answered: int
    answered_in_target: int = Field(description="answered within 15 seconds")
    abandoned: int
    missed: int
    answer_rate: float | None = Field(description="接通率: answered / offered")
    service_level: float | None = Field(description="15秒接通率: answered within 15 s / offered")
    abandon_rate: float | None
    average_wait: float | None = Field(description="seconds, answered calls")
    average_handle: float | None = Field(description="seconds of conversation, answered calls")


class KpiOut(Schema):
    date_from: date
    date_to: date
    group: str
    rows: list[KpiRowOut]
    total: KpiRowOut


@router.get("/cti/kpis", response=KpiOut, summary="Connection KPIs by hour, shift or day")
def cti_kpis(request, params: Query[KpiIn]):
    report = kpis.connection_kpis(actor=request.user, date_from=params.date_from, date_to=params.date_to,
                                  group=params.group)
    return {"date_from": report.date_from, "date_to": report.date_to, "group": report.group,
            "rows": [r.as_dict() for r in report.rows], "total": report.total.as_dict()}
