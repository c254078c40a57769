"""The outage and outbox measurements of the benchmark (run by measure.py, in its database process, after
the work-order figures):

1. ``outage_announce`` of an emergency outage over whole communities holding about 5 % of the accounts
   (≥ 50,000 at a million), everything included: the outage, its areas, the count, the SMS per mobile
   number and the property notices written to the outbox; then ``outage_extend`` of it (everyone again).
2. The outbox delivered by ``deliver_due`` through ``HttpSmsGateway`` to a fake gateway over HTTP on
   127.0.0.1 (``hotline.notify.testing.FakeSmsGateway`` in a process of its own, benchmarks/sms_gateway.py):
   one worker; on PostgreSQL then two workers in threads (``FOR UPDATE SKIP LOCKED``); each run capped
   in time. Checked: the gateway accepted exactly the keys of the rows marked sent, each once.
3. ``screen_pop`` with 20 current outages, for callers inside and outside their areas (and the API).
4. The public outage page and ``/api/v1/public/outages``, without and with ``?q=`` (community, road).
"""

import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from measure_history import (  # noqa: E402  (benchmarks/ is on sys.path)
    BENCH_DIR,
    ROOT,
    WARMUP,
    Samples,
    _cpu_seconds,
    _http_problem,
    _json,
    _machine_busy,
    log,
    timed,
)

from hotline.calls.selectors import screen_pop
from hotline.customers.models import Account, AccountPhone, AccountStatus, Building, Community
from hotline.notify.models import Message, MessageStatus
from hotline.org.models import User
from hotline.org.roles import Role
from hotline.outages import selectors as outage_selectors
from hotline.outages.models import (
    CURRENT_STATUSES,
    Outage,
    OutageArea,
    OutageEvent,
    OutageEventKind,
    OutageKind,
    OutageStatus,
)
from hotline.outages.services import (
    UPCOMING_HOURS,
    Area,
    affected_accounts,
    customer_numbers,
    outage_announce,
    outage_extend,
)

SHARE = 0.05  # of the accounts in the announced outage
ANNOUNCE_TARGET_S = 5.0
SCREEN_POP_P95_MS = 15
PUBLIC_P95_MS = 30
DELIVERY_CAP_S = 20.0  # each delivery run stops taking batches after this long
HTTP_PROBE = 500  # messages sent straight through the gateway client (no database), for comparison
GATEWAY_KEY, GATEWAY_SECRET = "bench-key", "bench-secret-" + "x" * 24
OTHER_OUTAGES = 19  # current outages besides the big one (20 in all)
PAST_OUTAGES = 300  # restored or cancelled over the two years before (the tables are not empty)


def measure_outages(*, operator, count: int, accounts: int, data_dir: Path, seed: int = 7,
                    delivery_seconds: float = DELIVERY_CAP_S) -> dict:
    """All four measurements; a failure in one is reported and the others still run."""
    import logging

    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)  # 500s are reported in the figures, not as tracebacks
    rng = random.Random(seed)
    coordinator = User.objects.filter(role=Role.OUTAGE_COORDINATOR).order_by("username").first()
    out: dict = {"coordinator": coordinator.username,
                 "kick_on_commit": ("inline (QUEUE_IMMEDIATE)" if settings.HUEY.get("immediate") else "queued")
                 if settings.OUTBOX_DELIVER_ON_COMMIT else "off"}
    try:
        out["announce"] = _announce(coordinator, accounts, rng)
        big = Outage.objects.get(pk=out["announce"]["outage_id"])
        try:
            out["delivery"] = _delivery(data_dir, delivery_seconds)
        except Exception as exc:  # the gateway process, a worker: reported, the read measurements still run
            log(f"outbox delivery failed: {type(exc).__name__}: {exc}")
            out["delivery"] = {"error": f"{type(exc).__name__}: {exc}"}
        out["outages"] = _more_outages(coordinator, big, rng)
        out["screen_pop"] = _screen_pops(operator, count, seed)
        out["public"] = _public(count, rng)
    finally:
        request_logger.setLevel(level)
    return out


# --- 1. announce and extend -----------------------------------------------------------------------

