"""The human-readable report of benchmarks/run.py, from the figures of benchmarks/measure.py."""

IMPORT_SECONDS_PER_MILLION = 120  # import of 1,000,000 accounts ≤ 120 s (scaled linearly for other sizes)
SEARCH_P95_MS = 50
DETAIL_P95_MS = 30


def import_target(accounts: int) -> float:
    return IMPORT_SECONDS_PER_MILLION * accounts / 1_000_000


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return "PASS" if value <= target else f"OVER target ({value / target:.1f}x)"


def _machine_line(r: dict) -> str:
    m, db = r["machine"], r["database"]
    dbv = f"SQLite {db['version']}" if db["vendor"] == "sqlite" else f"PostgreSQL {db['version']}"
    extra = ""
    if db["vendor"] == "postgresql":
        extra = (f" (shared_buffers {db['shared_buffers']}, collation {db['collation']}, "
                 f"autovacuum {db.get('autovacuum')})")
    return (f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB; Python {m['python']}; "
            f"{dbv}{extra}")


def print_report(r: dict) -> None:
    n = r["accounts"]
    print()
    print("=" * 100)
    print(f"RESULTS — {r['label']} — {n:,} accounts (seed {r['seed']})")
    print(_machine_line(r))
    print(f"code: {r.get('code')}")
    print(f"load average at start {[round(x, 2) for x in r['load_average_start']]}, "
          f"at end {[round(x, 2) for x in r['load_average_end']]}; whole run {r.get('wall_seconds', '?')} s")
    print("-" * 100)
    imp, re_ = r["import"], r["reimport"]
    target = import_target(n)
    scaled = "" if n == 1_000_000 else f" (120 s per 1M, scaled to {n:,})"
    print(f"migrate {r['migrate_seconds']:.1f} s; organisation and areas {r['organisation_seconds']:.1f} s")
    print(f"import         {imp['seconds']:8.1f} s  {imp['rows_per_s']:>9,} rows/s   target ≤ {target:.0f} s{scaled}: "
          f"{verdict(imp['seconds'], target)}")
    print(f"               created {imp['created']:,}, updated {imp['updated']:,}, unchanged {imp['unchanged']:,}, "
          f"errors {imp['errors']:,}, status {imp['status']} {imp['failure']}")
    print(f"re-import      {re_['seconds']:8.1f} s  {re_['rows_per_s']:>9,} rows/s   (all rows unchanged: "
          f"unchanged {re_['unchanged']:,}, created {re_['created']:,}, updated {re_['updated']:,}, "
          f"errors {re_['errors']:,})")
    rows = r["rows"]
    print(f"rows           {rows['accounts']:,} accounts, {rows['premises']:,} premises, {rows['phones']:,} phones, "
          f"{rows['meters']:,} meters, {rows['communities']:,} communities, {rows['buildings']:,} buildings; "
          f"database {r['database_mb']:,.0f} MB")
    for stage in (imp, re_):
        for e in stage["first_errors"]:
            print(f"    error line {e['line']} {e['key']}: {e['message']}")
    first, second = r["passes"]["as_imported"], r["passes"].get("analyzed")
    print("-" * 100)
    print(f"search_accounts(limit=20), {next(iter(first['search'].values()))['n']} queries per kind; "
          f"target p95 ≤ {SEARCH_P95_MS} ms (times in ms)")
    print(f"  A = the database as the import leaves it; planner statistics: {first['planner_statistics']}")
    if second:
        print(f"  B = after ANALYZE ({r.get('analyze_seconds')} s), the same queries again; "
              f"planner statistics: {second['planner_statistics']}")
    print(f"  {'kind':40} {'median':>7} {'p95':>7} {'max':>7} {'hits':>5} {'none':>4} {'wrong':>5}  {'A: target':18}"
          + (f" {'B med':>6} {'B p95':>6} {'B max':>7}  B: target" if second else ""))
    for kind, s in first["search"].items():
        line = (f"  {s['title']:40} {s['median_ms']:7.2f} {s['p95_ms']:7.2f} {s['max_ms']:7.2f} {s['avg_hits']:5.1f} "
                f"{s['no_hits']:4} {s['mismatch_count']:5}  {verdict(s['p95_ms'], SEARCH_P95_MS):18}")
        if second:
            b = second["search"][kind]
            line += f" {b['median_ms']:6.2f} {b['p95_ms']:6.2f} {b['max_ms']:7.2f}  {verdict(b['p95_ms'], SEARCH_P95_MS)}"
        print(line)
    print("  (hits = average number of results; none = queries without a result; wrong = failed checks)")
    for kind, s in first["search"].items():
        if s["mismatch_count"]:
            print(f"  {kind}: {s['mismatch_count']} failed checks, e.g.")
            for m in s["mismatches"][:3]:
                print(f"      {m['query']!r}: {m['problem']}")
    print("-" * 100)
    print(f"pages (django.test.Client logged in as an operator, {first['pages']['detail_page']['n']} requests each; "
          "server time around client.get, ms)")
    rows = [("detail_page", "GET /customers/<account_no>/", DETAIL_P95_MS),
            ("api_detail", "GET /api/v1/accounts/<account_no>", DETAIL_P95_MS),
            ("api_search", "GET /api/v1/accounts/search?q=…", SEARCH_P95_MS)]
    for key, title, target in rows:
        for label, p in (("A", first["pages"][key]), ("B", second["pages"][key] if second else None)):
            if p is None:
                continue
            print(f"  {label} {title:36} median {p['median_ms']:7.2f}  p95 {p['p95_ms']:7.2f}  max {p['max_ms']:7.2f}  "
                  f"target p95 ≤ {target}: {verdict(p['p95_ms'], target)}"
                  + (f"  FAILED {p['mismatch_count']}" if p["mismatch_count"] else ""))
            for m in p["mismatches"][:3]:
                print(f"      {m['url']}: {m['problem'][:200]}")
    for label, one in (("A", first), ("B", second)):
        if not one or not one.get("plans"):
            continue
        print("-" * 100)
        print(f"{label}: the 5 slowest searches of each kind run again, each SQL statement timed alone "
              "(ms, in order); the plan of the slowest statement:")
        for kind, p in one["plans"].items():
            print(f"  {kind}: " + "; ".join(
                f"{x['query']!r} {x['ms']:.1f} [{' '.join(f'{ms:.2f}' for ms in x['statements_ms'])}]"
                for x in p["reruns"]))
            if p.get("plan"):
                print(f"    slowest statement {p['slowest_ms']:.2f} ms: {p['slowest_sql'][:400]}")
                for line in p["plan"][:16]:
                    print(f"      {line}")
    print("=" * 100)


