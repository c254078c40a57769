"""S9: a cold snap — 852 consultation calls in 8 days plus 21 cases from the 12345 platform. The report
over those 8 days gives exactly the counts of the records, by category, by source and by day; the
exports carry the same rows."""

import csv
import io
import random
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from hotline.calls.models import Call
from hotline.reports.export import period_export
from hotline.reports.period import period_report
from hotline.reports.tests.conftest import TZ, make_call, make_order, save_orders
from hotline.workorders.models import WorkOrder

FIRST = date(2025, 1, 6)
LAST = FIRST + timedelta(days=7)  # 8 days
SUBJECTS = ["frozen_pipe", "frozen_meter", "low_pressure", "burst_main", "hydrant"]


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(0), TZ) + timedelta(seconds=rng.randrange(86400))


@pytest.fixture
def cold_snap(staff, ref, units):
    """852 consultation calls spread over the 8 days and 5 subjects (some at the very edges of the days),
    21 orders from the 12345 platform; and around them what must not be counted: calls of the days before
    and after, other types, an outbound call, orders from other channels."""
    rng = random.Random(852)
    days = [FIRST + timedelta(days=n) for n in range(8)]
    consult = ref.types["consultation"]
    calls = [make_call(_moment(rng, rng.choice(days)), type=consult, subject=ref.subjects[rng.choice(SUBJECTS)],
                       operator=rng.choice([staff["a"], staff["b"]]), talk=rng.randrange(20, 400)) for _ in range(846)]
    edges = [datetime.combine(FIRST, time(0), TZ), datetime.combine(LAST, time(23, 59, 59), TZ),
             datetime.combine(FIRST + timedelta(days=3), time(8, 15), TZ)]
    calls += [make_call(when, type=consult, subject=ref.subjects["frozen_pipe"], operator=staff["a"], talk=60)
              for when in edges * 2]
    outside = [datetime.combine(FIRST, time(0), TZ) - timedelta(seconds=1),
               datetime.combine(LAST + timedelta(days=1), time(0), TZ)]
    calls += [make_call(when, type=consult, subject=ref.subjects["frozen_pipe"], operator=staff["a"], talk=60)
              for when in outside]
    calls += [make_call(_moment(rng, rng.choice(days)), type=ref.types["repair"], subject=ref.subjects["burst_main"],
                        operator=staff["b"], talk=90, outcome="order_created") for _ in range(40)]
    calls.append(make_call(_moment(rng, FIRST), type=consult, subject=ref.subjects["frozen_pipe"],
                           operator=staff["a"], direction="outbound", talk=30))
    calls += [make_call(_moment(rng, rng.choice(days)), outcome="missed") for _ in range(12)]
    Call.objects.bulk_create(calls)
    repair = ref.types["repair"]
    orders = [make_order(_moment(rng, rng.choice(days)), type=repair, subject=ref.subjects[rng.choice(SUBJECTS)],
                         source="12345", unit=units["repair"]) for _ in range(21)]
    orders += [make_order(_moment(rng, rng.choice(days)), type=repair, subject=ref.subjects["burst_main"],
                          source=source, unit=units["repair"]) for source in ["call"] * 40 + ["internal"] * 3]
    orders.append(make_order(datetime.combine(LAST + timedelta(days=1), time(1), TZ), type=repair,
                             subject=ref.subjects["hydrant"], source="12345", unit=units["repair"]))
    save_orders(orders)


def _direct_calls():
    start = datetime.combine(FIRST, time(0), TZ)
    end = datetime.combine(LAST + timedelta(days=1), time(0), TZ)
    return Call.objects.filter(ringing_at__gte=start, ringing_at__lt=end, direction="inbound")


def _direct_orders():
    start = datetime.combine(FIRST, time(0), TZ)
    end = datetime.combine(LAST + timedelta(days=1), time(0), TZ)
    return WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end)