def _choose_communities(accounts: int, rng: random.Random) -> tuple[list[int], int]:
    """Whole communities, in a random order, until they hold SHARE of the accounts (open ones: those
    the announce counts). Returns their ids and that count."""
    per = dict(Account.objects.exclude(status=AccountStatus.CLOSED).filter(premise__community__isnull=False)
               .values_list("premise__community_id").annotate(n=Count("id")).order_by())
    ids = sorted(per)
    rng.shuffle(ids)
    want = math.ceil(accounts * SHARE)
    chosen, total = [], 0
    for cid in ids:
        if total >= want:
            break
        chosen.append(cid)
        total += per[cid]
    return sorted(chosen), total


def _topic_counts(outage: Outage) -> dict:
    rows = Message.objects.filter(topic=f"outage:{outage.pk}").values_list("channel").annotate(n=Count("id"))
    return dict(rows.order_by())


def _announce(coordinator, accounts: int, rng: random.Random) -> dict:
    started = time.perf_counter()
    community_ids, expected = _choose_communities(accounts, rng)
    area = Area.from_ids(communities=community_ids)
    choose_s = time.perf_counter() - started
    now = timezone.now()
    starts_at = now - timedelta(minutes=40)
    restore_at = now + timedelta(hours=8)
    before = Message.objects.count()

    started = time.perf_counter()
    outage = outage_announce(actor=coordinator, kind=OutageKind.EMERGENCY, reason="DN600供水主管爆管抢修",
                             starts_at=starts_at, expected_restore_at=restore_at, area=area,
                             supply_point="各小区东门设临时送水点")
    announce_s = time.perf_counter() - started
    event = outage.events.get(kind=OutageEventKind.ANNOUNCED)
    by_channel = _topic_counts(outage)
    written = Message.objects.count() - before

    # The same steps alone, afterwards (warm): where the announce's time goes.
    started = time.perf_counter()
    counted = affected_accounts(area).count()
    count_s = time.perf_counter() - started
    started = time.perf_counter()
    numbers = customer_numbers(area)
    numbers_s = time.perf_counter() - started
    properties = sum(1 for c in area.all_communities() if c.property_phone.strip())

    problems = []
    if not outage.affected_accounts == counted == expected:
        problems.append(f"affected_accounts {outage.affected_accounts}, counted {counted}, expected {expected}")
    if event.notified != len(numbers) + properties or written != event.notified:
        problems.append(f"notified {event.notified}, rows written {written}, expected {len(numbers)} SMS + "
                        f"{properties} property notices")
    if by_channel.get("sms", 0) != len(numbers):
        problems.append(f"{by_channel.get('sms', 0)} SMS rows for {len(numbers)} mobile numbers")

    before = Message.objects.count()
    started = time.perf_counter()
    outage_extend(actor=coordinator, outage=outage, expected_restore_at=restore_at + timedelta(hours=4),
                  reason="管道修复难度大，延长抢修时间")
    extend_s = time.perf_counter() - started
    extended = outage.events.get(kind=OutageEventKind.EXTENDED)
    extend_written = Message.objects.count() - before
    if extended.notified != event.notified or extend_written != extended.notified:
        problems.append(f"extension notified {extended.notified}, rows written {extend_written}, "
                        f"announce notified {event.notified}")
    figures = {
        "outage_id": outage.pk, "number": outage.number, "communities": len(community_ids),
        "affected_accounts": outage.affected_accounts, "share_of_accounts": round(outage.affected_accounts / accounts, 4),
        "mobile_numbers": len(numbers), "property_notices": properties,
        "messages": event.notified, "messages_by_channel": by_channel,
        "seconds": round(announce_s, 3), "target_s": ANNOUNCE_TARGET_S,
        "messages_per_s": round(event.notified / announce_s) if announce_s else None,
        "parts_alone_s": {"count": round(count_s, 3), "customer_numbers": round(numbers_s, 3),
                          "choose_area": round(choose_s, 3)},
        "extend_seconds": round(extend_s, 3), "extend_messages": extended.notified,
        "problems": problems,
    }
    log(f"outage_announce: {outage.number} over {len(community_ids)} communities, "
        f"{outage.affected_accounts:,} accounts ({figures['share_of_accounts']:.1%}), {event.notified:,} messages "
        f"({len(numbers):,} SMS, {properties} property) in {announce_s:.2f} s (target ≤ {ANNOUNCE_TARGET_S} s); "
        f"alone: count {count_s:.2f} s, numbers {numbers_s:.2f} s; extend: {extended.notified:,} messages in "
        f"{extend_s:.2f} s; problems {problems or 'none'}")
    return figures


