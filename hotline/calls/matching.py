"""Who is calling: a call matched to the caller's account(s), premise and community from the number.

One account has the number → the call gets that account, its premise and its community; several
accounts, all in one community → the community alone (the operator picks the account on the call
panel); accounts in several communities, or none → nothing. Done when the PBX's first event makes
the call's record (one indexed query on the phone index the screen pop reads), and by
``manage.py match_calls`` for the calls stored before. When the operator logs the call, the account
they chose wins (``calls.services``)."""

from dataclasses import dataclass

from django.db import connection

MATCH_LIMIT = 11  # as the screen pop: more accounts than this on one number is a switchboard, not a home


@dataclass(frozen=True)
class Match:
    account_id: int | None = None
    premise_id: int | None = None
    community_id: int | None = None

    def values(self) -> dict:
        return {"account_id": self.account_id, "premise_id": self.premise_id, "community_id": self.community_id}


NO_MATCH = Match()
_SQL: dict[str, str] = {}


def _sql() -> str:
    if connection.vendor not in _SQL:
        from hotline.customers.models import Account, AccountPhone, Premise

        q = connection.ops.quote_name
        _SQL[connection.vendor] = (
            f"SELECT ap.{q('account_id')}, a.{q('premise_id')}, p.{q('community_id')} "
            f"FROM {q(AccountPhone._meta.db_table)} ap "
            f"JOIN {q(Account._meta.db_table)} a ON a.{q('id')} = ap.{q('account_id')} "
            f"JOIN {q(Premise._meta.db_table)} p ON p.{q('id')} = a.{q('premise_id')} "
            f"WHERE ap.{q('number')} = %s LIMIT {MATCH_LIMIT}")
    return _SQL[connection.vendor]


def match_number(number: str) -> Match:
    """The match for a caller's number (digits only, as stored): one plain indexed query."""
    if not number:
        return NO_MATCH
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [number])
        rows = cursor.fetchall()
    return match_rows(rows)


def match_rows(rows) -> Match:
    """The match from the (account, premise, community) rows of one number's accounts."""
    if not rows:
        return NO_MATCH
    if len({r[0] for r in rows}) == 1:
        return Match(*rows[0])
    communities = {r[2] for r in rows}
    if len(communities) == 1 and None not in communities:
        premises = {r[1] for r in rows}
        return Match(None, premises.pop() if len(premises) == 1 else None, rows[0][2])
    return NO_MATCH


def match_account(account) -> Match:
    """The match for an account the operator chose."""
    if account is None:
        return NO_MATCH
    premise = account.premise  # loaded with the account by the call panel and the API
    return Match(account.pk, premise.pk, premise.community_id)


def match_stored_calls(*, batch: int = 2000, since=None, progress=None) -> dict:
    """Match the calls already stored, in batches by primary key (each batch one transaction), so
    that a repeat run finds nothing left to do:

    * a call with an account but no premise or community gets its account's;
    * a call with neither account nor community, not yet written up by an operator (no summary, no
      subject: a call the operator logged without an account keeps their choice), is matched by its
      number as the PBX's calls are.

    ``progress(done, total, matched)`` is called after each batch."""
    from django.db import transaction
    from django.db.models import Q

    from hotline.calls.models import Call
    from hotline.customers.models import Account, AccountPhone

    by_account = Q(account__isnull=False, premise__isnull=True, community__isnull=True)
    by_number = (Q(account__isnull=True, community__isnull=True, summary="", subject__isnull=True)
                 & ~Q(caller_number=""))
    todo = Call.objects.filter(by_account | by_number)
    if since is not None:
        todo = todo.filter(ringing_at__gte=since)
    total = todo.count()
    done = matched = 0
    last_pk = 0
    while True:
        rows = list(todo.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "caller_number", "account_id")[:batch])
        if not rows:
            break
        last_pk = rows[-1][0]
        places = {pk: (premise_id, community_id) for pk, premise_id, community_id in
                  Account.objects.filter(pk__in={a for _pk, _n, a in rows if a})
                  .values_list("pk", "premise_id", "premise__community_id")}
        phones: dict[str, list] = {}
        for number, account_id, premise_id, community_id in (
                AccountPhone.objects.filter(number__in={n for _pk, n, a in rows if not a})
                .values_list("number", "account_id", "account__premise_id", "account__premise__community_id")):
            phones.setdefault(number, []).append((account_id, premise_id, community_id))
        groups: dict[tuple[bool, Match], list[int]] = {}
        for pk, number, account_id in rows:
            if account_id:
                found = Match(account_id, *places.get(account_id, (None, None)))
            else:
                found = match_rows(phones.get(number, [])[:MATCH_LIMIT])
            if found.community_id or found.premise_id:
                groups.setdefault((bool(account_id), found), []).append(pk)
        with transaction.atomic():
            for (had_account, found), pks in groups.items():
                # Only rows still as read: a call logged meanwhile keeps the operator's choice.
                still = Call.objects.filter(pk__in=pks, premise__isnull=True, community__isnull=True)
                still = still.filter(account_id=found.account_id) if had_account else \
                    still.filter(by_number)
                matched += still.update(**found.values())
        done += len(rows)
        if progress is not None:
            progress(done, total, matched)
    return {"checked": done, "matched": matched, "total": total}
