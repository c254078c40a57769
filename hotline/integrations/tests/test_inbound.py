"""A case transferred by the 12345 platform: received once, as a work order with the platform's
deadlines; resent, answered the same; refused clearly (and nothing stored) when it is wrong, too big, or
not the platform's to send."""

import base64
import json
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hotline.core.models import AuditEvent
from hotline.integrations.models import Case
from hotline.workorders.models import Attachment, EventKind, Source, Status, WorkOrder

from .conftest import CASES, assert_error, bearer, case_payload, png_attachment, post_json, signed, snapshot


def test_a_case_becomes_a_dispatched_work_order_with_the_platforms_deadlines(receive, units, platform_user):
    payload = case_payload()

    response = receive(payload)

    assert response.status_code == 201
    body = response.json()
    order = WorkOrder.objects.get()
    case = Case.objects.get()
    assert body["case_id"] == "SD2026-0001" and body["order_number"] == order.number
    assert body["status"] == Status.DISPATCHED and body["unit"] == units["repair"].name
    assert (order.source, order.external_id, order.status, order.unit) == (
        Source.GOV_12345, "SD2026-0001", Status.DISPATCHED, units["repair"])
    assert order.accept_due == datetime.fromisoformat(payload["sign_deadline"])
    assert order.resolve_due == datetime.fromisoformat(payload["reply_deadline"])
    assert datetime.fromisoformat(body["accept_due"]) == order.accept_due
    assert datetime.fromisoformat(body["resolve_due"]) == order.resolve_due
    assert order.subject.code == "frozen_pipe" and order.request_type.code == "repair" and order.urgency == "urgent"
    assert (order.title, order.contact_name, order.contact_phone) == ("家中水管冻裂漏水", "张伟", "13805331234")
    assert order.description == payload["content"] and order.address == payload["address"]
    assert order.account.account_no == "3100000001" and order.community.name == "中央公园2期"
    assert order.created_by == platform_user
    assert list(order.events.values_list("kind", flat=True)) == [EventKind.CREATED, EventKind.DISPATCHED]
    assert (case.order, case.category, case.caller, case.phone) == (order, "冻管", "张伟", "13805331234")
    assert case.sign_deadline == order.accept_due and case.reply_deadline == order.resolve_due
    assert AuditEvent.objects.filter(action="gov12345.case_received", target_id=str(case.pk)).count() == 1


def test_a_resend_stores_nothing_and_gets_the_first_answer(receive):
    payload = case_payload()
    first = receive(payload)
    before = snapshot()

    again = receive(payload)

    assert first.status_code == 201 and again.status_code == 200
    assert again.content == first.content
    assert snapshot() == before


def test_a_resend_written_differently_is_still_the_same_case(receive, platform_client):
    payload = case_payload()
    first = receive(payload)
    before = snapshot()
    payload = dict(payload)
    for name in ("received_at", "sign_deadline", "reply_deadline"):
        payload[name] = datetime.fromisoformat(payload[name]).astimezone(timezone.UTC).isoformat()

    again = post_json(platform_client, CASES, dict(reversed(list(payload.items()))))

    assert again.status_code == 200 and again.content == first.content
    assert snapshot() == before


def test_the_same_case_id_with_other_content_is_refused(receive):
    payload = case_payload()
    receive(payload)
    before = snapshot()

    response = receive({**payload, "title": "另一件事"})

    body = assert_error(response, 409, "conflict")
    assert "case_id" in body["fields"]
    assert snapshot() == before and WorkOrder.objects.get().title == "家中水管冻裂漏水"


def _without(name: str) -> dict:
    payload = case_payload()
    del payload[name]
    return payload


