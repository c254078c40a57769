"""The work-order and call measurements of the benchmark (run by measure.py, in its database process):
screen pops, order creation, order lists, transitions — each timed around one call of the selector or
one request of django.test.Client, p50/p95/max over the samples — and, on PostgreSQL, sustained creates
over HTTP against gunicorn with 4 client processes (``concurrency``)."""

import cProfile
import io
import json
import math
import os
import pstats
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from django.db import connection, reset_queries
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.calls.selectors import screen_pop
from hotline.customers.models import Account, Community
from hotline.org.models import Unit, UnitKind, User
from hotline.org.roles import Role
from hotline.workorders.models import OPEN_STATUSES, WorkOrder

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WARMUP = 5
# (key, title, target p95 in ms)
TARGETS = {
    "screen_pop": 15, "api_screen_pop": 15, "api_create": 25,
    "api_list_open_unit": 50, "api_list_overdue": 50, "api_list_community": 50, "api_list_dates": 50,
    "console_list_open": 50, "console_list_open_unit": 50, "console_list_overdue": 50, "api_accept": 25,
    "console_queue_unit": 50, "console_queue_mine": 50, "console_queue_poll": 15,
    "api_note": 25,
}
TITLES = {
    "screen_pop": "screen_pop(actor=operator, number=…)",
    "api_screen_pop": "GET /api/v1/screen-pop?number=…",
    "api_create": "POST /api/v1/orders (auto_dispatch)",
    "api_list_open_unit": "GET /api/v1/orders?status=open&unit=…",
    "api_list_overdue": "GET /api/v1/orders?overdue=true",
    "api_list_community": "GET /api/v1/orders?q=<community>",
    "api_list_dates": "GET /api/v1/orders?date_from=…&date_to=…",
    "console_list_open": "GET /orders/?status=open (console)",
    "console_list_open_unit": "GET /orders/?status=open&unit=… (console)",
    "console_list_overdue": "GET /orders/?overdue=true (console)",
    "console_queue_unit": "GET /orders/queue/?scope=unit (repair centre dispatcher)",
    "console_queue_mine": "GET /orders/queue/?scope=mine (field worker, assigned orders)",
    "console_queue_poll": "GET /orders/queue/live/?stamp=… (the live queue's poll, nothing changed: 204)",
    "api_accept": "POST /api/v1/orders/<no>/accept (unit dispatcher)",
    "api_note": "POST /api/v1/orders/<no>/notes",
}
CREATE_TARGET_PER_S = 300


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def stats_ms(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[max(0, math.ceil(0.95 * len(ms)) - 1)], 2),
        "max_ms": round(ms[-1], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


# --- samples --------------------------------------------------------------------------------------

class Samples:
    """Inputs drawn with random.Random(seed) from the database: random ids of a table, read back."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)

    def _ids(self, model, count: int) -> list[int]:
        first = model.objects.order_by("id").values_list("id", flat=True).first() or 0
        last = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return [self.rng.randint(first, last) for _ in range(count)] if last else []

    def accounts_in_communities(self, count: int) -> list[str]:
        """Account numbers of homes (an order to a home is dispatched by the assignment rules)."""
        out: list[str] = []
        while len(out) < count:
            ids = self._ids(Account, 3 * (count - len(out)))
            found = dict(Account.objects.filter(pk__in=ids, premise__community__isnull=False)
                         .values_list("pk", "account_no"))
            out += [found[i] for i in ids if i in found][: count - len(out)]
        return out

    def caller_numbers(self, count: int) -> list[tuple[str, str]]:
        """(number, why): half the numbers of open orders' contacts, half the numbers of callers whose call
        was about an order (an account with orders and calls)."""
        from hotline.calls.models import Call

        open_phones = list(WorkOrder.objects.filter(status__in=OPEN_STATUSES, account__isnull=False).exclude(contact_phone="")
                           .values_list("contact_phone", flat=True)[:20000])
        out = [(self.rng.choice(open_phones), "open_order") for _ in range(count // 2)] if open_phones else []
        while len(out) < count:
            ids = self._ids(Call, 6 * (count - len(out)))
            found = dict(Call.objects.filter(pk__in=ids, work_order__isnull=False, account__isnull=False)
                         .values_list("pk", "caller_number"))
            out += [(found[i], "caller") for i in ids if i in found][: count - len(out)]
        self.rng.shuffle(out)
        return out

    def orders(self, count: int) -> list[str]:
        ids = self._ids(WorkOrder, count)
        found = dict(WorkOrder.objects.filter(pk__in=ids).values_list("pk", "number"))
        return [found[i] for i in ids if i in found]

    def date_ranges(self, count: int, first, last) -> list[tuple[str, str]]:
        span = (last - first).days
        out = []
        for _ in range(count):
            start = first + timedelta(days=self.rng.randrange(max(1, span - 7)))
            out.append((start.isoformat(), (start + timedelta(days=self.rng.choice((0, 1, 6)))).isoformat()))
        return out


# --- timing ---------------------------------------------------------------------------------------

def timed(name: str, calls: list, run, check, count: int, explain: bool = False, *, title: str | None = None,
          target: float | None = None) -> dict:
    """Run ``run(x)`` for the warm-up inputs, then time it for ``count`` inputs; ``check(x, result)`` says
    what is wrong (outside the timing). ``explain``: run the slowest input again and explain its slowest
    SQL statement (read-only measurements). ``title``/``target``: for measurements not in TITLES/TARGETS."""
    title = TITLES[name] if title is None else title
    target = TARGETS[name] if target is None else target
    for x in calls[count:]:
        run(x)
    times, failures, sizes = [], [], []
    slowest = (0.0, None)
    for x in calls[:count]:
        started = time.perf_counter()
        result = run(x)
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        if elapsed > slowest[0]:
            slowest = (elapsed, x)
        try:
            problem, size = check(x, result)
        except Exception as exc:  # a response that is not what the check expects at all
            problem, size = f"{type(exc).__name__}: {exc}", None
        if size is not None:
            sizes.append(size)
        if problem:
            failures.append({"input": str(x)[:120], "problem": str(problem)[:300]})
    figures = stats_ms(times) | {"title": title, "target_p95_ms": target,
                                 "mismatch_count": len(failures), "mismatches": failures[:5]}
    if sizes:
        figures["avg_results"] = round(statistics.fmean(sizes), 1)
    if explain and slowest[1] is not None:
        figures["slowest"] = explain_slowest(run, slowest[1], slowest[0])
    log(f"{name:19} median {figures['median_ms']:6.2f} ms  p95 {figures['p95_ms']:7.2f} ms  "
        f"max {figures['max_ms']:7.2f} ms  target p95 ≤ {target}  failures {len(failures)}"
        + (f"  results {figures['avg_results']}" if sizes else ""))
    return figures


def _json(response):
    return json.loads(response.content)


def _http_problem(response) -> str:
    """What went wrong with a response: its status and the exception behind a 500 (test Client)."""
    exc = getattr(response, "exc_info", None)
    if exc and exc[1] is not None:
        return f"HTTP {response.status_code}: {type(exc[1]).__name__}: {exc[1]}"
    return f"HTTP {response.status_code}: {response.content[:200]!r}"


def explain_slowest(run, x, seconds: float) -> dict:
    """Run ``x`` again capturing its SQL; time each SELECT alone (execute and fetch all: SQLite does its work
    while rows are fetched); the plan of the slowest one (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE,
    BUFFERS) on PostgreSQL). Where all statements are fast, the time went to Python (rendering, ORM)."""
    with CaptureQueriesContext(connection) as queries:
        run(x)
    timings = []
    with connection.cursor() as cursor:
        for q in queries.captured_queries:
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            timings.append(((time.perf_counter() - started) * 1000, sql))
    out = {"input": str(x)[:120], "ms": round(seconds * 1000, 2), "statements": len(queries.captured_queries),
           "select_ms": [round(ms, 2) for ms, _ in timings]}
    if timings:
        worst_ms, sql = max(timings, key=lambda t: t[0])
        out["slowest_statement_ms"], out["slowest_sql"] = round(worst_ms, 2), sql[:3000]
        try:
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    out["plan"] = [row[-1] for row in cursor.fetchall()]
                else:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    out["plan"] = [row[0] for row in cursor.fetchall()]
        except Exception as exc:  # a statement that cannot be explained on its own
            out["plan"] = [f"(no plan: {type(exc).__name__}: {exc})"]
    return out


def measure_history(*, operator, count: int, seed: int = 7) -> dict:
    """All the single-request measurements: ``count`` timed samples each (after WARMUP untimed ones). A
    failing request is counted as a failure (with the exception behind a 500), it does not end the run."""
    import logging

    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)  # 500s are reported in the figures, not as tracebacks
    try:
        return _measure_history(operator=operator, count=count, seed=seed)
    finally:
        request_logger.setLevel(level)


def _measure_history(*, operator, count: int, seed: int) -> dict:
    samples = Samples(seed)
    n = count + WARMUP
    out = {}
    client = Client(raise_request_exception=False)
    client.force_login(operator)

    # 1. Screen pop: the selector, then the API.
    numbers = samples.caller_numbers(n)

    def pop_check(x, pop):
        number, why = x
        if why == "open_order" and not pop.open_orders:
            return "no open order", len(pop.open_orders)
        if why == "caller" and not pop.recent_calls:
            return "no recent call", len(pop.open_orders)
        if not pop.accounts:
            return "no account", len(pop.open_orders)
        return None, len(pop.open_orders) + len(pop.recent_calls)

    out["screen_pop"] = timed("screen_pop", numbers, lambda x: screen_pop(actor=operator, number=x[0]), pop_check,
                              count, explain=True)

    def api_pop_check(x, response):
        if response.status_code != 200:
            return _http_problem(response), None
        data = _json(response)
        if not data["accounts"]:
            return "no account", None
        return None, len(data["open_orders"]) + len(data["recent_calls"])

    out["api_screen_pop"] = timed("api_screen_pop", numbers,
                                  lambda x: client.get(f"/api/v1/screen-pop?number={x[0]}"), api_pop_check, count,
                                  explain=True)

    # 2. Orders created through the API by the operator, dispatched by the assignment rules.
    today = timezone.localdate().strftime("%Y%m%d")
    created: list[dict] = []

    def create(account_no):
        body = {"request_type": "repair", "subject": "branch_leak", "title": "小区绿化带冒水，疑似支管漏水",
                "account_no": account_no, "auto_dispatch": True}
        return client.post("/api/v1/orders", json.dumps(body), content_type="application/json")

    def create_check(account_no, response):
        if response.status_code != 201:
            return _http_problem(response), None
        data = _json(response)
        created.append(data)
        if not (data["number"].startswith(f"GD{today}") and len(data["number"]) == 15):
            return f"number {data['number']}", None
        if data["status"] != "dispatched" or not data["unit"]:
            return f"status {data['status']}, unit {data['unit']}", None
        return None, None

    accounts = samples.accounts_in_communities(n)
    with CaptureQueriesContext(connection) as queries:
        create(accounts[-1])
    out["create_queries"] = len(queries.captured_queries)
    out["api_create"] = timed("api_create", accounts[:-1] + accounts[-1:], create, create_check, count)
    numbers_created = [c["number"] for c in created]
    out["api_create"]["unique_numbers"] = len(set(numbers_created)) == len(numbers_created)

    # 3. The order list's first page with filters (API as the operator; the console page).
    repair_and_halls = list(Unit.objects.filter(kind__in=[UnitKind.REPAIR_CENTRE, UnitKind.BUSINESS_HALL])
                            .order_by("code").values_list("pk", flat=True))
    communities = list(Community.objects.order_by("pk").values_list("name", flat=True))
    first = WorkOrder.objects.order_by("created_at").values_list("created_at", flat=True).first()
    first_day = timezone.localtime(first).date() if first else timezone.localdate()

    def list_check(expect):
        def check(x, response):
            if response.status_code != 200:
                return _http_problem(response), None
            rows = _json(response)["results"]
            if not rows:
                return "no orders", 0
            bad = [r["number"] for r in rows if not expect(x, r)]
            return (f"{len(bad)} orders do not match, e.g. {bad[:2]}" if bad else None), len(rows)
        return check

    open_values = {str(s) for s in OPEN_STATUSES}
    units = [repair_and_halls[i % len(repair_and_halls)] for i in range(n)]
    out["api_list_open_unit"] = timed(
        "api_list_open_unit", units, lambda u: client.get(f"/api/v1/orders?status=open&unit={u}"),
        list_check(lambda u, r: r["status"] in open_values and r["unit"] and r["unit"]["id"] == u), count, explain=True)
    out["api_list_overdue"] = timed(
        "api_list_overdue", list(range(n)), lambda _x: client.get("/api/v1/orders?overdue=true"),
        list_check(lambda _x, r: r["is_overdue"]), count, explain=True)
    names = [samples.rng.choice(communities) for _ in range(n)]
    out["api_list_community"] = timed(
        "api_list_community", names, lambda q: client.get(f"/api/v1/orders?q={quote(q)}"),
        list_check(lambda q, r: q in (r["community"] or "") or q in r["title"] or q in r["address"]), count,
        explain=True)
    ranges = samples.date_ranges(n, first_day, timezone.localdate())

    def in_range(x, r):
        day = timezone.localtime(datetime.fromisoformat(r["created_at"])).date().isoformat()
        return x[0] <= day <= x[1]

    out["api_list_dates"] = timed(
        "api_list_dates", ranges, lambda x: client.get(f"/api/v1/orders?date_from={x[0]}&date_to={x[1]}"),
        list_check(in_range), count, explain=True)

    def page_check(_x, response):
        if response.status_code != 200:
            return _http_problem(response), None
        return (None if b"GD" in response.content else "no order on the page"), None

    out["console_list_open"] = timed("console_list_open", list(range(n)), lambda _x: client.get("/orders/?status=open"),
                                     page_check, count, explain=True)
    # The same filters as the API's, on the console page (which reads them as strings).
    out["console_list_open_unit"] = timed(
        "console_list_open_unit", units, lambda u: client.get(f"/orders/?status=open&unit={u}"), page_check, count,
        explain=True)
    out["console_list_overdue"] = timed(
        "console_list_overdue", list(range(n)), lambda _x: client.get("/orders/?overdue=true"), page_check, count,
        explain=True)

    # The unit's queue with assignments in place (issue 15): a repair centre's dispatcher's unit queue, a field
    # worker's "my orders", and the live queue's poll when nothing changed (204, every 5 s from every open queue).
    def logged_in(users) -> list[Client]:
        clients = []
        for user in users:
            c = Client(raise_request_exception=False)
            c.force_login(user)
            c.hotline_user = user
            clients.append(c)
        return clients

    repair_dispatchers = logged_in(User.objects.filter(role=Role.DISPATCHER, unit__kind=UnitKind.REPAIR_CENTRE)
                                   .order_by("username"))
    busy_workers = list(WorkOrder.objects.filter(status__in=["dispatched", "accepted", "in_progress", "reopened"],
                                                 assignee__isnull=False).values("assignee")
                        .annotate(n=Count("id")).order_by("-n").values_list("assignee", flat=True)[:20])
    workers = logged_in(User.objects.filter(pk__in=busy_workers).order_by("username"))

    def queue_check(_x, response):
        if response.status_code != 200:
            return _http_problem(response), None
        return None, response.content.count(b'class="card queue-card')

    if repair_dispatchers:
        who = [repair_dispatchers[i % len(repair_dispatchers)] for i in range(n)]
        out["console_queue_unit"] = timed("console_queue_unit", who, lambda c: c.get("/orders/queue/?scope=unit"),
                                          queue_check, count, explain=True)
        from hotline.workorders.selectors import queue_stamp

        stamps = {id(c): queue_stamp(actor=c.hotline_user) for c in repair_dispatchers}

        def poll_check(_x, response):
            return (None if response.status_code == 204 else f"status {response.status_code}"), None

        out["console_queue_poll"] = timed(
            "console_queue_poll", who, lambda c: c.get(f"/orders/queue/live/?scope=unit&stamp={stamps[id(c)]}"),
            poll_check, count, explain=True)
    if workers:
        mine = [workers[i % len(workers)] for i in range(n)]
        out["console_queue_mine"] = timed("console_queue_mine", mine, lambda c: c.get("/orders/queue/?scope=mine"),
                                          queue_check, count, explain=True)

    # 4. Transitions: the orders just created signed for by a dispatcher of their unit; notes by the operator.
    dispatcher_clients = {}
    for user in User.objects.filter(role=Role.DISPATCHER, unit__kind=UnitKind.REPAIR_CENTRE).order_by("username"):
        if user.unit_id not in dispatcher_clients:
            c = Client(raise_request_exception=False)
            c.force_login(user)
            dispatcher_clients[user.unit_id] = c
    fresh = [(c["number"], c["unit"]["id"]) for c in created if c.get("unit") and c["status"] == "dispatched"]
    fresh = fresh[WARMUP:] + fresh[:WARMUP]  # the warm-up creates are the warm-up accepts

    def accept(x):
        number, unit_id = x
        return dispatcher_clients[unit_id].post(f"/api/v1/orders/{number}/accept", "{}",
                                                content_type="application/json")

    def transition_check(status):
        def check(_x, response):
            if response.status_code != 200:
                return _http_problem(response), None
            data = _json(response)
            return (None if status is None or data["status"] == status else f"status {data['status']}"), None
        return check

    out["api_accept"] = timed("api_accept", fresh, accept, transition_check("accepted"), min(count, len(fresh)))
    notes = samples.orders(n)
    out["api_note"] = timed(
        "api_note", notes,
        lambda number: client.post(f"/api/v1/orders/{number}/notes",
                                   json.dumps({"note": "已联系物业，约定下午到场"}), content_type="application/json"),
        transition_check(None), count, explain=True)  # explain: one more note on the slowest order
    return out


# --- sustained creates over HTTP (PostgreSQL) ------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pids) -> float:
    """user+system CPU seconds of processes (from /proc; 0 for those gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _backend_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (/proc/stat), for the share of others."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def _run_clients(*, port: int, token: str, accounts_file: Path, duration: float, clients: int, data_dir: Path,
                 server_pids: list[int], tag: str, during=None) -> dict:
    """``clients`` load_client.py processes for ``duration`` seconds (after a warm-up, started together);
    ``during(duration)`` runs in this process meanwhile. Their results merged, and the CPU used."""
    start_at = time.time() + 3.0
    outs = [data_dir / f"load-{tag}-{i}.json" for i in range(clients)]
    procs = [subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "load_client.py"), "--port", str(port), "--token", token,
         "--accounts", str(accounts_file), "--start-at", str(start_at), "--duration", str(duration),
         "--seed", f"{hash(tag) % 1000 + i}", "--out", str(out)], cwd=ROOT) for i, out in enumerate(outs)]
    time.sleep(max(0.0, start_at - time.time()))
    backends = _backend_pids()
    client_pids = [p.pid for p in procs]
    before = (_cpu_seconds(server_pids), _cpu_seconds(client_pids), _cpu_seconds(backends), _machine_busy())
    worker_before = {pid: _cpu_seconds([pid]) for pid in server_pids[1:]}
    load_before = os.getloadavg()
    extra = during(duration) if during else None
    if not during:
        time.sleep(duration)
    after = (_cpu_seconds(server_pids), _cpu_seconds(client_pids), _cpu_seconds(backends), _machine_busy())
    load_after = os.getloadavg()
    for p in procs:
        p.wait(timeout=duration + 60)
    merged = {"statuses": {}, "latencies": [], "numbers": [], "errors": [], "warm": [], "extra": extra}
    elapsed = 0.0
    for out in outs:
        c = json.loads(out.read_text())
        for status, n in c["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + n
        merged["latencies"] += c["latencies"]
        merged["numbers"] += c["numbers"]
        merged["errors"] += c["errors"]
        merged["warm"] += c["warmup_numbers"]
        elapsed = max(elapsed, c["elapsed"])
    ours = sum(after[i] - before[i] for i in range(3))
    merged["worker_cpu_seconds"] = [round(_cpu_seconds([pid]) - worker_before[pid], 1) for pid in server_pids[1:]]
    machine_busy = after[3][0] - before[3][0]
    merged.update({
        "elapsed": elapsed,
        "cpu_seconds": {"gunicorn": round(after[0] - before[0], 1), "clients": round(after[1] - before[1], 1),
                        "postgres_backends": round(after[2] - before[2], 1),
                        "other_processes": round(max(0.0, machine_busy - ours), 1),
                        "idle": round(max(0.0, (after[3][1] - before[3][1]) - machine_busy), 1),
                        "available": round(after[3][1] - before[3][1], 1)},
        "load_average": [[round(x, 2) for x in load_before], [round(x, 2) for x in load_after]],
    })
    return merged


def concurrency(*, admin, operator, duration: float, clients: int = 4, workers: int = 2, threads: int = 4,
                data_dir: Path, profile_seconds: float = 10) -> dict:
    """Start gunicorn on this database, POST orders from ``clients`` processes (each one persistent HTTP
    connection) for ``duration`` seconds, and check in the database that every 201 is one new order.
    Then, with py-spy if it is installed, ``profile_seconds`` more of the same load while py-spy samples
    the gunicorn workers (not counted in the throughput)."""
    from hotline.org.services import api_token_create

    _token, raw = api_token_create(actor=admin, user=operator, name=f"benchmark {time.strftime('%H:%M:%S')}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items()}
    env.update({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(40), "HOTLINE_DATA_DIR": str(data_dir),
                "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
    server_log = data_dir / "gunicorn.log"
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--threads", str(threads), "--error-logfile", str(server_log),
           # Each worker holds at most its share of the clients' keep-alive connections: started together,
           # they otherwise may all land on one worker (one process, one core) while the other idles.
           "--worker-connections", str(max(1, -(-clients // workers)))]
    accounts_file = data_dir / "load-accounts.json"
    accounts_file.write_text(json.dumps(Samples(11).accounts_in_communities(5000)))
    max_id = WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0
    result = {"clients": clients, "workers": workers, "threads": threads, "duration_s": duration,
              "command": " ".join(["gunicorn", *cmd[3:-2]])}
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    profile = None
    try:
        _wait_ready(port, server)
        server_pids = [server.pid, *_children(server.pid)]
        common = {"port": port, "token": raw, "accounts_file": accounts_file, "clients": clients,
                  "data_dir": data_dir, "server_pids": server_pids}
        run = _run_clients(duration=duration, tag="load", **common)
        spy = Path(sys.executable).with_name("py-spy")
        if profile_seconds > 0 and spy.exists():
            def sample(seconds):
                out = data_dir / "py-spy.txt"
                proc = subprocess.run([str(spy), "record", "--pid", str(server.pid), "--subprocesses", "--rate", "250",
                                       "--duration", str(int(seconds)), "--format", "raw", "--nonblocking",
                                       "--output", str(out)], capture_output=True, text=True)
                if proc.returncode != 0 or not out.exists():
                    return {"error": (proc.stderr or proc.stdout)[-500:]}
                return {"file": str(out)}

            profiled = _run_clients(duration=profile_seconds, tag="profile", during=sample, **common)
            profile = _collapsed_profile(profiled["extra"]) | {
                "orders_per_s_while_sampled": round(profiled["statuses"].get("201", 0) / profiled["elapsed"], 1)}
        else:
            profiled = None
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    statuses = run["statuses"]
    ok = statuses.get("201", 0)
    result.update({
        "requests": sum(statuses.values()), "statuses": statuses, "created": ok,
        "orders_per_s": round(ok / run["elapsed"], 1), "elapsed_s": round(run["elapsed"], 2),
        "errors": sum(n for s, n in statuses.items() if s != "201"), "error_samples": run["errors"][:5],
        "latency": stats_ms([ms / 1000 for ms in run["latencies"]]),
        "cpu_seconds": run["cpu_seconds"], "load_average": run["load_average"],
        "worker_cpu_seconds": run["worker_cpu_seconds"],
        "cpu_ms_per_create": {k: round(v * 1000 / max(1, ok), 2) for k, v in run["cpu_seconds"].items()
                              if k in ("gunicorn", "clients", "postgres_backends")},
        "target_orders_per_s": CREATE_TARGET_PER_S,
    })
    numbers, warm = run["numbers"], run["warm"]
    if profiled:
        numbers, warm = numbers + profiled["numbers"], warm + profiled["warm"]
        result["profile_window"] = {"statuses": profiled["statuses"], "errors": profiled["errors"][:3]}
    result["verification"] = _verify(numbers, warm, max_id, len(numbers))
    if profile:
        result["server_profile"] = profile
    v = result["verification"]
    log(f"concurrency: {ok:,} orders in {run['elapsed']:.1f} s = {result['orders_per_s']} orders/s, "
        f"errors {result['errors']}, p50 {result['latency'].get('median_ms')} ms, p95 {result['latency'].get('p95_ms')} ms; "
        f"CPU s: {result['cpu_seconds']}; check: {'OK' if v['ok'] else 'FAILED'} {v}")
    return result


def _collapsed_profile(extra: dict | None, top: int = 25) -> dict:
    """Inclusive and own shares of the samples py-spy took of the gunicorn workers (raw collapsed stacks:
    ``frame;frame;… count``), by function."""
    if not extra or "file" not in extra:
        return {"error": (extra or {}).get("error", "py-spy did not run")}
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in Path(extra["file"]).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not any(f.endswith(")") and f.rsplit("(", 1)[-1].startswith(("hotline/", "django/", "ninja/")) for f in frames):
            continue  # the master, and threads waiting for a connection
        total += n
        for f in set(frames):
            inclusive[f] = inclusive.get(f, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    if not total:
        return {"error": "no samples"}

    def share(table, keep=lambda name: True):
        rows = sorted(((n, name) for name, n in table.items() if keep(name)), reverse=True)[:top]
        return [f"{n / total:6.1%}  {name}" for n, name in rows]

    return {"samples": total,
            "inclusive_hotline": share(inclusive, lambda name: "(hotline/" in name),
            "inclusive_all": share(inclusive, lambda name: any(f"({p}" in name for p in (
                "hotline/", "django/", "ninja/", "psycopg/", "pydantic/"))),
            "own": share(own)}


def _frame_name(frame: str) -> str:
    """``func (path/to/file.py:123)`` → ``func (…/package/file.py)`` (line numbers dropped)."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def _wait_ready(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    import http.client

    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def _verify(numbers: list[str], warm: list[str], max_id: int, created: int) -> dict:
    """Every number answered with 201 is in the database exactly once; the new rows are exactly those (and
    the clients' warm-up orders, made before the timed window)."""
    counts: dict[str, int] = {}
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start:start + 5000]
        for number, n in WorkOrder.objects.filter(number__in=chunk).values_list("number").annotate(n=Count("id")):
            counts[number] = n
    missing = [n for n in numbers if n not in counts]
    doubled = [n for n, c in counts.items() if c != 1]
    new_numbers = list(WorkOrder.objects.filter(id__gt=max_id).values_list("number", flat=True))
    new_in_window = len(new_numbers) - len(warm)
    return {
        "answered_201": created, "distinct_numbers": len(set(numbers)), "found_once": len(counts) - len(doubled),
        "missing": len(missing), "duplicated": len(doubled), "new_rows_in_window": new_in_window,
        "warmup_orders": len(warm), "rows_not_answered": len(set(new_numbers) - set(numbers) - set(warm)),
        "ok": not missing and not doubled and len(set(numbers)) == created == new_in_window,
    }


# --- where the time of a create goes ----------------------------------------------------------------

def profile_requests(*, operator, count: int = 200) -> dict:
    """cProfile, in this process (django.test.Client), of ``count`` API creates and of ``count // 4``
    console list pages (/orders/?status=open): where their time goes."""
    client = Client(raise_request_exception=False)
    client.force_login(operator)
    accounts = Samples(13).accounts_in_communities(count + 5)
    body = {"request_type": "repair", "subject": "branch_leak", "title": "支管漏水", "auto_dispatch": True}

    def create(account_no):
        client.post("/api/v1/orders", json.dumps({**body, "account_no": account_no}), content_type="application/json")

    return {
        "create": _profile(create, accounts[5:], warmup=accounts[:5]),
        "console_list_open": _profile(lambda _x: client.get("/orders/?status=open"), list(range(count // 4)),
                                      warmup=[0, 1]),
    }


def _profile(run, inputs: list, warmup: list) -> dict:
    for x in warmup:
        run(x)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for x in inputs:
        run(x)
    profiler.disable()
    wall = time.perf_counter() - started
    reset_queries()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"/hotline/|/ninja/operation|django/template/(base|loader_tags|defaulttags)"
                                               r"|django/(db/models/sql/compiler|db/backends/utils)", 45)
    by_area: dict[str, float] = {}
    for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "psycopg" in filename or "sqlite3" in filename or "method 'execute'" in func or "method 'fetch" in func:
            area = "database driver (incl. waiting for the server)"
        elif "/hotline/" in filename:
            area = "hotline code"
        elif "/ninja/" in filename or "/pydantic" in filename:
            area = "django-ninja / pydantic"
        elif "/django/db/" in filename:
            area = "Django ORM (query building, model instances)"
        elif "/django/template" in filename or "/django/utils/html" in filename or "/django/forms" in filename:
            area = "Django templates and forms"
        elif "/django/" in filename:
            area = "Django (request handling, middleware, i18n, test client)"
        else:
            area = "other (stdlib, json, C builtins)"
        by_area[area] = by_area.get(area, 0.0) + tottime
    total = sum(by_area.values()) or 1
    return {
        "requests": len(inputs), "ms_per_request": round(wall * 1000 / max(1, len(inputs)), 2),
        "share_by_area": {k: round(v / total * 100, 1) for k, v in sorted(by_area.items(), key=lambda kv: -kv[1])},
        "top_cumulative": stream.getvalue().splitlines()[:80],
    }
