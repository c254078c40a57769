"""Outages as user journeys (SPEC.md §2 S5 and S10, README "Outages"): the screen pop of a caller in a
planned outage, the emergency outage extended and its surge of calls linked in one click, a planned
outage announced through the area picker and the preview, and the shift lead's surge board.

The browser demo city has no history (``history_days=0``), so the tests that need the demo's four
outages write them through ``hotline.demo.outages.seed_outages`` (which uses ``outages.services``,
relative to now): S5's planned outage with the water off since four hours ago, S10's burst main
extended to 06:00 tomorrow with 64 calls (a third not linked yet), one restored, one next week.
Every person works in their own browser context; the public reads the public page without logging in.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from tests.browser.helpers import (
    PHONE,
    assert_no_horizontal_overflow,
    htmx_response,
    wait_for_htmx,
    wait_for_transitions,
)

pytestmark = [pytest.mark.browser, pytest.mark.clock, pytest.mark.django_db(transaction=True)]

LOCAL = "%Y-%m-%dT%H:%M"  # a datetime-local input's value


# --- dates as the pages show them ---------------------------------------------------------------------

def local(moment: datetime) -> datetime:
    from django.utils import timezone

    return timezone.localtime(moment)


def as_input(moment: datetime) -> str:
    return local(moment).strftime(LOCAL)


def as_console(moment: datetime) -> str:
    """The outage page's dates: 2026-11-26 06:00."""
    return local(moment).strftime("%Y-%m-%d %H:%M")


def as_public(moment: datetime) -> str:
    """The screen pop's and the public page's dates: 11月26日 06:00."""
    moment = local(moment)
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def minute(moment: datetime) -> datetime:
    return local(moment).replace(second=0, microsecond=0)


# --- the demo city's outages --------------------------------------------------------------------------

@dataclass
class DemoOutages:
    planned: object  # S5: water off since this morning, a 张店 community
    burst: object  # S10: a burst main, extended to 06:00 tomorrow, 64 calls
    restored: object
    next_week: object


@pytest.fixture
def outages(catalogue, demo) -> DemoOutages:
    from hotline.demo.outages import seed_outages
    from hotline.outages.models import Outage, OutageStatus

    seed_outages(log=lambda *a: None)
    rows = list(Outage.objects.order_by("starts_at"))
    assert len(rows) == 4, "the demo city should have its four outages"
    by = {(o.kind, o.status): o for o in rows}
    return DemoOutages(planned=by["planned", OutageStatus.ACTIVE], burst=by["emergency", OutageStatus.ACTIVE],
                       restored=by["planned", OutageStatus.RESTORED], next_week=by["planned", OutageStatus.SCHEDULED])


def community_of(outage):
    return outage.areas.select_related("community__road").get().community


@dataclass
class Caller:
    account_no: str
    holder_name: str
    phone: str


def caller_in(community) -> Caller:
    """An active account of the community with one phone that no other account has."""
    from django.db.models import Count

    from hotline.customers.models import Account, AccountPhone

    shared = set(AccountPhone.objects.values("number").annotate(n=Count("account")).filter(n__gt=1)
                 .values_list("number", flat=True))
    for account in (Account.objects.filter(status="active", premise__community=community)
                    .prefetch_related("phones").order_by("account_no")):
        phones = [p.number for p in account.phones.all()]
        if len(phones) == 1 and phones[0] not in shared:
            return Caller(account.account_no, account.holder_name, phones[0])
    raise AssertionError(f"no account of {community.name} has a phone of its own")


def staff(username: str):
    from hotline.org.models import User

    return User.objects.get(username=username)


def notices_waiting(outage) -> int:
    from hotline.notify.models import Message, MessageStatus

    return Message.objects.filter(topic=f"outage:{outage.pk}", status=MessageStatus.PENDING).count()


def outage_url(base_url: str, number: str) -> str:
    return f"{base_url}/outages/{number}/"


def open_action(page, name: str):
    """Open an action of the outage page (an accordion item); returns its form once it is shown."""
    page.locator(f"#action-{name} .accordion-button").click()
    page.locator(f"#panel-{name}.show").wait_for()
    wait_for_transitions(page)
    return page.locator(f"#form-{name}")