# --- 2. delivery ----------------------------------------------------------------------------------

class _GatewayProcess:
    """benchmarks/sms_gateway.py, spoken to over its standard input and output."""

    def __init__(self, delay: float = 0.0):
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "sms_gateway.py"), "--api-key", GATEWAY_KEY, "--secret", GATEWAY_SECRET,
             "--delay", str(delay)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self._read()["url"]

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake gateway ended (exit status {self.proc.poll()})")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def keys(self, path: Path) -> dict[str, str]:
        self.ask(f"keys {path}")
        return json.loads(path.read_text())

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def _gateway_client(url: str):
    from hotline.notify.gateways import HttpSmsGateway

    return HttpSmsGateway(url=url, api_key=GATEWAY_KEY, secret=GATEWAY_SECRET, timeout=10)


def _run_workers(url: str, workers: int, seconds: float, max_messages: int | None) -> dict:
    """``workers`` threads, each ``deliver_due`` with its own gateway client and database connection."""
    from hotline.notify.services import deliver_due

    results: list = [None] * workers

    def work(i: int) -> None:
        gateway = _gateway_client(url)
        try:
            started = time.perf_counter()
            done = deliver_due(gateway=gateway, seconds=seconds, max_messages=max_messages)
            results[i] = {"sent": done.sent, "retried": done.retried, "failed": done.failed,
                          "errors": done.errors[:3], "seconds": round(time.perf_counter() - started, 2)}
        except Exception as exc:
            results[i] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            gateway.close()
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=work, args=(i,), name=f"outbox-worker-{i}") for i in range(workers)]
    cpu_before, busy_before = _cpu_seconds([os.getpid()]), _machine_busy()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    busy_after = _machine_busy()
    errors = [r["error"] for r in results if r and "error" in r]
    sent = sum(r.get("sent", 0) for r in results if r)
    return {
        "workers": workers, "seconds": round(elapsed, 2), "sent": sent,
        "retried": sum(r.get("retried", 0) for r in results if r),
        "failed": sum(r.get("failed", 0) for r in results if r),
        "per_worker": results, "errors": errors,
        "messages_per_s": round(sent / elapsed, 1) if elapsed else None,
        "cpu_seconds_measuring_process": round(_cpu_seconds([os.getpid()]) - cpu_before, 1),
        "cpu_seconds_machine": {"busy": round(busy_after[0] - busy_before[0], 1),
                                "available": round(busy_after[1] - busy_before[1], 1)},
    }


def _outbox_statistics() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                cursor.execute("select stat from sqlite_stat1 where tbl = 'notify_message' and idx is null")
                row = cursor.fetchone()
            except Exception:
                row = None
            return f"sqlite_stat1: {row[0]} rows" if row else "no sqlite_stat1 row for notify_message"
        cursor.execute("select coalesce(greatest(last_analyze, last_autoanalyze)::text, 'never'), n_live_tup "
                       "from pg_stat_user_tables where relname = 'notify_message'")
        when, live = cursor.fetchone()
        cursor.execute("select reltuples::bigint from pg_class where relname = 'notify_message'")
        return f"notify_message analyzed {when[:19]} (reltuples {cursor.fetchone()[0]}, live {live})"


