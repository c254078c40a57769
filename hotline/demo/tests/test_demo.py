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
