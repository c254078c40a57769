"""Upsert of customer accounts from the billing system, by account number.

Rows are validated first; a bad row is reported with its line number and reason and nothing of
it is written. Good rows are written in chunks, each chunk in one transaction, so that no row is
ever half-written; an identical row (same digest as last time) is skipped without a write, which
makes re-importing a file a no-op.
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.bulk import insert_rows
from hotline.customers.imports.common import ImportResult, RowError, parse_account_no, parse_date, parse_decimal
from hotline.customers.models import (
    Account,
    AccountPhone,
    AccountStatus,
    Building,
    Community,
    District,
    HolderChange,
    Meter,
    Premise,
    Road,
)
from hotline.customers.text import given_name, name_initials, normalize_phone

COLUMNS = {
    "account_no": "户号",
    "holder_name": "户名",
    "phones": "联系电话",
    "district": "区县",
    "road": "道路",
    "road_no": "门牌号",
    "community": "小区",
    "building": "楼号",
    "unit": "单元",
    "room": "室",
    "address": "用水地址",
    "meter_no": "水表编号",
    "meter_caliber": "水表口径",
    "meter_installed_on": "装表日期",
    "status": "状态",
    "balance": "余额",
    "arrears": "欠费",
    "opened_on": "立户日期",
    "holder_since": "过户日期",
}
REQUIRED = {"account_no", "holder_name", "district"}
STATUS_VALUES = {
    "": AccountStatus.ACTIVE, "active": AccountStatus.ACTIVE, "正常": AccountStatus.ACTIVE,
    "suspended": AccountStatus.SUSPENDED, "暂停": AccountStatus.SUSPENDED, "停水": AccountStatus.SUSPENDED,
    "closed": AccountStatus.CLOSED, "销户": AccountStatus.CLOSED,
}
PHONE_SPLIT = re.compile(r"[;,，；/、\s]+")
DIGITS_ONLY = re.compile(r"^\d+$")


@dataclass(slots=True)
class AccountRow:
    line: int
    account_no: str
    holder_name: str
    phones: tuple[str, ...]
    district: str
    road: str
    road_no: str
    community: str
    building: str
    unit_no: str
    room: str
    address: str
    meter_no: str
    meter_caliber: int | None
    meter_installed_on: date | None
    status: str
    balance: object
    arrears: object
    opened_on: date | None
    holder_since: date | None
    digest: str = ""


def _text(raw: dict, column: str, max_length: int) -> str:
    value = raw.get(column, "").strip()
    if len(value) > max_length:
        raise RowError(_("%(column)s: longer than %(max)d characters.") % {"column": column, "max": max_length})
    return value


def _building_name(value: str) -> str:
    return f"{value}号楼" if DIGITS_ONLY.match(value) else value


def _with_suffix(value: str, suffix: str) -> str:
    return f"{value}{suffix}" if DIGITS_ONLY.match(value) else value


def compose_address(row: AccountRow) -> str:
    """张店区人民路12号中央公园2期3号楼2单元501室, from the structured parts."""
    parts = [row.district, row.road, _with_suffix(row.road_no, "号"), row.community, row.building,
             _with_suffix(row.unit_no, "单元"), _with_suffix(row.room, "室")]
    return "".join(p for p in parts if p)


def parse_row(line: int, raw: dict) -> AccountRow:
    account_no = parse_account_no(raw.get("account_no", ""))
    holder = _text(raw, "holder_name", 50)
    if not holder:
        raise RowError(_("holder_name: required."))
    district = _text(raw, "district", 50)
    if not district:
        raise RowError(_("district: required."))
    phones = []
    for part in PHONE_SPLIT.split(raw.get("phones", "").strip()):
        if not part:
            continue
        number = normalize_phone(part)
        if not 7 <= len(number) <= 20:
            raise RowError(_("phones: “%(value)s” is not a phone number.") % {"value": part})
        if number not in phones:
            phones.append(number)
    status_text = raw.get("status", "").strip().lower()
    if status_text not in STATUS_VALUES:
        raise RowError(_("status: “%(value)s” is not one of 正常/暂停/销户 (active/suspended/closed).")
                       % {"value": raw.get("status")})
    caliber_text = raw.get("meter_caliber", "").strip().lower().removeprefix("dn").removesuffix("mm")
    caliber = None
    if caliber_text:
        if not caliber_text.isdigit() or not 10 <= int(caliber_text) <= 1000:
            raise RowError(_("meter_caliber: “%(value)s” is not a caliber in mm.") % {"value": raw.get("meter_caliber")})
        caliber = int(caliber_text)
    row = AccountRow(
        line=line,
        account_no=account_no,
        holder_name=holder,
        phones=tuple(phones[:5]),
        district=district,
        road=_text(raw, "road", 50),
        road_no=_text(raw, "road_no", 20),
        community=_text(raw, "community", 100),
        building=_building_name(_text(raw, "building", 25)),
        unit_no=_text(raw, "unit", 10).removesuffix("单元"),
        room=_text(raw, "room", 20).removesuffix("室"),
        address=_text(raw, "address", 200),
        meter_no=_text(raw, "meter_no", 30),
        meter_caliber=caliber,
        meter_installed_on=parse_date(raw.get("meter_installed_on", ""), "meter_installed_on"),
        status=STATUS_VALUES[status_text],
        balance=parse_decimal(raw.get("balance", ""), "balance"),
        arrears=parse_decimal(raw.get("arrears", ""), "arrears"),
        opened_on=parse_date(raw.get("opened_on", ""), "opened_on"),
        holder_since=parse_date(raw.get("holder_since", ""), "holder_since"),
    )
    if (row.building or row.unit_no or row.room) and not row.community:
        raise RowError(_("community: required when building, unit or room is given."))
    if not row.address:
        row.address = compose_address(row)
    row.digest = hashlib.sha1(
        "\x1f".join(str(getattr(row, f)) for f in AccountRow.__slots__ if f not in {"line", "digest"}).encode()
    ).hexdigest()
    return row


class AreaCache:
    """Ids of districts, roads, communities and buildings by name; missing ones are created.

    Areas are created in their own small transactions, before the accounts that use them, so
    that a chunk rolled back never leaves the cache pointing at rows that do not exist."""

    def __init__(self):
        self.districts = {d.name: (d.pk, d.branch_id) for d in District.objects.all()}
        self.roads = {(r.district_id, r.name): r.pk for r in Road.objects.all()}
        self.communities = {(c.district_id, c.name): c.pk for c in Community.objects.all()}
        self.buildings = {(b.community_id, b.name): b.pk for b in Building.objects.all()}

    def _district(self, name: str) -> tuple[int, int | None]:
        if name not in self.districts:
            district, _ = District.objects.get_or_create(name=name)
            self.districts[name] = (district.pk, district.branch_id)
        return self.districts[name]

    def _road(self, district_id: int, name: str) -> int | None:
        if not name:
            return None
        key = (district_id, name)
        if key not in self.roads:
            self.roads[key] = Road.objects.get_or_create(district_id=district_id, name=name)[0].pk
        return self.roads[key]

    def _community(self, row: AccountRow) -> int | None:
        if not row.community:
            return None
        district_id, branch_id = self._district(row.district)
        key = (district_id, row.community)
        if key not in self.communities:
            self.communities[key] = Community.objects.get_or_create(
                district_id=district_id, name=row.community,
                defaults={"road_id": self._road(district_id, row.road), "branch_id": branch_id},
            )[0].pk
        return self.communities[key]

    def prepare(self, rows: list[AccountRow]) -> None:
        """Create the buildings a chunk needs in one statement (a new city has tens of thousands)."""
        missing = set()
        for row in rows:
            community_id = self._community(row)
            if row.building and community_id and (community_id, row.building) not in self.buildings:
                missing.add((community_id, row.building))
        if missing:
            Building.objects.bulk_create([Building(community_id=c, name=n) for c, n in missing],
                                         ignore_conflicts=True)
            for b in Building.objects.filter(community_id__in={c for c, _n in missing},
                                             name__in={n for _c, n in missing}):
                self.buildings[(b.community_id, b.name)] = b.pk

    def resolve(self, row: AccountRow) -> dict:
        """The premise's area ids; call ``prepare`` for the chunk first."""
        district_id, _branch_id = self._district(row.district)
        community_id = self._community(row)
        building_id = self.buildings.get((community_id, row.building)) if row.building and community_id else None
        if row.building and community_id and building_id is None:
            building_id = self.buildings[(community_id, row.building)] = Building.objects.get_or_create(
                community_id=community_id, name=row.building)[0].pk
        return {
            "district_id": district_id, "road_id": self._road(district_id, row.road), "road_no": row.road_no,
            "community_id": community_id, "building_id": building_id, "unit_no": row.unit_no, "room": row.room,
            "address": row.address,
        }


