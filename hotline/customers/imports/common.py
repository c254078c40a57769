"""Parsing helpers and the result of an import shared by the account and bill importers."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class RowError(Exception):
    """A row that cannot be imported; its message names the column and the reason."""


@dataclass
class ImportResult:
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, line: int, key: str, message: str, keep: int) -> None:
        self.error_count += 1
        if len(self.errors) < keep:
            self.errors.append({"line": line, "key": key, "message": message})


ACCOUNT_NO = re.compile(r"^[0-9A-Za-z-]{4,20}$")


def parse_date(value: str, column: str) -> date | None:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYYMMDD; empty is None."""
    if not value:
        return None
    text = value.strip().replace("/", "-").replace(".", "-")[:10]
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(
            _("%(column)s: “%(value)s” is not a date (use YYYY-MM-DD).") % {"column": column, "value": value}
        ) from None


def parse_decimal(value: str, column: str, default: Decimal | None = Decimal("0")) -> Decimal | None:
    if value == "":
        return default
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise RowError(_("%(column)s: “%(value)s” is not a number.") % {"column": column, "value": value}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e10"):
        raise RowError(_("%(column)s: “%(value)s” is out of range.") % {"column": column, "value": value})
    return number.quantize(Decimal("0.01"))


def parse_account_no(value: str) -> str:
    value = value.strip().upper()
    if not value:
        raise RowError(_("account_no: required."))
    if not ACCOUNT_NO.match(value):
        raise RowError(
            _("account_no: “%(value)s” must be 4–20 letters, digits or hyphens.") % {"value": value}
        )
    return value
