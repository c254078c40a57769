"""Fixtures for the 12345 integration: the platform's user and token, a small city whose addresses the
cases name, a case payload, the fake platform and a delivery of the outbox."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import account_row
from hotline.core.signing import signed_headers
from hotline.customers.models import Community, District
from hotline.integrations.testing import FakePlatform
from hotline.org.roles import Role
from hotline.org.services import api_token_create
from hotline.workorders.tests.conftest import other_unit, staff  # noqa: F401 (fixtures)

CASES = "/api/v1/gov12345/cases"
SECRET = "inbound-secret"
PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9as\x00\x00\x00\x16IDATx\x9cc\xe4\xcd\xfb\xcb\xc0\xc0\xc0\xc4\xc0\xc0\xc0\xc0\xc0\x00\x00\x10\xda\x01|U\x7f!\xef\x00\x00\x00\x00IEND\xaeB`\x82'  # a real 2×2 PNG: attachments are typed by their content


def iso(value) -> str:
    return timezone.localtime(value).isoformat()


def case_payload(case_id: str = "SD2026-0001", **changes) -> dict:
    """A case as the platform sends it: a frozen pipe at 张伟's home (account 3100000001)."""
    now = timezone.now().replace(microsecond=0)
    payload = {
        "case_id": case_id, "received_at": iso(now - timedelta(minutes=20)), "title": "家中水管冻裂漏水",
        "content": "市民来电反映：家中厨房水管冻裂，一直在漏水，请尽快处理。", "category": "冻管",
        "address": "张店区中央公园2期3号楼2单元501室", "caller": "张伟", "phone": "13805331234",
        "sign_deadline": iso(now + timedelta(hours=1)), "reply_deadline": iso(now + timedelta(days=5)),
    }
    payload.update(changes)
    return payload


def png_attachment(name: str = "现场.png") -> dict:
    return {"name": name, "content_base64": base64.b64encode(PNG).decode()}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def signed(body: bytes, secret: str = SECRET, *, path: str = CASES, method: str = "POST") -> dict:
    """The headers of a request signed for ``method`` and ``path``, as Django's test client takes them."""
    headers = signed_headers(secret, body, method=method, path=path)
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def post_json(client: Client, url: str, data, **headers):
    body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return client.post(url, body, content_type="application/json", **headers)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]
    return body


@pytest.fixture
def city(import_rows, units):
    """张店区: 中央公园2期 (张伟 3-2-501, 李晓明 3-2-502, and 张伟's second home, same phone, in 锦绣花园)."""
    import_rows(account_row("3100000001", "张伟", phones="13805331234"),
                account_row("3100000002", "李晓明", phones="13900000002", room="502"),
                account_row("3100000003", "张伟", phones="13805331234", community="锦绣花园", building="8",
                            road_no="200"))
    District.objects.update(branch=units["branch"])
    Community.objects.update(branch=units["branch"])
    return {c.name: c for c in Community.objects.all()}


@pytest.fixture
def platform_user(make_user):
    return make_user(Role.GOV12345, username="gov12345", unit="hotline")


@pytest.fixture
def platform_token(platform_user, admin_user):
    return api_token_create(actor=admin_user, user=platform_user, name="12345")[1]


@pytest.fixture
def pbx_token(make_user, admin_user):
    return api_token_create(actor=admin_user, user=make_user(Role.PBX, username="pbx"), name="pbx")[1]


@pytest.fixture
def platform_client(platform_token):
    client = Client()
    client.defaults.update(bearer(platform_token))
    return client


@pytest.fixture
def inbound_secret(settings):
    settings.GOV12345_INBOUND_SECRET = SECRET
    return SECRET


@pytest.fixture
def receive(platform_client, city):
    """POST a case as the platform (``payload``, or the default one with ``changes``); returns the response."""

    def post(payload: dict | None = None, **changes):
        return post_json(platform_client, CASES, payload or case_payload(**changes))

    return post


@pytest.fixture
def received(receive):
    """A received case (dispatched to the 张店 repair centre) and its order."""
    from hotline.integrations.models import Case

    def make(**changes):
        response = receive(**changes)
        assert response.status_code == 201, response.json()
        return Case.objects.select_related("order").get(case_id=response.json()["case_id"])

    return make


@pytest.fixture
def fake_platform(settings):
    with FakePlatform() as platform:
        for name, value in platform.settings().items():
            setattr(settings, name, value)
        yield platform


@pytest.fixture
def deliver():
    """Run the outbox worker once (the configured gateways), as the periodic task does."""
    from hotline.notify.services import deliver_due

    return lambda **kwargs: deliver_due(**kwargs)


def snapshot() -> dict:
    """Row counts of everything a 12345 request can write: equal before and after a refusal."""
    from hotline.core.models import AuditEvent
    from hotline.integrations.models import Case, CaseUrge
    from hotline.notify.models import Message
    from hotline.workorders.models import Alert, Attachment, WorkOrder, WorkOrderEvent

    counts = {model.__name__: model.objects.count()
              for model in (Case, CaseUrge, WorkOrder, WorkOrderEvent, Attachment, Alert, Message, AuditEvent)}
    counts["versions"] = sorted(WorkOrder.objects.values_list("pk", "version", "status"))
    counts["messages"] = sorted(Message.objects.values_list("pk", "status", "attempts"))
    return counts
