"""A simulated shift at one seat (issue 14): thirty calls ring one after another through the CTI events
API, as the PBX would post them; each is popped into the call panel by itself and logged. A new call
that rings while the operator is still writing up the previous one waits in the banner: logging then
logs the previous caller (a form mixing the two callers is refused), and F2 switches with the draft
kept. The PBX's calls are matched to the callers' accounts and communities, so that they make the
community's surge on the shift lead's board and are linked to the outage in one click."""

import itertools
import json
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from tests.browser.helpers import wait_for_htmx
from tests.browser.test_outages import open_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLS = 30
SEQ = itertools.count(1)


@dataclass
class Caller:
    number: str
    account_no: str | None
    community: str | None


@pytest.fixture
def pbx(base_url, demo):
    from hotline.org.models import User
    from hotline.org.services import api_token_create

    raw = api_token_create(actor=User.objects.get(username="admin"), user=User.objects.get(username="pbx"),
                           name="PBX")[1]
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {raw}"}, timeout=10)

    def post(event: str, call_id: str, number: str, **extra) -> None:
        from django.utils import timezone

        body = {"event": event, "call_id": call_id, "from": number, "to": "96889", "queue": "hotline",
                "agent": "8001", "at": timezone.now().isoformat(), **extra}
        response = client.post("/api/v1/cti/events", content=json.dumps(body),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 200, response.text

    yield post
    client.close()


def callers() -> tuple[str, list[Caller]]:
    """The community with the most callers (its taps run dry this afternoon) and the shift's thirty
    callers: twelve calls from it, the others from all over the city, two from unknown numbers."""
    from django.db.models import Count

    from hotline.customers.models import AccountPhone

    single = set(AccountPhone.objects.values("number").annotate(n=Count("id")).filter(n=1)
                 .values_list("number", flat=True))
    rows = [(number, account_no, community) for number, account_no, community in AccountPhone.objects.filter(
        number__in=single, position=0, account__premise__community__isnull=False).order_by("account_id")
        .values_list("number", "account__account_no", "account__premise__community__name")]
    sizes: dict[str, int] = {}
    for _n, _a, community in rows:
        sizes[community] = sizes.get(community, 0) + 1
    dry = max(sizes, key=lambda c: (sizes[c], c))
    inside = [Caller(*r) for r in rows if r[2] == dry]
    outside = [Caller(*r) for r in rows if r[2] != dry]
    assert len(inside) >= 2 and len(outside) >= 16
    shift = []
    for n in range(CALLS):
        if n % 5 in (1, 3) or n in (10, 11, 20):
            shift.append(inside[n % len(inside)])
        elif n in (7, 24):
            shift.append(Caller(f"1590000{n:04d}", None, None))
        else:
            shift.append(outside[n % len(outside)])
    return dry, shift


def test_thirty_calls_one_after_another_at_one_seat(page, base_url, demo, login, pbx, shot, person, catalogue):
    from hotline.calls.models import Call
    from hotline.workorders.models import Subject

    dry, shift = callers()
    no_water = str(Subject.objects.get(code="no_water").pk)
    ids = [f"shift-{n:02d}" for n in range(CALLS)]

    def pk(n: int) -> str:
        return str(Call.objects.get(cti_call_id=ids[n]).pk)

    def ring(n: int, *, answer: bool = True) -> None:
        pbx("ringing", ids[n], shift[n].number)
        if answer:
            pbx("answered", ids[n], shift[n].number)

    def popped(n: int) -> None:
        """The panel holds call n by itself: its number, its PBX record, its customer."""
        page.wait_for_function(
            "([number, call]) => document.getElementById('call-number').value === number"
            " && document.getElementById('cti-call').value === call", arg=[shift[n].number, pk(n)], timeout=5000)
        who = f"#pop-account-{shift[n].account_no}" if shift[n].account_no else "#pop-no-account"
        page.locator(who).wait_for(timeout=5000)
        wait_for_htmx(page)
        if shift[n].account_no:
            assert page.locator(f"#acct-{shift[n].account_no}").is_checked()
            assert shift[n].account_no in page.locator("#call-card h2").inner_text()

    def write_up(n: int) -> str:
        summary = f"第{n + 1}通：" + ("家里停水了，询问何时恢复" if shift[n].community == dry else "咨询水费")
        page.locator("#id_summary").fill(summary)
        if shift[n].community == dry:
            with page.expect_response(lambda r: r.request.headers.get("hx-target") == "call-details"):
                page.locator("#id_subject").select_option(no_water)
            wait_for_htmx(page)
        return summary

    def log(n: int) -> None:
        page.locator("#log-call").click()
        page.wait_for_url(f"{base_url}/calls/")
        page.locator(".alert-success").wait_for()
        pbx("hangup", ids[n], shift[n].number, cause="answered")

    login("operator")  # seat 8001
    page.goto(f"{base_url}/calls/")
    page.locator("#pop-empty").wait_for()
    shot("ready")
    n = 0
    while n < CALLS:
        if n == 10:
            # The wrong-customer case: call 11 rings while the operator writes up call 10.
            ring(n)
            popped(n)
            draft = write_up(n)
            ring(n + 1, answer=False)
            page.locator(f'#live-call[data-call-id="{ids[n + 1]}"] #live-switch').wait_for(timeout=5000)
            assert page.locator("#call-number").input_value() == shift[n].number
            assert page.locator("#cti-call").input_value() == pk(n)
            assert page.locator("#id_summary").input_value() == draft
            shot("new-caller-waits-draft-kept")
            # A form that mixes the two callers (the panel switching as it is sent) is refused.
            page.evaluate("call => { document.getElementById('cti-call').value = call; }", pk(n + 1))
            page.locator("#log-call").click()
            page.locator("#call-number.is-invalid").wait_for()
            shot("mixed-form-refused")
            assert not Call.objects.filter(cti_call_id__in=ids[n:n + 2]).exclude(summary="").exists()
            page.evaluate("call => { document.getElementById('cti-call').value = call; }", pk(n))
            log(n)  # call 10, for its own caller
            pbx("answered", ids[n + 1], shift[n + 1].number)
            popped(n + 1)  # the waiting caller fills the panel by itself
            shot("waiting-caller-popped")
            write_up(n + 1)
            log(n + 1)
            n += 2
            continue
        if n == 20:
            # Caller 20 has hung up, the operator is still writing: call 21 waits in the banner; F2
            # takes it; call 20's draft is kept and comes back when it is opened from "my calls".
            ring(n)
            popped(n)
            draft = write_up(n)
            pbx("hangup", ids[n], shift[n].number, cause="answered")
            ring(n + 1, answer=False)
            page.locator(f'#live-call[data-call-id="{ids[n + 1]}"] #live-switch').wait_for(timeout=5000)
            page.keyboard.press("F2")
            popped(n + 1)
            assert page.locator("#id_summary").input_value() == ""
            pbx("answered", ids[n + 1], shift[n + 1].number)
            shot("switched-with-f2")
            write_up(n + 1)
            log(n + 1)
            page.locator(f'#my-calls a.unlogged-call[href$="call={pk(n)}"]').click()
            popped(n)
            page.wait_for_function("draft => document.getElementById('id_summary').value === draft", arg=draft)
            shot("draft-back")
            log(n)
            n += 2
            continue
        ring(n)
        popped(n)
        shot(f"call-{n + 1:02d}-popped", full_page=False)
        write_up(n)
        log(n)
        n += 1

    page.locator("#pop-empty").wait_for()
    page.locator("#my-calls").filter(has_text="第30通").wait_for()
    # The last call's hangup came after it was logged: the list shows its final state by itself.
    page.wait_for_function("() => !/通话中|振铃/.test(document.getElementById('my-calls').innerText)", timeout=8000)
    shot("shift-done")

    calls = {c.cti_call_id: c for c in Call.objects.filter(cti_call_id__in=ids).select_related("account", "community")}
    assert len(calls) == CALLS and Call.objects.count() == CALLS  # the PBX's records, completed: none twice
    for i, caller in enumerate(shift):
        call = calls[ids[i]]
        assert call.summary.startswith(f"第{i + 1}通") and call.operator.username == "operator"
        assert (call.account.account_no if call.account else None) == caller.account_no, i
        assert (call.community.name if call.community else None) == caller.community, i
    from_dry = sum(1 for c in shift if c.community == dry)

    # The shift lead's board: the community's surge, made of the PBX's calls.
    lead = person("shiftlead")
    lead.page.goto(f"{base_url}/outages/surges/")
    row = lead.page.locator("#surge-table tr.surge-row[data-kind=community]").filter(has_text=dry)
    assert row.count() == 1 and int(row.locator("td").nth(1).inner_text()) == from_dry
    lead.shot("surge")

    # The burst main is announced; the coordinator links the calls of the period in one click.
    from django.utils import timezone

    from hotline.customers.models import Community
    from hotline.org.models import User
    from hotline.outages.services import Area, outage_announce

    outage = outage_announce(actor=User.objects.get(username="coordinator"), kind="emergency",
                             reason="DN200供水管道爆管抢修", starts_at=timezone.now() - timedelta(hours=1),
                             expected_restore_at=timezone.now() + timedelta(hours=4),
                             area=Area(communities=[Community.objects.get(name=dry)]))
    coordinator = person("coordinator")
    coordinator.page.goto(f"{base_url}/outages/{outage.number}/")
    form = open_action(coordinator.page, "calls")
    form.locator("#submit-calls").click()
    coordinator.page.locator("#timeline > li.timeline-event[data-kind=calls_linked]").wait_for()
    assert coordinator.page.locator("#linked-calls").inner_text().strip() == str(from_dry)
    assert outage.calls.count() == from_dry
    assert set(outage.calls.values_list("community__name", flat=True)) == {dry}
    coordinator.shot("calls-linked")
