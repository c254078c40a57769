"""Upsert of bills (the billing mirror's recent bills) by account number and period."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.core.bulk import insert_rows
from hotline.customers.imports.common import ImportResult, RowError, parse_account_no, parse_date, parse_decimal
from hotline.customers.models import Account, Bill, BillStatus

COLUMNS = {
    "account_no": "户号",
    "period": "账期",
    "reading": "本期读数",
    "usage_m3": "用水量",
    "amount": "应收金额",
    "paid": "实收金额",
    "due_on": "缴费期限",
    "status": "缴费状态",
}
REQUIRED = {"account_no", "period", "usage_m3", "amount"}
PERIOD = re.compile(r"^(\d{4})-?(\d{2})$")
STATUS_VALUES = {
    "paid": BillStatus.PAID, "已缴": BillStatus.PAID, "unpaid": BillStatus.UNPAID, "未缴": BillStatus.UNPAID,
    "partial": BillStatus.PARTIAL, "部分": BillStatus.PARTIAL,
}
FIELDS = ("reading", "usage_m3", "amount", "paid", "due_on", "status")


@dataclass(slots=True)
class BillRow:
    line: int
    account_no: str
    period: str
    reading: Decimal | None
    usage_m3: Decimal
    amount: Decimal
    paid: Decimal
    due_on: date | None
    status: str


def parse_row(line: int, raw: dict) -> BillRow:
    account_no = parse_account_no(raw.get("account_no", ""))
    match = PERIOD.match(raw.get("period", "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RowError(_("period: “%(value)s” is not a month (use YYYY-MM).") % {"value": raw.get("period", "")})
    amount = parse_decimal(raw.get("amount", ""), "amount", default=None)
    usage = parse_decimal(raw.get("usage_m3", ""), "usage_m3", default=None)
    if amount is None or usage is None:
        raise RowError(_("usage_m3 and amount are required."))
    paid = parse_decimal(raw.get("paid", ""), "paid")
    status_text = raw.get("status", "").strip().lower()
    if status_text and status_text not in STATUS_VALUES:
        raise RowError(_("status: “%(value)s” is not one of 已缴/未缴/部分 (paid/unpaid/partial).")
                       % {"value": raw.get("status")})
    status = STATUS_VALUES.get(status_text) or (
        BillStatus.PAID if paid >= amount else BillStatus.PARTIAL if paid > 0 else BillStatus.UNPAID
    )
    reading = parse_decimal(raw.get("reading", ""), "reading", default=None)
    return BillRow(
        line=line, account_no=account_no, period=f"{match.group(1)}-{match.group(2)}",
        reading=reading.quantize(Decimal("0.1")) if reading is not None else None,
        usage_m3=usage.quantize(Decimal("0.1")), amount=amount, paid=paid,
        due_on=parse_date(raw.get("due_on", ""), "due_on"), status=status,
    )


class BillImporter:
    def __init__(self, *, chunk_size: int = 2000, error_limit: int = 5000,
                 on_progress: Callable[[ImportResult], None] | None = None):
        self.chunk_size = chunk_size
        self.error_limit = error_limit
        self.on_progress = on_progress
        self.result = ImportResult()

    def run(self, rows: Iterable[tuple[int, dict]]) -> ImportResult:
        seen: dict[tuple[str, str], int] = {}
        chunk: list[BillRow] = []
        for line, raw in rows:
            self.result.processed += 1
            try:
                row = parse_row(line, raw)
                key = (row.account_no, row.period)
                if key in seen:
                    raise RowError(_("the bill of %(no)s for %(period)s already appears on line %(line)d.")
                                   % {"no": row.account_no, "period": row.period, "line": seen[key]})
                seen[key] = line
            except RowError as exc:
                self.result.add_error(line, raw.get("account_no", ""), str(exc), self.error_limit)
                continue
            chunk.append(row)
            if len(chunk) >= self.chunk_size:
                self._flush(chunk)
                chunk = []
        if chunk:
            self._flush(chunk)
        return self.result

    def _flush(self, chunk: list[BillRow]) -> None:
        accounts = dict(
            Account.objects.filter(account_no__any_of={r.account_no for r in chunk}).values_list("account_no", "pk")
        )
        existing = {
            (b.account_id, b.period): b
            for b in Bill.objects.filter(account_id__in=accounts.values(), period__in={r.period for r in chunk})
        }
        new, changed = [], []
        for row in chunk:
            account_id = accounts.get(row.account_no)
            if account_id is None:
                self.result.add_error(row.line, row.account_no, _("account_no %(no)s is unknown: import the account first.")
                                      % {"no": row.account_no}, self.error_limit)
                continue
            values = {name: getattr(row, name) for name in FIELDS}
            bill = existing.get((account_id, row.period))
            if bill is None:
                new.append((account_id, row.period, *values.values()))
            elif any(getattr(bill, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(bill, name, value)
                changed.append(bill)
            else:
                self.result.unchanged += 1
        with transaction.atomic():
            insert_rows(Bill, ["account", "period", *FIELDS], new, returning=False)
            Bill.objects.bulk_update(changed, FIELDS)
        self.result.created += len(new)
        self.result.updated += len(changed)
        if self.on_progress:
            self.on_progress(self.result)
