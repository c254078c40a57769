"""Search by every kind of query; the suite runs on SQLite and again on PostgreSQL."""

import pytest

from conftest import account_row
from hotline.core.errors import PermissionDeniedError
from hotline.customers.search import MatchKind, normalize_query, search_accounts

ROWS = [
    account_row("3100000001", "张伟", phones="13805331234", community="中央公园2期", building="3", unit="2", room="501"),
    account_row("3100000002", "张伟明", phones="13905335678", community="中央公园2期", building="3", unit="2", room="502"),
    account_row("3100000003", "李晓明", phones="15105331234;0533-2161234", community="锦绣花园", building="12",
                unit="1", room="302"),
    account_row("3100000004", "王晓明", phones="18605339999", community="锦绣花园", building="1", unit="1", room="101"),
    account_row("3200000005", "单丽", phones="13700000005", district="东城区", road="东风路", road_no="66",
                community="阳光家园", building="5", unit="3", room="1201"),
    account_row("3300000006", "欧阳明", phones="13600000006", district="西城区", road="建设路", road_no="215",
                community="", building="", unit="", room=""),
    account_row("3100000017", "赵敏", phones="13805330017", community="中央公园2期", building="4", unit="1", room="101"),
]


@pytest.fixture
def city(import_rows):
    result = import_rows(*ROWS)
    assert result.error_count == 0, result.errors


def numbers(hits):
    return [h.account.account_no for h in hits]


def search(actor, query, **kw):
    return search_accounts(actor=actor, query=query, **kw)


def test_account_number_exact_comes_first(city, operator):
    hits = search(operator, "3100000001")
    assert numbers(hits)[0] == "3100000001" and hits[0].kind == MatchKind.ACCOUNT_NO


def test_account_number_prefix(city, operator):
    assert numbers(search(operator, "31000000")) == ["3100000001", "3100000002", "3100000003", "3100000004",
                                                     "3100000017"]
    assert numbers(search(operator, "32")) == []  # too short for a prefix: no noise


def test_full_phone_finds_every_account_with_it(city, operator):
    hits = search(operator, "0533-2161234")
    assert numbers(hits) == ["3100000003"] and hits[0].kind == MatchKind.PHONE
    assert numbers(search(operator, "138 0533 1234")) == ["3100000001"]


def test_last_four_digits_of_a_phone(city, operator):
    hits = search(operator, "1234")
    assert set(numbers(hits)) == {"3100000001", "3100000003"}
    assert {h.kind for h in hits} == {MatchKind.PHONE}


def test_last_six_digits_narrow_it_down(city, operator):
    assert numbers(search(operator, "331234")) == ["3100000001", "3100000003"]
    assert numbers(search(operator, "5331234")) == ["3100000001", "3100000003"]
    assert numbers(search(operator, "805331234")) == ["3100000001"]


def test_two_character_name_exact_before_longer_names(city, operator):
    hits = search(operator, "张伟")
    assert numbers(hits) == ["3100000001", "3100000002"]
    assert hits[0].score > hits[1].score


def test_given_name_finds_people_of_any_surname(city, operator):
    assert set(numbers(search(operator, "晓明"))) == {"3100000003", "3100000004"}


def test_compound_surname_given_name(city, operator):
    assert numbers(search(operator, "欧阳明")) == ["3300000006"]


def test_pinyin_initials(city, operator):
    hits = search(operator, "zw")
    assert numbers(hits)[0] == "3100000001" and hits[0].kind == MatchKind.INITIALS
    assert "3100000002" in numbers(hits)  # zwm starts with zw
    assert numbers(search(operator, "ZWM")) == ["3100000002"]
    assert numbers(search(operator, "sl")) == ["3200000005"]  # 单 read as a surname: shan


def test_full_width_input_is_normalised(city, operator):
    assert normalize_query("３１００　０００００１") == "3100 000001"
    assert numbers(search(operator, "３１０００００００１"))[0] == "3100000001"


def test_community_name_lists_its_accounts(city, operator):
    hits = search(operator, "中央公园2期")
    assert set(numbers(hits)) == {"3100000001", "3100000002", "3100000017"}
    assert {h.kind for h in hits} == {MatchKind.ADDRESS}


