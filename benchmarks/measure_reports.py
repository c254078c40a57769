"""Period reports, their export and staffing at city scale (issue 6): run by benchmarks/measure.py in its
database process after the other measurements (on the database it left: two years of history, 5 million
calls and 2 million orders), or alone on a database of its own:

    .venv/bin/python benchmarks/measure_reports.py --prepare                 # SQLite in benchmarks/data/reports-run/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench_reports \\
        .venv/bin/python benchmarks/measure_reports.py --prepare --calls 1000000 --orders 400000

(--prepare: migrate and, when the database has no demo city yet, load one with --accounts accounts and the
history of benchmarks/history_bulk.py with --calls and --orders. A PostgreSQL database must exist and
have "bench" in its name.)

1. **Period report** ``period_report(actor=shift lead, …)``, server time around the call: one week
   (``--weeks`` different weeks, the most recent first, after one untimed), target ≤ 1 s; one year (the
   last 365 days, then the year before), target ≤ 5 s; and the console page ``GET /reports/?…`` for a
   week. Each report is checked outside the timing against direct counts of the records (calls, calls
   by day, 12345 orders, orders received, answered calls).
2. **Export** ``period_export`` of the calls (one row each) of the most recent days that hold at least
   ``--export-rows`` (100,000) calls, as XLSX (openpyxl, write-only) and CSV, and the same for the work
   orders: seconds to the complete file (and CPU seconds of the process), target ≤ 10 s for the XLSX of
   100,000 rows; the file is read back (outside the timing) and its rows counted.
3. **Staffing** ``staffing_plan`` of tomorrow from 4 weeks of history (timed, no target).

The figures go to --out as JSON and are printed (``print_reports``).
"""

import argparse
import csv
import io
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TARGETS = {"week": 1.0, "year": 5.0, "xlsx_100k": 10.0}


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _direct(start, end) -> dict:
    """What the records say, counted directly (the report's exactness check)."""
    from hotline.calls.models import Call
    from hotline.workorders.models import WorkOrder

    calls = Call.objects.filter(ringing_at__gte=start, ringing_at__lt=end, direction="inbound")
    orders = WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end)
    return {"calls": calls.count(), "answered": calls.filter(answered_at__isnull=False).count(),
            "orders": orders.count(), "cases_12345": orders.filter(source="12345").count()}


