import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.customers.models import Account, Bill, Community, HolderChange, Meter
from hotline.customers.search import search_accounts
from hotline.demo.city import SEED_COMMUNITY, DemoCity
from hotline.demo.seed import DEMO_LOGINS, DEMO_PASSWORD
from hotline.org.models import Unit, UnitKind, User
from hotline.org.roles import Role


def test_the_same_seed_gives_the_same_city():
    first, second = DemoCity(seed=7), DemoCity(seed=7)
    assert first.communities == second.communities
    assert list(first.account_rows(50)) == list(second.account_rows(50))
    assert list(DemoCity(seed=8).account_rows(5)) != list(first.account_rows(5))


def test_any_slice_of_a_big_city_can_be_generated_alone():
    city = DemoCity()
    assert list(city.account_rows(10))[7:] == list(city.account_rows(3, start=7))


def test_generated_rows_are_unique_and_well_formed():
    rows = list(DemoCity().account_rows(2000))
    assert len({r["account_no"] for r in rows}) == 2000
    assert len({r["meter_no"] for r in rows}) == 2000
    homes = [(r["community"], r["building"], r["unit"], r["room"]) for r in rows if r.get("community")]
    assert len(set(homes)) == len(homes)
    assert len(DemoCity().communities) == 200 and DemoCity().communities[0].name == SEED_COMMUNITY


@pytest.mark.django_db
def test_seed_demo_command_builds_a_working_city(capsys):
    call_command("seed_demo", accounts=400, bills_months=2, history_days=0)

    assert Account.objects.count() == 400 and Community.objects.count() == 200
    assert Bill.objects.count() == 800
    assert HolderChange.objects.exists() and Meter.objects.filter(removed_on__isnull=False).exists()
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds == {k.value for k in UnitKind}
    assert Unit.objects.get(name="张店分公司").children.count() == 3
    assert {u.role for u in User.objects.all()} == {r.value for r in Role} - {Role.INTEGRATION}
    for username, role, *_ in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.role == role and user.check_password(DEMO_PASSWORD)
    operator = User.objects.get(username="operator")
    assert search_accounts(actor=operator, query=SEED_COMMUNITY)
    assert "logins" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_refuses_a_loaded_database_unless_asked_to_skip():
    call_command("seed_demo", accounts=10, bills_months=0, history_days=0)
    with pytest.raises(CommandError):
        call_command("seed_demo", accounts=10, history_days=0)
    call_command("seed_demo", accounts=10, if_empty=True)
    assert Account.objects.count() == 10


def test_demo_names_are_names():
    """A surname and one real given name of one or two characters (issue 14 §6: 李建国颖 is not a name)."""
    from hotline.customers.text import given_name
    from hotline.demo.city import GIVEN_ONE, GIVEN_TWO

    rows = list(DemoCity().account_rows(500))
    names = [r["holder_name"] for r in rows if not r["holder_name"].endswith("记商行")]
    assert all(2 <= len(n) <= 4 for n in names)
    assert all(given_name(n) in GIVEN_ONE or given_name(n) in GIVEN_TWO for n in names if len(n) <= 3)
    assert 0.3 < sum(len(given_name(n)) == 2 for n in names) / len(names) < 0.8  # both lengths are common


def test_the_readme_search_examples_hold_in_the_demo():
    import re
    from pathlib import Path

    first = next(DemoCity().account_rows(1))
    assert (first["account_no"], first["holder_name"], first["community"], first["road"]) == (
        "3100000001", "张伟", SEED_COMMUNITY, "人民路")
    assert (first["building"], first["unit"], first["room"]) == ("1", "1", "101")
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    examples = re.search(r"Try the search box with (.*?)\n\n", readme, re.S)[1]
    for example in ("3100000001", "张伟", "zw", "中央公园2期 1-1-101", "人民路"):
        assert f"`{example}`" in examples
