"""Reports as user journeys (SPEC.md S9, S11; C9, C10): the shift lead opens the period report of the
last seven days — the totals match the records, the four charts are drawn by ECharts — downloads the
calls as XLSX, and plans tomorrow's seats on the staffing page; an operator has no reports.

The browser demo city has no history, so the test writes a week of calls (and a few 12345 orders) in
bulk, at moments relative to now."""

import io
import random
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.helpers import assert_no_horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.clock, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def week(demo, catalogue):
    """About 60 calls a day over the last 7 days (subjects of a cold snap, some missed) and 6 12345 orders."""
    from django.utils import timezone

    from hotline.calls.models import Call
    from hotline.org.models import Unit, User
    from hotline.shifts.defaults import ensure_default_shifts
    from hotline.workorders.models import RequestType, Subject, WorkOrder

    ensure_default_shifts()  # the shift plan (a transactional test starts from an emptied database)
    rng = random.Random(9)
    now = timezone.now()
    operator = User.objects.get(username="operator")
    consult, repair = RequestType.objects.get(code="consultation"), RequestType.objects.get(code="repair")
    subjects = list(Subject.objects.filter(code__in=["frozen_pipe", "frozen_meter", "low_pressure", "bill_query"]))
    calls = []
    # From the first moment of the report's seven days (today and the six before) to now: the report counts
    # every call, and the day a week before tomorrow (staffing's same weekday) is there whole, whatever the hour.
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6)
    span = int((now - start).total_seconds())
    for n in range(420):
        ringing = start + timedelta(seconds=rng.randrange(span))
        missed = n % 10 == 0
        calls.append(Call(caller_number="13800000000", ringing_at=ringing, operator=None if missed else operator,
                          answered_at=None if missed else ringing + timedelta(seconds=8),
                          ended_at=None if missed else ringing + timedelta(seconds=rng.randrange(40, 300)),
                          request_type=None if missed else consult, subject=None if missed else rng.choice(subjects),
                          outcome="missed" if missed else "answered"))
    Call.objects.bulk_create(calls)
    unit = Unit.objects.filter(kind="repair_centre").first()
    WorkOrder.objects.bulk_create([
        WorkOrder(number=f"GDB{n:05d}", source="12345", external_id=f"B{n}", request_type=repair,
                  subject=subjects[n % 3], title="寒潮冻管", created_at=now - timedelta(days=n), unit=unit,
                  status="dispatched", dispatched_at=now - timedelta(days=n),
                  accept_due=now - timedelta(days=n) + timedelta(hours=1))
        for n in range(6)])
    return {"calls": len(calls)}


def test_the_shift_lead_reads_the_week_with_its_charts_and_exports_it(page, base_url, login, snap, week):
    login("shiftlead")
    page.locator("#nav-supervision").click()
    page.locator("#nav-reports").click()
    page.wait_for_url(f"{base_url}/reports/")
    assert page.locator("#total-calls").inner_text() == str(week["calls"])
    assert page.locator("#total-source-12345").inner_text() == "6"
    for chart in ("chart-days", "chart-groups", "chart-hours", "chart-units"):
        box = page.locator(f'[data-chart="{chart}"][data-rendered="true"]')
        box.locator("canvas").first.wait_for()
        assert page.evaluate("id => !!echarts.getInstanceByDom(document.getElementById(id))", f"{chart}-box")
    assert page.locator("#requests-by-subject tbody tr").count() >= 4
    assert page.locator("#calls-by-day thead th", has_text="夜班").count() == 1
    assert "按时签收率" in page.locator("#definitions").inner_text()
    assert_no_horizontal_overflow(page)
    snap("period-report")
    # The calls of the week as XLSX, one row each.
    page.locator("#export-menu").click()
    with page.expect_download() as download:
        page.locator("#export-calls-xlsx").click()
    from openpyxl import load_workbook

    data = Path(download.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + week["calls"]
    # Last month from the presets: another period, the same page.
    page.locator("#period-presets a", has_text="近 30天").click()
    page.locator('[data-chart="chart-days"][data-rendered="true"] canvas').first.wait_for()
    assert page.locator("#calls-by-day tbody tr").count() == 30


def test_the_shift_lead_plans_tomorrows_seats(page, base_url, login, snap, week):
    login("shiftlead")
    page.goto(f"{base_url}/reports/")
    page.locator("#staffing-link").click()
    page.wait_for_url(f"{base_url}/reports/staffing/")
    page.locator("#id_factor").fill("1.5")
    page.locator("#id_aht").fill("180")
    page.locator("#staffing-form button[type=submit]").click()
    page.wait_for_url("**/reports/staffing/?**")
    page.locator('[data-chart="chart-staffing"][data-rendered="true"] canvas').first.wait_for()
    assert page.locator("#staffing-table tbody tr").count() == 48
    assert int(page.locator("#peak-agents").inner_text()) >= 1
    assert page.locator("#aht").inner_text() == "180 s"
    assert page.locator("#staffing-shifts tbody tr").count() == 3  # the night before, the day, the night
    snap("staffing")


def test_an_operator_has_no_reports(page, base_url, login, demo):
    login("operator")
    assert page.locator("#nav-reports").count() == 0
    response = page.goto(f"{base_url}/reports/")
    assert response.status == 403
