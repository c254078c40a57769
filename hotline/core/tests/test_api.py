"""The JSON API: authentication (session and token), permissions per endpoint, error shape."""

import io

import pytest
from django.test import Client

from conftest import account_row
from hotline.core.models import AuditEvent
from hotline.customers.models import Account
from hotline.org.roles import Role
from hotline.org.services import api_token_create


@pytest.fixture
def account(import_rows):
    import_rows(account_row("3100000001", "张伟", phones="13805331234"))


@pytest.fixture
def token_for(admin_user):
    def make(user):
        return api_token_create(actor=admin_user, user=user, name="test")[1]

    return make


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_error(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]
    return body


ENDPOINTS = ["/api/v1/me", "/api/v1/accounts/search?q=张伟", "/api/v1/accounts/3100000001", "/api/v1/tokens"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_calls_get_401(client, account, url):
    assert_error(client.get(url), 401, "not_authenticated")


def test_bad_token_gets_401(client, account):
    assert_error(client.get("/api/v1/me", **bearer("hl_nope")), 401, "not_authenticated")


def test_search_with_a_token(client, account, make_user, token_for):
    # The billing system's token imports and nothing else; a staff member's token searches as they would.
    billing = token_for(make_user(Role.INTEGRATION, username="billing"))
    assert client.get("/api/v1/accounts/search", {"q": "1234"}, **bearer(billing)).status_code == 403
    token = token_for(make_user(Role.MANAGER, username="office"))
    response = client.get("/api/v1/accounts/search", {"q": "1234"}, **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert hit["account_no"] == "3100000001" and hit["phone"] == "138****1234" and hit["match"] == "phone"
    assert hit["community"] == "中央公园2期" and hit["address"].startswith("张店区人民路128号")


def test_search_with_the_console_session(client, account, operator):
    client.force_login(operator)
    assert client.get("/api/v1/accounts/search", {"q": "张伟"}).json()["results"][0]["account_no"] == "3100000001"


def test_account_detail_and_audit(client, account, operator):
    client.force_login(operator)
    body = client.get("/api/v1/accounts/3100000001").json()
    assert body["phones"] == ["13805331234"]
    assert body["premise"]["community"] == "中央公园2期" and body["premise"]["building"] == "3号楼"
    assert body["meter"]["number"] == "M3100000001" and body["meter_history"][0]["removed_on"] is None
    assert AuditEvent.objects.filter(action="customer.viewed", data={"via": "api"}).count() == 1


def test_account_detail_masks_phones_for_managers(client, account, manager):
    client.force_login(manager)
    assert client.get("/api/v1/accounts/3100000001").json()["phones"] == ["138****1234"]


def test_unknown_account_is_a_structured_404(client, account, operator):
    client.force_login(operator)
    assert_error(client.get("/api/v1/accounts/0000000000"), 404, "not_found")


def test_validation_errors_name_the_field(client, account, operator):
    client.force_login(operator)
    body = assert_error(client.get("/api/v1/accounts/search", {"q": "张伟", "limit": "0"}), 422, "validation_error")
    assert "limit" in body["fields"]
    assert "q" in assert_error(client.get("/api/v1/accounts/search"), 422, "validation_error")["fields"]


def test_wrong_role_gets_403(client, account, make_user):
    client.force_login(make_user("nothing", username="stranger"))
    assert_error(client.get("/api/v1/accounts/search", {"q": "张伟"}), 403, "permission_denied")
    assert_error(client.get("/api/v1/accounts/3100000001"), 403, "permission_denied")


def test_me(client, operator):
    client.force_login(operator)
    body = client.get("/api/v1/me").json()
    assert body["role"] == "operator" and body["unit"] == "供水服务热线"
    assert "customer.view" in body["permissions"] and "customer.import" not in body["permissions"]


def test_session_writes_need_csrf(operator, admin_user, make_user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_user)
    response = csrf_client.post("/api/v1/tokens", {"username": "admin", "name": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_token_management_api(client, admin_user, operator, make_user):
    system = make_user(Role.INTEGRATION, username="cti")
    client.force_login(operator)
    assert_error(client.post("/api/v1/tokens", {"username": "cti", "name": "PBX"}, content_type="application/json"),
                 403, "permission_denied")

    client.force_login(admin_user)
    created = client.post("/api/v1/tokens", {"username": "cti", "name": "PBX"}, content_type="application/json")
    assert created.status_code == 201
    raw = created.json()["token"]
    token_client = Client()  # no session: the token alone authenticates
    assert token_client.get("/api/v1/me", **bearer(raw)).json()["username"] == system.username
    assert "token" not in client.get("/api/v1/tokens").json()[0]

    token_id = created.json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").json()["revoked_at"] is not None
    assert token_client.get("/api/v1/me", **bearer(raw)).status_code == 401
    body = assert_error(client.post("/api/v1/tokens", {"username": "ghost", "name": "x"},
                                    content_type="application/json"), 400, "validation_error")
    assert "username" in body["fields"]


def test_import_through_the_api(client, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    data = io.BytesIO("account_no,holder_name,district\n3100000001,张伟,张店区\n3100000002,,张店区\n".encode())
    data.name = "a.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports", {"file": data, "kind": "accounts"})
    assert response.status_code == 202
    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert job["status"] == "done" and job["created"] == 1 and job["error_count"] == 1
    assert job["errors"][0]["line"] == 3
    assert Account.objects.count() == 1


def test_import_api_refuses_operators(client, operator):
    client.force_login(operator)
    data = io.BytesIO(b"account_no,holder_name,district\n1,2,3\n")
    data.name = "a.csv"
    assert_error(client.post("/api/v1/imports", {"file": data}), 403, "permission_denied")
    assert_error(client.get("/api/v1/imports/1"), 403, "permission_denied")


def test_openapi_document_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/accounts/search" in schema["paths"] and "/api/v1/imports" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_health_check_needs_no_login(client, db):
    assert client.get("/healthz").json()["status"] == "ok"


def test_nightly_statistics_task_runs(db):
    from hotline.core.tasks import refresh_planner_statistics

    refresh_planner_statistics.call_local()  # PRAGMA optimize on SQLite, nothing on PostgreSQL
