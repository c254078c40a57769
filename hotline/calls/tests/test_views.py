"""The call panel (/calls/): who may use it, the screen pop, and a call that becomes a work order in
one POST (S2, S6, S7)."""

import pytest

from conftest import account_row
from hotline.calls.models import Call, Outcome
from hotline.customers.models import Community
from hotline.org.roles import Role
from hotline.workorders.models import MeterCalibration, RequestType, Status, Subject, WorkOrder


@pytest.fixture
def customers(import_rows, units):
    import_rows(
        account_row("3100000001", "张伟", phones="13805331234"),
        account_row("3100000002", "李晓明", phones="13900000002", room="502"),
        account_row("3100000003", "李晓明", phones="13900000002", community="人民小区", room="101"),
    )
    Community.objects.update(branch=units["branch"])  # the branch serves these communities: routing works


def ids(*codes):
    return [str(RequestType.objects.get(code=c).pk) for c in codes]


def subject_id(code: str) -> str:
    return str(Subject.objects.get(code=code).pk)


def order_post(**extra) -> dict:
    data = {"number": "13805331234", "account": "3100000001", "request_type": ids("repair")[0],
            "subject": subject_id("burst_main"), "summary": "", "outcome": "answered", "urgency": "", "unit": "auto",
            "title": "", "contact_name": "", "address": "", "action": "order"}
    data.update(extra)
    return data


def test_anonymous_users_are_sent_to_login(client, customers):
    response = client.get("/calls/")
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DISPATCHER, Role.FIELD_WORKER, Role.OUTAGE_COORDINATOR])
def test_roles_that_do_not_take_calls_are_refused(client, customers, make_user, role):
    client.force_login(make_user(role))
    assert client.get("/calls/").status_code == 403
    assert client.post("/calls/", order_post()).status_code == 403
    assert Call.objects.count() == 0 and WorkOrder.objects.count() == 0


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SHIFT_LEAD])
def test_operators_and_shift_leads_get_the_panel(client, customers, make_user, role):
    client.force_login(make_user(role))
    page = client.get("/calls/").content.decode()
    assert 'id="call-number"' in page and 'id="create-order"' in page and 'id="my-calls"' in page


def test_the_number_in_the_address_pops_the_customer(client, customers, operator):
    client.force_login(operator)
    page = client.get("/calls/?number=13805331234").content.decode()
    assert 'id="pop-account-3100000001"' in page and "张伟" in page
    # The only account of the number is chosen, and the order fields are filled from it.
    assert 'id="acct-3100000001" checked' in page
    assert "中央公园2期" in page and 'name="contact_name" value="张伟"' in page


def test_a_number_with_two_homes_lets_the_operator_choose(client, customers, operator):
    client.force_login(operator)
    page = client.get("/calls/?number=13900000002").content.decode()
    assert 'id="pop-account-3100000002"' in page and 'id="pop-account-3100000003"' in page
    assert 'name="contact_name" value="李晓明"' not in page  # nothing chosen for them


def test_htmx_lookup_returns_the_pop_and_refreshes_the_order_fields(client, customers, operator):
    client.force_login(operator)
    response = client.get("/calls/", {"number": "13805331234", "subject": subject_id("burst_main")},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="screen-pop", HTTP_HX_TRIGGER_NAME="number")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="pop-account-3100000001"' in html and 'id="pop-outages"' in html
    assert 'id="call-details" hx-swap-oob="true"' in html
    assert "张店维修中心" in html  # the assignment rules' unit for a burst main in the branch's community


def test_choosing_the_subject_sets_its_urgency_and_unit(client, customers, operator):
    client.force_login(operator)
    params = {"number": "13805331234", "account": "3100000001", "subject": subject_id("burst_main"),
              "urgency": "normal", "title": "门前爆管"}
    html = client.get("/calls/", params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="call-details",
                      HTTP_HX_TRIGGER_NAME="subject").content.decode()
    assert "<html" not in html and 'id="order-card"' in html
    assert '<option value="emergency" selected>' in html
    assert "张店维修中心" in html
    assert 'value="门前爆管"' in html  # what the operator typed is kept


def test_meter_calibration_shows_the_meter_of_the_account(client, customers, operator):
    client.force_login(operator)
    html = client.get("/calls/", {"number": "13805331234", "account": "3100000001",
                                  "subject": subject_id("meter_calibration")},
                      HTTP_HX_REQUEST="true", HTTP_HX_TARGET="call-details",
                      HTTP_HX_TRIGGER_NAME="subject").content.decode()
    assert 'id="calibration-fields"' in html and 'value="M3100000001"' in html


