"""Issue 13 §6–7: phone numbers typed with other digits, search text at the edge of Unicode, and XLSX
imports whose declared dimension lies or that unpack to too much."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from conftest import account_row
from hotline.calls.cti import cti_event_receive
from hotline.calls.models import Call
from hotline.calls.selectors import screen_pop
from hotline.calls.services import call_log
from hotline.customers.imports.jobs import import_job_for_path, import_job_run
from hotline.customers.models import Account, AccountPhone, ImportStatus
from hotline.customers.search import search_accounts
from hotline.customers.text import normalize_phone, prefix_upper_bound
from hotline.org.roles import Role

FULL_WIDTH = "１３８０５３３１２３４"
ARABIC_INDIC = "١٣٨٠٥٣٣١٢٣٤"


@pytest.mark.parametrize("typed", [FULL_WIDTH, ARABIC_INDIC, "+86 138-0533-1234", "＋８６ １３８ ０５３３ １２３４",
                                   "(0086)13805331234", "138 0533 1234"])
def test_every_way_of_typing_a_phone_gives_its_ascii_digits(typed):
    assert normalize_phone(typed) == "13805331234"


def test_prefix_bound_copes_with_the_last_code_point():
    assert prefix_upper_bound("张伟\U0010FFFF") == "张伟"[:1] + chr(ord("伟") + 1)
    assert prefix_upper_bound("\U0010FFFF\U0010FFFF") is None
    assert prefix_upper_bound("\ud7ff") == "\ue000"


@pytest.fixture
def customer(import_rows, units):
    import_rows(account_row("3100000001", "张伟", phones=FULL_WIDTH))
    return Account.objects.get()


def test_an_import_stores_full_width_phones_as_ascii(customer):
    assert list(AccountPhone.objects.values_list("number", flat=True)) == ["13805331234"]


def test_screen_pop_call_log_and_search_find_the_customer_whatever_digits_were_typed(customer, operator):
    for typed in (FULL_WIDTH, ARABIC_INDIC):
        assert [a.account_no for a in screen_pop(actor=operator, number=typed).accounts] == ["3100000001"]
        assert "3100000001" in [h.account.account_no for h in search_accounts(actor=operator, query=typed)]
        assert "3100000001" in [h.account.account_no for h in search_accounts(actor=operator, query=typed[-4:])]
    call = call_log(actor=operator, caller_number=FULL_WIDTH, summary="x")
    assert Call.objects.get(pk=call.pk).caller_number == "13805331234"


def test_a_cti_event_with_full_width_digits_is_stored_as_ascii(customer, make_user):
    pbx = make_user(Role.PBX, username="pbx-test")
    cti_event_receive(actor=pbx, event="ringing", call_id="c-fw-1", at=datetime.now(UTC), caller=FULL_WIDTH,
                      called="９６８８９")
    assert Call.objects.get(cti_call_id="c-fw-1").caller_number == "13805331234"


def test_api_order_contact_phone_is_normalised(client, operator, customer):
    client.force_login(operator)
    response = client.post("/api/v1/orders", content_type="application/json", data={
        "request_type": "repair", "subject": "low_pressure", "title": "水压低", "contact_phone": FULL_WIDTH})
    assert response.status_code in (200, 201), response.content
    from hotline.workorders.models import WorkOrder

    assert WorkOrder.objects.get(number=response.json()["number"]).contact_phone == "13805331234"


def test_the_order_service_normalises_the_contact_phone_for_every_caller(operator, customer):
    """The service itself (12345 cases, imports, the console): not only the API's schema."""
    from hotline.workorders.models import RequestType, Subject
    from hotline.workorders.services import order_create

    order = order_create(actor=operator, request_type=RequestType.objects.get(code="repair"),
                         subject=Subject.objects.get(code="low_pressure"), title="水压低", contact_phone=FULL_WIDTH)
    assert order.contact_phone == "13805331234"


def test_search_at_the_last_code_point_answers(customer, operator, client):
    search_accounts(actor=operator, query="张伟\U0010FFFF")  # no ValueError (chr(0x110000))
    client.force_login(operator)
    for q in ("张伟\U0010FFFF", "\U0010FFFF", "zw\U0010FFFF", "中央公园2期\U0010FFFF", "\U000E0080"):
        assert client.get("/api/v1/accounts/search", {"q": q}).status_code == 200
        assert client.get("/customers/", {"q": q}).status_code == 200


# --- XLSX --------------------------------------------------------------------------------------------

def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    header = list(rows[0])
    ws.append(header)
    for row in rows:
        ws.append([row[h] for h in header])
    wb.save(path)
    return path


def _rewrite_member(path, member, change):
    """Rewrite one member of the zip (an XLSX) through ``change(text) -> text``."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            if info.filename == member:
                data = change(data.decode()).encode()
            out.writestr(info.filename, data)


def test_an_xlsx_whose_dimension_understates_its_rows_is_read_whole(admin_user, units, tmp_path):
    rows = [account_row(f"310000000{i}", "张伟", room=str(500 + i)) for i in range(1, 7)]
    path = _xlsx(tmp_path / "short-dimension.xlsx", rows)
    _rewrite_member(path, "xl/worksheets/sheet1.xml",
                    lambda xml: __import__("re").sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:D2"', xml))
    with zipfile.ZipFile(path) as z:
        assert 'ref="A1:D2"' in z.read("xl/worksheets/sheet1.xml").decode()

    job = import_job_run(import_job_for_path(actor=admin_user, path=path), path=path)

    assert job.status == ImportStatus.DONE, job.failure
    assert (job.processed_rows, job.created_count) == (6, 6)
    assert Account.objects.count() == 6


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_parsing(admin_user, units, tmp_path, settings,
                                                                     monkeypatch):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED = 8 * 1024 * 1024
    path = _xlsx(tmp_path / "bomb.xlsx", [account_row("3100000001", "张伟")])
    big = "x" * (10 * 1024 * 1024)  # one cell of 10 MB: compresses to a few kilobytes
    _rewrite_member(path, "xl/worksheets/sheet1.xml",
                    lambda xml: xml.replace("</sheetData>", "</sheetData><!--" + big + "-->"))
    assert path.stat().st_size < 200 * 1024

    import openpyxl

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a workbook over the limit")

    monkeypatch.setattr(openpyxl, "load_workbook", no_parsing)
    job = import_job_run(import_job_for_path(actor=admin_user, path=path), path=path)

    assert job.status == ImportStatus.FAILED
    assert "MB" in job.failure and "CSV" in job.failure
    assert Account.objects.count() == 0


def test_a_csv_with_nul_bytes_imports_without_them(admin_user, units, tmp_path):
    path = tmp_path / "nul.csv"
    row = account_row("3100000001", "张\x00伟")
    path.write_bytes((",".join(row) + "\n" + ",".join(row.values()) + "\n").encode())

    job = import_job_run(import_job_for_path(actor=admin_user, path=path), path=path)

    assert job.status == ImportStatus.DONE, job.failure
    assert Account.objects.get().holder_name == "张伟"


def test_generated_workbook_helper_round_trips(tmp_path):
    path = _xlsx(tmp_path / "x.xlsx", [{"a": "1"}])
    assert zipfile.is_zipfile(io.BytesIO(path.read_bytes()))
