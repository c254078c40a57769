from decimal import Decimal

from conftest import account_row
from hotline.customers.models import Account
from hotline.customers.selectors import account_with_premise


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_fast_lookup_loads_what_select_related_loads(import_rows, django_assert_num_queries):
    result = import_rows(
        account_row("3100000001", "张伟", balance="12.30", arrears="5.5", opened_on="2021-03-04"),
        account_row("3100000002", "李娜", community="", building="", unit="", room="", road_no="7"),
    )
    assert not result.errors, result.errors
    for number in ("3100000001", "3100000002"):
        expected = Account.objects.select_related("premise__community").get(account_no=number)
        with django_assert_num_queries(1):
            account = account_with_premise(number)
            premise, community = account.premise, account.premise.community  # no further query
        for got, want in ((account, expected), (premise, expected.premise)):
            assert _fields(got) == _fields(want)
            assert all(type(v) is type(_fields(want)[k]) for k, v in _fields(got).items())
        assert (community is None) == (expected.premise.community is None)
        if community is not None:
            assert _fields(community) == _fields(expected.premise.community)
    assert account_with_premise("3100000001").balance == Decimal("12.30")
    assert account_with_premise("3199999999") is None
