"""Writing articles: validation (placeholders included), versions and revisions, a stale edit refused,
taking out of use; filling placeholders from an outage. Every refusal changes nothing."""

import pytest

from hotline.core.errors import ConflictError, PermissionDeniedError, ValidationError
from hotline.core.models import AuditEvent
from hotline.core.testing import postgres_only
from hotline.knowledge import selectors, services
from hotline.knowledge.models import Article, ArticleRevision

from .conftest import snapshot

OUTAGE_SCRIPT = "您好，{area}因{reason}停水，预计{restore_time}恢复供水。咨询请拨打{hotline}（{company}）。"


def test_creating_an_article_saves_version_one_its_revision_and_an_audit_event(people, subjects):
    article = services.article_create(actor=people["lead"], title="  水表冻裂  处理话术 ", kind="script",
                                      subject=subjects["frozen_meter"], keywords="冻表，冻裂、寒潮",
                                      body="请先关闭表前阀。\r\n再报修。 ")

    article.refresh_from_db()
    assert (article.title, article.keywords, article.body) == ("水表冻裂 处理话术", "冻表 冻裂 寒潮", "请先关闭表前阀。\n再报修。")
    assert article.version == 1 and article.is_active and article.created_by == people["lead"]
    revision = article.revisions.get()
    assert (revision.version, revision.title, revision.body, revision.saved_by) == (
        1, article.title, article.body, people["lead"])
    assert AuditEvent.objects.filter(action="knowledge.created", target_id=str(article.pk)).count() == 1


@pytest.mark.parametrize("fields, field", [
    ({"title": " "}, "title"),
    ({"title": "长" * 121}, "title"),
    ({"body": ""}, "body"),
    ({"kind": "poem"}, "kind"),
    ({"body": "您好，{area}因{cause}停水，请拨打{phone}。"}, "body"),
    ({"body": "您好，{area停水。"}, "body"),
    ({"body": "您好，{area!r}停水。"}, "body"),
    ({"body": "您好，{}停水。"}, "body"),
])
def test_invalid_articles_are_refused_and_nothing_is_written(people, fields, field):
    before = snapshot()
    data = {"title": "停水答复", "kind": "script", "body": "您好。", **fields}

    with pytest.raises(ValidationError) as refused:
        services.article_create(actor=people["lead"], **data)

    assert field in refused.value.fields
    assert snapshot() == before


def test_an_unknown_placeholder_is_named_with_the_ones_allowed(people):
    with pytest.raises(ValidationError) as refused:
        services.article_create(actor=people["lead"], title="停水答复", body="{area}因{cause}停水，请拨打{phone}。")

    message = str(refused.value.message)
    assert message.startswith("未知的占位符：{cause}, {phone}。")
    assert "{restore_time}" in message  # the allowed ones are listed
    assert not Article.objects.exists()


def test_placeholders_are_filled_from_an_outage(people, outage):
    article = services.article_create(actor=people["lead"], title="抢修停水答复", body=OUTAGE_SCRIPT)

    rendered = services.render_article(article=article, outage=outage)

    assert rendered.text.startswith("您好，幸福家园1–6号楼因DN300供水管道爆管抢修停水，预计")
    assert "{" not in rendered.text and "【" not in rendered.text
    assert "96889（清源水务）" in rendered.text
    assert rendered.unfilled == [] and rendered.outage == outage and not rendered.needs_outage


def test_without_an_outage_its_placeholders_stay_visible(people):
    article = services.article_create(actor=people["lead"], title="抢修停水答复", body=OUTAGE_SCRIPT)

    rendered = services.render_article(article=article)

    assert rendered.text == ("您好，【停水区域】因【停水原因】停水，预计【预计恢复供水时间】恢复供水。"
                             "咨询请拨打96889（清源水务）。")
    assert rendered.unfilled == ["area", "reason", "restore_time"] and rendered.needs_outage
    assert rendered.outage is None
    assert [s.filled for s in rendered.segments if s.placeholder] == [False, False, False, True, True]


def test_an_article_without_outage_placeholders_ignores_the_outage(people, outage):
    article = services.article_create(actor=people["lead"], title="营业时间", body="营业时间8:30–17:30。")

    rendered = services.render_article(article=article, outage=outage)

    assert rendered.text == "营业时间8:30–17:30。" and rendered.outage is None


