"""Console pages for work orders: the list, the detail and its action forms, the unit's queue and the
callbacks due. Every page: anonymous, wrong role (or unit), right role; every refused action changes
nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hotline.customers.models import Community, District
from hotline.org.models import Unit, UnitKind
from hotline.org.roles import Role
from hotline.workorders import services
from hotline.workorders.models import (
    Alert,
    Attachment,
    EventKind,
    RequestType,
    Status,
    Subject,
    WorkOrder,
    WorkOrderEvent,
)

# A 1×1 transparent PNG: the smallest real photo.
# A valid 1×1 PNG: attachments are decoded in full on upload (workorders/uploads.py).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63606060"
                    "60000000050001a5f645400000000049454e44ae426082")


@pytest.fixture
def people(make_user, units):
    east = Unit.objects.create(code="east-repair", name="东城维修中心", kind=UnitKind.REPAIR_CENTRE,
                               parent=units["company"])
    outsider = make_user(Role.FIELD_WORKER, username="east-worker")
    outsider.unit = east
    outsider.save()
    return {
        "operator": make_user(Role.OPERATOR),
        "lead": make_user(Role.SHIFT_LEAD, username="lead"),
        "dispatcher": make_user(Role.DISPATCHER, username="dispatcher", unit="repair"),
        "worker": make_user(Role.FIELD_WORKER, username="worker", unit="repair"),
        "manager": make_user(Role.MANAGER),
        "coordinator": make_user(Role.OUTAGE_COORDINATOR, username="coordinator"),
        "stranger": make_user("nothing", username="stranger"),
        "outsider": outsider,
        "east": east,
    }


@pytest.fixture
def community(units):
    district = District.objects.create(name="张店区", branch=units["branch"])
    return Community.objects.create(name="中央公园2期", district=district, branch=units["branch"])


@pytest.fixture
def make_order(people, community, units):
    def make(*, dispatched=True, subject="branch_leak", calibration=None, **extra) -> WorkOrder:
        fields = {"request_type": RequestType.objects.get(code="repair"), "subject": Subject.objects.get(code=subject),
                  "title": "楼道水管漏水", "community": community, "contact_phone": "13805331234",
                  "contact_name": "张伟", "address": "人民路128号中央公园2期3-2-501",
                  "unit": units["repair"] if dispatched else None, "calibration": calibration}
        fields.update(extra)
        return services.order_create(actor=people["operator"], **fields)

    return make


def accepted(order, people):
    return services.order_accept(actor=people["worker"], order=order)


def resolved(order, people):
    accepted(order, people)
    return services.order_resolve(actor=people["worker"], order=order, result="已更换阀门")


def fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def photo(name="leak.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# --- who may see which page --------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/orders/", "/orders/queue/", "/orders/callbacks/", "/orders/GD2026000000001/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, make_order, units):
    order = make_order(dispatched=False)
    response = client.post(f"/orders/{order.number}/dispatch/", {"unit": units["repair"].pk, "version": order.version})
    assert response.status_code == 302 and fresh(order).status == Status.NEW


@pytest.mark.parametrize("url", ["/orders/", "/orders/queue/", "/orders/callbacks/"])
def test_a_user_without_a_staff_role_is_refused(client, people, url):
    client.force_login(people["stranger"])
    assert client.get(url).status_code == 403


def test_pages_are_refused_to_the_wrong_roles(client, people, make_order):
    order = make_order()
    client.force_login(people["operator"])
    assert client.get("/orders/queue/").status_code == 403  # the hotline has no unit queue
    client.force_login(people["worker"])
    assert client.get("/orders/callbacks/").status_code == 403  # callbacks are the hotline's
    client.force_login(people["stranger"])
    assert client.get(f"/orders/{order.number}/").status_code == 403


def test_staff_of_another_unit_do_not_see_the_order(client, people, make_order):
    order = make_order()
    client.force_login(people["outsider"])
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert order.number not in client.get("/orders/?status=").content.decode()


@pytest.mark.parametrize("who", ["operator", "lead", "manager", "coordinator", "dispatcher", "worker"])
def test_everyone_who_sees_orders_gets_the_list_and_the_detail(client, people, make_order, who):
    order = make_order()
    client.force_login(people[who])
    assert order.number in client.get("/orders/").content.decode()
    assert client.get(f"/orders/{order.number}/").status_code == 200


def test_navigation_shows_the_links_each_role_can_use(client, people):
    client.force_login(people["operator"])
    page = client.get("/orders/").content.decode()
    assert all(f'id="nav-{n}"' in page for n in ("calls", "orders", "callbacks")) and 'id="nav-queue"' not in page
    client.force_login(people["worker"])
    page = client.get("/orders/").content.decode()
    assert 'id="nav-orders"' in page and 'id="nav-queue"' in page
    assert 'id="nav-calls"' not in page and 'id="nav-callbacks"' not in page
    client.force_login(people["manager"])
    page = client.get("/orders/").content.decode()
    assert 'id="nav-orders"' in page and 'id="nav-calls"' not in page


# --- the list ------------------------------------------------------------------------------------

def test_the_list_opens_on_the_open_orders_with_counts_per_status(client, people, make_order):
    open_order = make_order()
    done = make_order(title="已办结的")
    resolved(done, people)
    client.force_login(people["operator"])
    page = client.get("/orders/").content.decode()
    assert open_order.number in page and done.number not in page
    assert 'id="tab-open"' in page and 'id="tab-resolved"' in page
    page = client.get("/orders/?status=resolved").content.decode()
    assert done.number in page and open_order.number not in page


def test_the_list_shows_deadlines_late_left_or_none(client, people, make_order):
    late, due, undispatched = make_order(), make_order(), make_order(unit=None)
    now = timezone.now()
    WorkOrder.objects.filter(pk=late.pk).update(resolve_due=now - timedelta(hours=3))
    WorkOrder.objects.filter(pk=due.pk).update(accept_due=now + timedelta(hours=1), resolve_due=now + timedelta(hours=5))
    WorkOrder.objects.filter(pk=undispatched.pk).update(dispatch_due=None)
    client.force_login(people["operator"])
    page = client.get("/orders/?status=open").content.decode()
    rows = {n: page.split(f'id="row-{n}"')[1].split("</tr>")[0] for n in (late.number, due.number,
                                                                          undispatched.number)}
    assert "due-overdue" in rows[late.number] and "3" in rows[late.number]
    assert "due-left" in rows[due.number] and "due-overdue" not in rows[due.number]
    assert 'data-kind="accept"' in rows[due.number]  # the sign-for runs first, before the resolution
    assert "—" in rows[undispatched.number] and "due-" not in rows[undispatched.number]


def _row(page: str, number: str) -> tuple[str, str]:
    """(the row's opening tag, its cells)."""
    before, after = page.split(f'id="row-{number}"', 1)
    return before.rsplit("<tr", 1)[1], after.split("</tr>", 1)[0]


def test_the_list_shows_the_running_deadline_and_why_a_row_is_marked(client, people, make_order):
    """Issue 15 §8: a row pink because the sign-for deadline passed says so, and shows that deadline, not the
    resolution's 21 hours left."""
    unsigned, fine = make_order(), make_order()
    now = timezone.now()
    WorkOrder.objects.filter(pk=unsigned.pk).update(accept_due=now - timedelta(hours=2),
                                                    resolve_due=now + timedelta(hours=21))
    WorkOrder.objects.filter(pk=fine.pk).update(accept_due=now + timedelta(hours=2),
                                                resolve_due=now + timedelta(hours=21))
    client.force_login(people["operator"])
    page = client.get("/orders/?status=open").content.decode()
    tag, cells = _row(page, unsigned.number)
    assert "overdue-row" in tag and 'data-kind="accept"' in cells and "due-overdue" in cells
    assert "mark-reason" in cells and "签收超时" in cells
    shown = timezone.localtime(WorkOrder.objects.get(pk=unsigned.pk).accept_due).strftime("%m-%d %H:%M")
    assert shown in cells  # in local time, as every other time on the page
    tag, cells = _row(page, fine.number)
    assert "overdue-row" not in tag and "mark-reason" not in cells and 'data-kind="accept"' in cells


def test_unit_staff_see_only_their_units_orders(client, people, make_order):
    ours = make_order()
    theirs = make_order(unit=people["east"], title="东城的")
    client.force_login(people["worker"])
    page = client.get("/orders/?status=").content.decode()
    assert ours.number in page and theirs.number not in page


def test_overdue_filter(client, people, make_order):
    late = make_order()
    on_time = make_order()
    WorkOrder.objects.filter(pk=late.pk).update(is_overdue=True, resolve_due=timezone.now() - timedelta(hours=1))
    client.force_login(people["operator"])
    page = client.get("/orders/?status=open&overdue=1").content.decode()
    assert late.number in page and on_time.number not in page
    assert 'class="overdue-row"' in page and "due-overdue" in page


def test_the_text_box_finds_an_order_by_number_phone_or_community(client, people, make_order):
    """S4: the engineering department asks about one order; the operator finds it in seconds."""
    wanted = make_order(title="医院门前主管漏水")
    other = make_order(contact_phone="13900000009", community=None, address="别处")
    client.force_login(people["operator"])
    page = client.get("/orders/", {"q": wanted.number, "status": ""}).content.decode()
    assert wanted.number in page and other.number not in page
    page = client.get("/orders/", {"q": "13805331234", "status": ""}).content.decode()
    assert wanted.number in page and other.number not in page
    page = client.get("/orders/", {"q": "中央公园", "status": ""}).content.decode()
    assert wanted.number in page and other.number not in page


def test_htmx_filters_return_only_the_results(client, people, make_order):
    order = make_order()
    client.force_login(people["operator"])
    html = client.get("/orders/?status=dispatched", HTTP_HX_REQUEST="true").content.decode()
    assert order.number in html and "<html" not in html and 'id="order-results"' in html


def test_bad_filters_are_explained_not_crashed(client, people, make_order):
    make_order()
    client.force_login(people["operator"])
    response = client.get("/orders/?status=bogus&date_from=yesterday")
    assert response.status_code == 200 and 'id="filter-error"' in response.content.decode()


def test_the_list_pages_without_counting_everything(client, people, make_order, monkeypatch):
    from hotline.workorders import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    numbers = [make_order().number for _ in range(3)]
    client.force_login(people["operator"])
    first = client.get("/orders/").content.decode()
    assert numbers[2] in first and numbers[0] not in first and 'id="page-next"' in first
    second = client.get("/orders/?status=open&page=2").content.decode()
    assert numbers[0] in second and 'id="page-previous"' in second and 'id="page-next"' not in second


@pytest.mark.parametrize("who", ["operator", "worker"])
def test_the_list_uses_a_bounded_number_of_queries(client, people, make_order, community, who,
                                                   django_assert_max_num_queries):
    for n in range(12):
        make_order(title=f"漏水{n}", community=community if n % 2 else None)
    # One capped COUNT per counted status (7), whatever the number of orders.
    client.force_login(people[who])
    with django_assert_max_num_queries(18):
        client.get("/orders/?status=")
    with django_assert_max_num_queries(18):
        client.get("/orders/?status=open&q=漏水", HTTP_HX_REQUEST="true")


# --- the detail ----------------------------------------------------------------------------------

def test_the_detail_shows_the_order_and_masks_the_phone_for_managers(client, people, make_order):
    order = make_order()
    client.force_login(people["operator"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="order-number"' in page and "楼道水管漏水" in page and "13805331234" in page
    assert 'id="timeline"' in page and "张店维修中心" in page
    client.force_login(people["manager"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "13805331234" not in page and "138****1234" in page
    assert 'id="actions"' not in page and 'id="form-note"' not in page  # managers only read


def test_only_the_actions_the_user_may_take_are_offered(client, people, make_order):
    new = make_order(dispatched=False)
    client.force_login(people["operator"])
    page = client.get(f"/orders/{new.number}/").content.decode()
    assert 'id="form-dispatch"' in page and 'id="form-accept"' not in page and 'id="form-note"' in page
    assert 'id="form-urge"' not in page
    dispatched = make_order()
    client.force_login(people["worker"])
    page = client.get(f"/orders/{dispatched.number}/").content.decode()
    assert 'id="form-accept"' in page and 'id="form-dispatch"' not in page and 'id="form-return"' not in page
    client.force_login(people["dispatcher"])
    assert 'id="form-return"' in client.get(f"/orders/{dispatched.number}/").content.decode()
    client.force_login(people["lead"])
    assert 'id="form-urge"' in client.get(f"/orders/{dispatched.number}/").content.decode()


def test_dispatch_through_the_page(client, people, make_order, units):
    order = make_order(dispatched=False)
    client.force_login(people["operator"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f'<option value="{units["repair"].pk}" selected>' in page  # the assignment rules' unit
    response = client.post(f"/orders/{order.number}/dispatch/", {"unit": units["repair"].pk, "version": order.version,
                                                                "note": "请尽快处理"})
    assert response.status_code == 302 and response.url == f"/orders/{order.number}/"
    order = fresh(order)
    assert order.status == Status.DISPATCHED and order.unit == units["repair"] and order.resolve_due
    assert Alert.objects.filter(order=order, unit=units["repair"]).exists()


def test_unit_staff_cannot_dispatch_and_nothing_changes(client, people, make_order):
    order = make_order()
    client.force_login(people["worker"])
    response = client.post(f"/orders/{order.number}/dispatch/", {"unit": people["east"].pk,
                                                                "version": order.version})
    assert response.status_code == 403
    assert fresh(order).unit.name == "张店维修中心" and fresh(order).version == order.version


def test_accept_through_the_page(client, people, make_order):
    order = make_order()
    client.force_login(people["worker"])
    response = client.post(f"/orders/{order.number}/accept/", {"version": order.version})
    assert response.status_code == 302
    assert fresh(order).status == Status.ACCEPTED and fresh(order).accepted_at


def test_progress_with_several_photos(client, people, make_order):
    order = accepted(make_order(), people)
    client.force_login(people["worker"])
    response = client.post(f"/orders/{order.number}/progress/", {
        "version": order.version, "note": "已到现场，关闭室外阀门", "files": [photo("a.png"), photo("b.png")]})
    assert response.status_code == 302
    assert fresh(order).status == Status.IN_PROGRESS
    assert Attachment.objects.filter(order=order, event__kind=EventKind.PROGRESS).count() == 2


def test_resolve_with_a_photo_shows_a_thumbnail_on_the_timeline(client, people, make_order):
    order = accepted(make_order(), people)
    client.force_login(people["worker"])
    response = client.post(f"/orders/{order.number}/resolve/", {
        "version": order.version, "result": "已更换破损管段", "files": photo()})
    assert response.status_code == 302
    order = fresh(order)
    assert order.status == Status.RESOLVED and order.result == "已更换破损管段"
    attachment = Attachment.objects.get(order=order)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f'src="/attachments/{attachment.pk}/"' in page
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 200


def test_a_file_of_the_wrong_kind_is_refused_with_the_form(client, people, make_order):
    order = accepted(make_order(), people)
    client.force_login(people["worker"])
    response = client.post(f"/orders/{order.number}/resolve/", {
        "version": order.version, "result": "完成", "files": SimpleUploadedFile("x.exe", b"MZ")})
    assert response.status_code == 400 and 'id="form-resolve"' in response.content.decode()
    assert fresh(order).status == Status.ACCEPTED and not Attachment.objects.exists()


def test_a_calibration_order_is_resolved_with_its_outcome(client, people, make_order):
    order = accepted(make_order(subject="meter_calibration", calibration={"meter_no": "M1", "reason": "偏高"}), people)
    client.force_login(people["worker"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="calibration"' in page and 'name="calibration_outcome"' in page
    response = client.post(f"/orders/{order.number}/resolve/", {"version": order.version, "result": "校验合格"})
    assert response.status_code == 400 and fresh(order).status == Status.ACCEPTED
    client.post(f"/orders/{order.number}/resolve/", {"version": order.version, "result": "校验合格",
                                                     "calibration_outcome": "within_tolerance",
                                                     "error_percent": "1.20"})
    order = fresh(order)
    assert order.status == Status.RESOLVED and order.calibration.outcome == "within_tolerance"


def test_an_unsatisfied_callback_reopens_the_order(client, people, make_order):
    order = resolved(make_order(), people)
    client.force_login(people["operator"])
    response = client.post(f"/orders/{order.number}/callback/", {
        "version": order.version, "satisfaction": "unsatisfied", "note": "还在漏"})
    assert response.status_code == 302
    order = fresh(order)
    assert order.status == Status.REOPENED and order.satisfaction == "unsatisfied"


def test_a_satisfied_callback_then_close(client, people, make_order):
    order = resolved(make_order(), people)
    client.force_login(people["operator"])
    client.post(f"/orders/{order.number}/callback/", {"version": order.version, "satisfaction": "satisfied"})
    order = fresh(order)
    assert order.status == Status.CALLBACK_DONE
    client.post(f"/orders/{order.number}/close/", {"version": order.version})
    assert fresh(order).status == Status.CLOSED


def test_return_with_a_reason(client, people, make_order):
    order = make_order()
    client.force_login(people["dispatcher"])
    response = client.post(f"/orders/{order.number}/return/", {
        "version": order.version, "reason_code": "not_our_area", "note": "属东城分公司辖区"})
    assert response.status_code == 302
    order = fresh(order)
    assert order.status == Status.RETURNED and order.unit is None


def test_return_without_explanation_shows_the_message_and_changes_nothing(client, people, make_order):
    order = make_order()
    client.force_login(people["dispatcher"])
    response = client.post(f"/orders/{order.number}/return/", {
        "version": order.version, "reason_code": "not_our_area", "note": ""})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="form-return"' in html and "form-error" in html
    assert fresh(order).status == Status.DISPATCHED and fresh(order).version == order.version


def test_a_stale_version_is_a_conflict_and_changes_nothing(client, people, make_order):
    order = make_order()
    stale = order.version
    services.order_accept(actor=people["dispatcher"], order=order)  # someone else was faster
    before = (fresh(order).status, fresh(order).version, WorkOrderEvent.objects.filter(order=order).count())
    client.force_login(people["dispatcher"])
    response = client.post(f"/orders/{order.number}/return/", {
        "version": stale, "reason_code": "not_our_area", "note": "不是我们的"})
    html = response.content.decode()
    assert response.status_code == 409 and 'id="conflict-alert"' in html
    assert f'id="order-version">{before[1]}<' in html  # the page shows the current state
    assert (fresh(order).status, fresh(order).version, WorkOrderEvent.objects.filter(order=order).count()) == before


def test_extension_requested_by_the_unit_and_approved_by_the_shift_lead(client, people, make_order):
    order = accepted(make_order(), people)
    until = timezone.localtime(order.resolve_due + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(people["dispatcher"])
    client.post(f"/orders/{order.number}/request_extension/", {
        "version": order.version, "until": until, "reason": "需停水施工"})
    order = fresh(order)
    assert order.extension_until is not None
    client.force_login(people["lead"])
    assert 'id="form-decide_extension"' in client.get(f"/orders/{order.number}/").content.decode()
    client.post(f"/orders/{order.number}/decide_extension/", {"version": order.version, "decision": "approve"})
    order = fresh(order)
    assert order.extension_until is None and order.extensions_granted == 1
    assert timezone.localtime(order.resolve_due).strftime("%Y-%m-%dT%H:%M") == until


def test_link_as_duplicate_and_cancel(client, people, make_order):
    parent = make_order(title="主管爆管")
    second = make_order(title="同一处爆管")
    client.force_login(people["operator"])
    response = client.post(f"/orders/{second.number}/duplicate/", {"version": second.version,
                                                                  "parent": parent.number})
    assert response.status_code == 302
    second = fresh(second)
    assert second.status == Status.CANCELLED and second.parent == parent
    assert second.number in client.get(f"/orders/{parent.number}/").content.decode()
    response = client.post(f"/orders/{parent.number}/duplicate/", {"version": parent.version, "parent": "GD000"})
    assert response.status_code == 400 and fresh(parent).status == Status.DISPATCHED
    other = make_order()
    client.post(f"/orders/{other.number}/cancel/", {"version": other.version, "reason": "客户撤回"})
    assert fresh(other).status == Status.CANCELLED and fresh(other).cancel_reason == "客户撤回"


def test_the_shift_lead_urges_and_the_unit_is_alerted(client, people, make_order, units):
    order = make_order()
    client.force_login(people["lead"])
    client.post(f"/orders/{order.number}/urge/", {"version": order.version, "note": "医院门前，请加快"})
    assert WorkOrderEvent.objects.filter(order=order, kind=EventKind.URGED).exists()
    assert Alert.objects.filter(order=order, params__note="医院门前，请加快").exists()


def test_a_coordination_note_goes_on_top_of_the_timeline(client, people, make_order):
    """S4: the operator adds what the engineering department was told."""
    order = make_order()
    client.force_login(people["operator"])
    response = client.post(f"/orders/{order.number}/note/", {"version": order.version,
                                                            "note": "工程处来电询问进度，已告知维修中心在现场"})
    assert response.status_code == 302
    page = client.get(f"/orders/{order.number}/").content.decode()
    timeline = page.split('id="timeline"')[1]
    assert timeline.index("工程处来电询问进度") < timeline.index("kind-created")


def test_an_unknown_action_is_404(client, people, make_order):
    order = make_order()
    client.force_login(people["operator"])
    assert client.post(f"/orders/{order.number}/explode/", {"version": order.version}).status_code == 404
    assert client.get(f"/orders/{order.number}/accept/").status_code == 405


def test_the_detail_uses_a_bounded_number_of_queries(client, people, make_order, django_assert_max_num_queries):
    order = accepted(make_order(), people)
    services.order_progress(actor=people["worker"], order=order, note="在处理", files=[photo()])
    client.force_login(people["operator"])
    with django_assert_max_num_queries(15):
        client.get(f"/orders/{order.number}/")


# --- the unit's queue ------------------------------------------------------------------------------

def test_the_queue_shows_the_units_orders_with_big_buttons_and_alerts(client, people, make_order):
    waiting = make_order()
    working = accepted(make_order(title="水表漏水"), people)
    elsewhere = make_order(unit=people["east"])
    client.force_login(people["worker"])
    page = client.get("/orders/queue/?scope=unit").content.decode()
    assert f'id="card-{waiting.number}"' in page and f'id="card-{working.number}"' in page
    assert f'id="card-{elsewhere.number}"' not in page
    assert f'id="accept-{waiting.number}"' in page and f'id="resolve-btn-{working.number}"' in page
    assert 'href="tel:13805331234"' in page
    # The resolve form (with the phone's camera) comes into the card on demand, where the button is pressed.
    assert 'capture="environment"' not in page
    form = client.get(f"/orders/queue/{working.number}/form/resolve/").content.decode()
    assert f'id="resolve-{working.number}"' in form and 'capture="environment"' in form
    # The orders come first; the alerts below them, one group per order, each naming its order.
    assert page.index('id="queue"') < page.index('id="alerts"')
    assert f'id="alerts-{waiting.number}"' in page.split('id="alerts"')[1]


def test_signing_for_from_the_queue_returns_to_the_queue(client, people, make_order):
    order = make_order()
    client.force_login(people["worker"])
    response = client.post(f"/orders/{order.number}/accept/", {"version": order.version, "next": "/orders/queue/"})
    assert response.status_code == 302 and response.url == "/orders/queue/"
    assert fresh(order).status == Status.ACCEPTED
    response = client.post(f"/orders/{order.number}/progress/", {
        "version": fresh(order).version, "note": "x", "next": "https://evil.example/"})
    assert response.url == f"/orders/{order.number}/"  # never redirected off the site


def test_alerts_are_marked_read(client, people, make_order):
    make_order()
    make_order()
    client.force_login(people["worker"])
    alert = Alert.objects.filter(read_at__isnull=True).first()
    client.post("/orders/queue/alerts/read/", {"alert": alert.pk})
    assert Alert.objects.get(pk=alert.pk).read_at is not None
    assert Alert.objects.filter(read_at__isnull=True).count() == 1
    html = client.post("/orders/queue/alerts/read/", HTTP_HX_REQUEST="true").content.decode()
    assert Alert.objects.filter(read_at__isnull=True).count() == 0 and "<html" not in html
    client.force_login(people["outsider"])
    make_order()
    client.post("/orders/queue/alerts/read/")
    assert Alert.objects.filter(read_at__isnull=True).count() == 1  # not another unit's alerts


# --- callbacks due ---------------------------------------------------------------------------------

def test_callbacks_due_with_an_inline_form(client, people, make_order):
    done = resolved(make_order(), people)
    still_open = make_order()
    client.force_login(people["operator"])
    page = client.get("/orders/callbacks/").content.decode()
    assert f'id="callback-{done.number}"' in page and still_open.number not in page
    response = client.post(f"/orders/{done.number}/callback/", {
        "version": done.version, "satisfaction": "satisfied", "next": "/orders/callbacks/"})
    assert response.status_code == 302 and response.url == "/orders/callbacks/"
    assert fresh(done).status == Status.CALLBACK_DONE
    assert f'id="callback-{done.number}"' not in client.get("/orders/callbacks/").content.decode()
