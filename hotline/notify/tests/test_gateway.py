"""The gateways on their own: HttpSmsGateway against the fake gateway over real HTTP (signature, key,
timestamp, idempotency key, the errors it maps), and FileGateway, the default without a gateway URL."""

import json
import socket
import threading
import time

import httpx
import pytest

from hotline.core.signing import sign
from hotline.notify.gateways import FileGateway, HttpSmsGateway, PermanentError, TemporaryError, sms_gateway
from hotline.notify.models import Message, MessageStatus
from hotline.notify.services import deliver_due, enqueue_many
from hotline.notify.testing import FakeSmsGateway

from .conftest import outgoing

SMS = {"to": "13800000001", "text": "【清源水务】测试", "channel": "sms"}


def post(fake, *, timestamp=None, secret=None, api_key=None, body=None):
    body = body if body is not None else json.dumps({"key": "k1", **SMS}, ensure_ascii=False).encode()
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    return httpx.post(fake.url, content=body, headers={
        "Content-Type": "application/json", "X-Api-Key": fake.api_key if api_key is None else api_key,
        "X-Timestamp": timestamp, "X-Signature": sign(secret or fake.secret, timestamp, body)})


def test_sign_is_hmac_sha256_of_timestamp_newline_body():
    # Reference value computed independently: printf '1700000000\n{}' | openssl dgst -sha256 -hmac s3cret
    assert sign("s3cret", "1700000000", b"{}") == (
        "8fde3fc329669f06247fe4286e1e3b28c9eec44ae28331115eeec2269cc1cfc8")


def test_send_returns_the_gateway_id_and_the_gateway_receives_the_message(fake, gateway):
    gateway_id = gateway.send(key="outage:1:13800000001", **SMS)

    assert gateway_id == "fake-1"
    assert fake.delivered == [{**fake.delivered[0], "key": "outage:1:13800000001", **SMS, "id": "fake-1"}]
    assert fake.requests == 1 and fake.duplicates == 0


def test_a_repeated_key_is_the_same_message(fake, gateway):
    first = gateway.send(key="k1", **SMS)
    again = gateway.send(key="k1", **SMS)
    other = gateway.send(key="k2", **SMS)

    assert again == first != other
    assert len(fake.delivered) == 2 and list(fake.by_key) == ["k1", "k2"] and fake.duplicates == 1


@pytest.mark.parametrize("wrong", ["secret", "api_key"])
def test_wrong_credentials_are_refused_as_permanent(fake, wrong):
    client = fake.gateway(**{wrong: "not-the-right-one"})
    with pytest.raises(PermanentError, match="HTTP 401"):
        client.send(key="k1", **SMS)
    client.close()
    assert fake.delivered == [] and fake.rejected == 1


def test_the_fake_checks_signature_and_timestamp(fake):
    assert post(fake).status_code == 200
    assert post(fake, secret="guessed").status_code == 401
    assert post(fake, timestamp=int(time.time()) - 200).status_code == 200  # a clock a little off: fine
    assert post(fake, timestamp=int(time.time()) - 320).status_code == 401  # stale: a replay
    assert post(fake, timestamp=int(time.time()) + 320).status_code == 401
    assert post(fake, timestamp="yesterday").status_code == 401
    tampered = json.dumps({"key": "k2", **SMS, "to": "13999999999"}).encode()
    timestamp = str(int(time.time()))
    response = httpx.post(fake.url, content=tampered, headers={
        "X-Api-Key": fake.api_key, "X-Timestamp": timestamp,
        "X-Signature": sign(fake.secret, timestamp, json.dumps({"key": "k2", **SMS}).encode())})
    assert response.status_code == 401
    assert len(fake.delivered) == 1 and fake.rejected == 5 and fake.requests == 7


@pytest.mark.parametrize(("status", "error"), [(500, TemporaryError), (503, TemporaryError),
                                               (429, TemporaryError), (400, PermanentError),
                                               (403, PermanentError)])
def test_http_errors_map_to_temporary_or_permanent(fake, gateway, status, error):
    fake.fail_next(1, status)
    with pytest.raises(error, match=f"HTTP {status}"):
        gateway.send(key="k1", **SMS)
    assert gateway.send(key="k1", **SMS) == "fake-1"  # the failure was not an acceptance


def test_a_refused_recipient_is_a_permanent_error(fake, gateway):
    fake.refuse("13800000001")
    with pytest.raises(PermanentError, match="HTTP 400"):
        gateway.send(key="k1", **SMS)
    assert gateway.send(key="k2", **{**SMS, "to": "13800000002"}) == "fake-1"


def test_a_timeout_is_temporary_and_the_retry_is_recognised(fake):
    """The gateway accepted the message but the answer came too late: the retry with the same key
    does not send it again."""
    fake.delay = 0.3
    client = fake.gateway(timeout=0.05)
    with pytest.raises(TemporaryError, match="Timeout"):
        client.send(key="k1", **SMS)
    fake.delay = 0
    assert client.send(key="k1", **SMS) == "fake-1"
    client.close()
    assert len(fake.delivered) == 1 and fake.duplicates == 1


def test_an_unreachable_gateway_is_temporary():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = HttpSmsGateway(url=f"http://127.0.0.1:{port}/sms", api_key="k", secret="s", timeout=1)
    with pytest.raises(TemporaryError, match="ConnectError"):
        client.send(key="k1", **SMS)
    client.close()


def test_the_fake_counts_and_waits_across_threads():
    with FakeSmsGateway(delay=0.01) as fake:
        event = fake.reached(20)
        clients = [fake.gateway() for _ in range(4)]
        threads = [threading.Thread(target=lambda c=c, i=i: [c.send(key=f"k{i}-{n}", **SMS) for n in range(5)])
                   for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        assert fake.wait_for(20, timeout=10) and event.wait(1)
        for t in threads:
            t.join(10)
        for c in clients:
            c.close()
        assert len(fake.delivered) == 20 and len({d["id"] for d in fake.delivered}) == 20
        assert fake.snapshot()["requests"] == 20 and not fake.wait_for(21, timeout=0.05)


def test_default_gateway_follows_the_settings(settings, configured):
    assert isinstance(sms_gateway(), HttpSmsGateway)
    settings.SMS_GATEWAY_URL = ""
    assert isinstance(sms_gateway(), FileGateway)


def test_file_gateway_appends_json_lines_to_the_outbox_log(db, settings, tmp_path):
    settings.SMS_GATEWAY_URL = ""
    settings.OUTBOX_LOG = str(tmp_path / "outbox.log")
    enqueue_many(outgoing(2))

    done = deliver_due()
    enqueue_many(outgoing(1, start=2))
    again = deliver_due()

    assert (done.sent, again.sent) == (2, 1)
    text = (tmp_path / "outbox.log").read_text(encoding="utf-8")
    assert "测试短信" in text  # written as UTF-8, not \u escapes
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["key"] for line in lines] == ["test:0", "test:1", "test:2"]
    assert lines[0]["to"] == "13800000000" and lines[0]["channel"] == "sms" and lines[0]["text"].startswith("【")
    assert {m.idempotency_key: m.gateway_id for m in Message.objects.all()} == {
        "test:0": "file:test:0", "test:1": "file:test:1", "test:2": "file:test:2"}
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
