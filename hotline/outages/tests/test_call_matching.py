"""Calls the PBX reports are matched to the caller's account(s), premise and community (calls.matching),
and so count in the surges, the outage's bulk link and the handover like calls logged by hand."""

import itertools
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from hotline.calls.models import Call
from hotline.customers.models import Account, AccountPhone
from hotline.org.roles import Role
from hotline.org.services import api_token_create

SEQ = itertools.count(1)


@pytest.fixture
def pbx(people, make_user):
    """Post a call's events to /api/v1/cti/events as the PBX does; returns the call's record."""
    from django.test import Client

    make_user(Role.OPERATOR, username="seat", extension="8001")
    token = api_token_create(actor=people["admin"], user=make_user(Role.PBX, username="pbx"), name="PBX")[1]
    client = Client()

    def ring(number: str, *, minutes_ago: float = 1, answer: bool = True, hangup: bool = True) -> Call:
        call_id = f"m-{next(SEQ)}"
        at = timezone.now() - timedelta(minutes=minutes_ago)
        events = [("ringing", 0)] + ([("answered", 5)] if answer else []) + ([("hangup", 60)] if hangup else [])
        for event, seconds in events:
            body = {"event": event, "call_id": call_id, "from": number, "to": "96889", "agent": "8001",
                    "at": (at + timedelta(seconds=seconds)).isoformat()}
            if event == "hangup":
                body["cause"] = "answered" if answer else "no_answer"
            response = client.post("/api/v1/cti/events", json.dumps(body), content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 200, response.content
        return Call.objects.get(cti_call_id=call_id)

    return ring


def where(call: Call) -> tuple:
    return (call.account.account_no if call.account_id else None,
            call.premise_id, call.community.name if call.community_id else None)


def test_a_cti_call_is_matched_to_one_account_one_community_or_none(city, pbx):
    chen = Account.objects.select_related("premise").get(account_no="3100000005")
    assert where(pbx("13900000005")) == ("3100000005", chen.premise_id, "锦绣花园")
    # 13800000001 belongs to two accounts of 幸福家园 (buildings 1 and 2): the community alone.
    assert where(pbx("13800000001")) == (None, None, "幸福家园")
    # A number on accounts in two communities: nothing, the operator picks on the panel.
    for account_no in ("3100000005", "3100000007"):
        AccountPhone.objects.create(account=Account.objects.get(account_no=account_no), number="13500000099",
                                    number_reversed="99000000531", position=5)
    assert where(pbx("13500000099")) == (None, None, None)
    assert where(pbx("13311112222")) == (None, None, None)  # nobody's number
    assert where(pbx("")) == (None, None, None)  # withheld


def test_the_operators_choice_wins_when_the_call_is_logged(city, pbx, people):
    from hotline.calls.services import call_log

    chosen = Account.objects.select_related("premise").get(account_no="3100000004")
    call = pbx("13800000001", hangup=False)
    call_log(actor=people["operator"], caller_number="13800000001", account=chosen, summary="问水费", call=call)
    assert where(Call.objects.get(pk=call.pk)) == ("3100000004", chosen.premise_id, "幸福家园")
    # Several accounts of one community and none chosen: the community stays.
    call = pbx("13800000001", hangup=False)
    call_log(actor=people["operator"], caller_number="13800000001", summary="问停水", call=call)
    assert where(Call.objects.get(pk=call.pk)) == (None, None, "幸福家园")
    # One account matched, the operator says "none of these": no account, premise or community.
    call = pbx("13900000005", hangup=False)
    call_log(actor=people["operator"], caller_number="13900000005", summary="替邻居问", call=call)
    assert where(Call.objects.get(pk=call.pk)) == (None, None, None)
    # Logged by hand with an account: its premise and community.
    hand = call_log(actor=people["operator"], caller_number="13311112222", account=chosen, summary="问")
    assert where(Call.objects.get(pk=hand.pk)) == ("3100000004", chosen.premise_id, "幸福家园")


def test_cti_calls_make_a_surge_of_their_community(city, pbx):
    from hotline.outages.selectors import call_surges

    assert not call_surges()
    for n in range(6):
        pbx(("13800000001", "13800000002")[n % 2], minutes_ago=5 + n)
    surges = [(s.kind, s.name, s.calls) for s in call_surges()]
    assert ("community", "幸福家园", 6) in surges


def test_the_bulk_link_takes_the_matched_cti_calls_of_the_area(city, pbx, announce, people):
    from hotline.outages.services import link_calls_in_period

    outage = announce(starts_at=timezone.now() - timedelta(hours=2))
    inside = [pbx("13800000001", minutes_ago=30), pbx("13800000002", minutes_ago=20)]  # community; account
    outside = [pbx("13900000005", minutes_ago=10), pbx("13311112222", minutes_ago=10)]  # 锦绣花园; unknown
    linked = link_calls_in_period(actor=people["lead"], outage=outage, start=timezone.now() - timedelta(hours=1),
                                  end=timezone.now())
    assert linked == 2
    assert set(Call.objects.filter(outage=outage).values_list("pk", flat=True)) == {c.pk for c in inside}
    assert not Call.objects.filter(pk__in=[c.pk for c in outside], outage__isnull=False).exists()


def test_the_handover_names_a_repeated_cti_caller(city, pbx):
    from hotline.shifts.summary import Window, _notable

    for minutes in (50, 30, 10):
        pbx("13800000002", minutes_ago=minutes)
    now = timezone.now()
    notable = _notable(Window(start=now - timedelta(hours=2), end=now + timedelta(hours=1), now=now))
    [repeat] = notable["repeat_callers"]["items"]
    assert repeat["holder"] == "李娜" and repeat["calls"] == 3


def test_match_calls_matches_stored_calls_once(city, pbx, people):
    from hotline.calls.services import call_log

    calls = [pbx("13900000005"), pbx("13800000001"), pbx("13311112222")]
    by_hand = call_log(actor=people["operator"], caller_number="13900000005",
                       account=Account.objects.get(account_no="3100000006"), summary="问")
    unmatched_by_choice = call_log(actor=people["operator"], caller_number="13900000005", summary="替邻居问")
    # As stored before matching existed.
    Call.objects.update(account=None, premise=None, community=None)
    Call.objects.filter(pk=by_hand.pk).update(account=Account.objects.get(account_no="3100000006"))
    out = []
    call_command("match_calls", "--batch", "2", stdout=_Lines(out))
    assert [where(Call.objects.get(pk=c.pk))[2] for c in calls] == ["锦绣花园", "幸福家园", None]
    assert where(Call.objects.get(pk=calls[0].pk))[0] == "3100000005"
    assert where(Call.objects.get(pk=by_hand.pk))[::2] == ("3100000006", "锦绣花园")
    assert where(Call.objects.get(pk=unmatched_by_choice.pk)) == (None, None, None)  # the operator's choice
    assert any("/4 calls checked" in line for line in out) and "3 matched" in out[-1]
    out.clear()
    call_command("match_calls", stdout=_Lines(out))
    assert "0 matched" in out[-1]  # idempotent: the unknown number is checked again, nothing changes


class _Lines:
    def __init__(self, lines: list):
        self.lines = lines

    def write(self, text: str) -> None:
        self.lines.extend(line for line in text.splitlines() if line)

    def flush(self) -> None:
        pass
