"""The knowledge base through the API: who may do what (anonymous, no permission, readers, editors),
search, an article rendered with an outage, create, update with the version (409 on a stale one),
taking out of use, the history, errors as {code, message, fields}; the OpenAPI document."""

import pytest

from hotline.knowledge.models import Article

from .conftest import client_for, snapshot

OUTAGE_SCRIPT = "您好，{area}因{reason}停水，预计{restore_time}恢复供水。"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


@pytest.fixture
def frozen(write):
    return write("水表冻裂处理话术", "请先关闭表前阀，再拨打{hotline}报修。", subject="frozen_meter", keywords="冻表 冻裂")


NEW = {"title": "管道冻裂处理话术", "kind": "script", "subject": "frozen_pipe", "keywords": "冻管",
       "body": "请先关闭表前阀，再拨打{hotline}报修。"}


# --- who may do what ------------------------------------------------------------------------------

def test_anonymous_requests_get_401_and_change_nothing(client, frozen):
    before = snapshot()
    for response in (client.get("/api/v1/knowledge/articles"), client.get(f"/api/v1/knowledge/articles/{frozen.pk}"),
                     client.get(f"/api/v1/knowledge/articles/{frozen.pk}/history"),
                     post(client, "/api/v1/knowledge/articles", NEW),
                     patch(client, f"/api/v1/knowledge/articles/{frozen.pk}", {"version": 1, "title": "改"})):
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert snapshot() == before


@pytest.mark.parametrize("who, read, change", [
    ("system", 403, 403), ("operator", 200, 403), ("worker", 200, 403), ("dispatcher", 200, 403),
    ("coordinator", 200, 403), ("manager", 200, 403), ("lead", 200, 201), ("admin", 200, 201),
])
def test_the_permission_matrix(people, frozen, who, read, change):
    client = client_for(people[who])
    before = snapshot()

    assert client.get("/api/v1/knowledge/articles", {"q": "冻表"}).status_code == read
    assert client.get(f"/api/v1/knowledge/articles/{frozen.pk}").status_code == read
    assert client.get(f"/api/v1/knowledge/articles/{frozen.pk}/history").status_code == read
    created = post(client, "/api/v1/knowledge/articles", NEW)
    assert created.status_code == change
    if change == 403:
        assert created.json() == {"code": "permission_denied", "message": "您没有执行此操作的权限。", "fields": {}}
        for response in (patch(client, f"/api/v1/knowledge/articles/{frozen.pk}", {"version": 1, "title": "改"}),
                         post(client, f"/api/v1/knowledge/articles/{frozen.pk}/deactivate", {"version": 1})):
            assert response.status_code == 403
        assert snapshot() == before
    else:
        assert Article.objects.filter(title=NEW["title"]).exists()


# --- reading ------------------------------------------------------------------------------------

def test_search_by_words_and_subject(people, write, frozen):
    write("校表申请受理话术", "检定费每只40元。", subject="meter_calibration", keywords="校表")
    write("营业厅地址", "人民路28号。", kind="article")
    client = client_for(people["operator"])

    body = client.get("/api/v1/knowledge/articles", {"q": "冻表"}).json()
    assert [a["title"] for a in body] == ["水表冻裂处理话术"]
    assert body[0]["subject"] == {"code": "frozen_meter", "name": "水表冻裂", "group": "repair"}
    assert body[0]["placeholders"] == ["hotline"] and body[0]["version"] == 1
    assert [a["title"] for a in client.get("/api/v1/knowledge/articles", {
        "subject": "meter_calibration", "only_subject": True}).json()] == ["校表申请受理话术"]
    assert len(client.get("/api/v1/knowledge/articles").json()) == 3
    assert client.get("/api/v1/knowledge/articles", {"subject": "nope"}).json()["fields"] == {
        "subject": "Unknown subject code."}
    assert client.get("/api/v1/knowledge/articles", {"kind": "poem"}).status_code == 400
    assert client.get("/api/v1/knowledge/articles", {"limit": 0}).status_code == 422