def _delivery(data_dir: Path, cap: float) -> dict:
    out: dict = {"cap_seconds": cap, "batch": settings.OUTBOX_BATCH, "planner_statistics": _outbox_statistics()}
    due = Message.objects.filter(status=MessageStatus.PENDING)
    pending = due.count()
    out["pending_before"] = pending
    sent_before = set(Message.objects.filter(status=MessageStatus.SENT).values_list("id", flat=True))
    gateway = _GatewayProcess()
    try:
        # The gateway alone: HTTP_PROBE messages straight through the client, no database.
        client = _gateway_client(gateway.url)
        started = time.perf_counter()
        for i in range(HTTP_PROBE):
            client.send(key=f"bench:probe:{i}", to="13800000000", text="探测", channel="sms")
        probe_s = time.perf_counter() - started
        client.close()
        out["gateway_alone_per_s"] = round(HTTP_PROBE / probe_s, 1)
        gateway.ask("reset")
        gw_cpu_before = _cpu_seconds([gateway.proc.pid])

        runs = []
        if connection.vendor == "postgresql":
            # One worker takes half, two workers in parallel the rest (each run capped in time).
            runs.append(("one_worker", _run_workers(gateway.url, 1, cap, max(1, pending // 2))))
            runs.append(("two_workers", _run_workers(gateway.url, 2, cap, None)))
        else:  # SQLite: no SKIP LOCKED; the product delivers with one worker at a time (the "outbox" lease)
            runs.append(("one_worker", _run_workers(gateway.url, 1, cap, None)))
        gw_cpu = _cpu_seconds([gateway.proc.pid]) - gw_cpu_before
        for name, run in runs:
            out[name] = run
            log(f"outbox delivery, {run['workers']} worker(s): {run['sent']:,} sent in {run['seconds']} s = "
                f"{run['messages_per_s']} messages/s; retried {run['retried']}, failed {run['failed']}"
                + (f"; errors {run['errors']}" if run["errors"] else ""))
        snapshot = gateway.ask("snapshot")
        accepted = gateway.keys(data_dir / "gateway-keys.json")
    finally:
        gateway.close()
    out["gateway_cpu_seconds"] = round(gw_cpu, 1)
    out["gateway"] = snapshot
    sent_now = {pk: (key, gid) for pk, key, gid in Message.objects.filter(status=MessageStatus.SENT)
                .values_list("id", "idempotency_key", "gateway_id") if pk not in sent_before}
    keys_sent = {key for key, _gid in sent_now.values()}
    statuses = dict(Message.objects.values_list("status").annotate(n=Count("id")).order_by())
    wrong_ids = sum(1 for key, gid in sent_now.values() if accepted.get(key) != gid)
    delivered = sum(r["sent"] for _n, r in runs)
    check = {
        "rows_sent": len(sent_now), "gateway_keys": len(accepted), "reported_sent": delivered,
        "keys_equal": keys_sent == set(accepted), "only_in_gateway": len(set(accepted) - keys_sent),
        "only_in_outbox": len(keys_sent - set(accepted)), "gateway_id_mismatches": wrong_ids,
        "duplicates_at_gateway": snapshot["duplicates"], "rejected_signatures": snapshot["rejected"],
        "requests": snapshot["requests"], "left_sending": statuses.get(MessageStatus.SENDING, 0),
        "failed": statuses.get(MessageStatus.FAILED, 0), "left_pending": statuses.get(MessageStatus.PENDING, 0),
        "statuses": statuses,
    }
    check["all_delivered"] = check["left_pending"] == 0 and check["left_sending"] == 0 and check["failed"] == 0
    check["ok"] = (check["keys_equal"] and not wrong_ids and not snapshot["duplicates"] and not snapshot["rejected"]
                   and snapshot["requests"] == len(accepted) == delivered == len(sent_now)
                   and not check["left_sending"] and not check["failed"])
    out["check"] = check
    log(f"outbox check: {len(accepted):,} keys at the gateway, {len(sent_now):,} rows sent, equal {check['keys_equal']}, "
        f"duplicates {snapshot['duplicates']}, rejected {snapshot['rejected']}, requests {snapshot['requests']:,}, "
        f"left pending {check['left_pending']:,}, sending {check['left_sending']}, failed {check['failed']}: "
        f"{'OK' if check['ok'] else 'FAILED'}{' (all delivered)' if check['all_delivered'] else ''}")
    return out


# --- 3. more outages ------------------------------------------------------------------------------

def _more_outages(coordinator, big: Outage, rng: random.Random) -> dict:
    """19 more current outages (single communities, a few buildings, upcoming planned ones), a few only
    on the public page (later this week, restored within the hour), and PAST_OUTAGES over two years."""
    started = time.perf_counter()
    taken = set(big.areas.values_list("community_id", flat=True))
    free = sorted(set(Community.objects.values_list("pk", flat=True)) - taken)
    rng.shuffle(free)
    now = timezone.now()
    made = []

    def announce(kind, area, starts_at, hours, reason):
        made.append(outage_announce(actor=coordinator, kind=kind, reason=reason, starts_at=starts_at,
                                    expected_restore_at=starts_at + timedelta(hours=hours), area=area, notify=False))

    for i in range(OTHER_OUTAGES):
        if i < 12:  # an emergency over one community, water off for a while already
            announce(OutageKind.EMERGENCY, Area.from_ids(communities=[free.pop()]),
                     now - timedelta(minutes=rng.randint(10, 300)), rng.choice((4, 6, 8)), "小区供水管道漏水抢修")
        elif i < 15:  # a few buildings of one community
            community = free.pop()
            buildings = list(Building.objects.filter(community_id=community).order_by("pk")
                             .values_list("pk", flat=True)[:rng.randint(1, 3)])
            area = Area.from_ids(buildings=buildings) if buildings else Area.from_ids(communities=[community])
            announce(OutageKind.EMERGENCY, area, now - timedelta(minutes=rng.randint(10, 120)), 4, "楼内立管维修")
        else:  # planned, starting within the next UPCOMING_HOURS (the screen pop shows them as upcoming)
            announce(OutageKind.PLANNED, Area.from_ids(communities=[free.pop() for _ in range(rng.randint(1, 2))]),
                     now + timedelta(hours=rng.randint(2, UPCOMING_HOURS - 2)), 8, "二次供水设施清洗消毒")
    # Only on the public page: planned later this week, and restored in the last hours.
    for days in (3, 5):
        announce(OutageKind.PLANNED, Area.from_ids(communities=[free.pop()]), now + timedelta(days=days), 6,
                 "管网改造施工")
    public_only = made[OTHER_OUTAGES:]
    restored = _bulk_outages(rng, [free.pop() for _ in range(2)], now - timedelta(hours=7), status=OutageStatus.RESTORED,
                             restored_at=now - timedelta(hours=1), prefix_day=None)
    past = _past_outages(rng, now)
    current = Outage.objects.filter(status__in=CURRENT_STATUSES,
                                    starts_at__lte=now + timedelta(hours=UPCOMING_HOURS)).count()
    figures = {"current_for_screen_pop": current, "public_only": len(public_only) + len(restored),
               "past": past, "total": Outage.objects.count(), "areas": OutageArea.objects.count(),
               "seconds": round(time.perf_counter() - started, 2)}
    log(f"outages: {current} current (the screen pop's), {figures['public_only']} more on the public page, "
        f"{past} past; {figures['total']} outages, {figures['areas']} area pieces")
    return figures


def _bulk_outages(rng, communities: list[int], starts_at, *, status, restored_at, prefix_day) -> list[Outage]:
    """Outages written directly (no services): restored or cancelled ones, each over one community."""
    from hotline.workorders.numbers import next_order_number

    rows = []
    for i, community in enumerate(communities):
        number = next_order_number("TS") if prefix_day is None else f"TS{prefix_day:%Y%m%d}{i + 1:05d}"
        rows.append(Outage(number=number, kind=OutageKind.EMERGENCY, status=status, reason="管道抢修",
                           area_text=Community.objects.get(pk=community).name, starts_at=starts_at,
                           expected_restore_at=starts_at + timedelta(hours=6), restored_at=restored_at,
                           created_at=starts_at - timedelta(minutes=30)))
    with transaction.atomic():
        made = Outage.objects.bulk_create(rows)
        OutageArea.objects.bulk_create([OutageArea(outage=o, community_id=c) for o, c in zip(made, communities)])
        OutageEvent.objects.bulk_create([OutageEvent(outage=o, at=o.created_at, kind=OutageEventKind.ANNOUNCED)
                                         for o in made])
    return made


def _past_outages(rng, now) -> int:
    """PAST_OUTAGES restored (9 in 10) or cancelled outages over the two years before, a day each."""
    communities = list(Community.objects.values_list("pk", flat=True))
    days = sorted(rng.sample(range(2, 730), PAST_OUTAGES))
    for day in days:
        starts = timezone.localtime(now - timedelta(days=day)).replace(hour=rng.randint(0, 23), minute=0, second=0,
                                                                       microsecond=0)
        restored = rng.random() < 0.9
        _bulk_outages(rng, [rng.choice(communities)], starts,
                      status=OutageStatus.RESTORED if restored else OutageStatus.CANCELLED,
                      restored_at=starts + timedelta(hours=rng.randint(2, 12)) if restored else None,
                      prefix_day=starts.date())
    return len(days)


# --- 4. screen pops -------------------------------------------------------------------------------

def _covering() -> dict[int, tuple[str, set, set, set]]:
    """outage id → (number, districts, communities, buildings) of the outages the screen pop shows."""
    now = timezone.now()
    pieces: dict[int, tuple[str, set, set, set]] = {}
    for pk, number, d, c, b in OutageArea.objects.filter(
            outage__status__in=CURRENT_STATUSES, outage__starts_at__lte=now + timedelta(hours=UPCOMING_HOURS)
    ).values_list("outage_id", "outage__number", "district_id", "community_id", "building_id"):
        entry = pieces.setdefault(pk, (number, set(), set(), set()))
        for s, v in zip(entry[1:], (d, c, b)):
            if v:
                s.add(v)
    return pieces


def _expected(pieces, premises) -> set[str]:
    """Numbers of the outages covering any of these (district, community, building) triples."""
    return {number for number, ds, cs, bs in pieces.values()
            for d, c, b in premises if d in ds or (c and c in cs) or (b and b in bs)}


def _callers(samples: Samples, pieces, n: int) -> tuple[list[str], list[str]]:
    """``n`` numbers of account holders inside the areas and ``n`` outside (each account's first phone)."""
    inside: list[int] = []
    outside: list[int] = []
    for _round in range(200):
        if len(inside) >= n and len(outside) >= n:
            break
        ids = samples._ids(Account, 2000)
        for pk, d, c, b in Account.objects.filter(pk__in=ids).values_list(
                "pk", "premise__district_id", "premise__community_id", "premise__building_id"):
            (inside if _expected(pieces, [(d, c, b)]) else outside).append(pk)
    inside, outside = list(dict.fromkeys(inside))[:n], list(dict.fromkeys(outside))[:n]
    first: dict[int, str] = {}
    for account_id, number in (AccountPhone.objects.filter(account_id__in=inside + outside)
                               .order_by("account_id", "position").values_list("account_id", "number")):
        first.setdefault(account_id, number)
    return [first[i] for i in inside if i in first], [first[i] for i in outside if i in first]


def _screen_pops(operator, count: int, seed: int) -> dict:
    pieces = _covering()
    n = count + WARMUP
    inside, outside = _callers(Samples(seed + 100), pieces, n)
    out = {"current_outages": len(pieces), "inside_numbers": len(inside), "outside_numbers": len(outside)}

    def pop_check(want_inside: bool):
        def check(number, pop):
            expected = _expected(pieces, [(a.premise.district_id, a.premise.community_id, a.premise.building_id)
                                          for a in pop.accounts])
            got = {o.number for o in pop.outages}
            if not pop.accounts:
                return "no account", 0
            if got != expected:
                return f"outages {sorted(got)}, expected {sorted(expected)}", len(got)
            if want_inside and not got:
                return "no outage for a caller inside an area", 0
            if any(not getattr(o, "script", "") for o in pop.outages):
                return "an outage without its answer script", len(got)
            return None, len(got)
        return check

    for key, numbers, want_inside, title in (
            ("inside", inside, True, "screen_pop, caller inside an outage area"),
            ("outside", outside, False, "screen_pop, caller outside the areas")):
        if len(numbers) <= WARMUP:
            out[key] = {"n": 0, "error": f"only {len(numbers)} numbers found"}
            continue
        out[key] = timed(f"outage_pop_{key}", numbers, lambda x: screen_pop(actor=operator, number=x),
                         pop_check(want_inside), min(count, len(numbers) - WARMUP), explain=True,
                         title=title, target=SCREEN_POP_P95_MS)

    client = Client(raise_request_exception=False)
    client.force_login(operator)

    def api_check(number, response):
        if response.status_code != 200:
            return _http_problem(response), None
        data = _json(response)
        if not data["outages"]:
            return "no outage", 0
        if any(not o["script"] for o in data["outages"]):
            return "an outage without its script", None
        return None, len(data["outages"])

    if len(inside) > WARMUP:
        out["api_inside"] = timed("outage_api_pop_inside", inside,
                                  lambda x: client.get(f"/api/v1/screen-pop?number={x}"), api_check,
                                  min(count, len(inside) - WARMUP), explain=True,
                                  title="GET /api/v1/screen-pop, caller inside an area", target=SCREEN_POP_P95_MS)
    return out


# --- 5. the public page ---------------------------------------------------------------------------

def _public(count: int, rng: random.Random) -> dict:
    listed = outage_selectors.public_outages()
    numbers = {o["number"] for o in listed}
    pairs = []  # (q, number of the outage it comes from)
    for o in listed:
        pairs += [(c, o["number"]) for c in o["communities"]] + [(r, o["number"]) for r in o["roads"]]
    pairs = sorted(set(pairs))
    rng.shuffle(pairs)
    # Communities and roads in turn.
    roads = {r for o in listed for r in o["roads"]}
    by_kind = [[p for p in pairs if p[0] not in roads], [p for p in pairs if p[0] in roads]]
    n = count + WARMUP
    queries = [by_kind[i % 2][(i // 2) % len(by_kind[i % 2])] if by_kind[i % 2] else pairs[i % len(pairs)]
               for i in range(n)] if pairs else []
    client = Client(raise_request_exception=False)  # anonymous: the public page needs no login
    out = {"listed": len(listed), "examples": [q for q, _n in queries[:4]]}

    def page_check(x, response):
        if response.status_code != 200:
            return _http_problem(response), None
        want = numbers if x is None else {x[1]}
        missing = [num for num in want if f'id="public-{num}"'.encode() not in response.content]
        shown = response.content.count(b'class="card mb-2 public-outage')
        return (f"{len(missing)} outages missing, e.g. {missing[:2]}" if missing else None), shown

    def api_check(x, response):
        if response.status_code != 200:
            return _http_problem(response), None
        rows = _json(response)
        got = {r["number"] for r in rows}
        if x is None:
            return (None if got == numbers else f"{len(got)} outages, expected {len(numbers)}"), len(rows)
        q, number = x
        if number not in got:
            return f"{number} not among the {len(rows)} results for {q!r}", len(rows)
        bad = [r["number"] for r in rows
               if not (q in r["area"] or any(q in c for c in r["communities"]) or any(q in r_ for r_ in r["roads"]))]
        return (f"results not matching {q!r}: {bad[:2]}" if bad else None), len(rows)

    plain = [None] * n
    for key, inputs, url, check, title in (
            ("page", plain, lambda _x: "/outages/public/", page_check, "GET /outages/public/"),
            ("page_q", queries, lambda x: f"/outages/public/?q={quote(x[0])}", page_check,
             "GET /outages/public/?q=<community|road>"),
            ("api", plain, lambda _x: "/api/v1/public/outages", api_check, "GET /api/v1/public/outages"),
            ("api_q", queries, lambda x: f"/api/v1/public/outages?q={quote(x[0])}", api_check,
             "GET /api/v1/public/outages?q=<community|road>")):
        if len(inputs) <= WARMUP:
            out[key] = {"n": 0, "error": "no queries"}
            continue
        out[key] = timed(f"public_{key}", inputs, lambda x, url=url: client.get(url(x)), check, count, explain=True,
                         title=title, target=PUBLIC_P95_MS)
    return out
