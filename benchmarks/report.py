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
        extra = f" (shared_buffers {db['shared_buffers']}, collation {db['collation']})"
    return (f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB; Python {m['python']}; "
            f"{dbv}{extra}")


def print_report(r: dict) -> None:
    n = r["accounts"]
    print()
    print("=" * 100)
    print(f"RESULTS — {r['label']} — {n:,} accounts (seed {r['seed']})")
    print(_machine_line(r))
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
    print("-" * 100)
    print(f"search_accounts(limit=20), {next(iter(r['search'].values()))['n']} queries per kind; "
          f"target p95 ≤ {SEARCH_P95_MS} ms")
    print(f"  {'kind':40} {'median':>8} {'p95':>8} {'max':>8} {'hits':>6} {'none':>5} {'wrong':>6}  target")
    for s in r["search"].values():
        print(f"  {s['title']:40} {s['median_ms']:8.2f} {s['p95_ms']:8.2f} {s['max_ms']:8.2f} {s['avg_hits']:6.1f} "
              f"{s['no_hits']:5} {s['mismatch_count']:6}  {verdict(s['p95_ms'], SEARCH_P95_MS)}")
    print("  (ms; hits = average number of results; none = queries without a result; wrong = failed checks)")
    for kind, s in r["search"].items():
        if s["mismatch_count"]:
            print(f"  {kind}: {s['mismatch_count']} failed checks, e.g.")
            for m in s["mismatches"][:3]:
                print(f"      {m['query']!r}: {m['problem']}")
    print("-" * 100)
    pages = r["pages"]
    print(f"pages (django.test.Client, logged in as an operator, {pages['detail_page']['n']} requests each)")
    rows = [("detail_page", "GET /customers/<account_no>/", DETAIL_P95_MS),
            ("api_detail", "GET /api/v1/accounts/<account_no>", DETAIL_P95_MS),
            ("api_search", "GET /api/v1/accounts/search?q=…", SEARCH_P95_MS)]
    for key, title, target in rows:
        p = pages[key]
        print(f"  {title:40} median {p['median_ms']:7.2f}  p95 {p['p95_ms']:7.2f}  max {p['max_ms']:7.2f} ms  "
              f"target p95 ≤ {target} ms: {verdict(p['p95_ms'], target)}"
              + (f"  FAILED {p['mismatch_count']}" if p["mismatch_count"] else ""))
        for m in p["mismatches"][:3]:
            print(f"      {m['url']}: {m['problem']}")
    if r.get("plans"):
        print("-" * 100)
        print("query plans of the slowest search of each kind (its slowest statement):")
        for kind, p in r["plans"].items():
            if not p.get("statements"):
                continue
            print(f"  {kind}: {p['query']!r} — statements (ms): "
                  + ", ".join(f"{s['ms']:.1f}" for s in p["statements"]))
            print(f"    {p['slowest_sql'][:300]}")
            for line in p["plan"][:14]:
                print(f"      {line}")
    print("=" * 100)


def print_summary(results: list[dict]) -> None:
    print()
    print("SUMMARY (p95 in ms unless stated)")
    labels = [r["label"] for r in results]
    print(f"  {'':40}" + "".join(f"{label:>14}" for label in labels) + "   target")
    n = results[0]["accounts"]

    def line(title, values, target_text):
        print(f"  {title:40}" + "".join(f"{v:>14}" for v in values) + f"   {target_text}")

    line("import (s)", [f"{r['import']['seconds']:.1f}" for r in results], f"≤ {import_target(n):.0f} s")
    line("import (rows/s)", [f"{r['import']['rows_per_s']:,}" for r in results], "")
    line("re-import, unchanged (s)", [f"{r['reimport']['seconds']:.1f}" for r in results], "")
    for kind, s in results[0]["search"].items():
        line(f"search: {s['title']}", [f"{r['search'][kind]['p95_ms']:.2f}" for r in results], f"≤ {SEARCH_P95_MS}")
    line("GET /customers/<no>/", [f"{r['pages']['detail_page']['p95_ms']:.2f}" for r in results], f"≤ {DETAIL_P95_MS}")
    line("GET /api/v1/accounts/<no>", [f"{r['pages']['api_detail']['p95_ms']:.2f}" for r in results],
         f"≤ {DETAIL_P95_MS}")
    line("GET /api/v1/accounts/search", [f"{r['pages']['api_search']['p95_ms']:.2f}" for r in results],
         f"≤ {SEARCH_P95_MS}")
