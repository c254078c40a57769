import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import account_row
from hotline.customers.imports.bills import BillImporter
from hotline.customers.imports.jobs import import_job_for_path, import_job_run
from hotline.customers.models import (
    Account,
    AccountPhone,
    Bill,
    BillStatus,
    Building,
    Community,
    HolderChange,
    ImportStatus,
    Meter,
    Premise,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "examples"


def write_csv(path: Path, rows: list[dict], encoding="utf-8") -> Path:
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot():
    """Everything the account import writes, to compare before and after."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "premises": list(Premise.objects.order_by("pk").values()),
        "phones": list(AccountPhone.objects.order_by("pk").values()),
        "meters": list(Meter.objects.order_by("pk").values()),
        "holders": list(HolderChange.objects.order_by("pk").values()),
    }


def test_import_creates_premise_account_phones_and_meter(import_rows):
    result = import_rows(account_row("3100000001", "李晓明", phones="138-0533-1234; 0533-2161234",
                                     meter_installed_on="2018-05-20", opened_on="2012-03-01", arrears="128.4"))

    assert (result.created, result.updated, result.error_count) == (1, 0, 0)
    account = Account.objects.select_related("premise__community", "premise__building").get(account_no="3100000001")
    assert account.holder_name == "李晓明"
    assert (account.name_initials, account.given_name) == ("lxm", "晓明")
    assert account.arrears == Decimal("128.40")
    assert account.holder_since == date(2012, 3, 1)
    assert account.premise.address == "张店区人民路128号中央公园2期3号楼2单元501室"
    assert account.premise.community.name == "中央公园2期"
    assert account.premise.building.name == "3号楼"
    assert (account.premise.unit_no, account.premise.room) == ("2", "501")
    assert list(account.phones.values_list("number", "number_reversed")) == [
        ("13805331234", "43213350831"), ("05332161234", "43216123350")]
    meter = Meter.objects.get(premise=account.premise)
    assert (meter.number, meter.caliber_mm, meter.installed_on, meter.removed_on) == (
        "M3100000001", 15, date(2018, 5, 20), None)


def test_reimporting_the_same_rows_changes_nothing(import_rows):
    rows = [account_row(f"31000000{i:02d}", f"用户{i}", room=str(100 + i)) for i in range(30)]
    import_rows(*rows, chunk_size=7)
    before = snapshot()

    result = import_rows(*rows, chunk_size=7)

    assert (result.created, result.updated, result.unchanged, result.error_count) == (0, 0, 30, 0)
    assert snapshot() == before


def test_bad_rows_are_reported_with_line_and_reason_and_not_written(import_rows):
    result = import_rows(
        account_row("3100000001", "张伟"),
        account_row("3100000002", ""),                        # line 3: no holder
        account_row("31 0002", "李四"),                       # line 4: bad account number
        account_row("3100000004", "王五", phones="12345"),    # line 5: not a phone
        account_row("3100000005", "赵六", balance="abc"),     # line 6: not a number
        account_row("3100000006", "钱七", opened_on="2020-13-45"),  # line 7: not a date
        account_row("3100000007", "孙八", status="未知"),     # line 8: unknown status
        account_row("3100000001", "张伟"),                    # line 9: duplicate in file
        account_row("3100000009", "周九", district=""),       # line 10: no district
        account_row("3100000010", "吴十", community="", road=""),  # line 11: building without community
        account_row("3100000011", "郑一", meter_no="M3100000001"),  # line 12: meter given twice
    )

    assert result.created == 1
    assert result.error_count == 10
    by_line = {e["line"]: e["message"] for e in result.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "holder_name" in by_line[3]
    assert "account_no" in by_line[4]
    assert "12345" in by_line[5]
    assert "balance" in by_line[6]
    assert "opened_on" in by_line[7]
    assert "status" in by_line[8]
    assert "2" in by_line[9].replace("3100000001", "")  # the line of the first occurrence
    assert "district" in by_line[10]
    assert "community" in by_line[11]
    assert "M3100000001" in by_line[12]
    assert list(Account.objects.values_list("account_no", flat=True)) == ["3100000001"]
    assert Premise.objects.count() == 1 and Meter.objects.count() == 1 and AccountPhone.objects.count() == 1


def test_a_meter_belonging_to_another_account_is_refused(import_rows):
    import_rows(account_row("3100000001", "张伟", meter_no="QY1"))
    before = snapshot()

    result = import_rows(account_row("3100000002", "李四", meter_no="QY1"))

    assert result.error_count == 1 and "3100000001" in result.errors[0]["message"]
    assert snapshot() == before


def test_change_of_holder_keeps_the_previous_holder(import_rows):
    import_rows(account_row("3100000001", "张伟", phones="13800000001", opened_on="2010-01-01"))

    result = import_rows(account_row("3100000001", "刘洋", phones="13900000002", opened_on="2010-01-01",
                                     holder_since="2026-06-01"))

    assert (result.updated, result.created) == (1, 0)
    account = Account.objects.get(account_no="3100000001")
    assert (account.holder_name, account.name_initials, account.holder_since) == ("刘洋", "ly", date(2026, 6, 1))
    assert list(account.phones.values_list("number", flat=True)) == ["13900000002"]
    previous = HolderChange.objects.get(account=account)
    assert (previous.holder_name, previous.phones, previous.valid_from, previous.valid_to) == (
        "张伟", "13800000001", date(2010, 1, 1), date(2026, 6, 1))


def test_meter_replacement_keeps_the_old_meter_in_the_premise_history(import_rows):
    import_rows(account_row("3100000001", "张伟", meter_no="OLD1", meter_installed_on="2015-01-01"))

    import_rows(account_row("3100000001", "张伟", meter_no="NEW1", meter_installed_on="2026-10-01"))

    premise = Account.objects.get(account_no="3100000001").premise
    meters = {m.number: m for m in Meter.objects.filter(premise=premise)}
    assert meters["OLD1"].removed_on == date(2026, 10, 1)
    assert meters["NEW1"].removed_on is None and meters["NEW1"].installed_on == date(2026, 10, 1)


def test_moving_an_account_updates_its_premise_in_place(import_rows):
    import_rows(account_row("3100000001", "张伟"))
    premise_id = Account.objects.get().premise_id

    import_rows(account_row("3100000001", "张伟", community="锦绣花园", building="12", unit="1", room="302"))

    premise = Premise.objects.select_related("community", "building").get(pk=premise_id)
    assert (premise.community.name, premise.building.name, premise.room) == ("锦绣花园", "12号楼", "302")
    assert Community.objects.filter(name="锦绣花园").count() == 1
    assert Building.objects.filter(community__name="锦绣花园", name="12号楼").count() == 1


def test_areas_are_created_once_and_reused(import_rows):
    import_rows(*[account_row(f"31000000{i:02d}", "张伟", room=str(100 + i)) for i in range(10)], chunk_size=3)
    assert Community.objects.count() == 1 and Building.objects.count() == 1
    assert Premise.objects.values("community_id").distinct().count() == 1


def test_example_csv_imports_through_the_command(admin_user, capsys):
    call_command("import_billing", str(DOCS / "accounts-example.csv"))

    assert Account.objects.count() == 4
    shop = Account.objects.select_related("premise").get(account_no="3300000004")
    assert shop.premise.address == "西城区建设路215号" and shop.premise.community_id is None
    assert Account.objects.get(account_no="3200000003").status == "suspended"
    assert "4 created" in capsys.readouterr().out


def test_example_xlsx_with_chinese_headers_imports_the_same_data(admin_user):
    call_command("import_billing", str(DOCS / "accounts-example.csv"))
    before = snapshot()
    call_command("import_billing", str(DOCS / "accounts-example.xlsx"))
    after = snapshot()
    # Same values: the XLSX import of the same data finds every row unchanged.
    assert after == before


def test_gbk_encoded_csv_is_read(admin_user, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [account_row("3100000001", "张伟", community="锦绣花园")], encoding="gbk")
    job = import_job_run(import_job_for_path(actor=admin_user, path=path), path=path)
    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert Account.objects.get().premise.community.name == "锦绣花园"


def test_file_without_required_columns_fails_with_a_message(admin_user, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("number,name\n1,张伟\n", encoding="utf-8")

    job = import_job_run(import_job_for_path(actor=admin_user, path=path), path=path)

    assert job.status == ImportStatus.FAILED
    assert "account_no" in job.failure and "district" in job.failure
    assert Account.objects.count() == 0


def test_command_refuses_unknown_file_types(admin_user, tmp_path):
    path = tmp_path / "accounts.pdf"
    path.write_text("x")
    with pytest.raises(CommandError):
        call_command("import_billing", str(path))


def test_import_job_records_progress_counts(admin_user, tmp_path):
    rows = [account_row(f"31000000{i:02d}", "张伟", room=str(100 + i)) for i in range(12)] + [account_row("x", "")]
    path = write_csv(tmp_path / "a.csv", rows)
    seen = []

    job = import_job_run(import_job_for_path(actor=admin_user, path=path), path=path,
                         on_progress=lambda j: seen.append(j.processed_rows), chunk_size=5)

    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.processed_rows, job.created_count, job.error_count) == (13, 13, 12, 1)
    assert [(e["line"], e["key"]) for e in job.errors] == [(14, "x")]
    assert seen == sorted(seen) and seen[-1] == 13 and len(seen) >= 3


# --- bills -----------------------------------------------------------------------------------------

def test_bills_are_upserted_by_account_and_period(import_rows):
    import_rows(account_row("3100000001", "张伟"))
    rows = [
        {"account_no": "3100000001", "period": "2026-09", "usage_m3": "12", "amount": "43.80", "paid": "43.80"},
        {"account_no": "3100000001", "period": "202610", "usage_m3": "38", "amount": "138.70"},
        {"account_no": "3199999999", "period": "2026-10", "usage_m3": "1", "amount": "3.65"},
        {"account_no": "3100000001", "period": "2026-13", "usage_m3": "1", "amount": "3.65"},
    ]
    result = BillImporter().run(enumerate(rows, start=2))

    assert (result.created, result.error_count) == (2, 2)
    assert {e["line"] for e in result.errors} == {4, 5}
    bills = {b.period: b for b in Bill.objects.all()}
    assert bills["2026-09"].status == BillStatus.PAID and bills["2026-10"].status == BillStatus.UNPAID

    rows[1]["paid"] = "138.70"
    again = BillImporter().run(enumerate(rows[:2], start=2))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert Bill.objects.get(period="2026-10").status == BillStatus.PAID


def test_bill_example_file_imports(admin_user):
    call_command("import_billing", str(DOCS / "accounts-example.csv"))
    call_command("import_billing", str(DOCS / "bills-example.csv"), kind="bills")
    assert Bill.objects.count() == 3
    assert Bill.objects.get(account__account_no="3100000002").status == BillStatus.PAID


def test_upload_page_queues_and_runs_the_import(client, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    data = io.BytesIO((DOCS / "accounts-example.csv").read_bytes())
    data.name = "accounts.csv"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/customers/imports/", {"kind": "accounts", "file": data})

    assert response.status_code == 302
    job_url = response.url
    assert Account.objects.count() == 4  # the queue runs tasks inline in tests
    page = client.get(job_url)
    assert page.status_code == 200 and b'id="created-count">4<' in page.content


def test_upload_page_refuses_other_file_types_and_writes_nothing(client, admin_user):
    client.force_login(admin_user)
    data = io.BytesIO(b"hello")
    data.name = "notes.docx"

    response = client.post("/customers/imports/", {"kind": "accounts", "file": data})

    assert response.status_code == 200 and ".docx" in response.content.decode()
    assert Account.objects.count() == 0


def test_operators_cannot_import(client, operator):
    client.force_login(operator)
    assert client.get("/customers/imports/").status_code == 403
    data = io.BytesIO(b"account_no,holder_name,district\n3100000001,A,B\n")
    data.name = "a.csv"
    assert client.post("/customers/imports/", {"kind": "accounts", "file": data}).status_code == 403
    assert Account.objects.count() == 0


def test_holder_since_defaults_to_today_on_change(import_rows):
    import_rows(account_row("3100000001", "张伟"))
    import_rows(account_row("3100000001", "刘洋"))
    assert Account.objects.get().holder_since == timezone.localdate()


def test_a_row_failing_in_the_database_is_isolated_and_leaves_nothing_behind(import_rows, monkeypatch):
    """An error the checks did not foresee rolls back the chunk; rows are retried one by one so
    that only the failing row is reported, and its premise is not left behind."""
    from django.db import IntegrityError

    from hotline.customers.imports import accounts

    real = accounts._account_fields

    def failing(row):
        if row.holder_name == "坏":
            raise IntegrityError("simulated")
        return real(row)

    monkeypatch.setattr(accounts, "_account_fields", failing)
    result = import_rows(*[account_row(f"31000000{i:02d}", "坏" if i == 3 else f"用户{i}", room=str(100 + i))
                           for i in range(6)])

    assert (result.created, result.error_count) == (5, 1)
    assert result.errors[0]["line"] == 5 and "simulated" in result.errors[0]["message"]
    assert Account.objects.count() == 5 and Premise.objects.count() == 5 and Meter.objects.count() == 5


def test_statistics_can_be_refreshed_after_a_big_import(import_rows):
    from hotline.customers.imports.jobs import refresh_statistics

    import_rows(account_row("3100000001", "张伟"))
    refresh_statistics()  # ANALYZE on PostgreSQL, a bounded ANALYZE on SQLite: must run on both
    assert Account.objects.count() == 1
