"""The demo's knowledge base: a useful set, written through the services, found by the words and
subjects operators use; the outage answers fill from an outage."""

import pytest

from hotline.demo.knowledge import ARTICLES
from hotline.knowledge import selectors, services
from hotline.knowledge import text as kt
from hotline.knowledge.models import Article, ArticleRevision
from hotline.org.models import User
from hotline.workorders.models import Subject


@pytest.fixture
def seeded(catalogue):
    from hotline.demo.seed import seed_demo

    seed_demo(accounts=20, bills_months=0, history_days=0, log=lambda *a: None)
    return {s.code: s for s in Subject.objects.all()}


def test_every_article_is_filed_under_a_subject_of_the_catalogue(catalogue):
    codes = set(Subject.objects.values_list("code", flat=True))
    assert {code for _t, _k, code, _w, _b in ARTICLES if code} <= codes


def test_the_demo_has_a_useful_set_of_valid_articles(seeded):
    articles = list(Article.objects.all())

    assert 25 <= len(articles) <= 40
    assert {a.kind for a in articles} == {"article", "script", "canned"}
    for article in articles:
        kt.check_placeholders(article.body)  # all valid
        assert article.revisions.exists() and article.created_by.username == "shiftlead"
    outage_answers = [a for a in articles if kt.uses_outage(a.body)]
    assert len(outage_answers) >= 4
    prices = Article.objects.get(title="居民阶梯水价标准（演示数据）")
    assert prices.version == 2 and "演示数据" in prices.body
    assert set(ArticleRevision.objects.filter(article=prices).values_list("saved_by__username", flat=True)) == {
        "shiftlead", "admin"}


def test_operators_find_the_right_answers(seeded):
    operator = User.objects.get(username="operator")

    def first(q: str, subject: str | None = None) -> str:
        return selectors.search(actor=operator, q=q, subject=seeded[subject] if subject else None)[0].title

    assert first("冻表", "frozen_meter") == "水表冻裂（冻表）处理话术"
    assert first("冻表") == "水表冻裂（冻表）处理话术"
    assert first("水表冻了怎么办") == "水表冻裂（冻表）处理话术"
    assert first("校表") == "校表申请受理话术"
    assert first("校表 费用") == "校表申请受理话术"
    assert first("阶梯水价") == "居民阶梯水价标准（演示数据）"
    assert first("黄水") == "停水后水发黄（黄水）处理话术"
    assert first("过户") == "过户（更名）办理须知"
    assert first("12345") in {"12345转办工单办理要求", "12345来电用户答复口径"}
    halls = selectors.search(actor=operator, q="营业厅 营业时间")[0]
    assert halls.title == "营业厅地址及营业时间" and "张店营业厅" in halls.body and "南郊营业厅" in halls.body
    assert selectors.articles_for_subject(actor=operator, subject=seeded["frozen_meter"])[0].title == \
        "水表冻裂（冻表）处理话术"
    assert selectors.articles_for_subject(actor=operator, subject=seeded["meter_calibration"])[0].title == \
        "校表申请受理话术"


def test_the_outage_answers_fill_from_an_outage(seeded):
    from datetime import timedelta

    from django.utils import timezone

    from hotline.outages.models import Outage

    now = timezone.now()
    outage = Outage.objects.create(number="TS2026112500009", kind="emergency", status="active",
                                   reason="DN300供水管道爆管抢修", area_text="幸福家园", starts_at=now,
                                   expected_restore_at=now + timedelta(hours=4), supply_point="北门送水车", created_at=now)
    for article in Article.objects.all():
        if kt.uses_outage(article.body):
            rendered = services.render_article(article=article, outage=outage)
            assert "【" not in rendered.text and "幸福家园" in rendered.text, article.title
            assert "【停水区域】" in services.render_article(article=article).text, article.title