def _check(report, start, end) -> list[str]:
    from django.utils import timezone

    from hotline.calls.models import Call

    direct = _direct(start, end)
    got = {"calls": report.calls, "answered": report.calls_answered, "orders": report.orders.received,
           "cases_12345": next(r.count for r in report.requests_by_source if r.key == "12345")}
    problems = [f"{k}: report {got[k]}, records {direct[k]}" for k in direct if got[k] != direct[k]]
    # One day checked by its own count.
    day = report.days[len(report.days) // 2]
    tz = timezone.get_current_timezone()
    first = datetime.combine(day.day, datetime.min.time(), tz)
    n = Call.objects.filter(ringing_at__gte=first, ringing_at__lt=first + timedelta(days=1), direction="inbound").count()
    if n != day.calls:
        problems.append(f"{day.key}: report {day.calls} calls, records {n}")
    return problems


def measure_rollups(lead) -> dict:
    """The day rollups (hotline/reports/rollups.py): every closed day of the history built from the records
    (what the worker does once after a bulk load, then a day at a time), timed; then the year report counted
    entirely from the records (no rollups), for comparison and as the exactness check of the rolled-up one."""
    from django.utils import timezone

    from hotline.reports import rollups
    from hotline.reports.period import period_report

    done, wall, cpu = _timed(lambda: rollups.refresh(days=731))
    built = sum(done["built"].values())
    out = {"built_days": done["built"], "rows": done["rows"], "seconds": round(wall, 1), "cpu_s": round(cpu, 1),
           "ms_per_day_and_kind": round(wall * 1000 / max(1, built), 1)}
    log(f"rollups: {done['built']} days built ({done['rows']:,} rows) in {wall:.1f} s (CPU {cpu:.1f} s)")
    today = timezone.localdate()
    first, last = today - timedelta(days=364), today
    now = timezone.now()  # both as of the same moment: the order KPIs change as deadlines pass
    live, wall, cpu = _timed(lambda: period_report(actor=lead, date_from=first, date_to=last, rollups=False, now=now))
    rolled = period_report(actor=lead, date_from=first, date_to=last, now=now)
    differences = _differences(live, rolled)
    out["year_from_records"] = {"seconds": round(wall, 2), "cpu_s": round(cpu, 2),
                                "equal_to_rolled_up": not differences, "differences": differences[:5]}
    log(f"the year from the records alone: {wall:.2f} s (CPU {cpu:.2f} s); the rolled-up report equal: "
        f"{not differences} {differences[:5]}")
    return out


def _differences(a, b, path: str = "") -> list[str]:
    """Where two reports (or parts of them) differ; average talk times compared to the second."""
    if path == "":
        a, b = a.as_dict(), b.as_dict()
        a.pop("generated_at"), b.pop("generated_at")
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return [d for k in sorted(keys, key=str) for d in _differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for n, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{n}]")]
    if path.endswith("average_talk") and a is not None and b is not None:
        return [] if round(a) == round(b) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {str(a)[:80]} != {str(b)[:80]}"]


def measure_late_changes(lead) -> dict:
    """Late changes, then the year report, which counts the marked days again before adding up. Each change
    is an ordinary UPDATE that the triggers mark.

    * ``working``: what a busy hotline changes between two passes of the worker (ten minutes): 200 orders
      received in the last 30 days (callbacks, status changes), 100 calls of the last week reclassified,
      and 20 orders from anywhere in the year;
    * ``scattered``: 300 orders and 300 calls from anywhere in the year (an import, a mass correction):
      most days of the year to count again.

    After each, the worker's pass is left to the report itself; the report is then timed again."""
    import random

    from django.utils import timezone

    from hotline.calls.models import Call
    from hotline.reports import rollups
    from hotline.reports.period import period_bounds, period_report
    from hotline.workorders.models import Subject, WorkOrder

    today = timezone.localdate()
    first, last = today - timedelta(days=364), today
    rng = random.Random(6)
    subject = Subject.objects.order_by("id").first()

    def ids(model, field, days_back: int, count: int) -> list[int]:
        start, end = period_bounds(today - timedelta(days=days_back), today - timedelta(days=4))
        pks = list(model.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end}).values_list("id", flat=True))
        return rng.sample(pks, min(count, len(pks)))

    scenarios = {"working": ([(30, 200), (364, 20)], [(7, 100)]), "scattered": ([(364, 300)], [(364, 300)])}
    out = {}
    for name, (order_picks, call_picks) in scenarios.items():
        order_ids = [pk for days_back, n in order_picks for pk in ids(WorkOrder, "created_at", days_back, n)]
        call_ids = [pk for days_back, n in call_picks for pk in ids(Call, "ringing_at", days_back, n)]
        now = timezone.now()
        for pk in order_ids:
            WorkOrder.objects.filter(pk=pk).update(callback_at=now, satisfaction=rng.choice(["satisfied", "basic"]))
        for pk in call_ids:
            Call.objects.filter(pk=pk).update(subject=subject)
        stale = {kind: len(rollups.stale_days(kind, first, last - timedelta(days=4), timezone.now()))
                 for kind in rollups.KINDS}
        report, wall, cpu = _timed(lambda: period_report(actor=lead, date_from=first, date_to=last))
        problems = _check(report, *period_bounds(first, last))
        _again, wall2, _cpu = _timed(lambda: period_report(actor=lead, date_from=first, date_to=last))
        out[name] = {"orders_changed": len(order_ids), "calls_changed": len(call_ids), "days_to_count_again": stale,
                     "year_report_s": round(wall, 2), "cpu_s": round(cpu, 2), "then_s": round(wall2, 2),
                     "mismatches": problems[:5], "target_s": TARGETS["year"]}
        log(f"{name}: {len(order_ids)} orders and {len(call_ids)} calls changed ({stale} days to count again): "
            f"year report {wall:.2f} s, then {wall2:.2f} s; mismatches {len(problems)}")
    return out


