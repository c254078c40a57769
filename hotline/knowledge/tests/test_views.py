"""Console pages of the knowledge base per role (anonymous, no permission, readers, editors), editing
with history and a stale version refused, and the knowledge box of the call panel (the subject's
articles, search as the operator types, outage answers filled from the caller's outage)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import account_row
from hotline.knowledge.models import Article
from hotline.knowledge.services import article_update

from .conftest import client_for, snapshot

FROZEN_SCRIPT = "请先关闭表前阀，再拨打{hotline}报修。"
OUTAGE_SCRIPT = "您好，{area}因{reason}停水，预计{restore_time}恢复供水。"


@pytest.fixture
def frozen(write):
    return write("水表冻裂处理话术", FROZEN_SCRIPT, subject="frozen_meter", keywords="冻表 冻裂")


def plain(html: str) -> str:
    """The text of an HTML fragment (placeholders' values and differences are marked up)."""
    return re.sub(r"<[^>]+>", "", html)


def edit_data(article: Article, **changes) -> dict:
    data = {"title": article.title, "kind": article.kind, "subject": article.subject_id or "",
            "keywords": article.keywords, "body": article.body, "note": "", "version": article.version}
    data.update(changes)
    return data


# --- who may see which page ---------------------------------------------------------------------

PAGES = ["/knowledge/", "/knowledge/new/", "/knowledge/panel/", "/knowledge/{pk}/", "/knowledge/{pk}/edit/",
         "/knowledge/{pk}/history/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_login(client, frozen, url):
    response = client.get(url.format(pk=frozen.pk))
    assert response.status_code == 302 and response.url.startswith("/login/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_users_without_the_knowledge_permission_are_refused(people, frozen, url):
    assert client_for(people["system"]).get(url.format(pk=frozen.pk)).status_code == 403


@pytest.mark.parametrize("who", ["operator", "worker", "dispatcher", "coordinator", "manager"])
def test_readers_read_but_may_not_edit(people, frozen, who):
    client = client_for(people[who])
    before = snapshot()

    assert client.get("/knowledge/").status_code == 200
    page = client.get(f"/knowledge/{frozen.pk}/").content.decode()
    assert "水表冻裂处理话术" in page and 'id="copy-article"' in page and 'id="edit-article"' not in page
    assert client.get(f"/knowledge/{frozen.pk}/history/").status_code == 200
    assert client.get(f"/knowledge/{frozen.pk}/edit/").status_code == 403
    assert client.get("/knowledge/new/").status_code == 403
    assert client.post(f"/knowledge/{frozen.pk}/edit/", edit_data(frozen, body="改了")).status_code == 403
    assert client.post("/knowledge/new/", edit_data(frozen, title="新文章")).status_code == 403
    assert client.post(f"/knowledge/{frozen.pk}/active/", {"active": "0", "version": 1}).status_code == 403
    assert snapshot() == before


def test_an_unknown_article_is_not_found(people):
    assert client_for(people["operator"]).get("/knowledge/999999/").status_code == 404


# --- the list -----------------------------------------------------------------------------------

def test_the_list_searches_by_words_and_filters_by_subject(people, write, frozen, subjects):
    write("校表申请受理话术", "检定费每只40元。", subject="meter_calibration", keywords="校表")
    write("营业厅地址", "人民路28号。", kind="article", keywords="营业厅")
    client = client_for(people["operator"])

    def listed(**params) -> list[str]:
        page = client.get("/knowledge/", params).content.decode()
        return [a.title for a in Article.objects.order_by("pk") if f'id="article-{a.pk}"' in page]

    assert listed() == ["水表冻裂处理话术", "校表申请受理话术", "营业厅地址"]
    assert listed(q="冻表") == ["水表冻裂处理话术"]
    assert listed(q="校表 40元") == ["校表申请受理话术"]
    assert listed(subject=subjects["meter"].pk) == ["校表申请受理话术"]  # a group: its subjects' articles
    assert listed(kind="article") == ["营业厅地址"]
    assert listed(q="没有这个词") == []
    fragment = client.get("/knowledge/", {"q": "冻表"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="article-results")
    assert "<html" not in fragment.content.decode() and f'id="article-{frozen.pk}"' in fragment.content.decode()


def test_the_list_is_a_bounded_number_of_queries(people, write, django_assert_max_num_queries):
    for n in range(30):
        write(f"话术{n}", subject="frozen_meter" if n % 2 else None)
    client = client_for(people["operator"])
    client.get("/knowledge/")  # session, reference data

    with django_assert_max_num_queries(8):
        assert client.get("/knowledge/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/knowledge/", {"q": "话术"}).status_code == 200


# --- an article ---------------------------------------------------------------------------------

def test_an_article_shows_its_placeholders_and_fills_them_from_the_chosen_outage(people, write, outage):
    article = write("抢修停水答复", OUTAGE_SCRIPT, subject="outage_question")
    client = client_for(people["operator"])

    page = client.get(f"/knowledge/{article.pk}/").content.decode()
    text = page.split('id="article-text"')[1].split("</div>")[0]
    assert "【停水区域】" in text and "ph-missing" in text and 'id="unfilled-note"' in page
    assert f'<option value="{outage.number}"' in page  # the current outages to fill it from

    page = client.get(f"/knowledge/{article.pk}/", {"outage": outage.number}).content.decode()
    text = page.split('id="article-text"')[1].split("</div>")[0]
    assert "您好，幸福家园1–6号楼因DN300供水管道爆管抢修停水" in plain(text) and "【" not in text
    assert 'id="unfilled-note"' not in page


# --- editing ------------------------------------------------------------------------------------

def test_a_shift_lead_edits_and_the_history_shows_the_change(people, frozen):
    lead = client_for(people["lead"])
    assert 'id="edit-article"' in lead.get(f"/knowledge/{frozen.pk}/").content.decode()
    assert lead.get(f"/knowledge/{frozen.pk}/edit/").status_code == 200

    response = lead.post(f"/knowledge/{frozen.pk}/edit/", edit_data(
        frozen, body="请先关闭表前阀，用温水化开，再拨打{hotline}报修。", note="补充化冻方法"))

    assert response.status_code == 302 and response.url == f"/knowledge/{frozen.pk}/"
    frozen.refresh_from_db()
    assert frozen.version == 2 and "用温水化开" in frozen.body and frozen.updated_by == people["lead"]
    history = client_for(people["operator"]).get(f"/knowledge/{frozen.pk}/history/").content.decode()
    newest = history.split('id="revision-2"')[1].split('id="revision-1"')[0]
    assert "<ins" in newest and "请先关闭表前阀，用温水化开，再拨打{hotline}报修。" in plain(newest)
    assert "补充化冻方法" in newest and "shift_lead user" in newest


def test_a_stale_edit_is_refused_keeping_the_users_text_and_changing_nothing(people, frozen):
    form = edit_data(frozen, body="请先关闭表前阀。", note="我的修改")
    article_update(actor=people["admin"], article=frozen, version=1, title=frozen.title, kind=frozen.kind,
                   subject=frozen.subject, keywords=frozen.keywords, body="别人的修改：" + FROZEN_SCRIPT)
    before = snapshot()

    response = client_for(people["lead"]).post(f"/knowledge/{frozen.pk}/edit/", form)

    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="conflict-alert"' in page and "第 2 版" in page
    assert "请先关闭表前阀。</textarea>" in page  # the user's text is kept
    assert 'name="version" value="2"' in page  # saving again is a decision taken with the change in view
    assert snapshot() == before


def test_an_unknown_placeholder_is_explained_on_the_form_and_nothing_changes(people, frozen):
    before = snapshot()

    response = client_for(people["lead"]).post(f"/knowledge/{frozen.pk}/edit/",
                                               edit_data(frozen, body="请拨打{phone}报修。"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "未知的占位符：{phone}" in page and "{restore_time}" in page
    assert snapshot() == before


def test_a_shift_lead_writes_a_new_article(people, subjects):
    response = client_for(people["lead"]).post("/knowledge/new/", {
        "title": "管道冻裂处理", "kind": "script", "subject": subjects["frozen_pipe"].pk, "keywords": "冻管",
        "body": "请关闭表前阀。", "note": ""})

    article = Article.objects.get()
    assert response.status_code == 302 and response.url == f"/knowledge/{article.pk}/"
    assert article.subject == subjects["frozen_pipe"] and article.created_by == people["lead"]


def test_taking_an_article_out_of_use_hides_it_from_operators(people, frozen):
    lead = client_for(people["lead"])

    response = lead.post(f"/knowledge/{frozen.pk}/active/", {"active": "0", "version": 1})

    assert response.status_code == 302
    assert f'id="article-{frozen.pk}"' not in client_for(people["operator"]).get("/knowledge/").content.decode()
    assert client_for(people["operator"]).get(f"/knowledge/{frozen.pk}/").status_code == 404
    assert 'id="reactivate-article"' in lead.get(f"/knowledge/{frozen.pk}/").content.decode()
    before = snapshot()
    lead.post(f"/knowledge/{frozen.pk}/active/", {"active": "1", "version": 1})  # stale: refused
    assert snapshot() == before


# --- the call panel -----------------------------------------------------------------------------

def box(html: str) -> str:
    return html.split('id="knowledge-box"')[1].split('id="order-card"')[0]


def test_the_call_panel_shows_the_chosen_subjects_articles(people, write, frozen, subjects):
    write("水压低话术", "请检查起泡器。", subject="low_pressure")
    write("开头语", "您好，{company}供水服务热线{hotline}。")
    op = client_for(people["operator"])

    page = op.get("/calls/").content.decode()
    assert "开头语" in box(page) and "水表冻裂处理话术" not in box(page)  # no subject yet: the general ones

    html = op.get("/calls/", {"subject": subjects["frozen_meter"].pk}, HTTP_HX_REQUEST="true",
                  HTTP_HX_TARGET="call-details", HTTP_HX_TRIGGER_NAME="subject").content.decode()
    assert 'id="call-details"' in html and 'id="order-card"' in html  # the panel's own fragment, intact
    found = box(html)
    assert found.index("水表冻裂处理话术") < found.index("开头语") and "水压低话术" not in found
    assert "拨打96889报修" in plain(found)  # rendered, placeholders filled
    assert f'data-copy="#k-text-{frozen.pk}"' in found


def test_the_knowledge_box_finds_by_words_as_the_operator_types(people, write, frozen, subjects):
    write("校表申请受理话术", "检定费每只40元。", subject="meter_calibration", keywords="校表")
    op = client_for(people["operator"])

    html = op.get("/knowledge/panel/", {"kq": "校表 费", "subject": subjects["frozen_meter"].pk, "number": ""},
                  HTTP_HX_REQUEST="true", HTTP_HX_TARGET="knowledge-results").content.decode()

    assert "校表申请受理话术" in html and "水表冻裂处理话术" not in html and "<html" not in html
    assert "open" in html.split('id="k-article-')[1].split(">")[0]  # the best match is opened
    html = op.get("/knowledge/panel/", {"kq": "没有这个词"}).content.decode()
    assert 'id="knowledge-none"' in html


def test_outage_answers_are_filled_from_the_outage_at_the_callers_address(people, write, import_rows):
    from hotline.customers.models import Community
    from hotline.outages.services import Area, outage_announce

    assert not import_rows(account_row("3100000001", "张伟", phones="13800000001", community="幸福家园")).errors
    now = timezone.now()
    outage = outage_announce(actor=people["coordinator"], kind="emergency", reason="DN300供水管道爆管抢修",
                             starts_at=now - timedelta(minutes=30), expected_restore_at=now + timedelta(hours=4),
                             area=Area(communities=[Community.objects.get(name="幸福家园")]))
    write("抢修停水答复", OUTAGE_SCRIPT, subject="outage_question")
    op = client_for(people["operator"])

    html = op.get("/calls/", {"number": "13800000001"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="screen-pop",
                  HTTP_HX_TRIGGER_NAME="number").content.decode()

    found = box(html)
    assert "您好，幸福家园因DN300供水管道爆管抢修停水，预计" in plain(found) and "【" not in found
    assert f'name="k_outage" value="{outage.number}"' in found and 'id="knowledge-outage"' in found
    # Searching keeps filling from that outage (the box sends its number along).
    html = op.get("/knowledge/panel/", {"kq": "停水", "k_outage": outage.number}).content.decode()
    assert "您好，幸福家园因DN300供水管道爆管抢修停水" in plain(html)
    # Without the outage, the placeholders stay visible.
    html = op.get("/knowledge/panel/", {"kq": "停水"}).content.decode()
    assert "【停水区域】" in html


def test_the_call_panel_still_logs_a_call_with_the_knowledge_box_in_the_form(people, frozen, subjects):
    from hotline.calls.models import Call
    from hotline.workorders.models import RequestType

    response = client_for(people["operator"]).post("/calls/", {
        "number": "13800000009", "request_type": RequestType.objects.get(code="consultation").pk,
        "subject": subjects["frozen_meter"].pk, "summary": "询问冻表处理", "outcome": "answered", "kq": "冻表"})

    assert response.status_code == 302 and Call.objects.get().summary == "询问冻表处理"


def test_with_an_outage_the_answer_that_fits_it_comes_first_whatever_the_subject(people, write, outage):
    from hotline.knowledge.selectors import panel_knowledge
    from hotline.outages.models import OutageEvent
    from hotline.workorders.models import Subject

    write("计划停水答复", "{area}计划停水。", subject="outage_question")
    write("抢修停水答复", "{area}正在抢修。", subject="outage_question")
    write("停水延期答复", "{area}延至{restore_time}。", subject="outage_question", kind="canned")
    write("突然无水排查", "请问邻居家有水吗？", subject="no_water")
    operator = people["operator"]

    def shown(**kwargs) -> list[str]:
        return [a.title for a, _r in panel_knowledge(actor=operator, **kwargs).items]

    no_water = Subject.objects.get(code="no_water")
    assert shown(subject=no_water) == ["突然无水排查"]
    assert shown(subject=no_water, outage=outage)[:1] == ["抢修停水答复"]  # an emergency outage
    assert set(shown(subject=no_water, outage=outage)) == {"计划停水答复", "抢修停水答复", "停水延期答复", "突然无水排查"}
    OutageEvent.objects.create(outage=outage, at=timezone.now(), kind="extended")
    del outage.was_extended
    assert shown(outage=outage)[0] == "停水延期答复"
    assert shown(outage=outage, q="无水") == ["突然无水排查"]  # words typed: the search decides