def timeline(page) -> list[str]:
    """The outage's events, oldest first (their ``data-kind``)."""
    return page.eval_on_selector_all("#timeline > li.timeline-event", "items => items.map(li => li.dataset.kind)")


def search_public(page, base_url: str, q: str) -> None:
    page.goto(f"{base_url}/outages/public/")
    page.locator("#public-q").fill(q)
    page.locator("#public-q").press("Enter")
    page.wait_for_url(re.compile(r"/outages/public/\?q="))


# --- S5 -----------------------------------------------------------------------------------------------

def test_s5_caller_in_planned_outage_is_logged_against_it_then_water_back_early(
        page, base_url, outages, login, snap, person):
    from django.utils import timezone

    from hotline.calls.models import Call, Outcome
    from hotline.outages.models import OutageStatus
    from hotline.outages.selectors import PUBLIC_RESTORED_HOURS
    from hotline.outages.services import answer_script

    planned = outages.planned
    caller = caller_in(community_of(planned))

    # 11:58, a resident says the water stopped: the pop shows the planned outage at their address.
    login("operator")
    page.goto(f"{base_url}/calls/")
    with htmx_response(page, "screen-pop"):
        page.locator("#call-number").fill(caller.phone)
    page.locator(f"#pop-account-{caller.account_no}").wait_for()
    wait_for_htmx(page)
    box = page.locator("#pop-outages")
    assert "border-danger" in box.get_attribute("class")
    assert box.locator(".pop-outage").count() == 1, "only the outage at the caller's address"
    pop = box.locator(f"#pop-outage-{planned.number}")
    assert planned.area_text in pop.inner_text()
    assert as_public(planned.expected_restore_at) in pop.inner_text(), "the expected restore time"
    script = pop.locator(".outage-script").inner_text().strip()
    assert script == answer_script(planned).strip()
    assert as_public(planned.expected_restore_at) in script, "the answer script tells the caller when"
    snap("screen-pop-with-outage")

    # One click logs the call against the outage.
    pop.locator(f'button[name=outage_link][value="{planned.number}"]').click()
    page.wait_for_url(f"{base_url}/calls/")
    assert planned.number in page.locator(".alert-success").inner_text()
    call = Call.objects.get(outage=planned)
    assert (call.account.account_no, call.outcome, call.operator.username) == (
        caller.account_no, Outcome.LINKED_OUTAGE, "operator")
    mine = page.locator("#my-calls tbody tr").first  # newest first (the demo's operator took surge calls too)
    assert caller.holder_name in mine.inner_text()
    assert call.get_outcome_display() in mine.inner_text()
    assert caller.phone in mine.inner_text()
    snap("my-calls-today")

    # The coordinator sees the call on the outage, then marks the water back, four hours early.
    coordinator = person("coordinator")
    desk = coordinator.page
    desk.goto(outage_url(base_url, planned.number))
    assert desk.locator("#linked-calls").inner_text().strip() == "1"
    assert caller.holder_name in desk.locator("#surge-chart ~ table").inner_text()
    assert desk.locator("#outage-restored").count() == 0
    form = open_action(desk, "restore")
    # Four hours early, or now if that is still ahead, never before the water went off; the public page
    # then shows it for PUBLIC_RESTORED_HOURS (the demo's S5 went off four hours ago at most).
    back_at = minute(planned.expected_restore_at - timedelta(hours=4))
    back_at = max(min(back_at, minute(timezone.now())), minute(planned.starts_at))
    assert timezone.now() - back_at < timedelta(hours=PUBLIC_RESTORED_HOURS), "the demo's S5 started too long ago"
    form.locator("input[name=restored_at]").fill(as_input(back_at))
    form.locator("input[name=note]").fill("阀门更换提前完成，已恢复供水")
    coordinator.shot("restore-form")
    form.locator("#submit-restore").click()
    desk.locator("#outage-restored").wait_for()

    assert desk.locator("#outage-restored").inner_text().strip() == as_console(back_at)
    assert desk.locator("#outage-expected").inner_text().strip() == as_console(planned.expected_restore_at)
    assert "text-bg-success" in desk.locator("#outage-badges .outage-status").get_attribute("class")
    assert timeline(desk)[-1] == "restored"
    assert desk.locator("#action-restore, #action-extend").count() == 0, "a restored outage is not changed"
    planned.refresh_from_db()
    assert (planned.status, planned.restored_at) == (OutageStatus.RESTORED, back_at)
    assert notices_waiting(planned) > 0, "everyone affected is told the water is back"
    coordinator.shot("outage-restored")

    # The public page shows it as restored, with the actual time.
    public = person(None, viewport=PHONE)
    public.page.goto(f"{base_url}/outages/public/")
    card = public.page.locator(f"#public-{planned.number}")
    assert "text-bg-success" in card.locator(".badge").first.get_attribute("class")
    assert as_public(back_at) in card.inner_text()
    assert as_public(planned.expected_restore_at) not in card.inner_text()
    assert_no_horizontal_overflow(public.page)
    public.shot("public-restored")


