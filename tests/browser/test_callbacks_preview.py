"""Issue 14 §4 and §5 in the browser: the operator works the callbacks list (filters, a try that does not
reach the customer, the retry plan shown on the card); the coordinator previews an outage's extension
(counts, the SMS text, the rules' warnings) before sending it, and nothing goes out until they do."""

from datetime import timedelta

import pytest

from tests.browser.helpers import assert_no_horizontal_overflow, wait_for_transitions
from tests.browser.test_outages import as_input, notices_waiting, open_action, outage_url, outages  # noqa: F401
from tests.browser.test_stories import find_caller, new_order, staff

pytestmark = [pytest.mark.browser, pytest.mark.clock, pytest.mark.django_db(transaction=True)]


def resolved_order(caller, title: str):
    from hotline.workorders import services

    order = new_order(caller, title=title)
    services.order_accept(actor=staff("dispatcher"), order=order)
    return services.order_resolve(actor=staff("dispatcher"), order=order, result="已更换阀门，恢复正常")


def test_the_operator_works_the_callbacks_list(page, base_url, catalogue, demo, login, snap):
    from hotline.workorders.models import Status, WorkOrder

    first = resolved_order(find_caller("zhangdian", 0), "楼道内支管漏水")
    second = resolved_order(find_caller("zhangdian", 1), "水表井漏水")

    login("operator")
    page.goto(f"{base_url}/orders/callbacks/")
    assert page.locator("#callback-count").inner_text().strip() == "2"
    assert page.locator(f"#callback-{first.number} .callback-due").is_visible()
    assert_no_horizontal_overflow(page)
    snap("callbacks-list")

    page.locator("#id_age").select_option("7d")  # resolved over a week ago: none
    page.locator("#callback-filter-submit").click()
    page.locator("#callbacks-empty").wait_for()
    page.locator("#id_age").select_option("today")
    page.locator("#callback-filter-submit").click()
    page.locator(f"#callback-{first.number}").wait_for()

    card = page.locator(f"#callback-{first.number}")
    card.locator(f"label[for=sat-{first.pk}-no_answer]").click()
    card.locator(f"#cb-submit-{first.number}").click()
    page.wait_for_load_state()
    assert "age=today" in page.url  # back to the same filtered list
    tries = page.locator(f"#callback-{first.number} .callback-tries")
    tries.wait_for()
    assert "1/3" in tries.inner_text() or "1 of 3" in tries.inner_text()
    wait_for_transitions(page)
    snap("callback-no-answer")
    order = WorkOrder.objects.get(pk=first.pk)
    assert (order.status, order.callback_tries, order.callback_last_try) == (Status.RESOLVED, 1, "no_answer")

    card = page.locator(f"#callback-{second.number}")
    card.locator(f"label[for=sat-{second.pk}-satisfied]").click()
    card.locator(f"#cb-submit-{second.number}").click()
    page.wait_for_load_state()
    assert page.locator(f"#callback-{second.number}").count() == 0
    assert WorkOrder.objects.get(pk=second.pk).status == Status.CALLBACK_DONE


def test_the_coordinator_previews_the_extension_before_sending_it(page, base_url, outages, login, snap):  # noqa: F811
    from hotline.outages.models import Outage

    burst = outages.burst
    waiting = notices_waiting(burst)
    login("coordinator")
    page.goto(outage_url(base_url, burst.number))
    form = open_action(page, "extend")
    new_time = burst.expected_restore_at + timedelta(hours=30)
    form.locator("input[name=expected_restore_at]").fill(as_input(new_time))
    form.locator("input[name=reason]").fill("抢修难度大，需更换管段。")
    page.locator("#preview-button-extend").click()
    preview = page.locator("#preview-extend #preview-card")
    preview.wait_for()
    assert "延至" in page.locator("#preview-extend #preview-sms").inner_text()
    assert "。，" not in page.locator("#preview-extend #preview-sms").inner_text()
    assert page.locator('#preview-extend .preview-problem[data-code="needs_supply"]').count() == 1
    wait_for_transitions(page)
    snap("extension-preview")
    assert notices_waiting(burst) == waiting  # nothing sent by the preview
    assert Outage.objects.get(pk=burst.pk).version == burst.version

    page.locator("#submit-extend").click()
    page.wait_for_load_state()
    page.locator("#outage-expected").wait_for()
    assert Outage.objects.get(pk=burst.pk).extension_reason == "抢修难度大，需更换管段。"
    assert notices_waiting(burst) > waiting
    snap("extended")