PREMISE_FIELDS = ["district_id", "road_id", "road_no", "community_id", "building_id", "unit_no", "room", "address"]
ACCOUNT_FIELDS = ["account_no", "premise", "holder_since", "updated_at",
                  "holder_name", "given_name", "name_initials", "status", "balance", "arrears", "opened_on",
                  "import_digest"]


def _account_fields(row: AccountRow) -> dict:
    """Account values from a row, in the order of ACCOUNT_FIELDS[4:]."""
    return {
        "holder_name": row.holder_name,
        "given_name": given_name(row.holder_name),
        "name_initials": name_initials(row.holder_name),
        "status": row.status,
        "balance": row.balance,
        "arrears": row.arrears,
        "opened_on": row.opened_on,
        "import_digest": row.digest,
    }


def _phones(account_id: int, numbers: Iterable[str]) -> list[AccountPhone]:
    return [
        AccountPhone(account_id=account_id, number=n, number_reversed=n[::-1], position=i)
        for i, n in enumerate(numbers)
    ]


def relax_durability() -> None:
    """Inside an import chunk on PostgreSQL: commit without waiting for the WAL flush. A crash may
    lose the last chunks, which re-running the (idempotent) import restores; never half a row."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class AccountImporter:
    """Feed it ``(line, raw_row)`` pairs; it validates, upserts in chunks and reports."""

    def __init__(self, *, chunk_size: int = 2000, error_limit: int = 5000,
                 on_progress: Callable[[ImportResult], None] | None = None):
        self.chunk_size = chunk_size
        self.error_limit = error_limit
        self.on_progress = on_progress
        self.result = ImportResult()
        self.areas = AreaCache()
        self.today = timezone.localdate()

    def run(self, rows: Iterable[tuple[int, dict]]) -> ImportResult:
        seen: dict[str, int] = {}
        meters_seen: dict[str, str] = {}
        chunk: list[AccountRow] = []
        for line, raw in rows:
            self.result.processed += 1
            try:
                row = parse_row(line, raw)
                if row.account_no in seen:
                    raise RowError(_("account_no %(no)s already appears on line %(line)d.")
                                   % {"no": row.account_no, "line": seen[row.account_no]})
                if row.meter_no and meters_seen.setdefault(row.meter_no, row.account_no) != row.account_no:
                    raise RowError(_("meter_no %(meter)s is also given for account %(other)s.")
                                   % {"meter": row.meter_no, "other": meters_seen[row.meter_no]})
            except RowError as exc:
                self.result.add_error(line, raw.get("account_no", ""), str(exc), self.error_limit)
                continue
            seen[row.account_no] = line
            chunk.append(row)
            if len(chunk) >= self.chunk_size:
                self._flush(chunk)
                chunk = []
        if chunk:
            self._flush(chunk)
        return self.result

    # --- chunk processing -------------------------------------------------------------------------

    def _flush(self, chunk: list[AccountRow]) -> None:
        existing = {
            a.account_no: a
            for a in Account.objects.select_related("premise").filter(account_no__any_of=[r.account_no for r in chunk])
        }
        todo = []
        for row in chunk:
            current = existing.get(row.account_no)
            if current is not None and current.import_digest == row.digest:
                self.result.unchanged += 1
            else:
                todo.append(row)
        todo = self._check_meters(todo, existing)
        if todo:
            self.areas.prepare(todo)
            premises = {row.account_no: self.areas.resolve(row) for row in todo}
            try:
                with transaction.atomic():
                    relax_durability()
                    self._write(todo, existing, premises)
            except DatabaseError:
                # Something the checks did not foresee: write row by row to find the culprit(s).
                for row in todo:
                    try:
                        with transaction.atomic():
                            self._write([row], existing, premises)
                    except DatabaseError as exc:
                        self.result.add_error(row.line, row.account_no, _("not saved: %(error)s") % {"error": exc},
                                              self.error_limit)
        if self.on_progress:
            self.on_progress(self.result)

    def _check_meters(self, rows: list[AccountRow], existing: dict[str, Account]) -> list[AccountRow]:
        numbers = [r.meter_no for r in rows if r.meter_no]
        if not numbers:
            return rows
        installed = dict(Meter.objects.filter(number__any_of=numbers).values_list("number", "premise_id"))
        owners = dict(
            Account.objects.filter(premise_id__in=set(installed.values())).values_list("premise_id", "account_no")
        )
        ok = []
        for row in rows:
            premise_id = installed.get(row.meter_no)
            account = existing.get(row.account_no)
            if premise_id is not None and (account is None or account.premise_id != premise_id):
                self.result.add_error(
                    row.line, row.account_no,
                    _("meter_no %(meter)s belongs to account %(other)s.")
                    % {"meter": row.meter_no, "other": owners.get(premise_id, "?")},
                    self.error_limit,
                )
            else:
                ok.append(row)
        return ok

    def _write(self, rows: list[AccountRow], existing: dict[str, Account], premises: dict[str, dict]) -> None:
        new_rows = [r for r in rows if r.account_no not in existing]
        if new_rows:
            self._create(new_rows, premises)
        for row in rows:
            if row.account_no in existing:
                self._update(row, existing[row.account_no], premises[row.account_no])

    def _create(self, rows: list[AccountRow], premises: dict[str, dict]) -> None:
        now = timezone.now()
        premise_ids = insert_rows(Premise, PREMISE_FIELDS, [
            tuple(premises[r.account_no][f] for f in PREMISE_FIELDS) for r in rows
        ])
        account_ids = insert_rows(Account, ACCOUNT_FIELDS, [
            (r.account_no, premise_id, r.holder_since or r.opened_on, now, *_account_fields(r).values())
            for r, premise_id in zip(rows, premise_ids)
        ])
        phones, meters = [], []
        for row, premise_id, account_id in zip(rows, premise_ids, account_ids):
            phones += [(account_id, n, n[::-1], i) for i, n in enumerate(row.phones)]
            if row.meter_no:
                meters.append((row.meter_no, premise_id, row.meter_caliber, row.meter_installed_on))
        insert_rows(AccountPhone, ["account", "number", "number_reversed", "position"], phones, returning=False)
        insert_rows(Meter, ["number", "premise", "caliber_mm", "installed_on"], meters, returning=False)
        self.result.created += len(rows)

    def _update(self, row: AccountRow, account: Account, premise_fields: dict) -> None:
        premise = account.premise
        changed = [name for name, value in premise_fields.items() if getattr(premise, name) != value]
        if changed:
            for name in changed:
                setattr(premise, name, premise_fields[name])
            premise.save(update_fields=changed)
        old_phones = list(account.phones.values_list("number", flat=True))
        if account.holder_name != row.holder_name:
            HolderChange.objects.create(
                account=account, holder_name=account.holder_name, phones=" ".join(old_phones),
                valid_from=account.holder_since, valid_to=row.holder_since or self.today,
            )
            account.holder_since = row.holder_since or self.today
        if old_phones != list(row.phones):
            account.phones.all().delete()
            AccountPhone.objects.bulk_create(_phones(account.pk, row.phones))
        self._update_meter(row, premise)
        for name, value in _account_fields(row).items():
            setattr(account, name, value)
        account.save()
        self.result.updated += 1

    def _update_meter(self, row: AccountRow, premise: Premise) -> None:
        current = premise.meters.filter(removed_on__isnull=True).order_by("-id").first()
        if not row.meter_no:
            return
        if current is not None and current.number == row.meter_no:
            if (current.caliber_mm, current.installed_on) != (row.meter_caliber, row.meter_installed_on):
                current.caliber_mm, current.installed_on = row.meter_caliber, row.meter_installed_on
                current.save(update_fields=["caliber_mm", "installed_on"])
            return
        # A replacement: the old meter is kept in the premise's history.
        if current is not None:
            current.removed_on = row.meter_installed_on or self.today
            current.save(update_fields=["removed_on"])
        Meter.objects.update_or_create(
            number=row.meter_no,
            defaults={"premise": premise, "caliber_mm": row.meter_caliber, "installed_on": row.meter_installed_on,
                      "removed_on": None},
        )
