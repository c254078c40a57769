"""The live board as a user journey (SPEC.md C9, README "Live board"): the shift lead watches today's
calls, the demo's outages with their linked calls and the surge of S10, and the board moves by itself
when a call comes in. Every expectation is read from the data the test wrote, at whatever hour it runs
(CI runs it again at an evening and a night hour: ``make test-clocks``)."""

from datetime import timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.clock, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outages(catalogue, demo):
    from hotline.demo.outages import seed_outages
    from hotline.outages.models import Outage, OutageKind, OutageStatus
    from hotline.shifts.defaults import ensure_default_shifts

    ensure_default_shifts()
    seed_outages(log=lambda *a: None)
    current = Outage.objects.filter(status=OutageStatus.ACTIVE)
    return {"planned": current.get(kind=OutageKind.PLANNED), "burst": current.get(kind=OutageKind.EMERGENCY)}


def _calls_today() -> int:
    from django.utils import timezone

    from hotline.calls.models import Call, Direction

    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Call.objects.filter(ringing_at__gte=midnight, ringing_at__lte=now, direction=Direction.INBOUND).count()


def test_the_shift_lead_watches_the_outages_and_the_surge_and_the_board_moves_by_itself(
        page, base_url, login, snap, outages, monkeypatch):
    from django.utils import timezone

    from hotline.calls.models import Call
    from hotline.calls.services import call_log
    from hotline.customers.models import Account
    from hotline.org.models import User
    from hotline.reports import board_views
    from hotline.workorders.models import RequestType, Subject

    monkeypatch.setattr(board_views, "REFRESH_SECONDS", 2)  # the page's own refresh, not a reload
    burst, planned = outages["burst"], outages["planned"]
    community = burst.areas.get().community
    calls_today = _calls_today()
    linked = {o.number: Call.objects.filter(outage=o).count() for o in (burst, planned)}

    login("shiftlead")
    page.goto(f"{base_url}/reports/board/")
    assert page.locator("#tile-calls").inner_text().strip() == str(calls_today)
    rows = {row.inner_text(): row for row in page.locator(".board-outage").all()}
    for outage in (burst, planned):
        text = next((t for t in rows if outage.area_text in t), None)
        assert text is not None, f"{outage.number} is not on the board"
        assert timezone.localtime(outage.expected_restore_at).strftime("%m-%d %H:%M") in text
        assert text.split()[-1] == str(linked[outage.number]), "its linked calls"
    surge = page.locator(".board-surge", has_text=community.name)
    assert burst.number in surge.inner_text(), "the surge of S10 names its outage"
    hour = timezone.localtime().hour
    bar = page.locator("#board-hours rect title").nth(hour).text_content()
    assert bar.startswith(f"{hour}:00 — "), bar
    snap("board")

    # A caller from the burst's community rings: the board counts it at its next refresh.
    caller = Account.objects.filter(premise__community=community, phones__isnull=False).order_by("pk").first()
    phone = caller.phones.first().number
    call_log(actor=User.objects.get(username="operator"), caller_number=phone, account=caller,
             request_type=RequestType.objects.get(code="consultation"), subject=Subject.objects.get(code="no_water"),
             summary="家里还是没水", ringing_at=timezone.now() - timedelta(seconds=20), outage=burst)
    page.wait_for_function("n => document.querySelector('#tile-calls').textContent.trim() === String(n)",
                           arg=calls_today + 1)
    row = page.locator(".board-outage", has_text=burst.area_text)
    assert row.inner_text().split()[-1] == str(linked[burst.number] + 1)
    snap("board-after-a-call")