# --- S10 ----------------------------------------------------------------------------------------------

def test_s10_emergency_outage_extended_once_and_the_surge_linked_in_one_click(
        page, base_url, outages, login, snap, person):
    from hotline.calls.models import Call

    burst = outages.burst
    community = community_of(burst)
    add_calls(community, 1, within_minutes=0)  # and one more, just now: the calls keep coming
    linked = burst.calls.count()
    waiting = Call.objects.filter(account__premise__community=community, outage__isnull=True).count()
    assert linked >= 40 and waiting >= 15, (linked, waiting)

    login("coordinator")
    page.locator("#nav-outages").click()
    page.wait_for_url(f"{base_url}/outages/")
    page.locator(f'#outage-table a[href="/outages/{burst.number}/"]').click()
    page.wait_for_url(outage_url(base_url, burst.number))
    assert page.locator("#outage-expected").inner_text().strip() == as_console(burst.expected_restore_at)
    assert local(burst.expected_restore_at).strftime("%H:%M") == "06:00"
    assert page.locator("#linked-calls").inner_text().strip() == str(linked)
    assert page.locator("#surge-chart > div").count() >= 2
    # The demo names a water supply point (an update) when the extended outage lasts beyond 24 h.
    assert [k for k in timeline(page) if k != "updated"] == ["announced", "extended"]
    snap("emergency-outage")

    # 延期: the repair needs four more hours.
    new_restore = burst.expected_restore_at + timedelta(hours=4)
    form = open_action(page, "extend")
    form.locator("input[name=expected_restore_at]").fill(as_input(new_restore))
    form.locator("input[name=reason]").fill("开挖后发现相邻管段腐蚀，需一并更换")
    snap("extend-form")
    before = notices_waiting(burst)
    form.locator("#submit-extend").click()
    page.locator("#outage-expected", has_text=as_console(new_restore)).wait_for()

    burst.refresh_from_db()
    assert burst.expected_restore_at == new_restore
    event = burst.events.order_by("-id").first()
    assert event.kind == "extended" and event.notified > 0
    assert notices_waiting(burst) == before + event.notified, "announced once: one notice per recipient"
    assert str(event.notified) in page.locator(".alert-success").inner_text()
    assert [k for k in timeline(page) if k != "updated"] == ["announced", "extended", "extended"]
    latest = page.locator("#timeline > li").last
    assert f"{as_public(new_restore - timedelta(hours=4))} → {as_public(new_restore)}" in latest.inner_text()
    assert str(event.notified) in latest.inner_text()
    assert "开挖后发现相邻管段腐蚀" in latest.inner_text()
    assert page.locator("#outage-script").inner_text().count(as_public(new_restore)) == 1
    snap("extended")

    # Every call of the period from the area is linked in one click.
    form = open_action(page, "calls")
    snap("link-calls-form")
    form.locator("#submit-calls").click()
    page.locator("#timeline > li.timeline-event[data-kind=calls_linked]").wait_for()
    assert page.locator("#linked-calls").inner_text().strip() == str(linked + waiting)
    assert Call.objects.filter(account__premise__community=community, outage__isnull=True).count() == 0
    assert str(waiting) in page.locator(".alert-success").inner_text()
    assert timeline(page)[-1] == "calls_linked"
    snap("calls-linked")

    # The public, on a phone and without logging in, finds the outage by community and by road.
    public = person(None, viewport=PHONE)
    phone = public.page
    search_public(phone, base_url, community.name)
    card = phone.locator(f"#public-{burst.number}")
    assert as_public(new_restore) in card.inner_text(), "the new expected time"
    assert "border-danger" in card.get_attribute("class")
    for other in (outages.restored, outages.next_week, outages.planned):
        if community.name not in other.area_text:
            assert phone.locator(f"#public-{other.number}").count() == 0
    assert_no_horizontal_overflow(phone)
    public.shot("public-by-community")

    road = community.road.name
    search_public(phone, base_url, road)
    assert as_public(new_restore) in phone.locator(f"#public-{burst.number}").inner_text()
    for card in phone.locator(".public-outage").all():
        assert road in card.inner_text(), "every outage found touches the road"
    assert_no_horizontal_overflow(phone)
    public.shot("public-by-road")