def test_an_edit_saves_a_new_version_and_the_history_shows_what_changed(people, subjects):
    article = services.article_create(actor=people["lead"], title="校表申请", body="检定费每只30元。",
                                      subject=subjects["meter_calibration"])

    services.article_update(actor=people["admin"], article=article, version=1, title="校表申请受理话术",
                            kind="script", body="检定费每只40元，5个工作日出结果。", subject=subjects["meter_calibration"],
                            keywords="校表", note="新收费标准")

    assert article.version == 2 and article.body == "检定费每只40元，5个工作日出结果。"
    assert article.updated_by == people["admin"]
    assert list(article.revisions.order_by("version").values_list("version", "body")) == [
        (1, "检定费每只30元。"), (2, "检定费每只40元，5个工作日出结果。")]
    event = AuditEvent.objects.get(action="knowledge.updated")
    assert event.data["before"] == {"title": "校表申请", "body": "检定费每只30元。"}
    assert set(event.data["changed"]) == {"title", "kind", "keywords", "body"}

    newest, first = selectors.article_history(actor=people["operator"], article=article)
    assert first.first and first.revision.saved_by == people["lead"]
    assert newest.revision.note == "新收费标准" and newest.revision.saved_by == people["admin"]
    assert set(newest.changed) == {"title", "kind", "keywords", "body"}
    assert ("delete", "3") in [(c.op, c.text) for c in newest.body]
    assert ("insert", "4") in [(c.op, c.text) for c in newest.body]
    assert "".join(c.text for c in newest.body if c.op != "delete") == "检定费每只40元，5个工作日出结果。"
    assert "".join(c.text for c in newest.body if c.op != "insert") == "检定费每只30元。"


def test_an_edit_from_a_stale_version_is_refused_and_changes_nothing(people):
    article = services.article_create(actor=people["lead"], title="校表申请", body="检定费每只30元。")
    services.article_update(actor=people["admin"], article=Article.objects.get(pk=article.pk), version=1,
                            title="校表申请", kind="article", body="检定费每只40元。")
    before = snapshot()

    with pytest.raises(ConflictError) as refused:
        services.article_update(actor=people["lead"], article=article, version=1, title="校表申请", kind="article",
                                body="检定费每只35元。")

    assert refused.value.http_status == 409 and refused.value.fields == {"version": "2"}
    assert snapshot() == before
    assert Article.objects.get(pk=article.pk).body == "检定费每只40元。"


def test_an_edit_that_changes_nothing_saves_nothing(people):
    article = services.article_create(actor=people["lead"], title="校表申请", body="检定费每只30元。", keywords="校表")
    before = snapshot()

    services.article_update(actor=people["lead"], article=article, version=1, title="校表申请 ", kind="article",
                            body="检定费每只30元。\n", keywords=" 校表")

    assert snapshot() == before and article.version == 1


def test_an_invalid_edit_changes_nothing(people):
    article = services.article_create(actor=people["lead"], title="停水答复", body="{area}停水。")
    before = snapshot()

    with pytest.raises(ValidationError):
        services.article_update(actor=people["lead"], article=article, version=1, title="停水答复", kind="script",
                                body="{area}停水，{when}来水。")

    assert snapshot() == before


def test_taking_out_of_use_and_back_are_versions_too(people):
    article = services.article_create(actor=people["lead"], title="旧收费标准", body="每只30元。")

    services.article_deactivate(actor=people["lead"], article=article, version=1, note="标准已调整")
    assert not Article.objects.get(pk=article.pk).is_active and article.version == 2
    services.article_deactivate(actor=people["lead"], article=article, version=2)  # already: nothing happens
    assert article.version == 2
    with pytest.raises(ConflictError):
        services.article_reactivate(actor=people["lead"], article=article, version=1)
    services.article_reactivate(actor=people["admin"], article=article, version=2)

    assert Article.objects.get(pk=article.pk).is_active and article.version == 3
    assert [e.changed for e in selectors.article_history(actor=people["lead"], article=article)] == [
        ["is_active"], ["is_active"], []]
    assert AuditEvent.objects.filter(action__in=["knowledge.deactivated", "knowledge.reactivated"]).count() == 2


@pytest.mark.parametrize("who", ["operator", "worker", "dispatcher", "coordinator", "manager", "system"])
def test_only_shift_leads_and_admins_may_write(people, who):
    article = services.article_create(actor=people["lead"], title="校表申请", body="检定费每只30元。")
    before = snapshot()
    actor = people[who]

    with pytest.raises(PermissionDeniedError):
        services.article_create(actor=actor, title="新文章", body="正文")
    with pytest.raises(PermissionDeniedError):
        services.article_update(actor=actor, article=article, version=1, title="改", kind="article", body="改")
    with pytest.raises(PermissionDeniedError):
        services.article_deactivate(actor=actor, article=article, version=1)

    assert snapshot() == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_the_same_version_at_once_one_wins(people):
    from hotline.core.testing import run_in_threads

    article = services.article_create(actor=people["lead"], title="校表申请", body="检定费每只30元。")
    editors = [people["lead"], people["admin"]]

    results = run_in_threads(2, lambda i: services.article_update(
        actor=editors[i], article=Article.objects.get(pk=article.pk), version=1, title="校表申请", kind="article",
        body=f"检定费每只{40 + i}元。"))

    assert sorted(type(r).__name__ for r in results) == ["Article", "ConflictError"]
    saved = Article.objects.get(pk=article.pk)
    assert saved.version == 2 and ArticleRevision.objects.filter(article=saved).count() == 2
