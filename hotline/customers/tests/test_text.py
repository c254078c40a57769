import pytest

from hotline.customers.text import (
    format_phone,
    given_name,
    mask_phone,
    name_initials,
    normalize_phone,
    prefix_upper_bound,
)


@pytest.mark.parametrize(
    ("name", "initials"),
    [("张伟", "zw"), ("李晓明", "lxm"), ("单丽", "sl"), ("曾国强", "zgq"), ("解放", "xf"), ("欧阳明", "oym"), ("", "")],
)
def test_name_initials_as_people_type_them(name, initials):
    assert name_initials(name) == initials


@pytest.mark.parametrize(("name", "given"), [("李晓明", "晓明"), ("张伟", "伟"), ("欧阳明华", "明华"), ("欧阳", "阳"), ("王", "")])
def test_given_name_drops_the_surname(name, given):
    assert given_name(name) == given


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("138-0533-1234", "13805331234"), ("+86 138 0533 1234", "13805331234"), ("0086 13805331234", "13805331234"),
     ("0533-2161234", "05332161234"), ("", "")],
)
def test_normalize_phone_keeps_digits_and_drops_country_code(raw, digits):
    assert normalize_phone(raw) == digits


@pytest.mark.parametrize(
    ("number", "masked"), [("13805331234", "138****1234"), ("05332161234", "053****1234"), ("12345", "*2345"), ("123", "***")]
)
def test_mask_phone_shows_first_three_and_last_four(number, masked):
    assert mask_phone(number) == masked


def test_prefix_upper_bound_is_just_above_every_string_with_the_prefix():
    assert prefix_upper_bound("138") == "139"
    assert prefix_upper_bound("138") > "1389999" and prefix_upper_bound("138") <= "139"


def test_format_phone_sets_the_area_code_apart():
    assert format_phone("05332161234") == "0533-2161234"
    assert format_phone("01062345678") == "010-62345678"
    assert format_phone("13805331234") == "13805331234"
