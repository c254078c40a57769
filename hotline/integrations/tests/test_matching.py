"""The address of a case: the community it names, the account where that is unambiguous, and the unit
the assignment rules send it to."""

import pytest

from conftest import account_row
from hotline.customers.models import Community, District
from hotline.integrations.gov12345.selectors import match_address
from hotline.org.models import Unit, UnitKind
from hotline.workorders.models import AssignmentRule, Status, Subject


@pytest.mark.parametrize(("address", "phone", "community", "account", "how"), [
    # The dwelling named in full: its only account, whoever calls.
    ("张店区中央公园2期3号楼2单元501室", "", "中央公园2期", "3100000001", "address"),
    ("中央公园2期 3-2-502", "13800000099", "中央公园2期", "3100000002", "address"),
    # The community only: the caller's phone finds the account in it.
    ("中央公园2期小区门口", "13805331234", "中央公园2期", "3100000001", "phone"),
    ("锦绣花园8号楼", "13805331234", "锦绣花园", "3100000003", "phone"),
    # The community, a phone it does not know: no account.
    ("中央公园2期北门", "13999999999", "中央公园2期", None, ""),
    # A dwelling without an account, a phone elsewhere: the community only.
    ("中央公园2期9号楼1单元101", "13900000002", "中央公园2期", None, ""),
    # A road and number without a community: the account at that number with the caller's phone.
    ("张店区人民路200号", "13805331234", "锦绣花园", "3100000003", "address"),
    # Nothing we know.
    ("淄川区某某街道", "13805331234", None, None, ""),
    ("", "13805331234", None, None, ""),
])
def test_the_address_is_matched_to_a_community_and_where_unambiguous_an_account(city, address, phone, community,
                                                                               account, how):
    match = match_address(address=address, phone=phone)

    assert (match.community.name if match.community else None) == community
    assert (match.account.account_no if match.account else None) == account
    assert match.how == how


def test_a_phone_shared_by_two_accounts_in_the_area_is_ambiguous(city, import_rows):
    import_rows(account_row("3100000004", "张伟", phones="13805331234", room="601"))

    match = match_address(address="中央公园2期东门", phone="13805331234")

    assert match.community.name == "中央公园2期" and match.account is None


def test_a_community_name_in_two_districts_needs_the_district(city, units):
    other = District.objects.create(name="淄川区", branch=units["branch"])
    twin = Community.objects.create(name="中央公园2期", district=other, branch=units["branch"])

    assert match_address(address="中央公园2期5号楼", phone="").community is None
    assert match_address(address="淄川区中央公园2期5号楼", phone="").community == twin
    assert match_address(address="张店区中央公园2期5号楼", phone="").community == city["中央公园2期"]


def test_a_longer_community_name_wins_over_one_inside_it(city):
    district = city["中央公园2期"].district
    Community.objects.create(name="中央公园", district=district)

    assert match_address(address="中央公园2期3号楼", phone="").community == city["中央公园2期"]


def test_the_case_is_routed_by_the_assignment_rules_of_its_area(received, city, units):
    east_branch = Unit.objects.create(code="east", name="东城分公司", kind=UnitKind.BRANCH, parent=units["company"])
    east_repair = Unit.objects.create(code="east-repair", name="东城维修中心", kind=UnitKind.REPAIR_CENTRE,
                                      parent=east_branch)
    Community.objects.filter(name="锦绣花园").update(branch=east_branch)
    hall = Unit.objects.create(code="zhangdian-hall", name="张店营业厅", kind=UnitKind.BUSINESS_HALL,
                               parent=units["branch"])
    special = Unit.objects.create(code="pressure-team", name="水压专班", kind=UnitKind.ENGINEERING,
                                  parent=units["company"])
    AssignmentRule.objects.create(subject=Subject.objects.get(code="low_pressure"), community=city["中央公园2期"],
                                  unit=special)

    assert received(case_id="A1").order.unit == units["repair"]  # repairs → the branch's repair centre
    assert received(case_id="A2", address="锦绣花园8号楼", caller="王").order.unit == east_repair
    assert received(case_id="A3", category="水费").order.unit == hall  # billing → the business hall
    assert received(case_id="A4", category="水压低").order.unit == special  # the community's own rule
    unknown = received(case_id="A5", address="城外某村", phone="")
    assert unknown.order.status == Status.NEW and unknown.order.unit is None  # no area: dispatched by hand
