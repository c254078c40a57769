"""Issue 15 §5 and §7 as the hotline and the unit live them: the shift lead re-dispatches (改派) the 特急 order the
张店 repair centre left unsigned for five hours, and the first unit sees it gone with an alert; a field worker
asks (on a phone) to pause the clock while waiting for materials, the shift lead approves, and the order page
shows the clock stopped.

The orders are written in setup through the services (as in test_stories.py); each person works in their own
browser context. Screenshots: ``<test>--<nn>-<step>.png`` (the shift lead) and ``<test>--<who>-<nn>-<step>.png``.
"""

from datetime import timedelta

import pytest

from tests.browser.helpers import PHONE, assert_no_horizontal_overflow, timeline_kinds, wait_for_transitions
from tests.browser.test_stories import find_caller, new_order, order_url, staff, unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_action(page, name: str):
    page.locator(f"#action-{name} .accordion-button").click()
    panel = page.locator(f"#panel-{name}.show")
    panel.wait_for()
    wait_for_transitions(page)
    return panel


def test_the_shift_lead_redispatches_the_unsigned_emergency_order(page, base_url, catalogue, demo, login, snap,
                                                                  person):
    from django.utils import timezone

    from hotline.workorders.models import Alert, AlertLevel, Status
    from hotline.workorders.services import sla_sweep

    # The seed's story: a burst main dispatched to the 张店 repair centre five hours ago, never signed for.
    five_hours_ago = timezone.now() - timedelta(hours=5)
    order = new_order(find_caller("zhangdian"), subject_code="valve_shutoff", title="门前水管爆裂，需关闭户外阀门",
                      at=five_hours_ago)
    sla_sweep()
    order.refresh_from_db()
    assert order.urgency == "emergency" and order.is_overdue and order.accepted_at is None
    other = unit("dongcheng-repair")

    login("shiftlead")
    page.goto(f"{base_url}/orders/?status=dispatched")
    row = page.locator(f"#row-{order.number}")
    # The row is marked and says why: the sign-for deadline it shows has passed (not the resolution's).
    assert "overdue-row" in row.get_attribute("class")
    assert row.locator('.due-kind[data-kind="accept"]').is_visible()
    assert row.locator(".mark-reason").first.inner_text().strip() == "签收超时"
    snap("list-unsigned-emergency")

    row.locator("a").first.click()
    page.wait_for_url(order_url(base_url, order.number))
    urged = page.locator("#order-urged").inner_text()
    assert urged.strip() == f"督办 ×{timeline_kinds(page).count('urged')}"  # the badge counts the timeline
    panel = open_action(page, "redispatch")
    panel.locator("select[name=unit]").select_option(str(other.pk))
    panel.locator("input[name=reason]").fill("张店维修中心5小时未签收，改派东城维修中心")
    snap("redispatch-form")
    page.locator("#submit-redispatch").click()
    page.locator("#order-status .status-dispatched").wait_for()
    assert page.locator("#order-unit").inner_text().strip() == other.name
    assert timeline_kinds(page)[0] == "redispatched"
    assert "由 张店维修中心 改派至 东城维修中心" in page.locator("#timeline > li").first.inner_text()
    snap("redispatched")
    order.refresh_from_db()
    assert (order.status, order.unit) == (Status.DISPATCHED, other)

    # The first unit is told: the alert is in its queue, and the order has left it.
    dispatcher = person("dispatcher", viewport=PHONE)
    dispatcher.page.goto(f"{base_url}/orders/queue/")
    alerts = dispatcher.page.locator("#alerts")
    assert "改派" in alerts.inner_text() and order.number in alerts.inner_text()
    assert dispatcher.page.locator(f"#card-{order.number}").count() == 0
    assert_no_horizontal_overflow(dispatcher.page)
    dispatcher.shot("queue-told")
    assert Alert.objects.filter(order=order, unit=unit("zhangdian-repair"), level=AlertLevel.REDISPATCHED).exists()


def test_a_pause_asked_on_the_phone_and_approved_by_the_shift_lead(page, base_url, catalogue, demo, login, snap,
                                                                    person):
    from hotline.workorders import services
    from hotline.workorders.models import EventKind

    order = new_order(find_caller("zhangdian", 1), title="表前阀门漏水，需更换阀门")
    services.order_accept(actor=staff("fieldworker"), order=order)
    due = type(order).objects.get(pk=order.pk).resolve_due

    worker = person("fieldworker", viewport=PHONE)
    phone = worker.page
    phone.goto(order_url(base_url, order.number))
    panel = open_action(phone, "request_pause")
    panel.locator("select[name=reason]").select_option("materials")
    panel.locator("input[name=note]").fill("等DN25阀门配件，明天上午到货")
    assert_no_horizontal_overflow(phone)
    worker.shot("pause-form")
    phone.locator("#submit-request_pause").click()
    phone.locator("#pending-pause").wait_for()
    assert "等待材料" in phone.locator("#pending-pause").inner_text()
    worker.shot("pause-requested")

    login("shiftlead")
    page.goto(order_url(base_url, order.number))
    assert page.locator("#pending-pause").is_visible()
    panel = open_action(page, "decide_pause")
    panel.locator("input[name=decision][value=approve]").check()
    snap("pause-decision")
    page.locator("#submit-decide_pause").click()
    page.locator("#order-paused").wait_for()
    assert page.locator("#order-paused-badge").inner_text().strip() == "计时已暂停"
    assert timeline_kinds(page)[:2] == [EventKind.PAUSED, EventKind.PAUSE_REQUESTED]
    # The resolution deadline is shown but not running while the clock is stopped.
    assert page.locator(".deadline .due-overdue, .deadline .due-left").count() == 0
    snap("paused")

    # The worker sees it on the phone, and restarts the clock when the part arrives.
    phone.reload()
    assert phone.locator("#order-paused").is_visible()
    worker.shot("paused")
    panel = open_action(phone, "resume")
    panel.locator("textarea[name=note]").fill("配件已到，继续维修")
    phone.locator("#submit-resume").click()
    phone.locator("#timeline > li.kind-resumed").wait_for()
    assert timeline_kinds(phone)[0] == EventKind.RESUMED and phone.locator("#order-paused").count() == 0
    worker.shot("resumed")
    order.refresh_from_db()
    assert order.paused_at is None and order.resolve_due > due