@pytest.mark.parametrize(("payload", "field"), [
    (_without("case_id"), "case_id"),
    (_without("title"), "title"),
    (_without("content"), "content"),
    (_without("category"), "category"),
    (_without("address"), "address"),
    (_without("caller"), "caller"),
    (_without("phone"), "phone"),
    (_without("received_at"), "received_at"),
    (_without("sign_deadline"), "sign_deadline"),
    (_without("reply_deadline"), "reply_deadline"),
    (case_payload(case_id=""), "case_id"),
    (case_payload(case_id="含中文/斜杠"), "case_id"),
    (case_payload(case_id="X" * 41), "case_id"),
    (case_payload(title="   "), "title"),
    (case_payload(content=""), "content"),
    (case_payload(phone="电话"), "phone"),
    (case_payload(received_at="yesterday"), "received_at"),
    (case_payload(sign_deadline="2020-01-01T08:00:00+08:00"), "sign_deadline"),
    (case_payload(reply_deadline="2020-01-01T08:00:00+08:00"), "reply_deadline"),
    (case_payload(urgency="asap"), "urgency"),
    (case_payload(attachments=[{"name": "a.jpg"}]), "attachments.0"),
    (case_payload(attachments=[{"name": "a.jpg", "url": "ftp://x/a.jpg"}]), "attachments.0.url"),
    (case_payload(attachments="none"), "attachments"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_an_invalid_field_is_named_and_nothing_is_stored(platform_client, city, payload, field):
    before = snapshot()

    response = post_json(platform_client, CASES, payload)

    body = assert_error(response, 422, "validation_error")
    assert field in body["fields"], body
    assert snapshot() == before


@pytest.mark.parametrize(("attachment", "field"), [
    ({"name": "现场.png", "content_base64": "不是base64!"}, "attachments.1.content_base64"),
    ({"name": "script.exe", "content_base64": base64.b64encode(b"MZ").decode()}, "attachments.1.content_base64"),
    # Typed by the content, not the name: a page named as a photo is refused.
    ({"name": "现场.jpg", "content_base64": base64.b64encode(b"<html><script>alert(1)</script>").decode()},
     "attachments.1.content_base64"),
])
def test_an_attachment_that_cannot_be_taken_is_refused_and_nothing_stored(platform_client, city, attachment, field):
    before = snapshot()

    response = post_json(platform_client, CASES, case_payload(attachments=[png_attachment(), attachment]))

    body = assert_error(response, 422, "validation_error")
    assert field in body["fields"]
    assert snapshot() == before


def test_not_json_is_refused(platform_client, city):
    before = snapshot()
    assert_error(post_json(platform_client, CASES, b"{not json"), 400, "validation_error")
    assert snapshot() == before


def test_attachments_inline_are_stored_and_links_kept(receive):
    link = {"name": "录音", "url": "https://12345.example.gov.cn/files/rec-1.mp3"}

    response = receive(attachments=[png_attachment("厨房.png"), link])

    assert response.status_code == 201
    case = Case.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.order == case.order and attachment.name == "厨房.png"
    assert attachment.event.kind == EventKind.CREATED
    assert attachment.file.read() == base64.b64decode(png_attachment()["content_base64"])
    assert case.attachment_links == [link]


def test_an_attachment_over_10_mb_is_refused_with_413(platform_client, city):
    big = base64.b64encode(b"\0" * (10 * 1024 * 1024 + 1)).decode()
    before = snapshot()

    response = post_json(platform_client, CASES, case_payload(attachments=[{"name": "大.jpg", "content_base64": big}]))

    body = assert_error(response, 413, "payload_too_large")
    assert "attachments.0.content_base64" in body["fields"]
    assert snapshot() == before


@pytest.mark.parametrize("auth", ["token", "signature"])
def test_a_body_over_20_mb_is_refused_with_413_before_it_is_read(platform_client, city, inbound_secret, auth):
    body = json.dumps(case_payload(content="水" * (7 * 1024 * 1024))).encode()  # 3 bytes a character
    assert len(body) > 20 * 1024 * 1024
    before = snapshot()

    response = post_json(platform_client if auth == "token" else Client(), CASES, body,
                         **({} if auth == "token" else signed(b"")))

    assert_error(response, 413, "payload_too_large")
    assert snapshot() == before


def test_a_bad_token_is_refused_with_401(city):
    before = snapshot()
    assert_error(post_json(Client(), CASES, case_payload(), **bearer("hl_wrong")), 401, "not_authenticated")
    assert_error(post_json(Client(), CASES, case_payload()), 401, "not_authenticated")
    assert snapshot() == before


def test_a_signed_request_acts_as_the_platform_user(city, platform_user, inbound_secret):
    body = json.dumps(case_payload()).encode()

    response = post_json(Client(), CASES, body, **signed(body))

    assert response.status_code == 201
    assert WorkOrder.objects.get().created_by == platform_user


@pytest.mark.parametrize("case", ["wrong secret", "body changed", "old timestamp", "no secret configured"])
def test_a_bad_signature_is_refused_with_401(city, platform_user, inbound_secret, settings, case):
    body = json.dumps(case_payload()).encode()
    headers = signed(body, secret="other" if case == "wrong secret" else inbound_secret)
    if case == "body changed":
        body = body.replace(b"SD2026-0001", b"SD2026-0002")
    if case == "old timestamp":
        headers["HTTP_X_TIMESTAMP"] = str(int(float(headers["HTTP_X_TIMESTAMP"])) - 3600)
    if case == "no secret configured":
        settings.GOV12345_INBOUND_SECRET = ""
    before = snapshot()

    assert_error(post_json(Client(), CASES, body, **headers), 401, "not_authenticated")
    assert snapshot() == before


def test_another_systems_token_is_forbidden(city, pbx_token):
    before = snapshot()

    assert_error(post_json(Client(), CASES, case_payload(), **bearer(pbx_token)), 403, "permission_denied")
    assert_error(post_json(Client(), f"{CASES}/SD2026-0001/urges", {"urge_id": "U1", "at": case_payload()["received_at"],
                                                                      "content": "催"}, **bearer(pbx_token)),
                 403, "permission_denied")
    assert snapshot() == before


def test_a_logged_in_operator_cannot_post_cases(city, staff):
    client = Client()
    client.force_login(staff["operator"])
    before = snapshot()

    assert_error(post_json(client, CASES, case_payload()), 401, "not_authenticated")
    assert snapshot() == before


@pytest.mark.parametrize(("category", "subject", "request_type", "urgency"), [
    ("冻管", "frozen_pipe", "repair", "urgent"),
    ("冻表", "frozen_meter", "repair", "urgent"),
    ("水表冻坏了", "frozen_meter", "repair", "urgent"),
    ("水压低", "low_pressure", "repair", "urgent"),
    ("管道漏水", "branch_leak", "repair", "urgent"),
    ("主管道漏水", "burst_main", "repair", "emergency"),
    ("消防栓漏水", "hydrant", "repair", "emergency"),
    ("停水", "no_water", "repair", "urgent"),
    ("水质", "water_quality", "repair", "urgent"),
    ("水费", "bill_query", "complaint", "normal"),
    ("城市管理其他", "complaint_service", "complaint", "normal"),
])
def test_the_category_is_mapped_to_a_subject(received, category, subject, request_type, urgency):
    order = received(category=category).order

    assert (order.subject.code, order.request_type.code, order.urgency) == (subject, request_type, urgency)


def test_the_platforms_urgency_wins_over_the_subjects(received):
    assert received(urgency="emergency").order.urgency == "emergency"


def test_a_case_without_a_matching_assignment_rule_waits_at_the_hotline(received):
    case = received(category="城市管理其他")

    assert case.order.status == Status.NEW and case.order.unit is None
    assert case.answer["status"] == "new" and case.answer["unit"] is None
    assert case.order.accept_due == case.sign_deadline and case.order.resolve_due == case.reply_deadline


def test_deadlines_stay_the_platforms_when_the_order_is_dispatched_by_hand(received, staff, units):
    from hotline.workorders.services import order_dispatch

    case = received(category="城市管理其他")

    order_dispatch(actor=staff["operator"], order=case.order, unit=units["repair"])

    case.order.refresh_from_db()
    assert case.order.accept_due == case.sign_deadline and case.order.resolve_due == case.reply_deadline


def test_a_naive_time_is_the_platforms_local_time(received):
    case = received(received_at="2026-01-05T08:00:00", sign_deadline="2099-01-05T09:00:00",
                    reply_deadline="2099-01-10T17:30:00")

    assert timezone.localtime(case.received_at).isoformat() == "2026-01-05T08:00:00+08:00"
    assert case.order.resolve_due == datetime.fromisoformat("2099-01-10T17:30:00+08:00")


def test_a_case_received_late_keeps_the_deadline_it_has(received):
    past = timezone.now() - timedelta(hours=1)
    case = received(received_at=(past - timedelta(hours=2)).isoformat(), sign_deadline=past.isoformat())

    assert case.order.accept_due == past


def test_the_api_documents_the_platforms_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    receive = schema["paths"]["/api/v1/gov12345/cases"]["post"]

    assert {"201", "200", "409", "413", "422", "401", "403"} <= set(receive["responses"])
    assert {"PlatformToken", "PlatformSignature"} <= {next(iter(s)) for s in receive["security"]}
    assert "/api/v1/gov12345/cases/{case_id}/urges" in schema["paths"]
