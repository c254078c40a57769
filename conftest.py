"""Fixtures shared by the whole suite: staff of every role, a small area tree, and an importer of
billing rows (accounts are created the way production creates them: through the import).

``HOTLINE_TEST_CLOCK`` (an ISO 8601 moment with its offset, e.g. ``2026-12-07T21:30:00+08:00``) moves
the clock of the whole test process to that moment, ticking from there (time-machine): every test,
and the live server that the browser tests talk to, run as if it were that hour. The browser keeps its
own clock. CI runs the time-sensitive tests at an evening and a night hour this way (``.ci/run``)."""

import os
from datetime import datetime, timedelta

import pytest

from hotline.customers.imports.accounts import AccountImporter
from hotline.org.models import Unit, UnitKind, User
from hotline.org.roles import Role

PASSWORD = "correct-horse-42"

_clock = None


def test_clock() -> datetime | None:
    """The moment of ``HOTLINE_TEST_CLOCK``, or None; a moment without an offset is refused."""
    value = os.environ.get("HOTLINE_TEST_CLOCK", "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"HOTLINE_TEST_CLOCK={value!r} is not an ISO 8601 moment "
                                "(e.g. 2026-12-07T21:30:00+08:00)") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"HOTLINE_TEST_CLOCK={value!r} needs its offset (e.g. +08:00)")
    return moment


def pytest_configure(config):
    global _clock
    moment = test_clock()
    if moment is not None and _clock is None:
        import time_machine

        _clock = time_machine.travel(moment, tick=True)
        _clock.start()


@pytest.fixture(autouse=True)
def _real_clock(request):
    """Tests marked ``real_clock`` talk to clocks that ``HOTLINE_TEST_CLOCK`` cannot move (worker processes,
    the database's own now()): they run on the real clock; the moved clock goes on after them."""
    global _clock
    if _clock is None or request.node.get_closest_marker("real_clock") is None:
        yield
        return
    import time

    import time_machine

    moved, began = datetime.now().astimezone(), time.monotonic()
    _clock.stop()
    try:
        yield
    finally:
        _clock = time_machine.travel(moved + timedelta(seconds=time.monotonic() - began), tick=True)
        _clock.start()


def pytest_unconfigure(config):
    global _clock
    if _clock is not None:
        _clock.stop()
        _clock = None


def pytest_report_header(config):
    moment = test_clock()
    return f"HOTLINE_TEST_CLOCK: the clock starts at {moment.isoformat()}" if moment else None


def ensure_catalogue() -> None:
    """The default taxonomy, SLA rules, holidays, message templates and shifts. Migrations load them, but
    a transactional test (live server, threads) flushes the database afterwards."""
    from django.apps import apps

    from hotline.notify import catalogue as default_templates
    from hotline.shifts.defaults import ensure_default_shifts
    from hotline.workorders import catalogue as default_catalogue

    if not apps.get_model("workorders", "Subject").objects.exists():
        default_catalogue.load(apps)
    if not apps.get_model("notify", "MessageTemplate").objects.exists():
        default_templates.load(apps)
    if not apps.get_model("shifts", "ShiftDefinition").objects.exists():
        ensure_default_shifts()


@pytest.fixture
def catalogue(db):
    """``ensure_catalogue`` for the tests that need it."""
    ensure_catalogue()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every test with the database finds the data that migrations load, whatever ran before it in its
    process (the suite runs in several processes, each in its own order)."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = "transactional_db" in names or "live_server" in names or bool(
        marker and marker.kwargs.get("transaction"))
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    ensure_catalogue()


@pytest.fixture
def units(db, catalogue):
    company = Unit.objects.create(code="company", name="清源市自来水有限责任公司", kind=UnitKind.COMPANY)
    hotline = Unit.objects.create(code="hotline", name="供水服务热线", kind=UnitKind.HOTLINE_CENTRE, parent=company)
    branch = Unit.objects.create(code="zhangdian", name="张店分公司", kind=UnitKind.BRANCH, parent=company)
    repair = Unit.objects.create(code="zhangdian-repair", name="张店维修中心", kind=UnitKind.REPAIR_CENTRE, parent=branch)
    return {"company": company, "hotline": hotline, "branch": branch, "repair": repair}


@pytest.fixture
def make_user(db, units):
    def make(role: str, username: str | None = None, unit: str = "hotline", **extra) -> User:
        user = User(username=username or role, full_name=f"{role} user", role=role, unit=units[unit], **extra)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, is_staff=True)


@pytest.fixture
def field_worker(make_user):
    return make_user(Role.FIELD_WORKER, unit="repair")


def account_row(account_no: str, holder: str, **fields) -> dict:
    row = {
        "account_no": account_no, "holder_name": holder, "phones": "13800000000", "district": "张店区",
        "road": "人民路", "road_no": "128", "community": "中央公园2期", "building": "3", "unit": "2", "room": "501",
        "meter_no": f"M{account_no}", "meter_caliber": "15", "status": "正常", "balance": "0", "arrears": "0",
    }
    row.update(fields)
    return row


@pytest.fixture
def import_rows(db):
    """Import billing rows (dicts in the import format) and return the ImportResult."""

    def run(*rows: dict, chunk_size: int = 2000):
        return AccountImporter(chunk_size=chunk_size).run((n, dict(row)) for n, row in enumerate(rows, start=2))

    return run


@pytest.fixture(autouse=True)
def _fresh_reference_data():
    """Each test starts from the reference data of its own database state (tests roll back without
    the signals that would drop the per-process snapshot)."""
    from hotline.calls.cti import forget_agents
    from hotline.notify.services import forget_templates
    from hotline.org.services import forget_checked_tokens
    from hotline.org.signing import forget_system_users
    from hotline.reports.board import forget_cached as forget_board
    from hotline.workorders import reference

    forgets = (reference.clear, forget_checked_tokens, forget_templates, forget_agents, forget_system_users,
               forget_board)
    for forget in forgets:
        forget()
    yield
    for forget in forgets:
        forget()
