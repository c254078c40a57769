"""One database's measurements, run by benchmarks/run.py in a subprocess.

The database is the one of the environment (DATABASE_URL, else SQLite in HOTLINE_DATA_DIR), which
must be empty: this script migrates it, loads the demo city's organisation and areas, imports the
CSV through the import service (then again, unchanged), and times searches and account pages.
The figures go to --out as JSON; benchmarks/report.py prints them.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from hotline.customers.imports.jobs import import_job_for_path, import_job_run  # noqa: E402
from hotline.customers.models import Account, AccountPhone, Building, Community, Meter, Premise  # noqa: E402
from hotline.customers.search import MatchKind, search_accounts  # noqa: E402
from hotline.customers.text import given_name, name_initials, normalize_phone  # noqa: E402
from hotline.demo import seed as demo_seed  # noqa: E402
from hotline.demo.city import DISTRICTS, SEED_COMMUNITY, DemoCity  # noqa: E402
from hotline.org.models import User  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_bulk import HistoryGenerator, check_round_trip  # noqa: E402
from measure_history import concurrency, log, measure_history, profile_requests, stats_ms  # noqa: E402
from measure_outages import measure_outages  # noqa: E402

LIMIT = 20
WARMUP = 5
COMMON_NAMES = ["张伟", "王伟", "李伟", "王芳", "李娜", "张敏", "王静", "刘伟", "王秀英", "李强"]
# (key, what is typed)
KINDS = [
    ("account_exact", "account number, exact"),
    ("account_prefix", "account number, prefix (6-8 digits)"),
    ("phone_full", "phone, full number"),
    ("phone_last4", "phone, last 4 digits"),
    ("phone_last6", "phone, last 6 digits"),
    ("name_exact", "holder name, exact"),
    ("given_fragment", "given name (name less its 1st char)"),
    ("initials", "pinyin initials (2-3 letters)"),
    ("community", "community name"),
    ("community_room", "community + building/unit/room"),
    ("road_fragment", "road name fragment (2 chars)"),
]


# --- database -------------------------------------------------------------------------------------

def database_info() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return {"vendor": "sqlite", "version": cursor.fetchone()[0], "name": str(settings.DATABASES["default"]["NAME"])}
        cursor.execute("show server_version")
        version = cursor.fetchone()[0]
        cursor.execute("show shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("select datcollate from pg_database where datname = current_database()")
        collate = cursor.fetchone()[0]
        cursor.execute("show autovacuum")
        autovacuum = cursor.fetchone()[0]
        return {"vendor": "postgresql", "version": version, "name": connection.settings_dict["NAME"],
                "shared_buffers": shared_buffers, "collation": collate, "autovacuum": autovacuum}


def code_version() -> str:
    """The commit measured, and whether the work tree (outside benchmarks/) had changes."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = [line[3:] for line in git("status", "--porcelain").splitlines()
                   if not line[3:].startswith("benchmarks/")]
    except OSError:
        commit, changed = "", []
    if not commit:
        return os.environ.get("BENCH_CODE_VERSION", "unknown (not a git work tree)")
    return commit + (f" + uncommitted changes in {len(changed)} files" if changed else "")


def planner_statistics() -> str:
    """Whether the planner has table statistics (ANALYZE) for the account tables and the history tables."""
    history = ("workorders_workorder", "workorders_workorderevent", "calls_call")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select count(*) from sqlite_master where name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return "none (no ANALYZE: sqlite_stat1 does not exist)"
            cursor.execute("select count(distinct tbl) from sqlite_stat1")
            tables = cursor.fetchone()[0]
            cursor.execute(f"select count(distinct tbl) from sqlite_stat1 where tbl in {history!r}")
            return f"sqlite_stat1 for {tables} tables ({cursor.fetchone()[0]} of the 3 history tables)"
        cursor.execute(
            "select relname, coalesce(greatest(last_analyze, last_autoanalyze)::text, 'never') from pg_stat_user_tables "
            "where relname in ('customers_account', 'customers_premise', 'customers_accountphone', "
            "'workorders_workorder', 'workorders_workorderevent', 'calls_call') order by relname"
        )
        return ", ".join(f"{name} analyzed {when[:19]}" for name, when in cursor.fetchall())


