"""Search: every word must match (2-character Chinese words included), title and keyword hits rank
first, the call's subject boosts its articles, inactive articles are hidden, one bounded query."""

import pytest

from hotline.core.errors import PermissionDeniedError
from hotline.knowledge import selectors
from hotline.knowledge.services import article_deactivate
from hotline.knowledge.text import query_terms


def titles(articles) -> list[str]:
    return [a.title for a in articles]


def test_two_character_words_find_articles(people, write):
    write("水表冻裂处理话术", "请先关闭表前阀。", subject="frozen_meter", keywords="冻表 寒潮")
    write("校表申请受理话术", "水表检定费40元。", subject="meter_calibration", keywords="校表 验表")
    write("水费账单查询", "本期水费为__元。", subject="bill_query")
    operator = people["operator"]

    assert titles(selectors.search(actor=operator, q="冻表")) == ["水表冻裂处理话术"]
    assert titles(selectors.search(actor=operator, q="校表")) == ["校表申请受理话术"]
    assert titles(selectors.search(actor=operator, q="水费")) == ["水费账单查询"]


def test_every_word_must_match_in_title_keywords_or_text(people, write):
    write("校表申请受理话术", "检定费用：每只40元。", subject="meter_calibration", keywords="校表")
    write("换表须知", "换表按材料费用收取。", subject="meter_replacement")
    operator = people["operator"]

    assert titles(selectors.search(actor=operator, q="校表 费用")) == ["校表申请受理话术"]
    assert set(titles(selectors.search(actor=operator, q="费用"))) == {"校表申请受理话术", "换表须知"}
    assert selectors.search(actor=operator, q="校表 送水车") == []


def test_title_and_keyword_hits_rank_before_text_hits(people, write):
    write("停水后水发黄", "放水几分钟即可。", subject="water_quality")
    write("恢复供水", "恢复供水初期水可能发黄。", subject="outage_question")
    write("水质异常", "请放水。", subject="water_quality", keywords="发黄 浑浊")

    found = titles(selectors.search(actor=people["operator"], q="发黄"))

    assert found[-1] == "恢复供水"  # text only, after the title and keyword hits
    assert set(found[:2]) == {"停水后水发黄", "水质异常"}


def test_the_calls_subject_boosts_its_articles_then_its_groups(people, write, subjects):
    write("阀门井漏水", "关闭表前阀。", subject="valve_fault")
    write("表前漏水", "关闭表前阀。", subject="before_meter_leak")
    write("维修责任", "关闭表前阀。", subject="repair", kind="article")
    write("通用提示", "关闭表前阀。")
    operator = people["operator"]

    found = titles(selectors.search(actor=operator, q="表前阀", subject=subjects["before_meter_leak"]))

    assert found[:2] == ["表前漏水", "维修责任"]
    assert set(found) == {"阀门井漏水", "表前漏水", "维修责任", "通用提示"}  # a boost, not a filter
    assert titles(selectors.search(actor=operator, q="表前阀", subject=subjects["before_meter_leak"],
                                   within_subject=True)) == ["表前漏水", "维修责任"]


def test_a_subjects_articles_come_first_then_its_groups_then_general_ones(people, write, subjects):
    write("通用开头语", kind="script")
    write("防冻提示", subject="repair", kind="canned")
    write("冻表背景", subject="frozen_meter", kind="article")
    write("冻表话术", subject="frozen_meter", kind="script")
    write("水压低话术", subject="low_pressure")

    found = titles(selectors.articles_for_subject(actor=people["operator"], subject=subjects["frozen_meter"]))

    assert found == ["冻表话术", "冻表背景", "防冻提示", "通用开头语"]  # scripts first within each; no other subject


def test_a_group_collects_its_subjects_articles(people, write, subjects):
    write("冻表话术", subject="frozen_meter")
    write("爆管话术", subject="burst_main")
    write("水压低话术", subject="low_pressure")

    found = titles(selectors.search(actor=people["operator"], q="", subject=subjects["repair"], within_subject=True))

    assert set(found) == {"冻表话术", "爆管话术"}


def test_inactive_articles_are_hidden_but_editors_may_ask_for_them(people, write):
    article = write("旧版冻表话术", keywords="冻表")
    write("冻表话术", keywords="冻表")
    article_deactivate(actor=people["lead"], article=article, version=article.version)

    assert titles(selectors.search(actor=people["operator"], q="冻表")) == ["冻表话术"]
    assert titles(selectors.search(actor=people["operator"], q="冻表", include_inactive=True)) == ["冻表话术"]
    assert set(titles(selectors.search(actor=people["lead"], q="冻表", include_inactive=True))) == {
        "旧版冻表话术", "冻表话术"}
    assert titles(selectors.article_list(actor=people["operator"])) == ["冻表话术"]


def test_callers_phrasing_and_full_width_letters_are_understood(people, write):
    write("水表冻裂处理话术", "DN15水表120元。", subject="frozen_meter")
    operator = people["operator"]

    assert query_terms("水表冻了怎么办？") == ["水表冻"]
    assert titles(selectors.search(actor=operator, q="水表冻了怎么办？")) == ["水表冻裂处理话术"]
    assert titles(selectors.search(actor=operator, q="ｄｎ１５")) == ["水表冻裂处理话术"]


def test_a_search_is_one_bounded_query(people, write, subjects, django_assert_num_queries):
    for n in range(12):
        write(f"冻表话术{n}", "水表冻裂时请关闭表前阀。", keywords="冻表", subject="frozen_meter")
    operator = people["operator"]

    with django_assert_num_queries(1):
        found = selectors.search(actor=operator, q="冻表 话术 表前阀 水表 冻", subject=subjects["frozen_meter"], limit=5)
        [a.subject.group for a in found]  # subjects and groups come with the articles
    assert len(found) == 5
    assert len(selectors.search(actor=operator, q="冻表", limit=10_000)) == 12  # at most MAX_LIMIT


def test_only_readers_of_the_knowledge_base_may_search(people, write):
    write("冻表话术", keywords="冻表")
    for who in ("operator", "worker", "dispatcher", "coordinator", "manager", "lead", "admin"):
        assert titles(selectors.search(actor=people[who], q="冻表")) == ["冻表话术"], who
    with pytest.raises(PermissionDeniedError):
        selectors.search(actor=people["system"], q="冻表")
