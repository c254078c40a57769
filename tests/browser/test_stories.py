"""The seed's day as user journeys (SPEC.md §2 S2–S4 and S6–S8, the work-order lifecycle of §4), one test
per story, plus concurrent edits of one order (§6).

Orders that a story does not create through the console are written in setup through the services,
the way the console writes them. Every person works in their own browser context: the operator in the
test's ``page`` (screenshots ``<test>--<nn>-<step>.png``), the unit staff through ``person``
(``<test>--<username>-<nn>-<step>.png``). Screenshots wait until collapses and transitions are done.
"""

import re
from dataclasses import dataclass

import pytest

from tests.browser.helpers import (
    PHONE,
    assert_no_horizontal_overflow,
    htmx_response,
    images_loaded,
    timeline_kinds,
    wait_for_htmx,
    wait_for_transitions,
    write_png,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSPITAL_LEAK = "中西医结合医院门诊楼前主管线漏水"


# --- the demo city's people and orders --------------------------------------------------------------

@dataclass
class Caller:
    account_no: str
    holder_name: str
    phone: str
    address: str
    community: str
    meter_no: str


def find_caller(branch: str = "zhangdian", nth: int = 0) -> Caller:
    """The ``nth`` active account served by ``branch`` that has one phone, shared with no other account
    (so that the screen pop finds exactly this customer)."""
    from django.db.models import Count

    from hotline.customers.models import Account, AccountPhone, Meter

    shared = set(AccountPhone.objects.values("number").annotate(n=Count("account")).filter(n__gt=1)
                 .values_list("number", flat=True))
    candidates = (Account.objects.filter(status="active", premise__community__branch__code=branch)
                  .annotate(n_phones=Count("phones")).filter(n_phones=1)
                  .select_related("premise__community").prefetch_related("phones").order_by("account_no"))
    found = [a for a in candidates if a.phones.all()[0].number not in shared]
    assert len(found) > nth, f"the demo city has too few single-phone accounts in {branch}"
    account = found[nth]
    meter = (Meter.objects.filter(premise_id=account.premise_id, removed_on__isnull=True)
             .order_by("-installed_on", "-id").values_list("number", flat=True).first())
    return Caller(account.account_no, account.holder_name, account.phones.all()[0].number,
                  account.premise.address, account.premise.community.name, meter or "")


def staff(username: str):
    from hotline.org.models import User

    return User.objects.get(username=username)


def unit(code: str):
    from hotline.org.models import Unit

    return Unit.objects.get(code=code)


def subject(code: str):
    from hotline.workorders.models import Subject

    return Subject.objects.get(code=code)


def new_order(caller: Caller | None = None, *, subject_code: str = "branch_leak", unit_code: str | None = "zhangdian-repair",
              title: str = "楼道内支管漏水", **fields):
    """An order received by the operator (and dispatched to ``unit_code`` at once)."""
    from hotline.customers.models import Account
    from hotline.workorders import services
    from hotline.workorders.models import RequestType

    if caller is not None:
        fields.setdefault("account", Account.objects.get(account_no=caller.account_no))
        fields.setdefault("contact_phone", caller.phone)
    return services.order_create(
        actor=staff("operator"), request_type=RequestType.objects.get(code="repair"), subject=subject(subject_code),
        title=title, unit=unit(unit_code) if unit_code else None, **fields)


def resolved_order(caller: Caller):
    """An order the repair centre has signed for, worked on and resolved: waiting for the callback."""
    from hotline.workorders import services

    order = new_order(caller)
    dispatcher = staff("dispatcher")
    services.order_accept(actor=dispatcher, order=order)
    services.order_progress(actor=dispatcher, order=order, note="维修人员已到现场")
    services.order_resolve(actor=dispatcher, order=order, result="已更换漏水管段，恢复供水")
    return order


def order_url(base_url: str, number: str) -> str:
    return f"{base_url}/orders/{number}/"


# --- the call panel ----------------------------------------------------------------------------------

def pop_caller(page, caller: Caller) -> None:
    """Type the caller's number (one interaction); wait for the screen pop and the order fields."""
    with htmx_response(page, "screen-pop"):
        page.locator("#call-number").fill(caller.phone)
    page.locator(f"#pop-account-{caller.account_no}").wait_for()
    wait_for_htmx(page)


def choose_subject(page, code: str) -> None:
    """Pick the subject (one interaction); the order fields are re-rendered with its defaults."""
    with htmx_response(page, "call-details"):
        page.locator("#id_subject").select_option(str(subject(code).pk))
    wait_for_htmx(page)


def created_order(page, base_url: str):
    from hotline.workorders.models import WorkOrder

    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/orders/[^/]+/$"))
    return WorkOrder.objects.select_related("unit", "account").get(
        number=page.locator("#order-number").inner_text().strip())


# --- S2 ----------------------------------------------------------------------------------------------

def test_s2_screen_pop_shows_account_address_and_open_order(page, base_url, catalogue, demo, login, snap):
    from hotline.calls import services as call_services
    from hotline.customers.models import Account
    from hotline.workorders.models import RequestType

    caller = find_caller()
    # An earlier call from this number created an order that is still open.
    earlier = call_services.call_create_order(
        actor=staff("operator"), caller_number=caller.phone, account=Account.objects.get(account_no=caller.account_no),
        request_type=RequestType.objects.get(code="repair"), subject=subject("after_meter_leak"),
        summary="表后管道渗水", unit=unit("zhangdian-repair")).work_order

    login("operator")
    page.locator("#nav-calls").click()
    page.wait_for_url(f"{base_url}/calls/")
    assert page.locator("#pop-empty").is_visible()
    snap("call-panel")

    pop_caller(page, caller)
    card = page.locator(f"#pop-account-{caller.account_no}")
    assert caller.account_no in card.inner_text()
    assert caller.address in card.inner_text()
    assert page.locator("#pop-accounts .pop-account").count() == 1
    assert page.locator(f"#acct-{caller.account_no}").is_checked(), "the caller's only account is chosen"
    orders = page.locator("#pop-orders .pop-order")
    assert orders.count() == 1
    assert orders.locator(f'a[href="/orders/{earlier.number}/"]').is_visible()
    assert orders.locator(".status-dispatched").is_visible()
    assert page.locator(f'#pop-calls a[href="/orders/{earlier.number}/"]').is_visible()
    # The order fields are ready for this customer.
    assert page.locator("#id_address").input_value() == caller.address
    assert page.locator("#id_contact_name").input_value() == caller.holder_name
    snap("screen-pop")


# --- S6 ----------------------------------------------------------------------------------------------

def test_s6_emergency_valve_shutoff_goes_to_repair_centre_which_works_it_on_a_phone(
        page, base_url, catalogue, demo, login, snap, person, tmp_path):
    from hotline.workorders.models import Status, Urgency

    caller = find_caller()
    repair = unit("zhangdian-repair")
    login("operator")
    page.goto(f"{base_url}/calls/")

    # Three interactions: the number, the subject, submit.
    pop_caller(page, caller)
    choose_subject(page, "valve_shutoff")
    assert page.locator("#id_urgency").input_value() == Urgency.EMERGENCY
    assert page.locator("#id_unit").input_value() == "auto"
    assert repair.name in page.locator("#id_unit option[value=auto]").inner_text()
    snap("emergency-order-ready")
    page.locator("#create-order").click()

    order = created_order(page, base_url)
    assert (order.status, order.urgency, order.unit, order.account.account_no) == (
        Status.DISPATCHED, Urgency.EMERGENCY, repair, caller.account_no)
    assert page.locator("#order-status .status-dispatched").is_visible()
    assert page.locator("#order-unit").inner_text().strip() == repair.name
    assert timeline_kinds(page) == ["dispatched", "created"]
    snap("order-dispatched")
    number = order.number

    # The repair centre's dispatcher, on a phone.
    dispatcher = person("dispatcher", viewport=PHONE)
    phone = dispatcher.page
    phone.goto(f"{base_url}/orders/queue/")
    card = phone.locator(f"#card-{number}")
    assert card.locator(".status-dispatched").is_visible()
    assert card.locator(".urgency-emergency").is_visible()
    assert_no_horizontal_overflow(phone)
    dispatcher.shot("queue-new-emergency")

    phone.locator(f"#accept-{number}").click()
    card.locator(".status-accepted").wait_for()
    dispatcher.shot("queue-signed-for")

    phone.locator(f"#progress-btn-{number}").click()
    progress = phone.locator(f"#progress-{number}.show")  # Bootstrap adds .show when the collapse has opened
    progress.locator("textarea[name=note]").fill("已到现场，户外阀门已关闭")
    progress.locator("input[type=file][name=files]").set_input_files(str(write_png(tmp_path / "valve-closed.png")))
    wait_for_transitions(phone)
    assert_no_horizontal_overflow(phone)
    dispatcher.shot("progress-with-photo")
    progress.locator("button[type=submit]").click()
    card.locator(".status-in_progress").wait_for()

    phone.locator(f"#resolve-btn-{number}").click()
    resolve = phone.locator(f"#resolve-{number}.show")
    resolve.locator("textarea[name=result]").fill("户内阀门已更换，恢复供水")
    resolve.locator("input[type=file][name=files]").set_input_files(
        str(write_png(tmp_path / "valve-replaced.png", rgb=(25, 135, 84))))
    wait_for_transitions(phone)
    dispatcher.shot("resolve-with-photo")
    resolve.locator("button[type=submit]").click()
    card.wait_for(state="detached")  # resolved: no longer the unit's work
    dispatcher.shot("queue-after-resolve")

    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    assert order.attachments.count() == 2
    phone.goto(order_url(base_url, number))
    assert timeline_kinds(phone) == ["resolved", "progress", "accepted", "dispatched", "created"]
    assert images_loaded(phone, "#timeline li.kind-progress img.thumb") == 1
    assert images_loaded(phone, "#timeline li.kind-resolved img.thumb") == 1
    assert_no_horizontal_overflow(phone)
    dispatcher.shot("timeline-with-photos")


# --- S3 ----------------------------------------------------------------------------------------------

def test_s3_satisfied_callback_then_close_and_the_timeline_has_every_step(page, base_url, catalogue, demo, login, snap):
    from hotline.workorders.models import Satisfaction, Status

    order = resolved_order(find_caller())
    login("operator")
    page.locator("#nav-callbacks").click()
    page.wait_for_url(f"{base_url}/orders/callbacks/")
    card = page.locator(f"#callback-{order.number}")
    assert card.is_visible()
    snap("callbacks-due")

    card.locator(f'label[for="sat-{order.pk}-{Satisfaction.SATISFIED}"]').click()
    card.locator(f"#cb-note-{order.pk}").fill("阀门已修好，客户满意")
    snap("callback-filled")
    card.locator(f"#cb-submit-{order.number}").click()
    card.wait_for(state="detached")
    assert page.url == f"{base_url}/orders/callbacks/"
    order.refresh_from_db()
    assert (order.status, order.satisfaction) == (Status.CALLBACK_DONE, Satisfaction.SATISFIED)
    snap("callback-recorded")

    # Close it from the detail, found in the list under its status.
    page.locator("#nav-orders").click()
    page.wait_for_url(f"{base_url}/orders/")
    with htmx_response(page, "order-results"):
        page.locator(f"#tab-{Status.CALLBACK_DONE}").click()
    page.locator(f"#row-{order.number} a").click()
    page.wait_for_url(order_url(base_url, order.number))
    assert page.locator("#panel-close").is_visible(), "closing is the action at hand"
    snap("ready-to-close")
    page.locator("#submit-close").click()
    page.locator("#order-status .status-closed").wait_for()

    assert timeline_kinds(page) == ["closed", "callback", "resolved", "progress", "accepted", "dispatched", "created"]
    assert page.locator("#actions").count() == 0, "nothing is left to do on a closed order"
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    snap("closed-with-timeline")


def test_s3_unsatisfied_callback_reopens_order_to_the_unit(page, base_url, catalogue, demo, login, snap, person):
    from hotline.workorders.models import Satisfaction, Status

    order = resolved_order(find_caller())
    login("operator")
    page.goto(f"{base_url}/orders/callbacks/")
    card = page.locator(f"#callback-{order.number}")
    card.locator(f'label[for="sat-{order.pk}-{Satisfaction.UNSATISFIED}"]').click()
    card.locator(f"#cb-note-{order.pk}").fill("客户反映仍在漏水")
    snap("unsatisfied-callback")
    card.locator(f"#cb-submit-{order.number}").click()
    card.wait_for(state="detached")
    order.refresh_from_db()
    assert (order.status, order.unit.code) == (Status.REOPENED, "zhangdian-repair")

    page.goto(order_url(base_url, order.number))
    assert page.locator("#order-status .status-reopened").is_visible()
    assert timeline_kinds(page)[0] == "reopened"
    snap("order-reopened")

    dispatcher = person("dispatcher", viewport=PHONE)
    dispatcher.page.goto(f"{base_url}/orders/queue/")
    card = dispatcher.page.locator(f"#card-{order.number}")
    assert card.locator(".status-reopened").is_visible()
    assert card.locator(f"#accept-{order.number}").is_visible(), "the unit signs for it again"
    dispatcher.shot("queue-with-reopened-order")


def test_s3_dispatcher_returns_misrouted_order_and_operator_redispatches(
        page, base_url, catalogue, demo, login, snap, person):
    from hotline.workorders.models import ReturnReason, Status

    # A leak in 东城 sent to the 张店 repair centre by mistake.
    order = new_order(find_caller("dongcheng"), unit_code="zhangdian-repair")
    right_unit = unit("dongcheng-repair")

    dispatcher = person("dispatcher")
    desk = dispatcher.page
    desk.goto(f"{base_url}/orders/queue/")
    desk.locator(f'#card-{order.number} a[href="/orders/{order.number}/"]').click()
    desk.wait_for_url(order_url(base_url, order.number))
    desk.locator("#action-return .accordion-button").click()
    panel = desk.locator("#panel-return.show")
    panel.wait_for()
    wait_for_transitions(desk)
    panel.locator("select[name=reason_code]").select_option(ReturnReason.NOT_OUR_AREA)
    panel.locator("textarea[name=note]").fill("该地址属东城分公司辖区")
    dispatcher.shot("return-form")
    with desk.expect_response(lambda r: r.request.method == "GET" and r.request.resource_type == "document") as landed:
        desk.locator("#submit-return").click()
    desk.wait_for_load_state()
    dispatcher.shot("after-return")
    order.refresh_from_db()
    assert (order.status, order.unit) == (Status.RETURNED, None)

    # The operator finds it among the returned orders and sends it to the right unit.
    login("operator")
    page.goto(f"{base_url}/orders/")
    with htmx_response(page, "order-results"):
        page.locator(f"#tab-{Status.RETURNED}").click()
    row = page.locator(f"#row-{order.number}")
    assert row.is_visible()
    snap("returned-orders")
    row.locator("a").click()
    page.wait_for_url(order_url(base_url, order.number))
    assert page.locator("#panel-dispatch").is_visible()
    unit_select = page.locator("#panel-dispatch select[name=unit]")
    assert unit_select.input_value() == str(right_unit.pk), "the assignment rules propose the community's branch"
    assert timeline_kinds(page)[0] == "returned"
    snap("redispatch-form")
    page.locator("#submit-dispatch").click()
    page.locator("#order-status .status-dispatched").wait_for()
    assert page.locator("#order-unit").inner_text().strip() == right_unit.name
    assert timeline_kinds(page) == ["dispatched", "returned", "dispatched", "created"]
    order.refresh_from_db()
    assert (order.status, order.unit) == (Status.DISPATCHED, right_unit)
    snap("redispatched")

    # After 退回 the dispatcher lands on their queue, not on the order their unit no longer sees.
    assert landed.value.status == 200


# --- S4 ----------------------------------------------------------------------------------------------

def test_s4_operator_finds_hospital_leak_and_adds_coordination_note(page, base_url, catalogue, demo, login, snap):
    from hotline.workorders import services

    hospital = new_order(subject_code="burst_main", title=HOSPITAL_LEAK, address="张店区人民路中西医结合医院门诊楼前")
    services.order_accept(actor=staff("dispatcher"), order=hospital)
    services.order_progress(actor=staff("fieldworker"), order=hospital, note="已关闸，开挖中")
    other = new_order(find_caller(), title="楼道内支管漏水")

    login("operator")
    page.locator("#nav-orders").click()
    page.wait_for_url(f"{base_url}/orders/")
    assert page.locator(f"#row-{hospital.number}").is_visible()
    assert page.locator(f"#row-{other.number}").is_visible()
    snap("open-orders")

    with htmx_response(page, "order-results"):
        page.locator("#order-q").press_sequentially("医院", delay=50)
    page.locator(f"#row-{other.number}").wait_for(state="detached")
    assert page.locator("#order-table tbody tr").count() == 1
    assert page.locator(f"#row-{hospital.number}").is_visible()
    assert "q=" in page.url, "the filter is in the address (back button, shareable)"
    snap("filtered-by-hospital")

    page.locator(f'#row-{hospital.number} a[href="/orders/{hospital.number}/"]').click()
    page.wait_for_url(order_url(base_url, hospital.number))
    assert timeline_kinds(page) == ["progress", "accepted", "dispatched", "created"]
    snap("hospital-order")

    note = "工程处来电询问进度，已告知维修中心正在开挖抢修"
    page.locator("#form-note textarea[name=note]").fill(note)
    page.locator("#submit-note").click()
    first = page.locator("#timeline > li").first
    first.locator(".timeline-note", has_text=note).wait_for()
    assert timeline_kinds(page) == ["note", "progress", "accepted", "dispatched", "created"]
    assert page.locator("#form-note textarea[name=note]").input_value() == ""
    snap("coordination-note")


# --- S7 ----------------------------------------------------------------------------------------------

def test_s7_meter_calibration_from_high_bill_call_goes_to_business_hall(page, base_url, catalogue, demo, login, snap):
    caller = find_caller(nth=1)
    assert caller.meter_no
    hall = unit("zhangdian-hall")
    login("operator")
    page.goto(f"{base_url}/calls/")
    pop_caller(page, caller)
    summary = "客户反映本月水费异常偏高，怀疑水表不准，申请校表"
    page.locator("#id_summary").fill(summary)
    choose_subject(page, "meter_calibration")

    calibration = page.locator("#calibration-fields")
    assert calibration.is_visible()
    assert page.locator("#id_meter_no").input_value() == caller.meter_no, "prefilled from the account's meter"
    assert page.locator("#id_summary").input_value() == summary, "choosing the subject keeps what was typed"
    assert hall.name in page.locator("#id_unit option[value=auto]").inner_text()
    calibration.locator("input[name=reading]").fill("1234.5")
    calibration.locator("input[name=reason]").fill("水费异常偏高")
    snap("calibration-request")
    page.locator("#create-order").click()

    order = created_order(page, base_url)
    assert order.unit == hall
    assert order.calibration.meter_no == caller.meter_no
    assert page.locator("#order-unit").inner_text().strip() == hall.name
    assert caller.meter_no in page.locator("#calibration").inner_text()
    snap("calibration-order")


# --- S8 ----------------------------------------------------------------------------------------------

def test_s8_caller_from_unknown_number_finds_account_number_by_address(page, base_url, catalogue, demo, login, snap,
                                                                       shoot):
    caller = find_caller(nth=2)
    login("operator")
    page.goto(f"{base_url}/calls/")
    with htmx_response(page, "screen-pop"):
        page.locator("#call-number").fill("05332999999")  # a landline that no account has
    page.locator("#pop-no-account").wait_for()
    snap("unknown-number")

    # The pop offers the customer search in a new tab, so that the call panel stays as it is.
    with page.context.expect_page() as opened:
        page.locator("#pop-no-account a").click()
    search = opened.value
    search.wait_for_load_state()
    box = search.locator("#nav form[role=search] input[name=q]")
    address = caller.address[caller.address.index(caller.community):]  # 小区 楼 单元 室
    box.fill(address)
    box.press("Enter")
    search.wait_for_url(f"{base_url}/customers/{caller.account_no}/")
    assert search.locator("#account-no").inner_text().strip() == caller.account_no
    assert caller.address in search.locator("main").inner_text()
    shoot(search, "tab", "account-found-by-address")
    assert page.locator("#call-number").input_value() == "05332999999", "the call in progress is kept"


# --- concurrent edits ---------------------------------------------------------------------------------

def test_conflict_second_sign_for_from_a_stale_page_is_refused(page, base_url, catalogue, demo, login, snap, person):
    from hotline.workorders.models import Status

    order = new_order(find_caller())
    login("dispatcher")
    page.goto(order_url(base_url, order.number))
    fieldworker = person("fieldworker")
    stale = fieldworker.page
    stale.goto(order_url(base_url, order.number))
    assert page.locator("#submit-accept").is_visible() and stale.locator("#submit-accept").is_visible()
    snap("dispatcher-sees-order")
    fieldworker.shot("fieldworker-sees-order")

    page.locator("#submit-accept").click()
    page.locator("#order-status .status-accepted").wait_for()
    snap("dispatcher-signed-for")

    with stale.expect_response(lambda r: r.request.method == "POST") as posted:
        stale.locator("#submit-accept").click()
    assert posted.value.status == 409
    stale.locator("#conflict-alert").wait_for()
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert stale.locator("#order-status .status-accepted").is_visible(), "the page now shows the current state"
    assert stale.locator("#order-version").inner_text().strip() == str(order.version)
    assert stale.locator("#submit-accept").count() == 0
    assert timeline_kinds(stale).count("accepted") == 1
    fieldworker.shot("conflict")
