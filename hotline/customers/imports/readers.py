"""Reading CSV and XLSX files into ``(line_number, {column: text})`` rows.

Headers may be the English column names or their Chinese labels (户号, 户名 …); see COLUMNS of
each importer. CSV may be UTF-8 (with or without BOM) or GB18030/GBK, as Chinese billing systems
often export."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from hotline.core.errors import ValidationError

Row = tuple[int, dict[str, str]]


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise ValidationError(_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"})


def _header_map(header: list[str], columns: dict[str, str]) -> list[str | None]:
    """Map each header cell to a field name; unknown columns are ignored (None)."""
    by_label = {}
    for field, label in columns.items():
        by_label[field.lower()] = field
        by_label[label] = field
    mapped = [by_label.get((cell or "").strip().lower()) or by_label.get((cell or "").strip()) for cell in header]
    return mapped


def _check_header(mapped: list[str | None], required: set[str]) -> None:
    missing = required - {m for m in mapped if m}
    if missing:
        raise ValidationError(
            _("The header row lacks the required columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))}
        )


def _detect_encoding(path: Path) -> str:
    head = path.open("rb").read(1 << 16)
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8-sig"
        return "gb18030"


def read_csv(path: Path, columns: dict[str, str], required: set[str]) -> Iterator[Row]:
    with path.open(encoding=_detect_encoding(path), newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise ValidationError(_("The file is empty.")) from None
        mapped = _header_map(header, columns)
        _check_header(mapped, required)
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            # NUL bytes (a broken export) cannot be stored in PostgreSQL, nor mean anything: dropped.
            row = {field: value.replace("\x00", "").strip() for field, value in zip(mapped, values) if field}
            yield reader.line_num, row


def _cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):  # datetime from a date cell
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def xlsx_max_uncompressed() -> int:
    from django.conf import settings

    return settings.IMPORT_XLSX_MAX_UNCOMPRESSED


def check_xlsx_size(path: Path) -> None:
    """Refuse a workbook that would unpack to more than IMPORT_XLSX_MAX_UNCOMPRESSED bytes, before
    parsing it: an XLSX is a zip, and one cell of 400 MB compresses to a few hundred kilobytes (it took
    the worker to 846 MB). The sizes come from the zip's directory; reading never goes beyond them."""
    import zipfile

    limit = xlsx_max_uncompressed()
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from None
    if total > limit:
        raise ValidationError(
            _("The workbook unpacks to %(size)d MB, more than the %(limit)d MB an XLSX import may have: "
              "save it as CSV (UTF-8) or split it into several files.")
            % {"size": total // (1024 * 1024), "limit": limit // (1024 * 1024)},
            fields={"file": _("File too large.")})


def read_xlsx(path: Path, columns: dict[str, str], required: set[str]) -> Iterator[Row]:
    from openpyxl import load_workbook

    check_xlsx_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        # Read-only mode stops at the rows the sheet's <dimension> declares, and writers get it wrong
        # (A1:D2 over 6 rows): forget it and read every row there is.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ValidationError(_("The file is empty."))
        mapped = _header_map([_cell_text(c) for c in header], columns)
        _check_header(mapped, required)
        for line, values in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            yield line, {field: value for field, value in zip(mapped, cells) if field}
    finally:
        workbook.close()


def read_rows(path: Path, columns: dict[str, str], required: set[str], fmt: str | None = None) -> Iterator[Row]:
    fmt = fmt or file_format(path.name)
    reader = read_xlsx if fmt == "xlsx" else read_csv
    return reader(path, columns, required)


def count_rows(path: Path, fmt: str | None = None) -> int | None:
    """Data rows in the file (for the progress display), counted cheaply."""
    fmt = fmt or file_format(path.name)
    if fmt == "csv":
        with path.open("rb") as fh:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        return max(lines - 1, 0)
    from openpyxl import load_workbook

    try:
        check_xlsx_size(path)
        workbook = load_workbook(path, read_only=True)
        rows = workbook.worksheets[0].max_row  # as declared: a guess (the import reads every row)
        workbook.close()
        return max((rows or 1) - 1, 0)
    except Exception:
        return None


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()
