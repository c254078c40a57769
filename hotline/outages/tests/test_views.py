"""Console pages for outages: the list, announcing (the htmx preview, then announce), the detail and its
actions with versions, the surge board of the supervisors, and the outage in the call panel's screen
pop with its one-click log (S5, S10). Every refused post changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.calls.models import Call, Outcome
from hotline.notify.models import Message
from hotline.outages.forms import LOCAL
from hotline.outages.models import Outage, OutageEvent, OutageEventKind, OutageStatus
from hotline.outages.services import Area, outage_cancel, outage_restore
from hotline.workorders.models import RequestType, Subject

from .conftest import building, client_for

pytestmark = pytest.mark.clock  # depends on the hour: CI runs it again at other hours

NOW = timezone.now


def local(moment) -> str:
    return timezone.localtime(moment).strftime(LOCAL)


def form_data(city, **extra) -> dict:
    now = NOW()
    data = {"kind": "emergency", "reason": "DN300供水管道爆管抢修", "starts_at": local(now - timedelta(minutes=30)),
            "expected_restore_at": local(now + timedelta(hours=4)), "communities": [city["幸福家园"].pk],
            "area_text": "", "supply_point": "", "note": "", "orders": "", "action": "preview"}
    data.update(extra)
    return data


def nothing_written() -> bool:
    return not (Outage.objects.exists() or OutageEvent.objects.exists() or Message.objects.exists())


# --- who may see which page ----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/outages/", "/outages/new/", "/outages/surges/", "/outages/TS2026000000001/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


def test_pages_are_refused_to_the_wrong_roles(people, announce, make_user):
    outage = announce()
    stranger = client_for(make_user("nothing", username="stranger"))
    assert stranger.get("/outages/").status_code == 403
    assert stranger.get(f"/outages/{outage.number}/").status_code == 403
    for who in ("operator", "lead", "worker", "manager"):
        assert client_for(people[who]).get("/outages/new/").status_code == 403, who
    for who in ("operator", "worker"):
        assert client_for(people[who]).get("/outages/surges/").status_code == 403, who
    assert client_for(people["coordinator"]).get("/outages/TS000/").status_code == 404


# --- the list ------------------------------------------------------------------------------------

def test_the_list_has_tabs_per_status_and_a_search(city, people, announce):
    current = announce()
    cancelled = announce(kind="planned", area=Area(communities=[city["锦绣花园"]]), reason="阀门更换",
                         starts_at=NOW() + timedelta(days=3), expected_restore_at=NOW() + timedelta(days=3, hours=4))
    outage_cancel(actor=people["coordinator"], outage=cancelled, reason="施工推迟")
    restored = announce(area=Area(communities=[city["东城花园"]]), reason="水表井漏水")
    outage_restore(actor=people["coordinator"], outage=restored)
    client = client_for(people["operator"])

    def listed(**params) -> set[str]:
        page = client.get("/outages/", params).content.decode()
        return {o.number for o in (current, cancelled, restored) if o.number in page}

    assert listed() == {current.number}
    assert listed(status="cancelled") == {cancelled.number}
    assert listed(status="restored") == {restored.number}
    assert listed(status="all") == {current.number, cancelled.number, restored.number}
    assert listed(status="bogus") == {current.number}
    assert listed(status="all", q="锦绣") == {cancelled.number}
    assert listed(status="all", q="水表井") == {restored.number}
    assert listed(status="all", q=current.number) == {current.number}
    page = client.get("/outages/", {"status": "all", "q": "没有这个小区"}).content.decode()
    assert 'class="outage-row"' not in page


def test_only_coordinators_are_offered_to_announce(people):
    assert 'id="new-outage"' in client_for(people["coordinator"]).get("/outages/").content.decode()
    assert 'id="new-outage"' not in client_for(people["operator"]).get("/outages/").content.decode()


# --- announcing ------------------------------------------------------------------------------------

def test_the_new_page_from_a_surge_has_the_community_chosen(city, people):
    coordinator = client_for(people["coordinator"])
    page = coordinator.get("/outages/new/").content.decode()
    assert 'id="outage-form"' in page and 'id="chosen-empty"' in page
    page = coordinator.get("/outages/new/", {"community": city["锦绣花园"].pk}).content.decode()
    assert f'<input type="hidden" name="communities" value="{city["锦绣花园"].pk}">' in page
    assert 'value="emergency" class="form-check-input" id="id_kind_1" required checked' in page  # an emergency


def test_the_area_picker_finds_communities_by_name_or_road(city, people):
    coordinator = client_for(people["coordinator"])
    html = coordinator.get("/outages/area-search/", {"area_q": "幸福"}).content.decode()
    assert "幸福家园" in html and "锦绣花园" not in html and "choose-building" in html
    html = coordinator.get("/outages/area-search/", {"area_q": "人民路"}).content.decode()
    assert html.count('class="border rounded p-2 mb-1 area-result"') == 3
    assert client_for(people["operator"]).get("/outages/area-search/", {"area_q": "幸福"}).status_code == 403


def test_the_htmx_preview_returns_the_card_with_the_counts_and_writes_nothing(city, people):
    start = NOW() + timedelta(hours=10)
    response = client_for(people["coordinator"]).post("/outages/new/", form_data(
        city, kind="planned", starts_at=local(start), expected_restore_at=local(start + timedelta(hours=13)),
        communities=[city["幸福家园"].pk, city["锦绣花园"].pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="preview-card"' in html
    counts = html.split('id="preview-counts"')[1].split("</p>")[0]
    assert [part.split("</strong>")[0] for part in counts.split("<strong>")[1:]] == ["6", "4", "2"]
    assert 'data-code="short_notice"' in html and 'data-code="fire_rescue"' not in html
    sms = html.split('id="preview-sms">')[1].split("</div>")[0]
    assert sms.startswith("【清源水务】") and "幸福家园、锦绣花园" in sms
    assert "幸福物业" in html.split('id="preview-property">')[1]
    assert nothing_written()


def test_the_htmx_preview_shows_what_is_wrong_and_writes_nothing(city, people):
    response = client_for(people["coordinator"]).post("/outages/new/", form_data(
        city, expected_restore_at=local(NOW() - timedelta(hours=2))), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # htmx swaps only a 2xx answer into the page: the card must say what is wrong.
    assert response.status_code == 200 and "<html" not in html and 'id="preview-card"' not in html
    assert "alert-danger" in html and "预计恢复时间必须晚于停水开始时间" in html
    response = client_for(people["coordinator"]).post("/outages/new/", form_data(city, communities=[]),
                                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    assert nothing_written()


def test_a_preview_without_htmx_redraws_the_whole_form_with_the_card(city, people, work_order):
    response = client_for(people["coordinator"]).post("/outages/new/", form_data(
        city, buildings=[building(city, "锦绣花园", "5").pk], area_text="幸福家园及锦绣花园5号楼"))
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page and 'id="preview-card"' in page
    assert page.count('class="badge text-bg-primary chosen-area"') == 2  # the picked places are kept
    assert "幸福家园及锦绣花园5号楼" in page.split('id="preview-sms">')[1].split("</div>")[0]
    assert nothing_written()


def test_announce_redirects_to_the_detail_that_shows_the_notices(city, people, work_order):
    coordinator = client_for(people["coordinator"])
    response = coordinator.post("/outages/new/", form_data(city, action="announce", orders=work_order.number,
                                                           note="抢修队在北门"))
    outage = Outage.objects.get()
    assert response.status_code == 302 and response.url == f"/outages/{outage.number}/"
    assert outage.status == OutageStatus.ACTIVE and outage.affected_accounts == 4
    assert list(outage.orders.all()) == [work_order] and outage.created_by == people["coordinator"]
    page = coordinator.get(response.url).content.decode()
    assert f"停水 {outage.number} 已发布，正在发送 3 条通知。" in page
    assert 'id="outage-number"' in page and 'id="outage-accounts">4<' in page
    waiting = page.split('id="notice-counts"')[1].split("</div></div>")[1]
    assert '<div class="fs-4">3</div>' in waiting
    assert 'data-kind="announced"' in page and work_order.number in page and "抢修队在北门" in page


def test_announce_refuses_bad_input_with_the_form_and_writes_nothing(city, people):
    coordinator = client_for(people["coordinator"])
    response = coordinator.post("/outages/new/", form_data(city, action="announce", orders="GD000"))
    assert response.status_code == 400 and "GD000" in response.content.decode()
    response = coordinator.post("/outages/new/", form_data(city, action="announce", communities=[999999]))
    assert response.status_code == 400 and "999999" in response.content.decode()
    response = coordinator.post("/outages/new/", form_data(city, action="announce", reason=""))
    assert response.status_code == 400 and 'id="outage-form"' in response.content.decode()
    assert client_for(people["lead"]).post("/outages/new/", form_data(city, action="announce")).status_code == 403
    assert nothing_written()


# --- one outage ------------------------------------------------------------------------------------

def test_the_detail_offers_each_role_its_actions(people, announce):
    outage = announce()
    page = client_for(people["coordinator"]).get(f"/outages/{outage.number}/").content.decode()
    for form in ("extend", "restore", "order", "calls"):
        assert f'id="form-{form}"' in page, form
    assert 'id="form-cancel"' not in page  # the water is already off
    assert "预计" in page.split('id="outage-script">')[1].split("</div>")[0]
    page = client_for(people["operator"]).get(f"/outages/{outage.number}/").content.decode()
    assert 'id="form-calls"' in page and 'id="form-extend"' not in page
    for who in ("manager", "worker"):
        page = client_for(people[who]).get(f"/outages/{outage.number}/").content.decode()
        assert 'id="outage-number"' in page and 'id="actions"' not in page, who


def test_extend_through_the_page_and_a_stale_form_is_a_conflict(people, announce):
    outage = announce()
    coordinator = client_for(people["coordinator"])
    new_time = (outage.expected_restore_at + timedelta(hours=12)).replace(second=0, microsecond=0)
    response = coordinator.post(f"/outages/{outage.number}/extend/", {
        "version": 1, "expected_restore_at": local(new_time), "reason": "抢修难度大，需更换管段"})
    assert response.status_code == 302 and response.url == f"/outages/{outage.number}/"
    outage.refresh_from_db()
    assert outage.expected_restore_at == new_time and outage.version == 2
    assert "延期已发布，正在发送 3 条通知。" in coordinator.get(response.url).content.decode()

    stale = coordinator.post(f"/outages/{outage.number}/extend/", {
        "version": 1, "expected_restore_at": local(new_time + timedelta(hours=2)), "reason": "再延"})
    page = stale.content.decode()
    assert stale.status_code == 409 and 'id="conflict-alert"' in page
    assert "此停水信息已被他人修改，本次操作未保存。" in page
    assert 'name="version" value="2"' in page  # the forms now carry the current version
    outage.refresh_from_db()
    assert outage.expected_restore_at == new_time and outage.version == 2
    assert outage.events.filter(kind=OutageEventKind.EXTENDED).count() == 1


def test_a_refused_extension_redraws_its_form_and_changes_nothing(people, announce):
    outage = announce()
    coordinator = client_for(people["coordinator"])
    response = coordinator.post(f"/outages/{outage.number}/extend/", {
        "version": 1, "expected_restore_at": local(outage.expected_restore_at - timedelta(hours=1)), "reason": "x"})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="panel-extend" class="accordion-collapse collapse show"' in page
    assert "form-error" in page
    response = client_for(people["manager"]).post(f"/outages/{outage.number}/extend/", {
        "version": 1, "expected_restore_at": local(outage.expected_restore_at + timedelta(hours=1)), "reason": "x"})
    assert response.status_code == 403
    assert client_for(people["coordinator"]).post(f"/outages/{outage.number}/bogus/", {}).status_code == 404
    outage.refresh_from_db()
    assert outage.version == 1 and Message.objects.count() == 3


def test_restore_through_the_page_and_a_stale_version_is_a_conflict(people, announce):
    outage = announce()
    coordinator = client_for(people["coordinator"])
    stale = coordinator.post(f"/outages/{outage.number}/restore/", {"version": 0, "restored_at": local(NOW())})
    assert stale.status_code == 409 and 'id="conflict-alert"' in stale.content.decode()
    assert Outage.objects.get().status == OutageStatus.ACTIVE
    response = coordinator.post(f"/outages/{outage.number}/restore/", {
        "version": 1, "restored_at": local(NOW() - timedelta(minutes=5)), "note": "提前恢复"})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.restored_at
    page = coordinator.get(response.url).content.decode()
    assert 'id="outage-restored"' in page and 'id="form-extend"' not in page and 'id="form-restore"' not in page
    assert Message.objects.filter(template="outage_restored").count() == 3


def test_cancel_a_scheduled_outage_through_the_page(people, announce):
    planned = announce(kind="planned", starts_at=NOW() + timedelta(days=3),
                       expected_restore_at=NOW() + timedelta(days=3, hours=6))
    coordinator = client_for(people["coordinator"])
    page = coordinator.get(f"/outages/{planned.number}/").content.decode()
    assert 'id="form-cancel"' in page and 'id="form-restore"' not in page  # the water is still on
    assert coordinator.post(f"/outages/{planned.number}/cancel/", {"version": 1, "reason": ""}).status_code == 400
    stale = coordinator.post(f"/outages/{planned.number}/cancel/", {"version": 5, "reason": "施工推迟"})
    assert stale.status_code == 409 and Outage.objects.get().status == OutageStatus.SCHEDULED
    response = coordinator.post(f"/outages/{planned.number}/cancel/", {"version": 1, "reason": "施工推迟"})
    assert response.status_code == 302 and Outage.objects.get().status == OutageStatus.CANCELLED
    assert Message.objects.filter(template="outage_cancelled").count() == 3


def test_link_a_work_order_through_the_page(people, announce, work_order):
    outage = announce()
    coordinator = client_for(people["coordinator"])
    response = coordinator.post(f"/outages/{outage.number}/order/", {"order_number": work_order.number.lower()})
    assert response.status_code == 302 and list(outage.orders.all()) == [work_order]
    unknown = coordinator.post(f"/outages/{outage.number}/order/", {"order_number": "GD000"})
    assert unknown.status_code == 400 and "GD000" in unknown.content.decode()


def test_link_the_calls_of_a_period_through_the_page(people, announce, log_call):
    outage = announce(starts_at=NOW() - timedelta(hours=2))
    linked = [log_call("3100000001", minutes_ago=30), log_call("3100000002", minutes_ago=20)]
    log_call("3100000005", minutes_ago=10)  # 锦绣花园: another area
    lead = client_for(people["lead"])
    response = lead.post(f"/outages/{outage.number}/calls/", {
        "start": local(NOW() - timedelta(hours=1)), "end": local(NOW() + timedelta(minutes=1))})
    assert response.status_code == 302
    assert set(outage.calls.values_list("pk", flat=True)) == {c.pk for c in linked}
    page = lead.get(response.url).content.decode()
    assert "已将 2 通来电关联到此停水。" in page and 'id="linked-calls">2<' in page and 'id="surge-chart"' in page
    backwards = lead.post(f"/outages/{outage.number}/calls/", {
        "start": local(NOW()), "end": local(NOW() - timedelta(hours=1))})
    assert backwards.status_code == 400 and 'id="form-calls"' in backwards.content.decode()
    assert client_for(people["worker"]).post(f"/outages/{outage.number}/calls/", {
        "start": local(NOW() - timedelta(hours=1))}).status_code == 403
    assert outage.calls.count() == 2


# --- surges ----------------------------------------------------------------------------------------

@pytest.fixture
def surge(city, log_call):
    """Eight no-water calls from 幸福家园 in the last hour (nothing the days before); two from 锦绣花园."""
    for n in range(8):
        log_call(f"310000000{n % 4 + 1}", minutes_ago=5 + n * 6)
    log_call("3100000005", minutes_ago=10, subject="bill_query")
    log_call("3100000006", minutes_ago=15, subject="bill_query")
    return city["幸福家园"]


def surge_rows(page: str) -> list[str]:
    return [row.split("</tr>")[0] for row in page.split('class="surge-row"')[1:]]


def test_a_shift_lead_sees_the_surge_of_a_community(people, surge):
    page = client_for(people["lead"]).get("/outages/surges/").content.decode()
    rows = surge_rows(page)
    community = next(r for r in rows if 'data-kind="community"' in r)
    assert "幸福家园" in community and '<td class="text-end fw-semibold">8</td>' in community
    assert any('data-kind="subject"' in r and "无水" in r for r in rows)
    assert not any("锦绣花园" in r for r in rows)  # two calls are no surge
    assert "create-outage" not in page  # announcing is the coordinators'


def test_a_coordinator_is_offered_to_announce_an_outage_for_the_surge(people, surge):
    coordinator = client_for(people["coordinator"])
    page = coordinator.get("/outages/surges/").content.decode()
    link = f'href="/outages/new/?community={surge.pk}"'
    assert link in page and "create-outage" in page
    new = coordinator.get(f"/outages/new/?community={surge.pk}").content.decode()
    assert f'<input type="hidden" name="communities" value="{surge.pk}">' in new


@pytest.mark.parametrize("area", ["community", "district", "building"])
def test_a_surge_under_a_current_outage_links_to_extending_it(city, people, surge, announce, area):
    pieces = {"community": Area(communities=[surge]), "district": Area(districts=[surge.district]),
              "building": Area(buildings=[building(city, "幸福家园", "2")])}
    outage = announce(area=pieces[area])
    page = client_for(people["coordinator"]).get("/outages/surges/").content.decode()
    community = next(r for r in surge_rows(page) if 'data-kind="community"' in r)
    assert f'href="/outages/{outage.number}/#action-extend"' in community and "create-outage" not in community
    lead_page = client_for(people["lead"]).get("/outages/surges/").content.decode()
    assert f'href="/outages/{outage.number}/"' in next(r for r in surge_rows(lead_page) if "幸福家园" in r)


def test_no_surge_at_the_usual_level(people, city, log_call):
    for n in range(4):
        log_call("3100000001", minutes_ago=5 + n)
    page = client_for(people["lead"]).get("/outages/surges/", {"minutes": "30"}).content.decode()
    assert surge_rows(page) == []


def test_operators_do_not_see_the_surge_board(people, surge):
    assert client_for(people["operator"]).get("/outages/surges/").status_code == 403
    assert client_for(people["manager"]).get("/outages/surges/").status_code == 200


# --- the call panel ----------------------------------------------------------------------------------

def test_the_screen_pop_shows_the_outage_with_its_script_and_the_log_button(city, people, announce):
    outage = announce(area=Area(buildings=[building(city, "幸福家园", "1")]), supply_point="北门送水车")
    op = client_for(people["operator"])
    page = op.get("/calls/", {"number": "13800000002"}).content.decode()
    card = page.split('id="pop-outages"')[1].split('id="pop-orders"')[0]
    assert f'id="pop-outage-{outage.number}"' in card and "幸福家园1号楼" in card
    script = card.split('outage-script">')[1].split("</div>")[0]
    assert "预计" in script and "北门送水车" in script
    assert f'name="outage_link" value="{outage.number}"' in card and f'id="log-outage-{outage.number}"' in card
    # The htmx lookup as the number is typed shows it too.
    html = op.get("/calls/", {"number": "13800000002"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="screen-pop",
                  HTTP_HX_TRIGGER_NAME="number").content.decode()
    assert f'id="log-outage-{outage.number}"' in html and "<html" not in html
    # A neighbour in building 2, and a caller of another community: no outage.
    for number in ("05332220000", "13900000005"):
        page = op.get("/calls/", {"number": number}).content.decode()
        assert 'class="pop-outage' not in page.split('id="pop-outages"')[1].split('id="pop-orders"')[0], number


def test_one_click_logs_the_call_against_the_outage(city, people, announce):
    outage = announce()
    op = client_for(people["operator"])
    response = op.post("/calls/", {"number": "13800000002", "account": "3100000002", "outage_link": outage.number,
                                   "subject": "", "summary": "", "request_type": "", "outcome": "answered"})
    assert response.status_code == 302 and response.url == "/calls/"
    call = Call.objects.get()
    assert call.outage == outage and call.outcome == Outcome.LINKED_OUTAGE
    assert call.account.account_no == "3100000002" and call.caller_number == "13800000002"
    assert call.subject == Subject.objects.get(code="outage_question")
    assert call.request_type == RequestType.objects.get(code="consultation")
    assert outage.number in call.summary and call.operator == people["operator"]
    page = op.get("/calls/").content.decode()
    assert f"来电已登记，已关联停水 {outage.number}。" in page


def test_the_operator_may_give_the_subject_and_summary_of_the_outage_call(city, people, announce):
    outage = announce()
    no_water = Subject.objects.get(code="no_water")
    client_for(people["operator"]).post("/calls/", {
        "number": "13800000001", "account": "3100000001", "outage_link": outage.number.lower(),
        "subject": no_water.pk, "summary": "询问何时来水"})
    call = Call.objects.get()
    assert call.outage == outage and call.subject == no_water and call.summary == "询问何时来水"


def test_an_unknown_outage_logs_nothing(city, people):
    response = client_for(people["operator"]).post("/calls/", {"number": "13800000002", "outage_link": "TS000"})
    assert response.status_code == 400 and not Call.objects.exists()


def test_those_who_do_not_take_calls_cannot_log_against_an_outage(city, people, announce):
    outage = announce()
    response = client_for(people["coordinator"]).post("/calls/", {"number": "13800000002",
                                                                   "outage_link": outage.number})
    assert response.status_code == 403 and not Call.objects.exists()
