"""Login throttling (issue 13 §3, §4): one throttle for /login/ and /admin/login/, per (user, address)
and per address, with a wait that grows, and client addresses that only trusted proxies can forward."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import RequestFactory
from django.utils import timezone

from conftest import PASSWORD
from hotline.org import throttle
from hotline.org.roles import Role
from hotline.org.tasks import purge_login_attempts

DESK = "10.0.0.1"
NAT = "10.9.9.9"  # the call centre's one address to the outside


def login(client, username, password, ip=DESK, path="/login/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def wait_passes(seconds: float, **filters) -> None:
    """Move the recorded failures back in time, as if ``seconds`` had passed."""
    attempts = AccessAttempt.objects.filter(**filters)
    for attempt in attempts:
        attempt.attempt_time -= timedelta(seconds=seconds)
        attempt.save(update_fields=["attempt_time"])


@pytest.fixture
def zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def test_admin_login_is_throttled_like_the_console(client, admin_user):
    answers = [login(client, "admin", f"wrong-{n}", path="/admin/login/").status_code for n in range(6)]
    # four refusals of the password, then the fifth failure starts the wait and the sixth try waits
    assert answers == [200, 200, 200, 200, 429, 429]
    response = login(client, "admin", PASSWORD, path="/admin/login/")
    assert response.status_code == 429 and not logged_in(client)
    assert int(response["Retry-After"]) > 0
    # the same throttle on the console: a user the admin refuses is refused here too, and back
    assert login(client, "admin", PASSWORD).status_code == 429 and not logged_in(client)
    assert AccessAttempt.objects.get(username="admin").failures_since_start == 5  # waiting tries not counted


def test_console_failures_hold_back_the_admin_login(client, admin_user):
    for n in range(5):
        login(client, "admin", f"wrong-{n}")
    assert login(client, "admin", PASSWORD, path="/admin/login/").status_code == 429
    assert not logged_in(client)


def test_the_throttled_page_is_the_login_page_saying_how_long_to_wait(client, operator, zh):
    for n in range(5):
        response = login(client, "operator", f"wrong-{n}")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "登录失败次数过多" in page and "1分钟" in page
    assert 'name="password"' in page  # the form, to try again later
    refused = login(client, "operator", PASSWORD)
    assert refused.status_code == 429 and "登录失败次数过多" in refused.content.decode()
    assert not logged_in(client)


def test_wrong_passwords_for_a_name_elsewhere_do_not_lock_it_at_its_desk(client, operator):
    for n in range(8):
        login(client, "operator", f"guess-{n}", ip="203.0.113.66")
    assert login(client, "operator", PASSWORD, ip="203.0.113.66").status_code == 429

    assert login(client, "operator", PASSWORD, ip=DESK).status_code == 302 and logged_in(client)


def test_made_up_names_from_the_call_centre_do_not_stop_its_operators(client, make_user, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 30
    make_user(Role.OPERATOR, username="op01")
    for n in range(20):  # under the address limit: nobody waits
        login(client, f"nobody{n}", "wrong", ip=NAT)
    assert login(client, "op01", PASSWORD, ip=NAT).status_code == 302
    client.post("/logout/")


def test_beyond_the_address_limit_new_names_wait_known_operators_do_not(client, make_user, settings):
    make_user(Role.OPERATOR, username="op01")
    make_user(Role.OPERATOR, username="op02")
    assert login(client, "op01", PASSWORD, ip=NAT).status_code == 302  # op01 works here
    client.post("/logout/")

    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        login(client, f"nobody{n}", "wrong", ip=NAT)

    # op01 has logged in from this address before: the address's count does not hold them back
    assert login(client, "op01", PASSWORD, ip=NAT).status_code == 302 and logged_in(client)
    client.post("/logout/")
    # op02 has not: they wait the address's delay (one minute at first), like the guesser
    refused = login(client, "op02", PASSWORD, ip=NAT)
    assert refused.status_code == 429 and refused["Retry-After"] == "60" and not logged_in(client)
    assert login(client, "nobody99", "wrong", ip=NAT).status_code == 429
    # from anywhere else op02 logs in at once; at the NAT once the minute has passed
    wait_passes(61, ip_address=NAT)
    assert login(client, "op02", PASSWORD, ip=NAT).status_code == 302


def test_the_wait_grows_with_every_failure_beyond_the_limit(client, operator, settings):
    assert (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_DELAY_SECONDS) == (5, 60)
    for n in range(4):
        assert login(client, "operator", f"wrong-{n}").status_code == 200
    waits = []
    for n in range(4):
        response = login(client, "operator", f"still-wrong-{n}")
        assert response.status_code == 429
        waits.append(int(response["Retry-After"]))
        # trying again before the time is up is refused and does not count
        assert login(client, "operator", PASSWORD).status_code == 429
        wait_passes(waits[-1] + 1, username="operator")
    assert waits == [60, 120, 240, 480]
    assert AccessAttempt.objects.get(username="operator").failures_since_start == 8
    assert login(client, "operator", PASSWORD).status_code == 302  # the last wait is over


def test_the_wait_is_capped_and_failures_are_forgotten(settings):
    settings.LOGIN_DELAY_MAX_SECONDS = 3600
    assert [throttle.delay_after(n, 5) for n in (4, 5, 6, 11, 12, 50)] == [0, 60, 120, 3600, 3600, 3600]


def test_failures_are_forgotten_after_a_quiet_day(client, operator, settings):
    for n in range(6):
        login(client, "operator", f"wrong-{n}")
    wait_passes(settings.LOGIN_FAILURE_MEMORY_SECONDS + 1, username="operator")
    assert login(client, "operator", "wrong-again").status_code == 200  # counted afresh: one failure
    assert AccessAttempt.objects.get(username="operator").failures_since_start == 1


def test_a_successful_login_forgets_the_names_failures_not_the_addresses(client, operator):
    login(client, "operator", "wrong", ip=NAT)
    login(client, "guesser", "wrong", ip=NAT)
    assert login(client, "operator", PASSWORD, ip=NAT).status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["guesser"]
    assert AccessLog.objects.filter(username="operator", ip_address=NAT).exists()


def test_user_names_are_counted_whatever_their_case(client, operator):
    for name in ("operator", "Operator", " OPERATOR", "operatoR", "OPERATOR "):
        login(client, name, "wrong")
    assert login(client, "operator", PASSWORD).status_code == 429


# --- addresses ------------------------------------------------------------------------------------

def ip_of(settings, remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return throttle.client_ip(RequestFactory().post("/login/", **meta))


def test_x_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert ip_of(settings, "203.0.113.9", "198.51.100.7") == "203.0.113.9"


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5", "10.1.0.0/16"]
    assert ip_of(settings, "10.0.0.5", "198.51.100.7") == "198.51.100.7"
    # a chain of trusted proxies: the right-most address that is not one of them
    assert ip_of(settings, "10.0.0.5", "198.51.100.7, 10.1.2.3") == "198.51.100.7"
    # what the client wrote itself in front of the proxy's entry does not count
    assert ip_of(settings, "10.0.0.5", "1.2.3.4, 198.51.100.7") == "198.51.100.7"
    # a client connecting directly cannot pretend, not even by naming the proxy
    assert ip_of(settings, "203.0.113.9", "198.51.100.7, 10.0.0.5") == "203.0.113.9"
    assert ip_of(settings, "10.0.0.5") == "10.0.0.5"
    assert ip_of(settings, "10.0.0.5", "not-an-address") == "10.0.0.5"


def test_a_forged_header_does_not_escape_the_throttle(client, operator, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for n in range(5):
        login(client, "operator", "wrong", ip="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert login(client, "operator", PASSWORD, ip="203.0.113.9",
                 HTTP_X_FORWARDED_FOR="198.51.100.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_behind_the_proxy_each_client_is_counted_on_its_own(client, operator, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for _ in range(5):
        login(client, "operator", "wrong", ip="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert login(client, "operator", PASSWORD, ip="10.0.0.5",
                 HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert login(client, "operator", PASSWORD, ip="10.0.0.5",
                 HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302


# --- the API's answer and housekeeping ------------------------------------------------------------

def test_the_api_answer_is_json_429_throttled(db, settings):
    request = RequestFactory().post("/api/v1/login", REMOTE_ADDR=DESK)
    request.hotline_retry_after = 120
    response = throttle.lockout_response(request, None, {"username": "operator"})
    assert response.status_code == 429 and response["Retry-After"] == "120"
    body = json.loads(response.content)
    assert body["code"] == "throttled" and body["message"] and body["fields"] == {"retry_after": "120"}


def test_periodic_purge_forgets_old_failures_and_access_logs(client, operator, settings):
    login(client, "operator", "wrong")
    login(client, "old", "wrong", ip="10.2.2.2")
    wait_passes(settings.LOGIN_FAILURE_MEMORY_SECONDS + 1, username="old")
    gone = AccessLog.objects.create(username="gone", ip_address=DESK, user_agent="x")
    AccessLog.objects.filter(pk=gone.pk).update(
        attempt_time=timezone.now() - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS + 1))

    assert purge_login_attempts.call_local() == (1, 1)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["operator"]