# --- announcing ---------------------------------------------------------------------------------------

def test_coordinator_announces_planned_outage_with_preview_and_short_notice_warning(
        page, base_url, catalogue, demo, login, snap):
    from django.db.models import Count
    from django.utils import timezone

    from hotline.customers.models import Community
    from hotline.notify.models import Message
    from hotline.outages.models import Outage
    from hotline.outages.services import Area, affected_accounts, customer_numbers

    community = (Community.objects.filter(branch__code="zhangdian").exclude(property_phone="")
                 .annotate(n=Count("premises__accounts")).filter(n__gt=0).order_by("-n", "pk").first())
    area = Area(communities=[community])
    accounts, customers = affected_accounts(area).count(), len(customer_numbers(area))
    assert customers > 0
    starts = minute(timezone.now() + timedelta(hours=6)).replace(minute=0)  # 5–6 h notice: short
    restore = starts + timedelta(hours=5)

    login("coordinator")
    page.goto(f"{base_url}/outages/")
    page.locator("#new-outage").click()
    page.wait_for_url(f"{base_url}/outages/new/")
    assert page.locator("input[name=kind][value=planned]").is_checked()
    page.locator("input[name=reason]").fill("DN150供水管道碰口施工")
    page.locator("input[name=starts_at]").fill(as_input(starts))
    page.locator("input[name=expected_restore_at]").fill(as_input(restore))

    # The area: the community, found by name.
    with htmx_response(page, "area-results"):
        page.locator("#area-q").fill(community.name)
    result = page.locator(".area-result").filter(
        has=page.locator("span.fw-semibold", has_text=re.compile(rf"^{re.escape(community.name)}$")))
    result.locator(".choose-community").click()
    chip = page.locator("#chosen .chosen-area")
    assert chip.count() == 1 and community.name in chip.inner_text()
    assert chip.locator("input[name=communities]").get_attribute("value") == str(community.pk)
    snap("area-chosen")

    # The preview: how many are told, the texts, and the rules (short notice).
    with htmx_response(page, "preview"):
        page.locator("#preview-button").click()
    page.locator("#preview-card").wait_for()
    counts = page.locator("#preview-counts strong").all_inner_texts()
    assert counts == [str(accounts), str(customers), "1"], counts
    assert page.locator(".preview-problem").count() == 1
    assert page.locator(".preview-problem[data-code=short_notice]").is_visible()
    assert "DN150供水管道碰口施工" in page.locator("#preview-sms").inner_text()
    assert as_public(restore) in page.locator("#preview-sms").inner_text()
    assert Outage.objects.count() == 0, "a preview writes nothing"
    snap("preview")

    page.locator("#announce-button").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/outages/TS\d+/$"))
    outage = Outage.objects.get()
    assert page.url == outage_url(base_url, outage.number)
    queued = Message.objects.filter(topic=f"outage:{outage.pk}").count()
    assert queued == customers + 1, "one SMS per mobile number and a notice to the property management"
    notice = page.locator(".alert-success").inner_text()
    assert outage.number in notice and str(queued) in notice
    assert page.locator("#outage-number").inner_text().strip() == outage.number
    assert page.locator("#outage-area").inner_text().strip() == community.name
    assert page.locator("#outage-expected").inner_text().strip() == as_console(restore)
    assert page.locator("#outage-accounts").inner_text().strip() == str(accounts)
    waiting = page.locator("#notice-counts > div").nth(1).locator(".fs-4").inner_text().strip()
    assert waiting == str(queued)
    assert timeline(page) == ["announced"]
    assert str(queued) in page.locator("#timeline > li").first.inner_text()
    assert page.locator(".alert-warning", has_text=re.compile(r"\d+")).count() >= 1, "the short notice stays shown"
    snap("announced")