def measure_period(lead, *, weeks: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from hotline.reports.period import period_bounds, period_report

    today = timezone.localdate()
    out = {}
    runs = {"week": [(today - timedelta(days=7 * k + 6), today - timedelta(days=7 * k)) for k in range(weeks + 1)],
            "year": [(today - timedelta(days=364), today), (today - timedelta(days=729), today - timedelta(days=365))]}
    for name, periods in runs.items():
        if name == "week":  # one untimed: the first report of a process reads its reference data
            period_report(actor=lead, date_from=periods[0][0], date_to=periods[0][1])
            periods = periods[1:]
        times, cpu, problems, sizes = [], [], [], []
        for first, last in periods:
            report, wall, used = _timed(lambda f=first, la=last: period_report(actor=lead, date_from=f, date_to=la))
            times.append(wall)
            cpu.append(used)
            sizes.append({"calls": report.calls, "orders": report.orders.received})
            problems += [f"{first}–{last}: {p}" for p in _check(report, *period_bounds(first, last))]
        out[name] = {"seconds": [round(t, 2) for t in times], "median_s": round(sorted(times)[(len(times) - 1) // 2], 2),
                     "max_s": round(max(times), 2), "cpu_s": [round(c, 2) for c in cpu], "sizes": sizes[:3],
                     "target_s": TARGETS[name], "mismatches": problems[:5], "mismatch_count": len(problems)}
        log(f"period report, one {name}: median {out[name]['median_s']} s, max {out[name]['max_s']} s "
            f"(CPU {out[name]['cpu_s']}) target ≤ {TARGETS[name]} s; {sizes[0]}; mismatches {len(problems)}")
    client = Client()
    client.force_login(lead)
    first, last = runs["week"][1]
    url = f"/reports/?date_from={first}&date_to={last}"
    client.get(url)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    # Where a slow page spends its time: its slowest SQL statement (the navigation's badges run on every page).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default={"time": "0", "sql": ""})
    out["week_page"] = {"url": url, "status": response.status_code, "seconds": [round(t, 2) for t in times],
                        "max_s": round(max(times), 2), "target_s": TARGETS["week"], "statements": len(queries),
                        "slowest_statement_s": float(slowest["time"]), "slowest_statement": slowest["sql"][:300]}
    log(f"GET /reports/ (a week): {out['week_page']['seconds']} s, HTTP {response.status_code}; slowest of its "
        f"{len(queries)} statements {slowest['time']} s: {slowest['sql'][:120]}")
    return out


def _days_holding(model, field: str, rows: int):
    """The most recent local days (up to yesterday) that hold at least ``rows`` rows of ``model``."""
    from django.utils import timezone

    from hotline.reports.period import period_bounds

    last = timezone.localdate() - timedelta(days=1)
    first = last
    oldest = model.objects.order_by(field).values_list(field, flat=True).first()
    oldest = timezone.localtime(oldest).date() if oldest else last
    for _ in range(400):
        first = max(first, oldest)  # a small data set holds fewer rows than asked for: all of them
        start, end = period_bounds(first, last)
        n = model.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end}).count()
        if n >= rows or first <= oldest:
            return first, last, n
        per_day = max(1, n // max(1, (last - first).days + 1))
        first -= timedelta(days=max(1, (rows - n) // per_day))
    return first, last, n


def measure_export(lead, *, rows: int) -> dict:
    from openpyxl import load_workbook

    from hotline.calls.models import Call
    from hotline.reports.export import period_export
    from hotline.workorders.models import WorkOrder

    out = {}
    for kind, model, field in (("calls", Call, "ringing_at"), ("orders", WorkOrder, "created_at")):
        first, last, n = _days_holding(model, field, rows)
        for fmt in ("xlsx", "csv"):
            def run(kind=kind, fmt=fmt, first=first, last=last):
                result = period_export(actor=lead, date_from=first, date_to=last, kind=kind, fmt=fmt)
                if fmt == "csv":
                    return result, b"".join(result.chunks)
                return result, result.file.read()

            (result, data), wall, cpu = _timed(run)
            if fmt == "xlsx":
                sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
                written = sum(1 for _row in sheet.iter_rows(values_only=True)) - 1
            else:
                written = sum(1 for _row in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1
            if kind == "calls":
                expected = Call.objects.filter(direction="inbound", ringing_at__gte=_bounds(first, last)[0],
                                               ringing_at__lt=_bounds(first, last)[1]).count()
            else:
                expected = n
            key = f"{kind}_{fmt}"
            out[key] = {"days": f"{first}–{last}", "rows": written, "expected_rows": expected, "ok": written == expected,
                        "seconds": round(wall, 2), "cpu_s": round(cpu, 2), "mb": round(len(data) / 1e6, 1),
                        "rows_per_s": round(written / wall) if wall else None,
                        "target_s": TARGETS["xlsx_100k"] * written / 100_000 if fmt == "xlsx" else None}
            log(f"export {kind} {fmt}: {written:,} rows ({first}–{last}) in {wall:.1f} s (CPU {cpu:.1f} s), "
                f"{out[key]['mb']} MB, rows as the records: {written == expected}")
    return out


def _bounds(first, last):
    from hotline.reports.period import period_bounds

    return period_bounds(first, last)


def measure_staffing(lead) -> dict:
    from django.utils import timezone

    from hotline.reports.staffing import staffing_plan

    day = timezone.localdate() + timedelta(days=1)
    staffing_plan(actor=lead, day=day)
    plan, wall, cpu = _timed(lambda: staffing_plan(actor=lead, day=day, weeks=4))
    out = {"seconds": round(wall, 3), "cpu_s": round(cpu, 3), "forecast_calls": round(plan.forecast.total),
           "peak_agents": plan.peak_agents, "peak_scheduled": plan.peak_scheduled, "aht": round(plan.aht, 1)}
    log(f"staffing plan of {day} from 4 weeks: {wall:.2f} s; {out}")
    return out


def measure_board(lead, *, samples: int = 60) -> dict:
    """The live board (hotline/reports/board.py) as its page refreshes it: ``live_board`` and the page over
    the test client, ``samples`` times each after a warm-up (the usual level per hour is kept per process
    for the day and the surges for a minute, as in production; the first call pays for them: reported)."""
    import statistics

    from django.test import Client

    from hotline.reports import board

    board.forget_cached()
    _first, first_wall, _cpu = _timed(lambda: board.live_board(actor=lead))
    times = []
    for _ in range(samples):
        _b, wall, _cpu = _timed(lambda: board.live_board(actor=lead))
        times.append(wall * 1000)
    client = Client()
    client.force_login(lead)
    client.get("/reports/board/")
    page = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get("/reports/board/", HTTP_HX_REQUEST="true")
        page.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    page.sort()
    p95 = lambda xs: xs[min(len(xs) - 1, int(len(xs) * 0.95))]  # noqa: E731
    b = _first
    out = {"first_s": round(first_wall, 3), "p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95(times), 1),
           "page_p50_ms": round(statistics.median(page), 1), "page_p95_ms": round(p95(page), 1), "target_ms": 100,
           "calls_today": b.calls_today, "open_orders": b.open_orders, "overdue_orders": b.overdue_orders}
    log(f"live board: first {first_wall:.2f} s, then p95 {out['p95_ms']} ms (page {out['page_p95_ms']} ms); {out}")
    return out


def measure_reports(*, weeks: int = 4, export_rows: int = 100_000) -> dict:
    """Every measurement; what fails is reported and the rest still runs."""
    from hotline.org.models import User
    from hotline.org.roles import Role

    lead = User.objects.filter(role=Role.SHIFT_LEAD, is_active=True).order_by("id").first()
    results = {}
    for key, run in (("board", lambda: measure_board(lead)),
                     ("rollups", lambda: measure_rollups(lead)),
                     ("period", lambda: measure_period(lead, weeks=weeks)),
                     ("late_changes", lambda: measure_late_changes(lead)),
                     ("export", lambda: measure_export(lead, rows=export_rows)),
                     ("staffing", lambda: measure_staffing(lead))):
        try:
            results[key] = run()
        except Exception as exc:  # reported with the others
            import traceback

            traceback.print_exc()
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}
    print_reports(results)
    return results


def _verdict(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return ""
    return "PASS" if value <= target else "OVER target"


def print_reports(r: dict) -> None:
    print("\nReports (issue 6)")
    b = r.get("board", {})
    if "error" in b:
        print(f"  live board: FAILED {b['error']}")
    elif b:
        print(f"  live board: p95 {b['p95_ms']} ms, page p95 {b['page_p95_ms']} ms (target ≤ 100 ms: "
              f"{_verdict(b['page_p95_ms'] / 1000, 0.1)}); first of the day {b['first_s']} s; {b['calls_today']} calls "
              f"today, {b['open_orders']} open orders")
    period = r.get("period", {})
    if "error" in period:
        print(f"  period report: FAILED {period['error']}")
    for name in ("week", "year"):
        f = period.get(name)
        if f:
            print(f"  period report, one {name}: median {f['median_s']} s, max {f['max_s']} s, CPU {f['cpu_s']} s "
                  f"(target ≤ {f['target_s']} s: {_verdict(f['max_s'], f['target_s'])}); "
                  f"exact: {'yes' if not f['mismatch_count'] else f['mismatches']}")
    rollup = r.get("rollups", {})
    if rollup:
        print(f"  day rollups: {rollup}")
    for name, late in r.get("late_changes", {}).items():
        print(f"  year report after late changes ({name}): {late}")
    if period.get("week_page"):
        f = period["week_page"]
        print(f"  GET /reports/ (a week): {f['seconds']} s, HTTP {f['status']} ({_verdict(f['max_s'], f['target_s'])}); "
              f"slowest statement {f['slowest_statement_s']} s: {f['slowest_statement'][:100]}")
    export = r.get("export", {})
    if "error" in export:
        print(f"  export: FAILED {export['error']}")
    for key, f in export.items() if "error" not in export else ():
        target = f.get("target_s")
        print(f"  export {key}: {f['rows']:,} rows in {f['seconds']} s (CPU {f['cpu_s']} s, {f['rows_per_s']:,} rows/s, "
              f"{f['mb']} MB){'' if target is None else f' target ≤ {target:.1f} s: ' + _verdict(f['seconds'], target)}; "
              f"rows as the records: {f['ok']}")
    s = r.get("staffing")
    if s:
        print(f"  staffing plan: {s}")


# --- alone ------------------------------------------------------------------------------------------

def _configure() -> None:
    from standalone import configure  # benchmarks/ is on sys.path when this module runs

    configure("measure_reports", "reports-run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help="migrate, and load a demo city and its history when "
                        "there is none")
    parser.add_argument("--accounts", type=int, default=20000, help="--prepare: accounts of the demo city (20,000)")
    parser.add_argument("--calls", type=int, default=5_000_000, help="--prepare: calls of the history (5,000,000)")
    parser.add_argument("--orders", type=int, default=2_000_000, help="--prepare: orders of the history (2,000,000)")
    parser.add_argument("--weeks", type=int, default=4, help="one-week reports timed (4)")
    parser.add_argument("--export-rows", type=int, default=100_000, help="rows of the exports timed (100,000)")
    parser.add_argument("--out", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    _configure()
    from django.core.management import call_command
    from django.db import connection

    from hotline.demo.seed import demo_is_loaded, seed_demo

    if args.prepare:
        call_command("migrate", verbosity=0)
        if not demo_is_loaded():
            from history_bulk import HistoryGenerator

            log(f"loading a demo city of {args.accounts:,} accounts and {args.calls:,} calls / {args.orders:,} orders "
                "of history …")
            seed_demo(accounts=args.accounts, bills_months=0, history_days=0, log=log)
            HistoryGenerator(calls=args.calls, orders=args.orders, seed=2026, log=log).run()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    results = {"database": connection.vendor, "cores": os.cpu_count(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    results.update(measure_reports(weeks=args.weeks, export_rows=args.export_rows))
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    return 1 if any("error" in v for v in results.values() if isinstance(v, dict)) else 0


if __name__ == "__main__":
    sys.exit(main())