def test_an_article_is_rendered_with_the_outage_given(people, write, outage):
    article = write("抢修停水答复", OUTAGE_SCRIPT, subject="outage_question")
    client = client_for(people["operator"])

    blank = client.get(f"/api/v1/knowledge/articles/{article.pk}").json()["rendered"]
    filled = client.get(f"/api/v1/knowledge/articles/{article.pk}", {"outage": outage.number}).json()["rendered"]

    assert blank == {"text": "您好，【停水区域】因【停水原因】停水，预计【预计恢复供水时间】恢复供水。", "outage": None,
                     "unfilled": ["area", "reason", "restore_time"]}
    assert filled["text"].startswith("您好，幸福家园1–6号楼因DN300供水管道爆管抢修停水，预计")
    assert filled["outage"] == outage.number and filled["unfilled"] == []
    assert client.get(f"/api/v1/knowledge/articles/{article.pk}", {"outage": "TS000"}).status_code == 404
    assert client.get("/api/v1/knowledge/articles/999999").json()["code"] == "not_found"
    names = [p["name"] for p in client.get("/api/v1/knowledge/placeholders").json()]
    assert {"area", "reason", "restore_time", "hotline", "company"} <= set(names)


# --- writing ------------------------------------------------------------------------------------

def test_create_update_and_history(people):
    lead = client_for(people["lead"])

    created = post(lead, "/api/v1/knowledge/articles", NEW)
    assert created.status_code == 201
    article = created.json()
    assert article["subject"]["code"] == "frozen_pipe" and article["rendered"]["text"].endswith("再拨打96889报修。")

    updated = patch(lead, f"/api/v1/knowledge/articles/{article['id']}", {
        "version": 1, "body": "请先关闭表前阀，用温水化开，再拨打{hotline}报修。", "note": "补充化冻方法"})
    assert updated.status_code == 200, updated.json()
    assert updated.json()["version"] == 2 and updated.json()["title"] == NEW["title"]  # fields left out stay

    history = lead.get(f"/api/v1/knowledge/articles/{article['id']}/history").json()
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["changed"] == ["body"] and history[0]["note"] == "补充化冻方法"
    assert {"op": "insert", "text": "，用温水化开"} in history[0]["body_diff"]
    assert history[1]["body_diff"] is None and history[1]["saved_by"] == "shift_lead user"


def test_a_stale_version_is_refused_with_409_and_changes_nothing(people, frozen):
    lead = client_for(people["lead"])
    assert patch(lead, f"/api/v1/knowledge/articles/{frozen.pk}", {"version": 1, "title": "水表冻裂话术"}).status_code == 200
    before = snapshot()

    response = patch(lead, f"/api/v1/knowledge/articles/{frozen.pk}", {"version": 1, "body": "过时的修改"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and response.json()["fields"] == {"version": "2"}
    assert snapshot() == before


def test_an_unknown_placeholder_is_a_validation_error_and_changes_nothing(people, frozen):
    lead = client_for(people["lead"])
    before = snapshot()

    for response in (post(lead, "/api/v1/knowledge/articles", {**NEW, "body": "请拨打{phone}。"}),
                     patch(lead, f"/api/v1/knowledge/articles/{frozen.pk}", {"version": 1, "body": "{when}来水"})):
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "validation_error" and "body" in body["fields"] and "未知的占位符" in body["message"]
    response = post(lead, "/api/v1/knowledge/articles", {**NEW, "subject": "nope"})
    assert response.status_code == 400 and response.json()["fields"] == {"subject": "Unknown subject code."}
    response = post(lead, "/api/v1/knowledge/articles", {"body": "缺标题"})
    assert response.status_code == 422 and "title" in response.json()["fields"]
    assert snapshot() == before


def test_deactivate_and_reactivate(people, frozen):
    lead, operator = client_for(people["lead"]), client_for(people["operator"])

    response = post(lead, f"/api/v1/knowledge/articles/{frozen.pk}/deactivate", {"version": 1, "note": "过时"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert operator.get("/api/v1/knowledge/articles", {"q": "冻表"}).json() == []
    assert operator.get(f"/api/v1/knowledge/articles/{frozen.pk}").status_code == 404
    assert [a["id"] for a in lead.get("/api/v1/knowledge/articles", {"q": "冻表", "include_inactive": True}).json()] == [
        frozen.pk]
    assert post(lead, f"/api/v1/knowledge/articles/{frozen.pk}/reactivate", {"version": 1}).status_code == 409
    assert post(lead, f"/api/v1/knowledge/articles/{frozen.pk}/reactivate", {"version": 2}).json()["is_active"] is True


def test_the_endpoints_are_documented(people):
    paths = client_for(people["operator"]).get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/knowledge/articles"])
    assert {"get", "patch"} <= set(paths["/api/v1/knowledge/articles/{article_id}"])
    for path in ("/api/v1/knowledge/articles/{article_id}/history", "/api/v1/knowledge/articles/{article_id}/deactivate",
                 "/api/v1/knowledge/articles/{article_id}/reactivate", "/api/v1/knowledge/placeholders"):
        assert path in paths
