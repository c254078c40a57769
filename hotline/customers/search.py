"""Account search: one box for account numbers, phones, names, pinyin initials and addresses.

Every kind of query is answered from an ordinary B-tree index with a LIMIT (exact lookups and
prefix ranges), so the same SQL is fast on SQLite and on PostgreSQL at a million accounts:
- account number: exact, or prefix;
- phone: exact, or the last 4+ digits (a prefix of the reversed number);
- holder name (2+ characters): exact, prefix (张伟 → 张伟明), or prefix of the given name (晓明 → 李晓明);
- pinyin initials: exact or prefix (zw → 张伟);
- address: the community (小区) or road named in the query, optionally narrowed by building, unit
  and room (中央公园2期3号楼2单元501, 中央公园2期 3-2-501), or communities and roads whose name
  contains the fragment (中央); Chinese numerals count as digits (中央公园二期三号楼 finds 中央公园2期3号楼),
  and a phase's digits as Chinese numerals (中央公园2期 finds a community named 中央公园二期);
- 尾号 1234: the last digits of a phone.
Results are ranked by how well they match (exact before prefix before fragment).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import F, Prefetch, QuerySet, Value
from django.db.models.functions import StrIndex
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import Text
from hotline.customers.models import Account, AccountPhone, Community, Premise, Road
from hotline.customers.text import address_variants, ascii_digits, has_cjk, mask_phone, prefix_upper_bound
from hotline.org.models import User
from hotline.org.roles import Perm, require_perm


class MatchKind(StrEnum):
    ACCOUNT_NO = "account_no"
    PHONE = "phone"
    NAME = "name"
    INITIALS = "initials"
    ADDRESS = "address"


MATCH_LABELS = {
    MatchKind.ACCOUNT_NO: _("account number"),
    MatchKind.PHONE: _("phone"),
    MatchKind.NAME: _("name"),
    MatchKind.INITIALS: _("pinyin initials"),
    MatchKind.ADDRESS: _("address"),
}

MAX_LIMIT = 100
DIGITS = re.compile(r"^[\d\s-]+$")
LETTERS = re.compile(r"^[a-z]+$")
# 尾号 1234 / 尾号1234 (the search box's own hint): the last digits of a phone.
PHONE_TAIL = re.compile(r"^(?:尾号|手机尾号|电话尾号)\s*[:：]?\s*(\d{4,})$")
# 3-2-501 / 3号楼2单元501室 / 3栋2单元501
DASHED = re.compile(r"(\d+)\s*-\s*(\d+)\s*-\s*(\d+)")
BUILDING = re.compile(r"(\d+)\s*(?:号楼|栋|幢|#|号)")
UNIT = re.compile(r"(\d+)\s*单元")
ROOM = re.compile(r"(\d+)\s*室?")


@dataclass
class SearchHit:
    account: Account
    score: int
    kind: MatchKind

    @property
    def kind_label(self) -> Text:
        return MATCH_LABELS[self.kind]

    @property
    def phone_masked(self) -> str:
        """The first phone, masked: lists never show full numbers."""
        first = next(iter(self.account.phones.all()), None)
        return mask_phone(first.number) if first else ""


def normalize_query(query: str) -> str:
    """Full-width digits and letters (from Chinese input methods) and the digits of other scripts to
    ASCII (text.ascii_digits, as phones are normalised), spaces collapsed."""
    return " ".join(ascii_digits(query or "").split()).lower()


class _Collector:
    def __init__(self, limit: int):
        self.limit = limit
        self.best: dict[int, tuple[int, MatchKind]] = {}

    def add(self, ids: Iterable[int], score: int, kind: MatchKind) -> None:
        for pk in ids:
            if pk not in self.best or self.best[pk][0] < score:
                self.best[pk] = (score, kind)

    def full(self, min_score: int) -> bool:
        """Enough hits scoring at least ``min_score``: weaker kinds cannot get into the results."""
        return sum(1 for score, _kind in self.best.values() if score >= min_score) >= self.limit


def _range(field: str, prefix: str) -> dict:
    upper = prefix_upper_bound(prefix)
    return {f"{field}__gte": prefix, f"{field}__lt": upper} if upper else {f"{field}__gte": prefix}


def _ids(queryset: QuerySet[Any], limit: int) -> list[int]:
    return list(queryset.values_list("pk", flat=True)[:limit])


def _account_ids_for_phones(queryset: QuerySet[AccountPhone], limit: int) -> list[int]:
    return list(queryset.values_list("account_id", flat=True)[:limit])


def _search_digits(q: str, hits: _Collector) -> None:
    digits = q.replace(" ", "").replace("-", "")
    n = hits.limit
    hits.add(_ids(Account.objects.filter(account_no__in={q.replace(" ", ""), digits}), n), 100, MatchKind.ACCOUNT_NO)
    hits.add(_account_ids_for_phones(AccountPhone.objects.filter(number=digits), n), 95, MatchKind.PHONE)
    if len(digits) >= 3:
        hits.add(_ids(Account.objects.filter(**_range("account_no", digits)).order_by("account_no"), n),
                 60, MatchKind.ACCOUNT_NO)
    if len(digits) >= 4:
        suffix = AccountPhone.objects.filter(**_range("number_reversed", digits[::-1])).order_by("number_reversed")
        hits.add(_account_ids_for_phones(suffix, n), 55, MatchKind.PHONE)


def _search_initials(q: str, hits: _Collector) -> None:
    n = hits.limit
    hits.add(_ids(Account.objects.filter(name_initials=q), n), 70, MatchKind.INITIALS)
    if not hits.full(70):
        hits.add(_ids(Account.objects.filter(**_range("name_initials", q)).order_by("name_initials"), n),
                 40, MatchKind.INITIALS)


def _search_name(q: str, hits: _Collector) -> None:
    n = hits.limit
    hits.add(_ids(Account.objects.filter(holder_name=q), n), 90, MatchKind.NAME)
    if hits.full(90):
        return
    hits.add(_ids(Account.objects.filter(**_range("holder_name", q)).order_by("holder_name"), n), 50, MatchKind.NAME)
    if not hits.full(50):
        hits.add(_ids(Account.objects.filter(**_range("given_name", q)).order_by("given_name"), n),
                 45, MatchKind.NAME)


def _address_details(rest: str) -> dict | None:
    """Building, unit and room from what follows the community name: {} for nothing, None when the
    rest is not an address inside the community (e.g. "2期…" after 丽景小区 in 丽景小区2期…)."""
    rest = rest.strip()
    if not rest:
        return {}
    if m := DASHED.fullmatch(rest):
        return {"building__name": f"{m[1]}号楼", "unit_no": m[2], "room": m[3]}
    details = {}
    if m := BUILDING.match(rest):
        details["building__name"] = f"{m[1]}号楼"
        rest = rest[m.end():].lstrip()
    if m := UNIT.match(rest):
        details["unit_no"] = m[1]
        rest = rest[m.end():].lstrip()
    if rest and (m := ROOM.fullmatch(rest)):
        details["room"] = m[1]
        rest = ""
    return details if details and not rest else None


def _premise_accounts(n: int, **premise_filter: Any) -> list[int]:
    """Accounts at the first ``n`` premises matching the filter, in premise order: the premises are
    read from their own (community, id) or (road, id) index, never sorted in bulk."""
    premise_ids = Premise.objects.filter(**premise_filter).order_by("id").values_list("pk", flat=True)[:n]
    return list(Account.objects.filter(premise_id__in=list(premise_ids)).order_by("premise_id")
                .values_list("pk", flat=True)[:n])


def _search_address(q: str, hits: _Collector) -> None:
    n = hits.limit
    text = q.replace(" ", "")
    # Communities named in full in the query, longest first ("中央公园2期3号楼" → 中央公园2期); a name
    # found inside a longer one that matched (丽景小区 inside 丽景小区2期) is not another candidate.
    named = list(
        Community.objects.annotate(at=StrIndex(Value(text), F("name"))).filter(at__gt=0)
        .values_list("pk", "name", "at")
    )
    named.sort(key=lambda c: -len(c[1]))
    spans: list[tuple[int, int]] = []
    for pk, name, at in named[:5]:
        start, end = at - 1, at - 1 + len(name)
        if any(s <= start and end <= e for s, e in spans):
            continue
        spans.append((start, end))
        details = _address_details(text[end:])
        if details is None:
            continue
        hits.add(_premise_accounts(n, community_id=pk, **details), 65 if details or text == name else 62,
                 MatchKind.ADDRESS)
        if hits.full(62):
            return
    fragment = re.split(r"\d", text, maxsplit=1)[0]
    if len(fragment) < 2:
        return
    roads = list(
        Road.objects.annotate(at=StrIndex(Value(text), F("name"))).filter(at__gt=0).values_list("pk", flat=True)[:5]
    ) or list(Road.objects.filter(name__contains=fragment).values_list("pk", flat=True)[:5])
    for pk in roads:
        hits.add(_premise_accounts(n, road_id=pk), 35, MatchKind.ADDRESS)
        if hits.full(35):
            return
    if not named:
        for pk in Community.objects.filter(name__contains=fragment).order_by("name").values_list("pk", flat=True)[:10]:
            hits.add(_premise_accounts(n, community_id=pk), 30, MatchKind.ADDRESS)
            if hits.full(30):
                return


def search_accounts(*, actor: User, query: str, limit: int = 20) -> list[SearchHit]:
    """Accounts matching ``query``, best first; at most ``limit`` (≤ 100)."""
    require_perm(actor, Perm.CUSTOMER_VIEW)
    q = normalize_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    hits = _Collector(limit)
    if tail := PHONE_TAIL.match(q):
        suffix = AccountPhone.objects.filter(**_range("number_reversed", tail[1][::-1])).order_by("number_reversed")
        hits.add(_account_ids_for_phones(suffix, limit), 55, MatchKind.PHONE)
    elif DIGITS.match(q):
        _search_digits(q, hits)
    elif LETTERS.match(q):
        if len(q) >= 2:
            _search_initials(q, hits)
    elif has_cjk(q):
        plain = q.replace(" ", "")
        if len(plain) >= 2 and not any(ch.isdigit() for ch in plain):
            _search_name(plain, hits)
        # Chinese and Arabic numerals find each other (中央公园二期 ↔ 中央公园2期, 三号楼 ↔ 3号楼).
        for variant in address_variants(q) if len(plain) >= 2 else ():
            if hits.full(65):
                break
            _search_address(variant, hits)
    elif len(q) >= 4:
        # Letters and digits: an account number with letters in it (account numbers are stored upper-case).
        hits.add(_ids(Account.objects.filter(account_no__in={q, q.upper()}), limit), 100, MatchKind.ACCOUNT_NO)
    if not hits.best:
        return []
    ranked = sorted(hits.best.items(), key=lambda item: -item[1][0])[:limit]
    accounts = {a.pk: a for a in with_display_relations(Account.objects.filter(pk__in=[pk for pk, _h in ranked]))}
    results = [SearchHit(accounts[pk], score, kind) for pk, (score, kind) in ranked if pk in accounts]
    results.sort(key=lambda h: (-h.score, h.account.account_no))
    return results


def with_display_relations(queryset: QuerySet[Account]) -> QuerySet[Account]:
    return queryset.select_related("premise__community", "premise__district").prefetch_related(
        Prefetch("phones", queryset=AccountPhone.objects.order_by("position"))
    )
