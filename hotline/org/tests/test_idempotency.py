"""Idempotency-Key on POST /orders and POST /calls (issue 13 §7): a client that lost the answer
retries with the same key and gets the same answer, without a second order or call."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import account_row
from hotline.calls.models import Call
from hotline.core.testing import postgres_only, run_in_threads
from hotline.org.models import IdempotencyKey
from hotline.org.roles import Role
from hotline.org.tasks import purge_idempotency_keys
from hotline.workorders.models import WorkOrder

ORDER = {"request_type": "repair", "subject": "valve_shutoff", "title": "水管爆裂，需关闭户外阀门",
         "account_no": "3100000001", "contact_phone": "13805331234"}
CALL = {"caller_number": "13805331234", "subject": "bill_query", "summary": "询问水费", "outcome": "answered"}


@pytest.fixture
def city(import_rows, units):
    import_rows(account_row("3100000001", "张伟", phones="13805331234"))


@pytest.fixture
def operator_client(operator):
    client = Client()
    client.force_login(operator)
    return client


def post(client, url, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, data, content_type="application/json", **headers)


def test_a_retry_with_the_same_key_gets_the_same_order(city, operator_client):
    first = post(operator_client, "/api/v1/orders", ORDER, key="order-7f3a")
    assert first.status_code == 201, first.json()

    again = post(operator_client, "/api/v1/orders", ORDER, key="order-7f3a")

    assert again.status_code == 201 and again.json() == first.json()
    assert WorkOrder.objects.count() == 1
    other = post(operator_client, "/api/v1/orders", ORDER, key="order-8e4b")  # another key: another order
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    assert post(operator_client, "/api/v1/orders", ORDER).status_code == 201  # no key: as before
    assert WorkOrder.objects.count() == 3


def test_the_same_key_with_another_body_is_refused(city, operator_client):
    assert post(operator_client, "/api/v1/orders", ORDER, key="k1").status_code == 201

    refused = post(operator_client, "/api/v1/orders", {**ORDER, "title": "另一件事"}, key="k1")

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "conflict" and "Idempotency-Key" in body["fields"] and body["message"]
    assert WorkOrder.objects.count() == 1


def test_keys_belong_to_their_user_and_operation(city, operator_client, make_user):
    first = post(operator_client, "/api/v1/orders", ORDER, key="shared")
    colleague = Client()
    colleague.force_login(make_user(Role.SHIFT_LEAD, username="lead"))
    theirs = post(colleague, "/api/v1/orders", ORDER, key="shared")
    assert theirs.status_code == 201 and theirs.json()["number"] != first.json()["number"]
    call = post(operator_client, "/api/v1/calls", CALL, key="shared")  # another operation
    assert call.status_code == 201 and Call.objects.count() == 1


def test_a_refused_request_is_not_remembered(city, operator_client):
    refused = post(operator_client, "/api/v1/orders", {**ORDER, "account_no": "9999999999"}, key="k2")
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    assert post(operator_client, "/api/v1/orders", ORDER, key="k2").status_code == 201


def test_a_logged_call_is_not_logged_twice(city, operator_client):
    first = post(operator_client, "/api/v1/calls", CALL, key="call-1")
    assert first.status_code == 201, first.json()
    again = post(operator_client, "/api/v1/calls", CALL, key="call-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert Call.objects.count() == 1
    assert post(operator_client, "/api/v1/calls", {**CALL, "summary": "别的"}, key="call-1").status_code == 409


@pytest.mark.parametrize("key", ["", "x" * 201, "空格"])
def test_a_bad_key_is_a_validation_error(city, operator_client, key):
    response = post(operator_client, "/api/v1/orders", ORDER, key=key)
    assert response.status_code in (400, 422) and response.json()["code"] == "validation_error"
    assert not WorkOrder.objects.exists()


def test_the_header_is_in_the_openapi_document(operator_client):
    spec = operator_client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/orders", "/api/v1/calls"):
        params = {p["name"]: p for p in spec["paths"][path]["post"].get("parameters", [])}
        assert params["Idempotency-Key"]["in"] == "header" and not params["Idempotency-Key"].get("required")


def test_keys_are_forgotten_after_a_day(city, operator_client):
    post(operator_client, "/api/v1/orders", ORDER, key="old")
    post(operator_client, "/api/v1/orders", ORDER, key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_idempotency_keys.call_local() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_key_make_one_order(city, operator):
    def send(_i):
        client = Client()
        client.force_login(operator)
        response = post(client, "/api/v1/orders", ORDER, key="at-once")
        return response.status_code, response.json()

    results = run_in_threads(4, send)

    assert all(not isinstance(r, Exception) for r in results), results
    assert {status for status, _body in results} == {201}
    assert len({body["number"] for _status, body in results}) == 1
    assert WorkOrder.objects.count() == 1 and IdempotencyKey.objects.count() == 1
