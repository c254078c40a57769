"""Signed requests (issue 13 §7): the signature covers method, path, timestamp and body, and a
signature is accepted once — a captured request cannot be replayed, to its own path or another."""

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hotline.core.signing import MAX_SKEW_SECONDS, sign, sign_request, signed_headers
from hotline.core.testing import postgres_only, run_in_threads
from hotline.integrations.models import CaseUrge
from hotline.org.models import SeenSignature
from hotline.org.signing import remember
from hotline.org.tasks import purge_seen_signatures
from hotline.workorders.models import EventKind

from .conftest import CASES, SECRET, assert_error, case_payload, post_json, signed


def urge_body(urge_id="U1") -> bytes:
    return json.dumps({"urge_id": urge_id, "at": "2026-01-06T09:30:00+08:00", "content": "请加快处理"}).encode()


def test_the_signature_is_of_method_path_timestamp_and_body():
    expected = sign_request("k", "POST", "/api/v1/cti/events", "1764040502", b"{}")
    import hashlib
    import hmac

    assert expected == hmac.new(b"k", b"POST\n/api/v1/cti/events\n1764040502\n{}", hashlib.sha256).hexdigest()
    assert signed_headers("k", b"{}", method="post", path="/api/v1/cti/events", now=1764040502.25) == {
        "X-Timestamp": "1764040502.250",
        "X-Signature": sign_request("k", "POST", "/api/v1/cti/events", "1764040502.250", b"{}")}
    assert sign("k", "1764040502", b"{}") != expected  # the SMS gateway's scheme is another


def test_a_signed_urge_replayed_to_another_case_makes_no_urge(received, inbound_secret, platform_user):
    first = received()
    second = received(case_id="SD2026-0002")
    body = urge_body()
    headers = signed(body, path=f"{CASES}/{first.case_id}/urges")
    assert post_json(Client(), f"{CASES}/{first.case_id}/urges", body, **headers).status_code == 201

    # the same signed request sent to the other case's path: the signature does not fit that path
    replayed = post_json(Client(), f"{CASES}/{second.case_id}/urges", body, **headers)

    assert_error(replayed, 401, "not_authenticated")
    assert not second.order.events.filter(kind=EventKind.URGED).exists()
    assert CaseUrge.objects.count() == 1


def test_a_signed_request_is_accepted_once(received, inbound_secret, platform_user):
    case = received()
    url = f"{CASES}/{case.case_id}/urges"
    headers = signed(urge_body(), path=url)
    assert post_json(Client(), url, urge_body(), **headers).status_code == 201

    replayed = post_json(Client(), url, urge_body(), **headers)

    body = assert_error(replayed, 401, "not_authenticated")
    assert "sign every request anew" in body["message"] or "签名" in body["message"]
    # signed anew (another second), the same urge is the idempotent repeat it always was
    again = signed(urge_body(), path=url)
    assert again != headers
    assert post_json(Client(), url, urge_body(), **again).status_code == 200
    assert CaseUrge.objects.count() == 1


def test_a_signature_for_one_method_does_not_open_another(received, inbound_secret):
    case = received()
    url = f"{CASES}/{case.case_id}"
    as_post = signed(b"", path=url, method="POST")
    assert_error(Client().get(url, **as_post), 401, "not_authenticated")
    assert Client().get(url, **signed(b"", path=url, method="GET")).status_code == 200


def test_a_case_signed_the_old_way_is_refused(city, platform_user, inbound_secret):
    body = json.dumps(case_payload()).encode()
    timestamp = str(int(time.time()))
    headers = {"HTTP_X_TIMESTAMP": timestamp, "HTTP_X_SIGNATURE": sign(SECRET, timestamp, body)}
    assert_error(post_json(Client(), CASES, body, **headers), 401, "not_authenticated")


def test_seen_signatures_are_forgotten_once_out_of_the_window(db):
    assert remember("a" * 64) and not remember("A" * 64)
    remember("b" * 64)
    SeenSignature.objects.filter(signature="a" * 64).update(
        seen_at=timezone.now() - timedelta(seconds=2 * MAX_SKEW_SECONDS + 61))

    assert purge_seen_signatures.call_local() == 1
    assert list(SeenSignature.objects.values_list("signature", flat=True)) == ["b" * 64]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_signature_at_once_on_several_servers_is_accepted_once():
    results = run_in_threads(8, lambda i: remember("c" * 64))
    assert sorted(results) == [False] * 7 + [True]
