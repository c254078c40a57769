"""docs/gov12345.md and its examples say what the API takes and sends: the examples are checked
against what the code does."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from hotline.integrations.gov12345 import services
from hotline.notify.models import Message
from hotline.workorders.services import (
    order_accept,
    order_callback,
    order_decide_extension,
    order_request_extension,
    order_resolve,
)

from .conftest import CASES, post_json

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples" / "gov12345"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_the_documented_case_is_taken_and_answered_as_documented(platform_client, city):
    response = post_json(platform_client, CASES, example("case.json"))

    assert response.status_code == 201, response.json()
    assert set(response.json()) == set(example("case-answer.json"))
    assert response.json()["unit"] == example("case-answer.json")["unit"]

    urged = post_json(platform_client, f"{CASES}/SD20260105-0012/urges", example("urge.json"))
    assert urged.status_code == 201 and set(urged.json()) == set(example("urge-answer.json"))

    status = platform_client.get(f"{CASES}/SD20260105-0012").json()
    assert set(status) == set(example("status.json"))
    assert set(status["last_progress"] or example("status.json")["last_progress"]) == {"at", "note"}


def test_the_documented_outbound_messages_are_what_is_sent(received, staff):
    case = received()
    order = case.order
    order_accept(actor=staff["dispatcher"], order=order)
    order_request_extension(actor=staff["dispatcher"], order=order, until=order.resolve_due + timedelta(days=1),
                            reason="等待材料")
    order_decide_extension(actor=staff["lead"], order=order, approve=True)
    order_resolve(actor=staff["worker"], order=order, result="已处理")
    order_callback(actor=staff["operator"], order=order, satisfaction="satisfied")
    other = received(case_id="SD2026-0002")
    services.case_return(actor=staff["operator"], case=other, reason_code="duplicate", note="重复")

    sent = {m.template: json.loads(m.text) for m in Message.objects.filter(channel="gov12345")}

    for action in ("sign_for", "extension", "reply", "return"):
        assert set(sent[action]) == set(example(f"{action}.json")), action


@pytest.mark.parametrize("name", ["error-409.json", "error-413.json", "error-422.json"])
def test_the_documented_errors_have_the_apis_shape(name):
    assert set(example(name)) == {"code", "message", "fields"}
