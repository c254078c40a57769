"""The platform adapter on its own: how the platform's answers become retries or failures, and the
fake platform's own checks (signature, path, body, idempotency key)."""

import json
import socket
import time

import httpx
import pytest

from hotline.core.signing import sign_request
from hotline.integrations.gov12345.adapter import (
    FALLBACK_SUBJECT,
    InCaseOrder,
    NotConfiguredGateway,
    PlatformGateway,
    gateway_from_settings,
    subject_code_for,
    to_wire,
)
from hotline.integrations.testing import FakePlatform
from hotline.notify.gateways import PermanentError, TemporaryError


def message(case_id="C-1", action="sign_for", **body):
    return json.dumps({"case_id": case_id, "action": action, "order_number": "GD1", "signed_at": "2026-01-05T09:00:00+08:00",
                       **body}, ensure_ascii=False)


@pytest.fixture
def platform():
    with FakePlatform() as fake:
        yield fake


def test_the_gateway_posts_signed_json_to_the_cases_action(platform):
    gateway = platform.gateway()

    gateway_id = gateway.send(key="case:1:sign_for:7", to="C-1", text=message(), channel="gov12345")

    [received] = platform.received
    assert received["id"] == gateway_id and received["key"] == "case:1:sign_for:7"
    assert (received["case_id"], received["action"]) == ("C-1", "sign_for")
    assert gateway.send(key="case:1:sign_for:7", to="C-1", text=message(), channel="gov12345") == gateway_id
    assert platform.duplicates == 1 and len(platform.received) == 1
    gateway.close()


@pytest.mark.parametrize(("status", "error"), [(500, TemporaryError), (503, TemporaryError), (429, TemporaryError),
                                               (400, PermanentError), (404, PermanentError), (409, PermanentError)])
def test_the_platforms_answers_become_retries_or_failures(platform, status, error):
    platform.fail_next(1, status)
    with pytest.raises(error, match=f"HTTP {status}"):
        platform.gateway().send(key="k", to="C-1", text=message(), channel="gov12345")


def test_a_platform_that_does_not_answer_is_retried():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        gateway = PlatformGateway(url=f"http://127.0.0.1:{server.getsockname()[1]}", api_key="k", secret="s",
                                  timeout=0.2)
        with pytest.raises(TemporaryError, match="Timeout"):
            gateway.send(key="k", to="C-1", text=message(), channel="gov12345")


def test_a_platform_that_cannot_be_reached_is_retried():
    gateway = PlatformGateway(url="http://127.0.0.1:9", api_key="k", secret="s", timeout=0.5)
    with pytest.raises(TemporaryError):
        gateway.send(key="k", to="C-1", text=message(), channel="gov12345")


def test_a_message_that_is_not_ours_fails(platform):
    with pytest.raises(PermanentError):
        platform.gateway().send(key="k", to="C-1", text="not json", channel="gov12345")


@pytest.mark.parametrize(("change", "status"), [
    ("secret", 401), ("api_key", 401), ("timestamp", 401), ("path", 404), ("body", 400), ("missing", 400),
    ("no key", 400)])
def test_the_fake_platform_checks_what_it_is_sent(platform, change, status):
    body = json.loads(message())
    if change == "body":
        body["case_id"] = "C-2"
    if change == "missing":
        del body["signed_at"]
    raw = json.dumps(body).encode()
    timestamp = "1000" if change == "timestamp" else str(int(time.time()))
    headers = {"X-Api-Key": "wrong" if change == "api_key" else platform.api_key, "X-Timestamp": timestamp,
               "X-Signature": sign_request("wrong" if change == "secret" else platform.secret, "POST",
                                           "/cases/C-1/unknown" if change == "path" else "/cases/C-1/sign_for",
                                           timestamp, raw),
               "Content-Type": "application/json"}
    if change != "no key":
        headers["Idempotency-Key"] = "k1"
    path = "/cases/C-1/unknown" if change == "path" else "/cases/C-1/sign_for"

    response = httpx.post(platform.url + path, content=raw, headers=headers)

    assert response.status_code == status and platform.received == []


def test_without_a_url_the_gateway_refuses_at_once(settings):
    settings.GOV12345_URL = ""
    gateway = gateway_from_settings()
    assert isinstance(gateway, InCaseOrder) and isinstance(gateway.gateway, NotConfiguredGateway)
    with pytest.raises(PermanentError, match="not configured"):
        NotConfiguredGateway().send(key="k", to="C-1", text=message(), channel="gov12345")


def test_the_wire_path_escapes_the_case_id():
    assert to_wire({"case_id": "A/1 2", "action": "reply"})[0] == "/cases/A%2F1%202/reply"


@pytest.mark.parametrize(("category", "code"), [
    ("冻管", "frozen_pipe"), ("冻表", "frozen_meter"), ("室外水表冻裂", "frozen_meter"), ("楼道管道冻堵", "frozen_pipe"),
    ("路边消火栓被撞", "hydrant"), ("小区二次供水水压不稳", "low_pressure"), ("", FALLBACK_SUBJECT), ("其他", FALLBACK_SUBJECT)])
def test_categories_map_to_subjects(category, code):
    assert subject_code_for(category) == code
