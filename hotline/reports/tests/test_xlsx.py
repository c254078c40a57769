"""The streaming XLSX writer: what openpyxl reads back is what was written."""

import io
from datetime import date, datetime

from openpyxl import load_workbook

from hotline.reports.xlsx import write_workbook


def test_values_types_and_sheets_read_back():
    rows = [["GD1", 3, 2.5, True, datetime(2026, 1, 31, 23, 59, 59), date(2026, 2, 1), None, "a <b> & \"c\""],
            ["GD2", -1, 0.1, False, datetime(2000, 1, 1), date(2099, 12, 31), "", " 空格 "]]
    out = io.BytesIO()
    write_workbook(out, [("工单", ["编号", "n", "x", "b", "at", "day", "none", "text"], rows),
                         ('汇总 "A"', ["k"], iter([["v"]]))])
    out.seek(0)
    book = load_workbook(out)
    assert book.sheetnames == ["工单", '汇总 "A"']
    sheet = book["工单"]
    got = list(sheet.iter_rows(values_only=True))
    assert got[0] == ("编号", "n", "x", "b", "at", "day", "none", "text")
    assert got[1] == ("GD1", 3, 2.5, True, datetime(2026, 1, 31, 23, 59, 59), datetime(2026, 2, 1), None,
                      'a <b> & "c"')
    assert got[2] == ("GD2", -1, 0.1, False, datetime(2000, 1, 1), datetime(2099, 12, 31), None, " 空格 ")
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert list(book['汇总 "A"'].iter_rows(values_only=True)) == [("k",), ("v",)]


def test_characters_xml_cannot_carry_are_dropped():
    out = io.BytesIO()
    write_workbook(out, [("s", ["h"], [["bell\x07 and nul\x00"]])])
    out.seek(0)
    assert load_workbook(out).active["A2"].value == "bell and nul"
