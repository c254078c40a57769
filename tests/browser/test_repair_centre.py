"""Issue 15's "done means": SPEC.md S6 as the repair centre lives it, on a desktop and on a 390×844 phone.

A 特急 order (a burst main) is created at the hotline; the dispatcher's open queue shows it within 15 s
without a reload (and plays the alarm and raises a notification: the page's Notification and audio are
spied on, a headless browser has neither), and the duty mobile's SMS is in the outbox and, once the
worker has "sent" it, in the outbox log; the dispatcher assigns it to the field worker; the worker's phone
opens on "my orders" with it; arrival on site (with the phone's position and a photo), the flow stopped
(止水), resolved; every deadline met, and shown so on the order page."""

import json

import pytest

from tests.browser.conftest import TIMEOUT_MS, assert_no_csp_violations, watch_csp
from tests.browser.helpers import DESKTOP, PHONE, assert_no_horizontal_overflow, submit_login, timeline_kinds, write_png
from tests.browser.test_stories import choose_subject, created_order, find_caller, pop_caller, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POSITION = {"latitude": 36.8131, "longitude": 118.0549}
# The page's Notification and audio, recorded: what the queue announced.
SPY = """
window.__notes = []; window.__plays = 0;
class SpyNotification { constructor(title, options) { window.__notes.push(title + " | " + ((options && options.body) || "")); }
  static get permission() { return "granted"; } static requestPermission() { return Promise.resolve("granted"); } }
window.Notification = SpyNotification;
HTMLMediaElement.prototype.play = function () { window.__plays += 1; return Promise.resolve(); };
"""


@pytest.fixture
def people(browser, base_url, demo, shoot):
    """people("dispatcher", viewport): someone logged in, in a browser context of their own (a phone
    allows the position); their JavaScript errors and any CSP violation fail the test."""
    opened = []

    def open_as(username: str, viewport: dict, *, spy: bool = False):
        mobile = viewport["width"] < 576
        ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=mobile,
                                  has_touch=mobile, geolocation=POSITION, permissions=["geolocation"])
        ctx.set_default_timeout(TIMEOUT_MS)
        violations = watch_csp(ctx)
        if spy:
            ctx.add_init_script(SPY)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append((ctx, errors, violations))
        page.goto(f"{base_url}/login/")
        submit_login(page, username, demo.password)
        page.wait_for_url(lambda url: "/login/" not in url)
        return page, (lambda name: shoot(page, username, name))

    yield open_as
    for ctx, _errors, _violations in opened:
        ctx.close()
    assert not [e for _c, errors, _v in opened for e in errors], "JavaScript errors on the page"
    assert_no_csp_violations([v for _c, _e, violations in opened for v in violations])