def test_one_post_creates_the_call_and_the_dispatched_order(client, customers, operator, units):
    """S6: number → subject → submit: the emergency order goes to the repair centre at once."""
    client.force_login(operator)
    response = client.post("/calls/", order_post(summary="门前主管爆管，水往外冒"))
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.number}/"
    assert order.status == Status.DISPATCHED and order.unit == units["repair"]
    assert order.urgency == "emergency" and order.account.account_no == "3100000001"
    # The title defaults to the subject and the address; the call's summary is the description.
    assert order.title == f"{order.subject.name} · {order.address}" and order.address.startswith("张店区")
    assert order.description == "门前主管爆管，水往外冒" and order.contact_phone == "13805331234"
    call = Call.objects.get()
    assert call.work_order == order and call.outcome == Outcome.ORDER_CREATED and call.operator == operator
    page = client.get(response.url).content.decode()
    assert order.number in page and 'role="alert"' in page  # the success message


def test_the_operator_overrides_the_unit_and_urgency(client, customers, operator, units):
    client.force_login(operator)
    client.post("/calls/", order_post(unit=str(units["branch"].pk), urgency="urgent", title="阀门井漏水"))
    order = WorkOrder.objects.get()
    assert order.unit == units["branch"] and order.urgency == "urgent" and order.title == "阀门井漏水"


def test_an_order_may_be_left_undispatched(client, customers, operator):
    client.force_login(operator)
    client.post("/calls/", order_post(unit=""))
    assert WorkOrder.objects.get().status == Status.NEW


def test_a_meter_calibration_request_is_recorded(client, customers, operator):
    """S7: high bill, the customer suspects the meter."""
    client.force_login(operator)
    response = client.post("/calls/", order_post(subject=subject_id("meter_calibration"), meter_no="M3100000001",
                                                 reading="1234.5", reason="水费异常偏高"))
    assert response.status_code == 302
    calibration = MeterCalibration.objects.get()
    assert calibration.meter_no == "M3100000001" and str(calibration.reading) == "1234.5"
    assert calibration.reason == "水费异常偏高"


def test_a_calibration_without_meter_number_is_refused_with_a_message(client, customers, operator):
    client.force_login(operator)
    response = client.post("/calls/", order_post(subject=subject_id("meter_calibration"), meter_no=""))
    html = response.content.decode()
    assert response.status_code == 400 and 'id="call-errors"' in html and 'id="calibration-fields"' in html
    assert WorkOrder.objects.count() == 0 and Call.objects.count() == 0


def test_an_order_needs_a_subject(client, customers, operator):
    client.force_login(operator)
    response = client.post("/calls/", order_post(subject=""))
    assert response.status_code == 400 and "is-invalid" in response.content.decode()
    assert WorkOrder.objects.count() == 0 and Call.objects.count() == 0


def test_a_consultation_is_logged_and_listed_in_my_calls(client, customers, operator):
    client.force_login(operator)
    response = client.post("/calls/", order_post(action="log", request_type=ids("consultation")[0],
                                                 subject=subject_id("account_lookup"), summary="查询户号，已告知"))
    assert response.status_code == 302 and response.url == "/calls/"
    call = Call.objects.get()
    assert call.outcome == Outcome.ANSWERED and call.account.account_no == "3100000001"
    assert WorkOrder.objects.count() == 0
    page = client.get("/calls/").content.decode()
    assert "查询户号，已告知" in page.split('id="my-calls"')[1]


def test_a_call_without_summary_is_refused_and_nothing_stored(client, customers, operator):
    client.force_login(operator)
    response = client.post("/calls/", order_post(action="log", summary=""))
    assert response.status_code == 400 and 'id="call-errors"' in response.content.decode()
    assert Call.objects.count() == 0


def test_a_call_about_an_open_order_is_linked_to_it(client, customers, operator):
    client.force_login(operator)
    client.post("/calls/", order_post())
    order = WorkOrder.objects.get()
    page = client.get("/calls/?number=13805331234").content.decode()
    assert f'id="wo-{order.number}"' in page  # the open order is in the pop
    client.post("/calls/", order_post(action="log", outcome="linked_order", work_order=order.number,
                                      summary="询问抢修进度"))
    linked = Call.objects.get(outcome=Outcome.LINKED_ORDER)
    assert linked.work_order == order


def test_the_panel_uses_a_bounded_number_of_queries(client, customers, operator, django_assert_max_num_queries):
    client.force_login(operator)
    client.post("/calls/", order_post())
    with django_assert_max_num_queries(20):
        client.get("/calls/?number=13805331234")