def database_size_mb() -> float:
    if connection.vendor == "sqlite":
        path = Path(settings.DATABASES["default"]["NAME"])
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
        return round(total / 1e6, 1)
    with connection.cursor() as cursor:
        cursor.execute("select pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 1e6, 1)


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


# --- import ---------------------------------------------------------------------------------------

def run_import(admin, path: Path, total: int, title: str) -> dict:
    next_report = [max(total // 5, 1)]
    started = time.perf_counter()

    def progress(job):
        if job.processed_rows >= next_report[0]:
            elapsed = time.perf_counter() - started
            log(f"{title}: {job.processed_rows:,}/{total:,} rows, {elapsed:.0f} s, "
                f"{job.processed_rows / elapsed:,.0f} rows/s")
            next_report[0] += max(total // 5, 1)

    job = import_job_for_path(actor=admin, path=path)
    job = import_job_run(job, path=path, chunk_size=5000, on_progress=progress)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": round(seconds, 2), "rows_per_s": round(job.processed_rows / seconds),
        "status": job.status, "failure": job.failure, "processed": job.processed_rows,
        "created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count,
        "errors": job.error_count, "first_errors": job.errors[:5],
    }
    log(f"{title}: {seconds:.1f} s ({figures['rows_per_s']:,} rows/s), status {job.status}, "
        f"created {job.created_count:,}, updated {job.updated_count:,}, unchanged {job.unchanged_count:,}, "
        f"errors {job.error_count:,}")
    return figures


# --- search queries -------------------------------------------------------------------------------

class Sampler:
    """Queries drawn with random.Random(7) from the rows of the data set (regenerated: row i depends
    only on the seed and i, so these are the rows that were imported)."""

    def __init__(self, city: DemoCity, accounts: int):
        self.city = city
        self.accounts = accounts
        self.rng = random.Random(7)

    def row(self, i: int | None = None) -> dict:
        i = self.rng.randrange(self.accounts) if i is None else i
        return next(self.city.account_rows(1, start=i))

    def row_where(self, predicate) -> dict:
        while True:
            row = self.row()
            if predicate(row):
                return row

    def phone(self, row: dict) -> str:
        return normalize_phone(self.rng.choice(row["phones"].split(";")))

    def queries(self, kind: str, count: int) -> list[tuple[str, dict | None]]:
        """``count`` (query, sampled row) pairs; the row is None when the query is not from one account."""
        rng, out = self.rng, []
        if kind == "name_exact":
            out += [(name, None) for name in COMMON_NAMES[: count // 10]]
        if kind == "community":
            out.append((SEED_COMMUNITY, None))
        while len(out) < count:
            if kind == "account_exact":
                row = self.row()
                out.append((row["account_no"], row))
            elif kind == "account_prefix":
                row = self.row()
                out.append((row["account_no"][: rng.randint(6, 8)], row))
            elif kind == "phone_full":
                row = self.row()
                out.append((self.phone(row), row))
            elif kind == "phone_last4":
                row = self.row()
                out.append((self.phone(row)[-4:], row))
            elif kind == "phone_last6":
                row = self.row()
                out.append((self.phone(row)[-6:], row))
            elif kind == "name_exact":
                row = self.row()
                out.append((row["holder_name"], row))
            elif kind == "given_fragment":
                # The name less its surname (its first character; two for 欧阳…), when that is 2+ characters.
                row = self.row_where(lambda r: len(given_name(r["holder_name"])) >= 2)
                out.append((given_name(row["holder_name"]), row))
            elif kind == "initials":
                row = self.row()
                out.append((name_initials(row["holder_name"])[: rng.choice((2, 3))], row))
            elif kind == "community":
                # From a sampled account: communities are weighted by their accounts (and every one of
                # them has some; in DemoCity the communities numbered 19 mod 20 have none).
                out.append((self.row_where(lambda r: r.get("community"))["community"], None))
            elif kind == "community_room":
                row = self.row_where(lambda r: r.get("community"))
                c, b, u, r = row["community"], row["building"], row["unit"], row["room"]
                text = [f"{c}{b}号楼{u}单元{r}", f"{c} {b}-{u}-{r}", f"{c}{b}栋{u}单元{r}室"][len(out) % 3]
                out.append((text, row))
            elif kind == "road_fragment":
                roads = [road for _d, _c, _b, names in DISTRICTS for road in names]
                road = rng.choice(roads)
                start = 0 if rng.random() < 0.75 else rng.randrange(max(1, len(road) - 2))
                out.append((road[start:start + 2], None))
            else:
                raise ValueError(kind)
        return out[:count]


def premise_names(hits) -> dict[int, tuple[str | None, str | None]]:
    """premise id → (road name, community name), for checking address hits (not timed)."""
    ids = [h.account.premise_id for h in hits]
    return {pk: (road, community) for pk, road, community in
            Premise.objects.filter(pk__in=ids).values_list("pk", "road__name", "community__name")}


def check(kind: str, q: str, row: dict | None, hits) -> str | None:
    """Why the result is wrong, or None. Cheap checks only; run outside the timed call."""
    nos = [h.account.account_no for h in hits]
    full = len(hits) >= LIMIT
    if not hits:
        return "no hits"
    if kind == "account_exact":
        if nos[0] != q:
            return f"first hit {nos[0]}, not the account"
    elif kind == "account_prefix":
        bad = [n for n in nos if not n.startswith(q)]
        if bad:
            return f"hits not starting with the prefix: {bad[:3]}"
    elif kind in {"phone_full", "phone_last4", "phone_last6"}:
        for h in hits:
            phones = [p.number for p in h.account.phones.all()]
            if h.kind == MatchKind.PHONE and not any(p.endswith(q) for p in phones):
                return f"phone hit {h.account.account_no} has no phone ending {q}: {phones}"
            if h.kind == MatchKind.ACCOUNT_NO and not h.account.account_no.startswith(q):
                return f"account hit {h.account.account_no} does not start with {q}"
        if kind != "phone_last4" and not full and row["account_no"] not in nos:
            return f"the account {row['account_no']} is not among the {len(hits)} hits"
    elif kind in {"name_exact", "given_fragment", "initials"}:
        for h in hits:
            a = h.account
            ok = {
                "name_exact": a.holder_name == q if h.score >= 90 else a.holder_name.startswith(q)
                or a.given_name.startswith(q),
                "given_fragment": a.holder_name.startswith(q) or a.given_name.startswith(q),
                "initials": a.name_initials.startswith(q),
            }[kind]
            if not ok:
                return f"hit {a.account_no} {a.holder_name} ({a.name_initials}) does not match"
        if kind == "name_exact" and hits[0].account.holder_name != q:
            return f"first hit is {hits[0].account.holder_name}, not {q}"
        if row is not None and not full and row["account_no"] not in nos and kind != "initials":
            return f"the account {row['account_no']} is not among the {len(hits)} hits"
    elif kind == "community":
        names = premise_names(hits)
        bad = [h.account.account_no for h in hits
               if h.kind != MatchKind.ADDRESS or names[h.account.premise_id][1] != q]
        if bad:
            return f"hits outside the community: {bad[:3]}"
        if not full:
            return f"only {len(hits)} hits"
    elif kind == "community_room":
        if nos[0] != row["account_no"]:
            return f"first hit {nos[0]}, not {row['account_no']}"
        if len(hits) > 1:
            names = premise_names(hits)
            others = [f"{h.account.account_no} ({names[h.account.premise_id][1]})" for h in hits[1:3]]
            return f"{len(hits)} hits for one room; also {', '.join(others)}"
    elif kind == "road_fragment":
        names = premise_names(hits)
        for h in hits:
            road, community = names[h.account.premise_id]
            a = h.account
            if h.kind == MatchKind.ADDRESS and not (q in (road or "") or q in (community or "")):
                return f"address hit {a.account_no} on {road} / {community}"
            if h.kind == MatchKind.NAME and not (a.holder_name.startswith(q) or a.given_name.startswith(q)):
                return f"name hit {a.account_no} {a.holder_name}"
    return None


def measure_search(operator, plan: dict, count: int, want_explain: bool) -> tuple[dict, dict]:
    # Warm-up: a few queries of every kind that are not measured.
    for kind, _title in KINDS:
        for q, _row in plan[kind][count:]:
            search_accounts(actor=operator, query=q, limit=LIMIT)
    results = {}
    for kind, title in KINDS:
        times, hit_counts, kinds, mismatches = [], [], Counter(), []
        timed = []
        for q, row in plan[kind][:count]:
            started = time.perf_counter()
            hits = search_accounts(actor=operator, query=q, limit=LIMIT)
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            hit_counts.append(len(hits))
            kinds.update(str(h.kind) for h in hits[:1])
            timed.append((elapsed, q))
            if problem := check(kind, q, row, hits):
                mismatches.append({"query": q, "problem": problem})
        figures = stats_ms(times) | {
            "title": title,
            "avg_hits": round(statistics.fmean(hit_counts), 1),
            "no_hits": sum(1 for n in hit_counts if n == 0),
            "first_hit_kinds": dict(kinds.most_common()),
            "examples": [q for q, _row in plan[kind][:3]],
            "slowest_queries": [q for _t, q in sorted(timed, reverse=True)[:5]],
            "mismatch_count": len(mismatches),
            "mismatches": mismatches[:5],
        }
        results[kind] = figures
        log(f"search {kind:15} median {figures['median_ms']:6.2f} ms  p95 {figures['p95_ms']:7.2f} ms  "
            f"max {figures['max_ms']:7.2f} ms  hits {figures['avg_hits']:5.1f}  mismatches {len(mismatches)}")
    plans = {}
    if want_explain:
        for kind, _title in KINDS:
            plans[kind] = explain_slowest(operator, results[kind]["slowest_queries"])
    return results, plans


def explain_slowest(operator, queries: list[str]) -> dict:
    """Run the slowest queries of a kind again and time each of their SQL statements alone (execute and
    fetch all: SQLite does its work while rows are fetched); the plan of the slowest statement
    (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL)."""
    reruns, every = [], []

    for q in queries:
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            result = execute(sql, params, many, context)
            captured.append(connection.ops.last_executed_query(context["cursor"], sql, params))
            return result

        started = time.perf_counter()
        with connection.execute_wrapper(capture):
            search_accounts(actor=operator, query=q, limit=LIMIT)
        elapsed = (time.perf_counter() - started) * 1000
        timings = []
        with connection.cursor() as cursor:
            for sql in captured:
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append(((time.perf_counter() - started) * 1000, sql))
        every += timings
        reruns.append({"query": q, "ms": round(elapsed, 2), "statements_ms": [round(ms, 2) for ms, _sql in timings]})
    if not every:
        return {"reruns": reruns, "plan": []}
    worst = max(every)
    return {"reruns": reruns, "slowest_ms": round(worst[0], 2), "slowest_sql": worst[1], "plan": explain(worst[1])}


# --- pages ----------------------------------------------------------------------------------------

def measure_pages(operator, rows: list[dict], count: int, search_queries: list[str]) -> dict:
    # A failing view is reported as a failed request (HTTP 500), it does not end the run.
    client = Client(raise_request_exception=False)
    client.force_login(operator)
    out = {}

    def timed(name: str, urls: list[tuple[str, str | None]], ok) -> None:
        for url, _expect in urls[count:]:
            client.get(url)
        times, failures = [], []
        for url, expect in urls[:count]:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            try:
                problem = ok(response, expect)
            except Exception as exc:  # a response that is not what the check expects at all
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                failures.append({"url": url, "problem": problem})
        out[name] = stats_ms(times) | {"mismatch_count": len(failures), "mismatches": failures[:5]}
        log(f"{name:15} median {out[name]['median_ms']:6.2f} ms  p95 {out[name]['p95_ms']:7.2f} ms  "
            f"max {out[name]['max_ms']:7.2f} ms  failures {len(failures)}")

    def page_ok(response, expect):
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        if expect.encode() not in response.content:
            return "account number not on the page"
        return None

    def api_ok(response, expect):
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        if response.json().get("account_no") != expect:
            return f"account_no {response.json().get('account_no')}"
        return None

    def api_search_ok(response, _expect):
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        return None if response.json().get("count") else "no hits"

    from urllib.parse import quote

    timed("detail_page", [(f"/customers/{r['account_no']}/", r["account_no"]) for r in rows], page_ok)
    timed("api_detail", [(f"/api/v1/accounts/{r['account_no']}", r["account_no"]) for r in rows], api_ok)
    queries = (search_queries * (count // max(1, len(search_queries)) + 2))[: count + WARMUP]
    timed("api_search", [(f"/api/v1/accounts/search?q={quote(q)}", None) for q in queries], api_search_ok)
    return out


# --- main -----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--csv", required=True, type=Path)
    parser.add_argument("--accounts", required=True, type=int)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--orders", type=int, default=2_000_000)
    parser.add_argument("--load-seconds", type=float, default=30, help="sustained creates (PostgreSQL); 0: none")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    results = {"label": args.label, "accounts": args.accounts, "seed": args.seed, "database": database_info(),
               "code": code_version(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "load_average_start": os.getloadavg()}
    log(f"database: {results['database']}")

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    results["migrate_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    # The demo city's organisation, staff and areas, without accounts (the first steps of seed_demo).
    city = DemoCity(seed=args.seed)
    with transaction.atomic():
        units = demo_seed._units()
        demo_seed._staff(city, units)
        demo_seed._areas(city, units)
    log(f"organisation and areas: {len(units)} units, {User.objects.count()} staff, "
        f"{Community.objects.count()} communities")
    results["organisation_seconds"] = round(time.perf_counter() - started, 2)
    admin = User.objects.get(username="admin")
    operator = User.objects.get(username="operator")

    results["import"] = run_import(admin, args.csv, args.accounts, "import")
    results["rows"] = {
        "accounts": Account.objects.count(), "premises": Premise.objects.count(),
        "phones": AccountPhone.objects.count(), "meters": Meter.objects.count(),
        "communities": Community.objects.count(), "buildings": Building.objects.count(),
    }
    results["database_mb"] = database_size_mb()
    log(f"rows: {results['rows']}; database {results['database_mb']:,.0f} MB")
    results["reimport"] = run_import(admin, args.csv, args.accounts, "re-import (unchanged)")

    # Two years of calls and work orders, written in bulk (benchmarks/history_bulk.py).
    if args.orders or args.calls:
        results["history"] = HistoryGenerator(calls=args.calls, orders=args.orders, seed=args.seed, log=log).run()
        results["history"]["round_trip"] = check_round_trip()
        log(f"history: values compared with what the ORM would write: {results['history']['round_trip']}")
        results["database_mb_with_history"] = database_size_mb()
        log(f"database {results['database_mb_with_history']:,.0f} MB")

    sampler = Sampler(city, args.accounts)
    plan = {kind: sampler.queries(kind, args.queries + WARMUP) for kind, _title in KINDS}
    page_rows = [sampler.row() for _ in range(args.pages + WARMUP)]
    # The API search gets the same queries, taking the kinds in turn.
    mixed = [plan[kind][i][0] for i in range(args.queries) for kind, _t in KINDS]

    # Two passes: the database as the import leaves it (the app runs no ANALYZE; on PostgreSQL
    # autovacuum analyzes the new tables within a minute or so, when it is on), then after ANALYZE.
    results["passes"] = {}
    for name in ("as_imported", "analyzed"):
        if name == "analyzed":
            started = time.perf_counter()
            with connection.cursor() as cursor:
                # PostgreSQL: what autovacuum does in production — statistics, and the visibility map that
                # lets a query read an index alone (the live board's open orders by unit).
                cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
            results["analyze_seconds"] = round(time.perf_counter() - started, 2)
            log(f"{'VACUUM (ANALYZE)' if connection.vendor == 'postgresql' else 'ANALYZE'}: "
                f"{results['analyze_seconds']} s")
        stats = planner_statistics()
        log(f"pass {name}: planner statistics: {stats}")
        search, plans = measure_search(operator, plan, args.queries, args.explain)
        pages = measure_pages(operator, page_rows, args.pages, mixed)
        results["passes"][name] = {"planner_statistics": stats, "search": search, "pages": pages} | (
            {"plans": plans} if plans else {})
        if "history" in results:
            results["passes"][name]["history"] = measure_history(operator=operator, count=args.pages)
    if "history" in results and connection.vendor == "postgresql" and args.load_seconds > 0:
        results["concurrency"] = concurrency(admin=admin, operator=operator, duration=args.load_seconds,
                                             data_dir=Path(settings.DATA_DIR))
    if "history" in results:
        results["request_profiles"] = profile_requests(operator=operator, count=args.pages)
    # Outages and the outbox (benchmarks/measure_outages.py): announce, delivery, screen pops, public page.
    try:
        results["outages"] = measure_outages(operator=operator, count=args.pages, accounts=results["rows"]["accounts"],
                                             data_dir=Path(settings.DATA_DIR))
    except Exception as exc:  # reported with the other figures, which are kept
        import traceback

        traceback.print_exc()
        results["outages"] = {"error": f"{type(exc).__name__}: {exc}"}
    if "history" in results:  # period reports, export, staffing (benchmarks/measure_reports.py)
        from measure_reports import measure_reports

        results["reports"] = measure_reports()
    results["load_average_end"] = os.getloadavg()
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