@pytest.mark.parametrize("dispatcher_viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_s6_the_repair_centre_sees_assigns_and_works_an_emergency_in_time(
        page, base_url, catalogue, demo, login, snap, people, dispatcher_viewport, tmp_path, settings):
    from hotline.notify.models import Message
    from hotline.notify.services import deliver_due
    from hotline.workorders.models import Status, Urgency, WorkOrder

    repair = staff("dispatcher").unit
    assert repair.duty_mobile, "the demo's repair centres have a duty mobile"

    # The repair centre's dispatcher has the unit's queue open.
    desk, desk_shot = people("dispatcher", dispatcher_viewport, spy=True)
    desk.goto(f"{base_url}/orders/queue/")
    assert desk.locator("#scope-unit").get_attribute("class").count("btn-primary") == 1
    desk.evaluate("window.__loaded_once = true")  # gone if the page were reloaded
    desk_shot("queue-before")

    # The hotline receives the burst main: an emergency, dispatched at once to the repair centre.
    caller = find_caller()
    login("operator")
    page.goto(f"{base_url}/calls/")
    pop_caller(page, caller)
    choose_subject(page, "burst_main")
    assert page.locator("#id_urgency").input_value() == Urgency.EMERGENCY
    page.locator("#create-order").click()
    order = created_order(page, base_url)
    assert (order.status, order.urgency, order.unit) == (Status.DISPATCHED, Urgency.EMERGENCY, repair)
    number = order.number
    snap("emergency-created")

    # Within 15 s, without a reload, the queue shows it; the alarm sounds and a notification is raised.
    card = desk.locator(f"#card-{number}")
    card.wait_for(timeout=15_000)
    assert desk.evaluate("window.__loaded_once") is True, "the queue page was reloaded"
    desk.wait_for_function("n => window.__notes.some(t => t.includes(n))", arg=number, timeout=5_000)
    assert desk.evaluate("window.__plays") >= 1
    assert card.locator(".urgency-emergency").is_visible()
    # The order comes before the alerts, and its alert names it.
    assert desk.locator(f"#alerts-{number}").is_visible()
    assert desk.evaluate(f"""() => document.getElementById("card-{number}").getBoundingClientRect().top
                             < document.getElementById("alerts").getBoundingClientRect().top""")
    if dispatcher_viewport is PHONE:
        assert_no_horizontal_overflow(desk)
    desk_shot("queue-live-emergency")

    # The duty mobile's SMS is in the outbox, and in the outbox log once the worker has sent it.
    sms = Message.objects.filter(topic=f"order:{order.pk}", recipient=repair.duty_mobile)
    assert sms.count() == 1 and number in sms.get().text
    settings.SMS_GATEWAY_URL = ""
    settings.OUTBOX_LOG = str(tmp_path / "outbox.log")
    deliver_due()
    logged = [json.loads(line) for line in (tmp_path / "outbox.log").read_text(encoding="utf-8").splitlines()]
    assert any(line["to"] == repair.duty_mobile and number in line["text"] for line in logged)

    # The dispatcher assigns it to the field worker.
    worker = staff("fieldworker")
    desk.locator(f"#assign-btn-{number}").click()
    form = desk.locator(f"#assign-{number}.show")
    form.locator("select[name=assignee]").select_option(str(worker.pk))
    desk_shot("assign")
    form.locator(f"#assign-submit-{number}").click()
    card.locator(".assignee").filter(has_text=worker.get_full_name()).wait_for()
    desk_shot("assigned")

    # The worker's phone opens on "my orders", with the order.
    phone, phone_shot = people("fieldworker", PHONE)
    assert phone.url == f"{base_url}/orders/queue/"
    assert "btn-primary" in phone.locator("#scope-mine").get_attribute("class")
    mine = phone.locator(f"#card-{number}")
    assert mine.is_visible()
    assert_no_horizontal_overflow(phone)
    phone_shot("my-orders")

    phone.locator(f"#accept-{number}").click()
    mine.locator(".status-accepted").wait_for()
    assert "到场时限" in mine.locator(".due-label").inner_text()
    phone_shot("signed-for")

    # Arrival on site: the phone's position and a photo.
    phone.locator(f"#arrive-btn-{number}").click()
    arrive = phone.locator(f"#arrive-{number}.show")
    arrive.wait_for()  # the form is fetched into the card on demand
    phone.wait_for_function(f"() => document.querySelector('#arrive-{number} input[name=lat]')?.value")
    arrive.locator("input[type=file][name=files]").set_input_files(str(write_png(tmp_path / "on-site.png")))
    phone_shot("arrival")
    arrive.locator(f"#arrive-submit-{number}").click()
    mine.locator(".status-in_progress").wait_for()
    assert "止水时限" in mine.locator(".due-label").inner_text()
    phone_shot("arrived")

    # The flow stopped: the outdoor valve closed.
    phone.locator(f"#stop-btn-{number}").click()
    stop = phone.locator(f"#stop-{number}.show")
    stop.locator("textarea[name=note]").fill("已关闭户外阀门止水")
    phone_shot("flow-stopped-form")
    stop.locator(f"#stop-submit-{number}").click()
    mine.locator(".due-label").filter(has_text="办结时限").wait_for()
    phone_shot("flow-stopped")

    phone.locator(f"#resolve-btn-{number}").click()
    resolve = phone.locator(f"#resolve-{number}.show")
    resolve.locator("textarea[name=result]").fill("已更换爆裂管段，恢复供水")
    resolve.locator("button[type=submit]").click()
    mine.wait_for(state="detached")
    phone_shot("resolved")

    order = WorkOrder.objects.get(pk=order.pk)
    assert order.status == Status.RESOLVED and order.assignee == worker
    assert order.accepted_at <= order.accept_due and order.onsite_at <= order.onsite_due
    assert order.flow_stopped_at <= order.flow_stopped_due and order.resolved_at <= order.resolve_due
    assert (float(order.arrival_lat), float(order.arrival_lng)) == (POSITION["latitude"], POSITION["longitude"])
    assert order.onsite_due == order.dispatched_at + __import__("datetime").timedelta(minutes=30)  # in town

    # Every deadline met, and shown so on the order page.
    phone.goto(f"{base_url}/orders/{number}/")
    kinds = timeline_kinds(phone)
    assert kinds[:5] == ["resolved", "flow_stopped", "arrived", "accepted", "assigned"]
    rows = phone.locator("dd.deadline")
    assert rows.count() == 5  # dispatch, sign-for, on site, flow stopped, resolve
    assert phone.locator("dd.deadline .deadline-met").count() == 5 and phone.locator(".deadline-late").count() == 0
    labels = phone.locator("dl dt").all_inner_texts()
    assert "到场时限" in labels and "止水时限" in labels
    assert_no_horizontal_overflow(phone)
    phone_shot("order-every-deadline-met")
