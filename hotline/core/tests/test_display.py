"""Moments, durations and lists in the reader's language (issue 14 §6): as a person writes them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from hotline.core import display

NOW = datetime(2026, 12, 7, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("delta, zh, en", [
    (timedelta(hours=23, minutes=59, seconds=30), "23小时59分", "23 h 59 min"),
    (timedelta(weeks=1, days=3, hours=5), "1周3天", "1 w 3 d"),
    (timedelta(days=2), "2天", "2 d"),
    (timedelta(days=1, minutes=5), "1天", "1 d"),  # the second unit is the next one down, or none
    (timedelta(minutes=7), "7分", "7 min"),
    (timedelta(seconds=20), "0分", "0 min"),
    (-timedelta(hours=3), "3小时", "3 h"),
])
def test_duration(delta, zh, en):
    with translation.override("zh-hans"):
        assert display.duration(delta) == zh
    with translation.override("en"):
        assert display.duration(delta) == en


def test_left_overdue_ago():
    due = NOW + timedelta(hours=23, minutes=59)
    with translation.override("zh-hans"):
        assert display.left(due, NOW) == "剩余 23小时59分"
        assert display.overdue(NOW - timedelta(days=10), NOW) == "已超时 1周3天"
        assert display.ago(NOW - timedelta(minutes=75), NOW) == "1小时15分前"
    with translation.override("en"):
        assert display.left(due, NOW) == "23 h 59 min left"
        assert display.overdue(NOW - timedelta(days=10), NOW) == "1 w 3 d overdue"
        assert display.ago(NOW - timedelta(minutes=75), NOW) == "1 h 15 min ago"


def test_when_and_lists(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime(2026, 12, 8, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with translation.override("zh-hans"):
        assert display.when(moment) == "12月8日 06:00"
        assert display.join_list(["张店区", "幸福家园"]) == "张店区、幸福家园"
    with translation.override("en"):
        assert display.when(moment) == "Dec 8, 06:00"
        assert display.join_list(["张店区", "幸福家园"]) == "张店区, 幸福家园"
    assert display.when(None) == ""


def test_filters():
    template = Template("{% load display %}{{ due|left:now }}|{{ late|overdue:now }}|{{ due|when }}|{{ names|join_list }}")
    context = Context({"due": NOW + timedelta(hours=2), "late": NOW - timedelta(days=8), "now": NOW,
                       "names": ["甲", "乙"]})
    with translation.override("en"):
        assert template.render(context) == "2 h left|1 w 1 d overdue|Dec 8, 00:00|甲, 乙"
    with translation.override("zh-hans"):
        assert template.render(context) == "剩余 2小时|已超时 1周1天|12月8日 00:00|甲、乙"