def test_community_fragment(city, operator):
    assert set(numbers(search(operator, "中央"))) == {"3100000001", "3100000002", "3100000017"}
    assert set(numbers(search(operator, "锦绣"))) == {"3100000003", "3100000004"}


@pytest.mark.parametrize("query", ["中央公园2期3号楼2单元501", "中央公园2期 3-2-501", "中央公园2期3栋2单元501室"])
def test_community_with_building_unit_and_room(city, operator, query):
    assert numbers(search(operator, query)) == ["3100000001"]


def test_community_with_building_only(city, operator):
    assert set(numbers(search(operator, "中央公园2期3号楼"))) == {"3100000001", "3100000002"}


def test_road_fragment_and_road_with_number(city, operator):
    assert numbers(search(operator, "建设路")) == ["3300000006"]
    assert numbers(search(operator, "东风")) == ["3200000005"]


def test_nothing_found_and_empty_queries(city, operator):
    assert search(operator, "9999999999") == []
    assert search(operator, "") == []
    assert search(operator, "张") == []  # one character: too vague to search
    assert search(operator, "z") == []


def test_limit_is_respected(city, operator):
    assert len(search(operator, "31000000", limit=2)) == 2
    assert len(search(operator, "31000000", limit=1000)) == 5


def test_hits_show_masked_phone(city, operator):
    hit = search(operator, "3100000001")[0]
    assert hit.phone_masked == "138****1234"


def test_search_needs_the_customer_view_permission(city, make_user):
    system = make_user("nonexistent-role", username="nobody")
    with pytest.raises(PermissionDeniedError):
        search(system, "张伟")


def test_search_uses_a_bounded_number_of_queries(city, operator, django_assert_max_num_queries):
    for query in ["3100000001", "1234", "张伟", "zw", "中央公园2期3号楼", "建设路"]:
        with django_assert_max_num_queries(12):
            search(operator, query)


def test_a_community_inside_a_longer_name_is_not_a_second_match(import_rows, operator):
    """丽景小区 is part of 丽景小区2期: an address in 丽景小区2期 must not bring in 丽景小区's accounts."""
    import_rows(
        account_row("3100000101", "甲", community="丽景小区", building="15", unit="2", room="802"),
        account_row("3100000102", "乙", community="丽景小区2期", building="15", unit="2", room="802"),
    )
    assert numbers(search(operator, "丽景小区2期15栋2单元802室")) == ["3100000102"]
    assert numbers(search(operator, "丽景小区15栋2单元802室")) == ["3100000101"]
    assert numbers(search(operator, "丽景小区2期 15-2-802")) == ["3100000102"]


@pytest.mark.parametrize("query", ["尾号 1234", "尾号1234", "尾号：1234", "手机尾号 331234"])
def test_the_hint_s_own_form_finds_the_last_digits(city, operator, query):
    hits = search(operator, query)
    assert set(numbers(hits)) == {"3100000001", "3100000003"} and {h.kind for h in hits} == {MatchKind.PHONE}
    assert search(operator, "尾号 12") == []  # too few digits: no noise


@pytest.mark.parametrize(("query", "expected"), [
    ("中央公园二期", ["3100000001", "3100000002", "3100000017"]),
    ("中央公园二期三号楼二单元501", ["3100000001"]),
    ("中央公园2期三号楼", ["3100000001", "3100000002"]),
    ("锦绣花园十二号楼", ["3100000003"]),
])
def test_chinese_numerals_match_arabic_ones(city, operator, query, expected):
    assert numbers(search(operator, query))[:len(expected)] == expected


def test_arabic_numerals_find_a_community_named_with_chinese_ones(import_rows, operator):
    result = import_rows(account_row("3100000099", "周杰", phones="13805330099", community="滨河小区三期",
                                     building="2", unit="1", room="101"))
    assert result.error_count == 0, result.errors
    assert numbers(search(operator, "滨河小区3期")) == ["3100000099"]
    assert numbers(search(operator, "滨河小区三期2号楼1单元101")) == ["3100000099"]


def test_numerals_in_names_stay_names():
    from hotline.customers.text import address_variants, chinese_number

    assert address_variants("三里屯") == ["三里屯"] and address_variants("五一路") == ["五一路"]
    assert [chinese_number(t) for t in ("二", "十", "十二", "二十", "二十三", "一百零五", "一二")] == [
        2, 10, 12, 20, 23, 105, 12]
