"""Every notification template's output reads as written Chinese (issue 14 §5: "…次日6:00。，恢复供水时间由…"):
no doubled punctuation, no stray spaces, whatever the values end with, and with values left blank."""

import re

import pytest

from hotline.notify.catalogue import TEMPLATES
from hotline.notify.services import render, tidy

BAD = [
    (re.compile(r"[。，；、：][。，；、：]"), "doubled punctuation"),
    (re.compile(r"\s[。，；、：！？）]"), "space before punctuation"),
    (re.compile(r"[。，；、：！？（【]\s"), "space after punctuation"),
    (re.compile(r"（）|\(\)"), "empty brackets"),
    (re.compile(r"^\s|\s$"), "space at an end"),
    (re.compile(r"\s{2,}"), "doubled space"),
]

FILLED_LIKE_PEOPLE_TYPE = {
    "company": "清源市自来水有限责任公司", "hotline": "0533-2165111", "number": "TS20261207001",
    "kind": "计划停水", "area": " 中央公园2期、锦绣花园3号楼 ", "reason": "主管道抢修。", "starts": "12月7日 14:00",
    "restore": "12月8日 06:00", "restored": "12月8日 05:30", "supply": "送水点：小区东门。",
    "public_url": "https://example.org/outages/public/", "old_restore": "12月7日 22:00。",
    "extension_reason": "抢修难度大，需更换管段。 ", "cancel_reason": "施工改期；", "property": "鑫诚物业服务有限公司",
    "subject": "爆管", "address": "人民路128号", "title": "楼道水管漏水", "message": "督办：工单已超时。",
}


OPTIONAL = ("supply", "address", "property", "cancel_reason")


def problems(text: str) -> list[str]:
    return [f"{why}: …{text[max(0, m.start() - 8):m.end() + 8]}…" for pattern, why in BAD
            for m in [pattern.search(text)] if m]


@pytest.mark.django_db
@pytest.mark.parametrize("code", [t[0] for t in TEMPLATES])
@pytest.mark.parametrize("values", ["filled", "blank"])
def test_every_template_reads_cleanly(code, values):
    variables = next(t[2] for t in TEMPLATES if t[0] == code).split()
    context = {name: FILLED_LIKE_PEOPLE_TYPE.get(name, "x") for name in variables}
    if values == "blank":  # what may be left empty: the supply point, an order's address, the property's name
        context.update({name: "" for name in OPTIONAL if name in context})
    text = render(code, context)
    assert not problems(text), (code, text)


def test_the_extension_sms_of_the_issue():
    assert tidy("…恢复供水时间由12月7日 22:00。，延至次日6:00。，给您") == "…恢复供水时间由12月7日 22:00，延至次日6:00，给您"
    assert tidy("停水 。 请提前储水") == "停水。请提前储水"
