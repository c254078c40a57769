"""The live screen pop's poll (/calls/live/) and the missed-call list in the console."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.calls.cti import cti_event_receive
from hotline.calls.models import Call, CallbackStatus
from hotline.org.roles import Role


@pytest.fixture
def pbx(make_user):
    return make_user(Role.PBX, username="pbx")


@pytest.fixture
def seat(make_user):
    return make_user(Role.OPERATOR, username="liu", extension="8001")


def ring(pbx, call_id="c1", agent="8001", number="13805331234", seconds_ago=2):
    at = timezone.now() - timedelta(seconds=seconds_ago)
    cti_event_receive(actor=pbx, event="ringing", call_id=call_id, at=at, caller=number, agent=agent)
    return Call.objects.get(cti_call_id=call_id)


def test_nothing_ringing_answers_204(client, seat):
    client.force_login(seat)
    response = client.get("/calls/live/")
    assert response.status_code == 204 and response.content == b""


def test_a_ringing_call_pops_with_the_caller_and_then_only_when_it_changes(client, seat, pbx, import_rows):
    from conftest import account_row

    import_rows(account_row("3100000001", "张伟", phones="13805331234"))
    call = ring(pbx)
    client.force_login(seat)
    first = client.get("/calls/live/")
    html = first.content.decode()
    assert first.status_code == 200 and 'data-call-id="c1"' in html and "张伟" in html and "3100000001" in html
    key = f"{call.pk}:ringing"
    assert f'data-key="{key}"' in html
    assert client.get("/calls/live/", {"seen": key}).status_code == 204
    cti_event_receive(actor=pbx, event="answered", call_id="c1", at=timezone.now(), agent="8001")
    answered = client.get("/calls/live/", {"seen": key})
    assert answered.status_code == 200 and f'data-key="{call.pk}:answered"' in answered.content.decode()
    cti_event_receive(actor=pbx, event="hangup", call_id="c1", at=timezone.now(), cause="answered")
    ended = client.get("/calls/live/", {"seen": f"{call.pk}:answered"})
    assert ended.status_code == 200 and ended.content == b""  # the banner goes


def test_another_seat_sees_nothing(client, seat, pbx, make_user):
    other = make_user(Role.OPERATOR, username="wang", extension="8002")
    ring(pbx, agent="8001")
    client.force_login(other)
    assert client.get("/calls/live/").status_code == 204


def test_the_poll_is_for_the_hotline_only(client, field_worker):
    client.force_login(field_worker)
    assert client.get("/calls/live/").status_code == 403
    client.logout()
    assert client.get("/calls/live/").status_code in (302, 401, 403)


def test_logging_from_the_panel_completes_the_pbx_call(client, seat, pbx, catalogue):
    from hotline.workorders.models import RequestType, Subject

    call = ring(pbx)
    cti_event_receive(actor=pbx, event="answered", call_id="c1", at=timezone.now(), agent="8001")
    client.force_login(seat)
    page = client.get("/calls/", {"number": "13805331234", "call": call.pk})
    assert f'name="cti_call" id="cti-call" value="{call.pk}"' in page.content.decode()
    response = client.post("/calls/", {
        "number": "13805331234", "cti_call": call.pk, "request_type": RequestType.objects.get(code="consultation").pk,
        "subject": Subject.objects.get(code="bill_query").pk, "summary": "问水费", "outcome": "answered"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Call.objects.count() == 1
    call.refresh_from_db()
    assert call.summary == "问水费" and call.operator == seat and call.cti_call_id == "c1"


def test_missed_calls_page_lists_numbers_and_marks_them_called_back(client, seat, pbx):
    for n in range(2):
        ring(pbx, call_id=f"m{n}", seconds_ago=300 - n * 60)
        cti_event_receive(actor=pbx, event="hangup", call_id=f"m{n}", at=timezone.now() - timedelta(seconds=200),
                          cause="caller_hangup")
    client.force_login(seat)
    page = client.get("/calls/missed/").content.decode()
    assert page.count('class="missed-row"') == 1 and "×2" in page
    response = client.post("/calls/missed/", {"number": "13805331234"})
    assert response.status_code == 302
    assert not Call.objects.filter(callback_status=CallbackStatus.PENDING).exists()
    assert set(Call.objects.values_list("called_back_by", flat=True)) == {seat.pk}
    assert 'class="missed-row"' not in client.get("/calls/missed/").content.decode()
