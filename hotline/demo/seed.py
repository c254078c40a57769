"""Load the demo city into the database: organisation, staff of every role, areas, accounts, bills,
and weeks of calls and work orders (history.py)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from hotline.customers.imports.accounts import AccountImporter
from hotline.customers.imports.bills import BillImporter
from hotline.customers.models import Community, District, Road
from hotline.demo.city import COMPANY, DISTRICTS, SUBURBAN, DemoCity
from hotline.demo.history import generate_history
from hotline.org.models import Unit, UnitKind, User
from hotline.org.roles import Role

DEMO_PASSWORD = "hotline-demo"
# (username, role, unit code, name) — the logins printed by `make run`.
DEMO_LOGINS = [
    ("operator", Role.OPERATOR, "hotline", "赵晓萌"),
    ("shiftlead", Role.SHIFT_LEAD, "hotline", "孙立红"),
    ("dispatcher", Role.DISPATCHER, "zhangdian-repair", "王建国"),
    ("fieldworker", Role.FIELD_WORKER, "zhangdian-repair", "刘志强"),
    ("coordinator", Role.OUTAGE_COORDINATOR, "engineering", "陈海涛"),
    ("manager", Role.MANAGER, "marketing", "周文静"),
    ("admin", Role.ADMIN, "company", "系统管理员"),
]


def demo_is_loaded() -> bool:
    return Unit.objects.filter(code="company").exists()


def _units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}

    def add(code, name, kind, parent=None, phone="", duty_mobile=""):
        units[code] = Unit.objects.create(code=code, name=name, kind=kind, parent=parent, phone=phone,
                                          duty_mobile=duty_mobile)
        return units[code]

    company = add("company", COMPANY, UnitKind.COMPANY)
    marketing = add("marketing", "营销服务中心", UnitKind.MARKETING_CENTRE, company)
    add("hotline", "供水服务热线", UnitKind.HOTLINE_CENTRE, marketing, "0533-2165111")
    add("engineering", "工程处", UnitKind.ENGINEERING, company, "0533-2160200", "13905330200")
    # The units that receive orders have a duty mobile (值班手机) beside the landline: SMS alerts go to it.
    for n, (_district, code, branch_name, _roads) in enumerate(DISTRICTS, start=1):
        branch = add(code, branch_name, UnitKind.BRANCH, company, f"0533-21{n}0100")
        short = branch_name.removesuffix("分公司")
        add(f"{code}-repair", f"{short}维修中心", UnitKind.REPAIR_CENTRE, branch, f"0533-21{n}0110", f"1390533{n}110")
        add(f"{code}-meter", f"{short}抄表班", UnitKind.METER_READING, branch, f"0533-21{n}0120", f"1390533{n}120")
        add(f"{code}-hall", f"{short}营业厅", UnitKind.BUSINESS_HALL, branch, f"0533-21{n}0130", f"1390533{n}130")
    return units


def _staff(city: DemoCity, units: dict[str, Unit]) -> None:
    from django.contrib.auth.hashers import make_password

    # One hash of the shared demo password for every login: a hash is slow by design (PBKDF2, about a
    # second of CPU each), and seven of them were a third of the demo's first start.
    hashed = make_password(DEMO_PASSWORD)
    users = [User(username=username, full_name=name, role=role, unit=units[unit_code], password=hashed,
                  is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
             for username, role, unit_code, name in DEMO_LOGINS]
    # Hotline seats: the PBX names the agent by extension (operator 8001, shiftlead 8000, op01… 8002…).
    seats = {"shiftlead": "8000", "operator": "8001"}
    for user in users:
        user.extension = seats.get(user.username)
    # The systems that post to the API (tokens are made by an administrator on API 令牌).
    users += [User(username=name, full_name=full_name, role=role, unit=units["company"], password="!")
              for name, role, full_name in (("pbx", Role.PBX, "PBX / CTI"), ("gov12345", Role.GOV12345, "12345 平台"))]
    plan = [("op", Role.OPERATOR, "hotline", 14), ("lead", Role.SHIFT_LEAD, "hotline", 3)]
    for _district, code, _name, _roads in DISTRICTS:
        plan += [(f"{code}-d", Role.DISPATCHER, f"{code}-repair", 2), (f"{code}-f", Role.FIELD_WORKER, f"{code}-repair", 6),
                 (f"{code}-m", Role.FIELD_WORKER, f"{code}-meter", 4), (f"{code}-h", Role.DISPATCHER, f"{code}-hall", 2)]
    plan += [("eng", Role.OUTAGE_COORDINATOR, "engineering", 3)]
    for prefix, role, unit_code, count in plan:
        for n in range(1, count + 1):
            users.append(User(username=f"{prefix}{n:02d}", full_name=city.person_name(), role=role,
                              unit=units[unit_code], phone=city.mobile(), password=hashed,
                              extension=f"{8001 + n}" if prefix == "op" else None))
    User.objects.bulk_create(users)
    for _district, code, _name, _roads in DISTRICTS:
        head = User.objects.filter(unit=units[f"{code}-repair"], role=Role.DISPATCHER).order_by("username").first()
        Unit.objects.filter(pk=units[f"{code}-repair"].pk).update(head=head)


def _areas(city: DemoCity, units: dict[str, Unit]) -> None:
    districts = {}
    for name, code, _branch, roads in DISTRICTS:
        # 南郊区 is the demo city's suburb: its emergencies have 50 minutes to be on site (30 in town).
        districts[name] = District.objects.create(name=name, branch=units[code], is_suburban=name in SUBURBAN)
        Road.objects.bulk_create([Road(district=districts[name], name=road) for road in roads])
    roads = {(r.district.name, r.name): r for r in Road.objects.select_related("district")}
    Community.objects.bulk_create([
        Community(name=c.name, district=districts[c.district], road=roads[(c.district, c.road)],
                  branch=districts[c.district].branch, property_company=c.property_company,
                  property_contact=c.property_contact, property_phone=c.property_phone)
        for c in city.communities
    ])


def _billing_changes(city: DemoCity, accounts: int) -> int:
    """A later billing export in which some holders changed (过户) and some meters were replaced,
    so that the demo shows account and meter history."""
    changed = []
    today = timezone.localdate()
    for i, row in enumerate(city.account_rows(accounts)):
        if i % 97 == 5:
            row["holder_name"] = city.person_name()
            row["phones"] = city.mobile()
            row["holder_since"] = (today - timedelta(days=30 + i % 300)).isoformat()
        elif i % 89 == 7:
            row["meter_no"] = f"QN{i + 1:09d}"
            row["meter_installed_on"] = (today - timedelta(days=10 + i % 200)).isoformat()
        else:
            continue
        changed.append((i + 2, row))
    return AccountImporter().run(changed).updated


def seed_demo(*, accounts: int = 5000, seed: int = 2026, bills_months: int = 6, history_days: int = 21,
              log=print) -> None:
    """The whole demo city: its base (seed_demo_base), then its history (seed_demo_history)."""
    seed_demo_base(accounts=accounts, seed=seed, bills_months=bills_months, log=log)
    if history_days:
        seed_demo_history(seed=seed, history_days=history_days, log=log)


def seed_demo_base(*, accounts: int = 5000, seed: int = 2026, bills_months: int = 6, log=print) -> None:
    """Organisation, staff, areas, knowledge, accounts, bills and billing changes: enough to log in
    and serve (a few seconds; ``manage.py serve`` loads the history behind a banner afterwards)."""
    city = DemoCity(seed=seed)
    with transaction.atomic():
        units = _units()
        _staff(city, units)
        _areas(city, units)
    log(f"organisation: {Unit.objects.count()} units, {User.objects.count()} staff; "
        f"{Community.objects.count()} communities")
    from hotline.demo.knowledge import seed_knowledge

    seed_knowledge(log=log)

    def progress(result):
        if result.processed % 50000 == 0:
            log(f"accounts: {result.processed}/{accounts}")

    result = AccountImporter(chunk_size=5000, on_progress=progress).run(
        (n, row) for n, row in enumerate(city.account_rows(accounts), start=2)
    )
    log(f"accounts: {result.created} created, {result.error_count} errors")
    if bills_months:
        bills = BillImporter(chunk_size=5000).run(
            (n, row) for n, row in enumerate(city.bill_rows(accounts, bills_months, date.today()), start=2)
        )
        log(f"bills: {bills.created} created")
    log(f"billing changes (new holders, replaced meters): {_billing_changes(city, accounts)}")


def seed_demo_history(*, seed: int = 2026, history_days: int = 21, log=print) -> None:
    """Weeks of calls and work orders through the real services, the outages, 12345 cases, the PBX's
    records and the shifts with their handovers, up to now."""
    generate_history(days=history_days, seed=seed, log=log)
    from hotline.demo.outages import seed_outages

    seed_outages(seed=seed, log=log)
    from hotline.demo.gov12345 import seed_gov12345_cases

    seed_gov12345_cases(log=log)
    from hotline.demo.pbx import seed_pbx

    seed_pbx(seed=seed, log=log)
    from hotline.demo.shifts import seed_shifts

    seed_shifts(seed=seed, days=min(history_days, 14), log=log)


# --- the history loaded behind a banner by ``manage.py serve`` -----------------------------------------

def history_marker():
    """The file that says the demo's history is still to load (``pending``) or loading (``loading``):
    the console shows a banner while it exists."""
    from django.conf import settings

    return settings.DATA_DIR / "demo_history_loading"


def history_loading() -> bool:
    return history_marker().exists()