def test_the_cold_snap_report_gives_exactly_the_counts_of_the_records(staff, ref, cold_snap):
    r = period_report(actor=staff["lead"], date_from=FIRST, date_to=LAST)
    consult = str(ref.types["consultation"].pk)
    by_type = {row.key: row.counts for row in r.requests_by_type}
    assert by_type[consult]["hotline"] == 852  # the consultation calls
    assert {row.key: row.count for row in r.requests_by_source}["12345"] == 21
    # By category (subject) and source: as the records say.
    calls = _direct_calls()
    direct_calls = Counter(calls.filter(request_type=ref.types["consultation"]).values_list("subject__code", flat=True))
    assert sum(direct_calls.values()) == 852
    direct_cases = Counter(_direct_orders().filter(source="12345").values_list("subject__code", flat=True))
    assert sum(direct_cases.values()) == 21
    by_subject = {row.key: row for row in r.requests_by_subject}
    for code in SUBJECTS:
        row = by_subject[str(ref.subjects[code].pk)]
        calls_of_subject = calls.filter(subject=ref.subjects[code]).count()
        assert row.counts.get("hotline", 0) == calls_of_subject, code
        assert row.counts.get("12345", 0) == direct_cases[code], code
    assert r.calls == calls.count() == 852 + 40 + 12
    assert r.orders.received == _direct_orders().count() == 21 + 43
    # By local day.
    direct_days = Counter(c.ringing_at.astimezone(TZ).date() for c in calls)
    assert {d.day: d.calls for d in r.days} == {FIRST + timedelta(days=n): direct_days[FIRST + timedelta(days=n)]
                                                 for n in range(8)}
    direct_case_days = Counter(o.created_at.astimezone(TZ).date() for o in _direct_orders().filter(source="12345"))
    assert {d.day: d.orders.get("12345", 0) for d in r.days if d.orders.get("12345")} == dict(direct_case_days)
    assert sum(h.calls for h in r.hours) == sum(s.calls for s in r.shifts) == r.calls


def test_the_records_export_as_xlsx_with_one_row_per_call(staff, cold_snap):
    result = period_export(actor=staff["lead"], date_from=FIRST, date_to=LAST, kind="calls", fmt="xlsx")
    assert result.filename == "hotline-calls-20250106-20250113.xlsx"
    book = load_workbook(result.file, read_only=True)
    assert book.sheetnames == ["来电"]
    rows = list(book["来电"].iter_rows(values_only=True))
    assert rows[0][:4] == ("振铃时间", "诉求类型", "诉求分类", "处理结果")
    assert len(rows) - 1 == _direct_calls().count()
    first = min(c.ringing_at for c in _direct_calls()).astimezone(TZ).replace(tzinfo=None, microsecond=0)
    assert rows[1][0] == first


def test_the_orders_export_flags_what_the_report_counts(staff, cold_snap):
    result = period_export(actor=staff["lead"], date_from=FIRST, date_to=LAST, kind="orders", fmt="xlsx")
    rows = list(load_workbook(result.file, read_only=True).worksheets[0].iter_rows(values_only=True))
    header, rows = rows[0], rows[1:]
    assert len(rows) == 64 and header[0] == "工单编号"
    report = period_report(actor=staff["lead"], date_from=FIRST, date_to=LAST)
    col = header.index("按时签收")
    assert sum(1 for row in rows if row[col] == "是") == report.orders.signed_on_time
    assert sum(1 for row in rows if row[col] in ("是", "否")) == report.orders.sign_due


def test_the_report_tables_export_as_xlsx_sheets(staff, cold_snap):
    result = period_export(actor=staff["manager"], date_from=FIRST, date_to=LAST, kind="report", fmt="xlsx")
    book = load_workbook(result.file, read_only=True)
    assert book.sheetnames[:4] == ["汇总", "诉求按类型", "诉求按分类", "按日来电"]
    assert "按单位统计工单" in book.sheetnames
    days = list(book["按日来电"].iter_rows(values_only=True))
    assert days[0][:3] == ("日期", "来电", "已接听") and len(days) == 1 + 8
    subjects = list(book["诉求按分类"].iter_rows(values_only=True))
    assert subjects[0][-1] == "合计" and sum(row[-1] for row in subjects[1:]) == 852 + 40 + 12 + 21 + 3


def test_csv_is_utf8_with_a_byte_order_mark(staff, cold_snap):
    result = period_export(actor=staff["lead"], date_from=FIRST, date_to=LAST, kind="calls", fmt="csv")
    data = b"".join(result.chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "振铃时间" and len(rows) - 1 == _direct_calls().count()
    assert rows[1][0] == min(c.ringing_at for c in _direct_calls()).astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")
    report = b"".join(period_export(actor=staff["lead"], date_from=FIRST, date_to=LAST, kind="report",
                                    fmt="csv").chunks).decode("utf-8-sig")
    assert report.startswith("汇总\r\n") and "\r\n\r\n按日来电\r\n" in report