def print_summary(results: list[dict]) -> None:
    print()
    print("SUMMARY (p95 in ms unless stated)")
    labels = [r["label"] for r in results]
    print(f"  {'':50}" + "".join(f"{label:>14}" for label in labels) + "   target")
    n = results[0]["accounts"]

    def line(title, values, target_text):
        print(f"  {title:50}" + "".join(f"{v:>14}" for v in values) + f"   {target_text}")

    line("import (s)", [f"{r['import']['seconds']:.1f}" for r in results], f"≤ {import_target(n):.0f} s")
    line("import (rows/s)", [f"{r['import']['rows_per_s']:,}" for r in results], "")
    line("re-import, unchanged (s)", [f"{r['reimport']['seconds']:.1f}" for r in results], "")
    for pass_name, short in (("as_imported", "A"), ("analyzed", "B")):
        if not all(pass_name in r["passes"] for r in results):
            continue
        passes = [r["passes"][pass_name] for r in results]
        for kind, s in passes[0]["search"].items():
            line(f"{short} search: {s['title']}", [f"{p['search'][kind]['p95_ms']:.2f}" for p in passes],
                 f"≤ {SEARCH_P95_MS}")
        line(f"{short} GET /customers/<no>/", [f"{p['pages']['detail_page']['p95_ms']:.2f}" for p in passes],
             f"≤ {DETAIL_P95_MS}")
        line(f"{short} GET /api/v1/accounts/<no>", [f"{p['pages']['api_detail']['p95_ms']:.2f}" for p in passes],
             f"≤ {DETAIL_P95_MS}")
        line(f"{short} GET /api/v1/accounts/search", [f"{p['pages']['api_search']['p95_ms']:.2f}" for p in passes],
             f"≤ {SEARCH_P95_MS}")
    print("  (A: as the import leaves the database; B: after ANALYZE)")
