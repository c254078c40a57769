from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import account_row
from hotline.customers.models import Building, Community
from hotline.org.roles import Role
from hotline.outages.services import Area


@pytest.fixture
def people(make_user):
    return {
        "coordinator": make_user(Role.OUTAGE_COORDINATOR, username="coordinator"),
        "operator": make_user(Role.OPERATOR, username="op"),
        "lead": make_user(Role.SHIFT_LEAD, username="lead"),
        "worker": make_user(Role.FIELD_WORKER, username="worker", unit="repair"),
        "manager": make_user(Role.MANAGER, username="boss"),
        "admin": make_user(Role.ADMIN, username="root"),
    }


@pytest.fixture
def city(import_rows, units):
    """Two communities of 张店区 (幸福家园: 4 accounts in buildings 1 and 2; 锦绣花园: 2) and one of
    another district; one account has only a landline, one shares its mobile with a neighbour."""
    rows = [
        account_row("3100000001", "张伟", phones="13800000001", community="幸福家园", building="1"),
        account_row("3100000002", "李娜", phones="13800000002;05332223344", community="幸福家园", building="1"),
        account_row("3100000003", "王芳", phones="05332220000", community="幸福家园", building="2"),
        account_row("3100000004", "刘洋", phones="13800000001", community="幸福家园", building="2"),
        account_row("3100000005", "陈静", phones="13900000005", community="锦绣花园", building="5"),
        account_row("3100000006", "杨磊", phones="13900000006", community="锦绣花园", building="6"),
        account_row("3100000007", "赵敏", phones="13700000007", district="东城区", community="东城花园",
                    building="1"),
    ]
    result = import_rows(*rows)
    assert not result.errors, result.errors
    Community.objects.filter(name="幸福家园").update(property_company="幸福物业", property_phone="13600000001")
    Community.objects.filter(name="锦绣花园").update(property_company="锦绣物业", property_phone="05331234567")
    return {c.name: c for c in Community.objects.all()}


@pytest.fixture
def area(city):
    return Area(communities=[city["幸福家园"]])


@pytest.fixture
def announce(people, area):
    from hotline.outages.services import outage_announce

    def make(**extra):
        now = timezone.now()
        fields = {"kind": "emergency", "reason": "DN300供水管道爆管抢修", "starts_at": now - timedelta(minutes=30),
                  "expected_restore_at": now + timedelta(hours=4), "area": area}
        actor = extra.pop("actor", people["coordinator"])
        fields.update(extra)
        return outage_announce(actor=actor, **fields)

    return make


def building(city, community: str, name: str) -> Building:
    return Building.objects.get(community=city[community], name=f"{name}号楼")


def client_for(user=None):
    """A test client logged in as ``user`` (anonymous without one)."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def work_order(people, city):
    """An order about the burst behind the outage, created by an operator (not dispatched)."""
    from hotline.workorders.models import RequestType, Subject
    from hotline.workorders.services import order_create

    operator = people["operator"]
    return order_create(actor=operator, request_type=RequestType.objects.get(code="repair"),
                        subject=Subject.objects.get(code="burst_main"), title="幸福家园北门主管爆裂",
                        community=city["幸福家园"], contact_phone="13805331234", address="幸福家园北门")


@pytest.fixture
def log_call(people):
    """Log a call from an account of the city (as the operator), by account number."""
    from hotline.calls.services import call_log
    from hotline.customers.models import Account
    from hotline.workorders.models import Subject

    def log(account_no: str, *, subject: str = "no_water", minutes_ago: float = 5, actor=None, **extra):
        account = Account.objects.get(account_no=account_no)
        fields = {"caller_number": account.phones.order_by("position")[0].number, "account": account, "summary": "家里没水了",
                  "subject": Subject.objects.get(code=subject),
                  "ringing_at": timezone.now() - timedelta(minutes=minutes_ago)}
        fields.update(extra)
        return call_log(actor=actor or people["operator"], **fields)

    return log
