"""The knowledge base as user journeys (SPEC.md C8): an operator on the call panel picks the subject
水表冻裂 and finds the frozen-meter script while the caller waits, searches by words, and copies the
script; a caller in an outage hears the outage answer with that outage's values; a shift lead edits an
article and the history shows the change, which an operator may read but not make.

The demo city (``seed_demo``) writes its knowledge base at the organisation step, so the small
browser demo has the full set of articles."""

import re

import pytest

from tests.browser.helpers import htmx_response, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FROZEN_SCRIPT = "水表冻裂（冻表）处理话术"
CALIBRATION = "校表申请受理话术"


def subject_pk(code: str) -> str:
    from hotline.workorders.models import Subject

    return str(Subject.objects.get(code=code).pk)


def article(title: str):
    from hotline.knowledge.models import Article

    return Article.objects.get(title=title)


def knowledge_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("#knowledge-results .knowledge-title").all_inner_texts()]


def test_operator_finds_the_frozen_meter_script_on_the_call_panel(page, base_url, catalogue, demo, login, snap):
    login("operator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"{base_url}/calls/")
    page.locator("#knowledge-box").wait_for()
    assert "热线服务用语（开头语、结束语）" in knowledge_titles(page)  # no subject yet: the general answers

    # The caller rings; the operator pops the customer and picks the subject 水表冻裂 (冻表).
    with htmx_response(page, "screen-pop"):
        page.locator("#call-number").fill(demo.customer.phone)
    page.locator("#pop-accounts").wait_for()
    wait_for_htmx(page)
    with htmx_response(page, "call-details"):
        page.locator("#id_subject").select_option(subject_pk("frozen_meter"))
    wait_for_htmx(page)

    titles = knowledge_titles(page)
    assert titles[0] == FROZEN_SCRIPT, titles
    frozen = article(FROZEN_SCRIPT)
    item = page.locator(f"#k-article-{frozen.pk}")
    item.locator("summary").click()
    text = page.locator(f"#k-text-{frozen.pk}")
    text.wait_for()
    assert "关闭水表前面的阀门" in text.inner_text()
    assert page.locator("#id_subject").input_value() == subject_pk("frozen_meter")  # the call form is untouched
    snap("subject-frozen-meter-script")

    # The caller asks about the meter test too: the operator types two characters.
    with htmx_response(page, "knowledge-results"):
        page.locator("#knowledge-q").fill("校表")
    wait_for_htmx(page)
    calibration = article(CALIBRATION)
    assert knowledge_titles(page)[0] == CALIBRATION
    assert page.locator(f"#k-article-{calibration.pk}").get_attribute("open") is not None  # best match opened
    assert "检定费用" in page.locator(f"#k-text-{calibration.pk}").inner_text()
    page.locator(f"#k-copy-{calibration.pk}").click()
    # A function, not an expression string: Playwright would eval the string in the page, which the CSP refuses.
    page.wait_for_function(f"() => document.querySelector('#k-copy-{calibration.pk}').textContent === '已复制'")
    assert "检定费用" in page.evaluate("navigator.clipboard.readText()")
    snap("search-calibration-copied")

    # A word nobody wrote: a clear answer, and the panel still works.
    with htmx_response(page, "knowledge-results"):
        page.locator("#knowledge-q").fill("火星")
    page.locator("#knowledge-none").wait_for()


def test_the_outage_answer_is_filled_from_the_callers_outage(page, base_url, catalogue, demo, login, snap):
    from django.db.models import Count

    from hotline.customers.models import Account, AccountPhone
    from hotline.demo.outages import seed_outages
    from hotline.outages.models import Outage

    seed_outages(log=lambda *a: None)
    planned = Outage.objects.get(kind="planned", status="active")
    community = planned.areas.get().community
    shared = set(AccountPhone.objects.values("number").annotate(n=Count("account")).filter(n__gt=1)
                 .values_list("number", flat=True))
    caller = next(p.number for a in Account.objects.filter(premise__community=community).prefetch_related("phones")
                  for p in a.phones.all() if p.number not in shared)
    login("operator")
    page.goto(f"{base_url}/calls/")

    with htmx_response(page, "screen-pop"):
        page.locator("#call-number").fill(caller)
    page.locator(f"#pop-outage-{planned.number}").wait_for()
    wait_for_htmx(page)

    assert planned.number in page.locator("#knowledge-outage").inner_text()
    script = article("计划停水答复话术")
    page.locator(f"#k-article-{script.pk} summary").click()
    text = page.locator(f"#k-text-{script.pk}").inner_text()
    assert f"您好，经查询，{planned.area_text}因{planned.reason}实行计划停水" in text and "【" not in text
    snap("outage-answer-filled")


def test_shift_lead_edits_an_article_and_the_history_shows_it(page, base_url, catalogue, demo, login, snap, person):
    login("shiftlead")
    page.goto(f"{base_url}/knowledge/")
    calibration, frozen = article(CALIBRATION), article(FROZEN_SCRIPT)
    with htmx_response(page, "article-results"):
        page.locator("#knowledge-subject").select_option(subject_pk("meter"))  # the group 表务
    wait_for_htmx(page)
    assert page.locator(f"#article-{calibration.pk}").is_visible() and page.locator(f"#article-{frozen.pk}").count() == 0
    assert "subject=" in page.url  # the filter is in the address (back, reload, share)
    with htmx_response(page, "article-results"):
        page.locator("#knowledge-list-q").fill("校表 费用")
    wait_for_htmx(page)
    assert page.locator(".article-row").count() == 1
    page.locator(f"#article-{calibration.pk}").click()
    page.wait_for_url(f"{base_url}/knowledge/{calibration.pk}/")
    snap("article")

    page.locator("#edit-article").click()
    page.wait_for_url(f"{base_url}/knowledge/{calibration.pk}/edit/")
    body = page.locator("#id_body")
    body.fill(body.input_value().replace("每只40元", "每只45元"))
    page.locator("#id_note").fill("检定费调整为45元")
    snap("editing")
    page.locator("#save-article").click()
    page.wait_for_url(f"{base_url}/knowledge/{calibration.pk}/")
    assert "每只45元" in page.locator("#article-text").inner_text()
    assert page.locator("#article-version").inner_text() == "2"

    page.locator("#article-history-link").click()
    page.wait_for_url(f"{base_url}/knowledge/{calibration.pk}/history/")
    newest = page.locator("#revision-2")
    assert "孙立红" in newest.inner_text() and "检定费调整为45元" in newest.inner_text()
    assert newest.locator("ins").all_inner_texts() == ["5"] and newest.locator("del").all_inner_texts() == ["0"]
    assert "孙立红" in page.locator("#revision-1").inner_text()
    snap("history")

    # An operator reads the new text and its history, but cannot edit.
    operator = person("operator")
    operator.page.goto(f"{base_url}/knowledge/{calibration.pk}/")
    assert "每只45元" in operator.page.locator("#article-text").inner_text()
    assert operator.page.locator("#edit-article").count() == 0
    response = operator.page.goto(f"{base_url}/knowledge/{calibration.pk}/edit/")
    assert response.status == 403
    operator.shot("edit-refused")
    assert re.search(r"每只45元", article(CALIBRATION).body)
