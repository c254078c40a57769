"""Issue 13 §7: CSV exports neutralise text cells a spreadsheet would run as formulas; numbers stay
numbers."""

import csv
import io
from decimal import Decimal

import pytest

from hotline.reports.export import Table, safe_csv_text, write_csv


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
                                  '=HYPERLINK("http://evil.example","点我")'])
def test_formula_like_text_gets_an_apostrophe(text):
    assert safe_csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["张伟", "1+1", "GD2026010500001", "", "a=b"])
def test_ordinary_text_is_unchanged(text):
    assert safe_csv_text(text) == text


def test_export_neutralises_text_cells_only():
    table = Table(title="=title", header=["summary", "delta", "ratio", "amount"],
                  rows=[["=cmd|' /C calc'!A0", -3, -0.5, Decimal("-12.50")], ["-note", 4, 1.0, Decimal("0")]])
    text = b"".join(write_csv([table])).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["summary", "delta", "ratio", "amount"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "-3", "-0.5", "-12.50"]
    assert rows[2] == ["'-note", "4", "1", "0"]


def test_several_tables_neutralise_their_titles():
    tables = [Table(title="@a", header=["x"], rows=[[1]]), Table(title="b", header=["+y"], rows=[["z"]])]
    rows = list(csv.reader(io.StringIO(b"".join(write_csv(tables)).decode("utf-8-sig"))))
    assert rows[0] == ["'@a"] and ["'+y"] in rows
