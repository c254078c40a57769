import pytest

from hotline.customers.models import Community, District
from hotline.org.roles import Role
from hotline.workorders.models import RequestType, Subject
from hotline.workorders.services import order_create


@pytest.fixture
def staff(make_user, units):
    """One member of staff per role, unit staff in the 张店 repair centre."""
    return {
        "operator": make_user(Role.OPERATOR),
        "lead": make_user(Role.SHIFT_LEAD, username="lead"),
        "dispatcher": make_user(Role.DISPATCHER, username="dispatcher", unit="repair"),
        "worker": make_user(Role.FIELD_WORKER, username="worker", unit="repair"),
        "manager": make_user(Role.MANAGER),
        "coordinator": make_user(Role.OUTAGE_COORDINATOR, username="coordinator"),
        "admin": make_user(Role.ADMIN, username="boss"),
    }


@pytest.fixture
def other_unit(units):
    """The 东城 repair centre and its dispatcher: a unit that must not touch 张店's orders."""
    from hotline.org.models import Unit, UnitKind, User

    branch = Unit.objects.create(code="dongcheng", name="东城分公司", kind=UnitKind.BRANCH, parent=units["company"])
    repair = Unit.objects.create(code="dongcheng-repair", name="东城维修中心", kind=UnitKind.REPAIR_CENTRE,
                                 parent=branch)
    dispatcher = User.objects.create_user(username="east", password="x", role=Role.DISPATCHER, unit=repair)
    return {"branch": branch, "repair": repair, "dispatcher": dispatcher}


@pytest.fixture
def community(units):
    district, _ = District.objects.get_or_create(name="张店区", defaults={"branch": units["branch"]})
    community, _ = Community.objects.get_or_create(name="中央公园2期", district=district,
                                                   defaults={"branch": units["branch"]})
    return community


@pytest.fixture
def subject():
    return Subject.objects.get(code="branch_leak")


@pytest.fixture
def new_order(staff, subject, community):
    def make(**extra):
        fields = {"request_type": RequestType.objects.get(code="repair"), "subject": subject,
                  "title": "楼道水管漏水", "community": community, "contact_phone": "13805331234"}
        fields.update(extra)
        return order_create(actor=staff["operator"], **fields)

    return make
