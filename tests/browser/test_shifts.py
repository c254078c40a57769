"""The shift handover as a user journey (SPEC.md §2 S1, C7): the outgoing lead reads the summary of the
shift on one screen, opens the handover, writes a note and hands over; the incoming operator, in
their own browser (a phone), reads it and acknowledges; the handover then stays readable in the
history. And the shift lead plans the week.

The browser demo city has no history (``history_days=0``): the outages of ``hotline.demo.outages``
(S5's planned outage, S10's burst main with its surge of calls) give the summary something to show,
and the plan puts ``shiftlead`` on the shift being handed over and ``operator`` on the next one."""

import pytest

from tests.browser.helpers import PHONE, assert_no_horizontal_overflow, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.clock, pytest.mark.django_db(transaction=True)]

NOTE = "天泰华庭爆管抢修中，送水车在北门；请早班9点前回访3号楼住户。"


@pytest.fixture
def handover_shift(catalogue, demo):
    """The demo's outages and the plan: ``shiftlead`` leads the shift whose handover the console works
    on now, ``operator`` is on the next one. Returns that shift (a ShiftPeriod) and the next."""
    from hotline.demo.outages import seed_outages
    from hotline.org.models import User
    from hotline.shifts import selectors, services
    from hotline.shifts.defaults import ensure_default_shifts

    ensure_default_shifts()
    seed_outages(log=lambda *a: None)
    lead, operator = User.objects.get(username="shiftlead"), User.objects.get(username="operator")
    target = selectors.handover_target(actor=lead)
    services.shift_assign(actor=lead, day=target.period.date, shift=target.period.definition, user=lead, role="lead")
    services.shift_assign(actor=lead, day=target.next.date, shift=target.next.definition, user=operator, role="lead")
    return target.period, target.next


def test_s1_outgoing_lead_hands_over_on_one_screen_and_the_incoming_operator_acknowledges(
        page, base_url, login, snap, person, handover_shift):
    from hotline.outages.models import Outage
    from hotline.shifts.models import Handover

    shift, following = handover_shift
    burst = Outage.objects.get(kind="emergency")
    login("shiftlead")
    page.click("#nav-shifts")
    page.wait_for_url(f"{base_url}/shifts/")

    # The live summary: the burst main and its expected restore, the linked calls, who takes over.
    card = page.locator("#handover-card")
    assert card.get_attribute("data-status") == "none"
    assert f"{shift.name} {shift.date:%m-%d}" in page.locator("#h-handover").inner_text()
    assert burst.number in page.locator("#section-outages").inner_text()
    assert "赵晓萌" in page.locator("#incoming-team").inner_text()
    assert int(page.locator("#section-outages .section-count").inner_text()) >= 2
    summary = page.locator(".shift-sections").bounding_box()
    assert summary["y"] + summary["height"] <= 768, "the summary fits one screen at 1366×768"
    snap("live-summary")

    page.click("#open-handover")
    page.wait_for_selector("#handover-card[data-status=draft]")
    page.fill("#id_notes", NOTE)
    page.click("#save-notes")
    page.wait_for_selector(".alert-success")
    assert page.locator("#id_notes").input_value() == NOTE
    page.click("#refresh-summary")
    page.wait_for_selector(".alert-success")
    snap("draft-with-note")
    # At any hour of the test the shift may end more than 30 minutes later: handing over early asks why.
    page.fill("#id_early_reason", "提前交接，测试")
    page.click("#submit-handover")
    page.wait_for_selector("#handover-card[data-status=submitted]")
    assert NOTE in page.locator("#handover-notes").inner_text()
    assert page.locator("#ack-form").count() == 0  # one does not take over one's own shift
    assert "孙立红" in page.locator("#handed-over").inner_text()
    snap("handed-over")

    # The incoming operator, on a phone, reads the same handover and takes over.
    incoming = person("operator", viewport=PHONE)
    incoming.page.goto(f"{base_url}/shifts/")
    incoming.page.wait_for_selector("#ack-form")
    assert NOTE in incoming.page.locator("#handover-notes").inner_text()
    assert burst.number in incoming.page.locator("#section-outages").inner_text()
    assert_no_horizontal_overflow(incoming.page)
    incoming.shot("to-acknowledge")
    incoming.page.fill("#id_note", "已接班，9点前回访3号楼。")
    incoming.page.click("#acknowledge")
    incoming.page.wait_for_selector(".alert-success")
    incoming.shot("acknowledged")

    handover = Handover.objects.get()
    assert handover.status == "acknowledged" and handover.incoming.username == "operator"
    # The history keeps it as it was handed over.
    page.goto(f"{base_url}/shifts/handovers/")
    row = page.locator(f".handover-row:has(a[href='/shifts/handovers/{handover.pk}/'])")
    assert row.get_attribute("data-status") == "acknowledged"
    row.locator("a").first.click()
    page.wait_for_url(f"{base_url}/shifts/handovers/{handover.pk}/")
    assert "赵晓萌" in page.locator("#taken-over").inner_text()
    assert "已接班，9点前回访3号楼。" in page.locator("#ack-note").inner_text()
    assert burst.number in page.locator("#section-outages").inner_text()
    snap("in-the-history")


def test_shift_lead_plans_the_week_in_place(page, base_url, login, snap, handover_shift):
    from hotline.shifts.models import ShiftAssignment

    shift, _following = handover_shift
    login("shiftlead")
    page.goto(f"{base_url}/shifts/plan/?week={shift.date:%Y-%m-%d}")
    cell = page.locator(f"#cell-{shift.date:%Y%m%d}-{shift.definition.code}")
    assert "孙立红" in cell.inner_text()

    cell.locator("details.plan-add summary").click()
    cell.locator("select[name=user]").select_option(label="赵晓萌")
    cell.locator("button[type=submit]", has_text="添加").click()
    wait_for_htmx(page)
    assert "赵晓萌" in cell.inner_text()
    assert ShiftAssignment.objects.filter(date=shift.date, user__username="operator",
                                          shift=shift.definition).exists()
    snap("planned")

    cell.locator("li[data-user=operator] .remove-person").click()
    wait_for_htmx(page)
    assert "赵晓萌" not in cell.inner_text()
    assert not ShiftAssignment.objects.filter(date=shift.date, user__username="operator",
                                              shift=shift.definition).exists()


def test_a_manager_reads_the_handover_screen_without_forms_on_a_phone(page, base_url, login, snap, handover_shift):
    page.set_viewport_size(PHONE)
    login("manager")
    page.goto(f"{base_url}/shifts/")
    assert page.locator("#section-open").is_visible()
    assert page.locator("#open-handover").count() == 0
    assert_no_horizontal_overflow(page)
    snap("manager-phone")