# --- surges -------------------------------------------------------------------------------------------

def add_calls(community, count: int, *, within_minutes: int = 25, subject_code: str = "no_water") -> None:
    """``count`` calls from the community's customers in the last ``within_minutes`` minutes."""
    from django.utils import timezone

    from hotline.calls.services import call_log
    from hotline.customers.models import Account
    from hotline.workorders.models import RequestType, Subject

    accounts = list(Account.objects.filter(premise__community=community).prefetch_related("phones"))
    now = timezone.now()
    for i in range(count):
        account = accounts[i % len(accounts)]
        call_log(actor=staff("operator"), caller_number=account.phones.all()[0].number, account=account,
                 request_type=RequestType.objects.get(code="consultation"), subject=Subject.objects.get(code=subject_code),
                 summary="家里没水了", ringing_at=now - timedelta(minutes=within_minutes * (i + 1) / (count + 1)))


def test_surge_board_lists_burst_community_with_its_outage_and_offers_a_notice_for_another(
        page, base_url, outages, login, snap, person):
    from django.db.models import Count

    from hotline.customers.models import Community
    from hotline.outages.models import OutageArea

    burst = outages.burst
    burst_community = community_of(burst)
    covered = set(OutageArea.objects.values_list("community_id", flat=True))
    # A second community whose taps ran dry with no outage known (its name is no part of another's).
    names = list(Community.objects.values_list("name", flat=True))
    quiet = next(c for c in Community.objects.filter(branch__code="zhangdian").exclude(pk__in=covered)
                 .annotate(n=Count("premises__accounts")).filter(n__gt=0).order_by("-n", "pk")
                 if sum(c.name in n for n in names) == 1)
    add_calls(burst_community, 6)
    add_calls(quiet, 6)

    login("shiftlead")
    page.locator("#nav-supervision").click()  # the supervision menu
    page.locator("#nav-surges").click()
    page.wait_for_url(f"{base_url}/outages/surges/")
    page.locator('a[href="?minutes=30"]').click()
    page.wait_for_url(f"{base_url}/outages/surges/?minutes=30")
    rows = page.locator("#surge-table tr.surge-row[data-kind=community]")
    row = rows.filter(has_text=burst_community.name)
    assert row.count() == 1
    assert int(row.locator("td").nth(1).inner_text()) >= 6
    assert row.locator(f'a[href="/outages/{burst.number}/"]').is_visible(), "the outage that covers it"
    other = rows.filter(has_text=quiet.name)
    assert int(other.locator("td").nth(1).inner_text()) == 6
    assert other.locator("a").count() == 0, "a shift lead does not announce outages"
    assert page.locator("#surge-table tr.surge-row[data-kind=subject]").count() >= 1
    snap("surges-shift-lead")

    # The coordinator's board offers to extend the outage, or to announce one for the other community.
    coordinator = person("coordinator")
    board = coordinator.page
    board.goto(f"{base_url}/outages/surges/?minutes=30")
    rows = board.locator("#surge-table tr.surge-row[data-kind=community]")
    assert rows.filter(has_text=burst_community.name).locator(
        f'a[href="/outages/{burst.number}/#action-extend"]').is_visible()
    create = rows.filter(has_text=quiet.name).locator("a.create-outage")
    assert create.get_attribute("href") == f"/outages/new/?community={quiet.pk}"
    coordinator.shot("surges-coordinator")
    create.click()
    board.wait_for_url(f"{base_url}/outages/new/?community={quiet.pk}")
    assert board.locator("input[name=kind][value=emergency]").is_checked()
    chip = board.locator("#chosen .chosen-area")
    assert chip.count() == 1 and quiet.name in chip.inner_text()
    coordinator.shot("new-emergency-outage")
