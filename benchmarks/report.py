"""The human-readable report of benchmarks/run.py, from the figures of benchmarks/measure.py."""

IMPORT_SECONDS_PER_MILLION = 120  # import of 1,000,000 accounts ≤ 120 s (scaled linearly for other sizes)
SEARCH_P95_MS = 50
DETAIL_P95_MS = 30
CREATES_PER_S = 300  # sustained creates over HTTP, 4 clients (PostgreSQL)


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
    if r.get("history"):
        print_history(r)
    if r.get("outages"):
        print_outages(r)
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
    history_summary_lines(results, line)
    outage_summary_lines(results, line)
    print("  (A: as the import (and the history generator) leave the database; B: after ANALYZE; "
          "! = some requests failed)")


# --- calls and work orders ------------------------------------------------------------------------

def print_history(r: dict) -> None:
    h = r["history"]
    print("-" * 100)
    print(f"history (benchmarks/history_bulk.py, seed {r['seed']}): {h['days']} days {h['first_day']} … {h['last_day']} "
          f"(until {h['end'][:19]} UTC)")
    print(f"  {h['orders']:,} orders ({h['open']:,} open, {h.get('open_overdue', '?'):,} of them overdue; "
          f"{h['overdue']:,} marked overdue in all, with those resolved late), {h['events']:,} events "
          f"({h['events_per_order']} per order), {h['calls']:,} calls ({h['calls_linked']:,} about an order, "
          f"{h['calls_linked'] / max(1, h['calls']):.0%})")
    print(f"  generated in {h['seconds']:.1f} s = {h['rows_per_s']:,} rows/s: reference data {h['load_seconds']} s, "
          f"planning {h['plan_seconds']} s{' (in a second process)' if h.get('parallel') else ''}, writing "
          f"{h['write_seconds']} s (insert_rows{', COPY' if r['database']['vendor'] == 'postgresql' else ''}), "
          f"then {h['indexes_deferred']} indexes and {h['foreign_keys_deferred']} foreign keys in {h['index_seconds']} s")
    print("  statuses: " + ", ".join(f"{k} {v:,}" for k, v in h["by_status"].items()))
    print("  events: " + ", ".join(f"{k} {v:,}" for k, v in h["events_by_kind"].items()))
    print("  calls: " + ", ".join(f"{k} {v:,}" for k, v in h["calls_by_outcome"].items()))
    rt = h.get("round_trip") or {}
    print(f"  stored values checked against the ORM's own preparation: {rt.get('values_compared', 0):,} compared, "
          f"{rt.get('differences', '?')} different" + (f" e.g. {rt['examples'][:2]}" if rt.get("examples") else ""))
    if r.get("database_mb_with_history"):
        print(f"  database with the history {r['database_mb_with_history']:,.0f} MB")
    passes = [(label, r["passes"][name].get("history")) for label, name in (("A", "as_imported"), ("B", "analyzed"))
              if name in r["passes"] and r["passes"][name].get("history")]
    if not passes:
        return
    print(f"  A = as generated (planner statistics: {r['passes']['as_imported']['planner_statistics']}); "
          f"B = after ANALYZE")
    if r["database"].get("autovacuum") == "off":
        print("  NB: autovacuum is off on this PostgreSQL server: after the bulk load the history tables have no "
              "statistics until B's ANALYZE, and no visibility map (counts read the heap, no index-only scans)")
    n = next(iter(passes[0][1].values()))["n"] if isinstance(next(iter(passes[0][1].values())), dict) else "?"
    print(f"  {n} requests each after 5 untimed (ms; server time around the call, django.test.Client logged in)")
    print(f"  {'':52} {'median':>7} {'p95':>7} {'max':>7}  {'target':>6}  verdict (FAILED: requests that failed)")
    keys = [k for k, v in passes[0][1].items() if isinstance(v, dict) and "p95_ms" in v]
    for key in keys:
        for label, m in passes:
            x = m[key]
            outcome = (f"FAILED {x['mismatch_count']}/{x['n']}" if x["mismatch_count"]
                       else verdict(x["p95_ms"], x["target_p95_ms"]))
            print(f"  {label} {x['title']:50} {x['median_ms']:7.2f} {x['p95_ms']:7.2f} {x['max_ms']:7.2f}  "
                  f"≤ {x['target_p95_ms']:3}  {outcome}")
            for f in x["mismatches"][:2]:
                print(f"      {f['input']}: {f['problem'][:160]}")
    for label, m in passes:
        if m.get("create_queries"):
            print(f"  {label}: one API create = {m['create_queries']} SQL statements")
    for label, m in passes:
        for key in keys:
            sl = m[key].get("slowest")
            if not sl or m[key]["p95_ms"] <= m[key]["target_p95_ms"] * 0.5:
                continue
            print(f"  {label} {key}: slowest {sl['ms']} ms ({sl['input']}); its {len(sl['select_ms'])} SELECTs alone: "
                  f"{' '.join(f'{ms:.1f}' for ms in sl['select_ms'])} ms")
            if sl.get("slowest_sql") and sl.get("slowest_statement_ms", 0) >= 2:
                print(f"      slowest SELECT {sl['slowest_statement_ms']} ms: {sl['slowest_sql'][:300]}")
                for line in sl.get("plan", [])[:12]:
                    print(f"        {line[:150]}")
    c = r.get("concurrency")
    if c:
        v = c["verification"]
        print("-" * 100)
        print(f"sustained creates over HTTP: {c['command']}")
        print(f"  {c['clients']} client processes (one keep-alive connection each, Bearer token of the operator), "
              f"{c['elapsed_s']} s: {c['requests']:,} requests, statuses {c['statuses']}")
        print(f"  {c['orders_per_s']} orders/s   target ≥ {c['target_orders_per_s']}: "
              f"{'PASS' if c['orders_per_s'] >= c['target_orders_per_s'] and not c['errors'] else 'BELOW target'}"
              f"; errors {c['errors']}; latency median {c['latency'].get('median_ms')} ms, p95 "
              f"{c['latency'].get('p95_ms')} ms, max {c['latency'].get('max_ms')} ms")
        for e in c["error_samples"][:3]:
            print(f"      {e[:200]}")
        cpu = c["cpu_seconds"]
        print(f"  CPU seconds in the window ({cpu['available']} available on {r['machine']['cores']} cores): gunicorn "
              f"{cpu['gunicorn']}, clients {cpu['clients']}, PostgreSQL backends {cpu['postgres_backends']}; "
              f"load average before {c['load_average'][0]}, after {c['load_average'][1]}")
        ms = c.get("cpu_ms_per_create")
        if ms:
            print(f"  CPU per created order: gunicorn {ms['gunicorn']} ms, PostgreSQL {ms['postgres_backends']} ms, "
                  f"clients {ms['clients']} ms; other processes on the machine used {cpu.get('other_processes', '?')} s, "
                  f"idle {cpu.get('idle', '?')} s; CPU s per gunicorn worker {c.get('worker_cpu_seconds')}")
        sp = c.get("server_profile")
        if sp and "samples" in sp:
            print(f"  py-spy on the gunicorn workers ({sp['samples']:,} samples while 4 clients ran on, "
                  f"{sp.get('orders_per_s_while_sampled')} orders/s then): inclusive share of the busy samples")
            for row in sp["inclusive_hotline"][:14]:
                print(f"      {row}")
            print("    own time (the function on top of the stack):")
            for row in sp["own"][:12]:
                print(f"      {row}")
        elif sp:
            print(f"  py-spy: {sp.get('error')}")
        print(f"  check in the database: {v['answered_201']:,} answered 201, {v['found_once']:,} found exactly once, "
              f"missing {v['missing']}, duplicated {v['duplicated']}, new rows in the window {v['new_rows_in_window']:,} "
              f"(+{v['warmup_orders']} warm-up), rows without a 201 {v['rows_not_answered']}: "
              f"{'OK' if v['ok'] else 'FAILED'}")
    for name, p in (r.get("request_profiles") or {}).items():
        print(f"  cProfile of {p['requests']} × {name} in the measuring process (django.test.Client; "
              f"{p['ms_per_request']} ms each under the profiler): "
              + ", ".join(f"{k} {v}%" for k, v in p["share_by_area"].items()))
        rows = [line for line in p["top_cumulative"] if "/hotline/" in line and line.split()[0][0].isdigit()]
        for line in rows[:12]:
            parts = line.split()
            if len(parts) >= 6 and parts[3].replace(".", "").isdigit():
                print(f"    {parts[3]:>7} s cumulative  {parts[0]:>6} calls  {parts[5].split('/work/main/')[-1]}")


def history_summary_lines(results: list[dict], line) -> None:
    with_history = [r for r in results if r.get("history")]
    if len(with_history) != len(results):
        return
    line("history generated (s)", [f"{r['history']['seconds']:.0f}" for r in results], "")
    line("history rows/s", [f"{r['history']['rows_per_s']:,}" for r in results], "")
    for pass_name, short in (("as_imported", "A"), ("analyzed", "B")):
        if not all(r["passes"].get(pass_name, {}).get("history") for r in results):
            continue
        ms = [r["passes"][pass_name]["history"] for r in results]
        for key, x in ms[0].items():
            if isinstance(x, dict) and "p95_ms" in x:
                line(f"{short} {x['title'][:46]}", [
                    f"{m[key]['p95_ms']:.2f}" + ("!" if m[key]["mismatch_count"] else "") for m in ms],
                    f"≤ {x['target_p95_ms']}")
    conc = [r.get("concurrency") for r in results]
    if any(conc):
        line("creates/s over HTTP, 4 clients", [f"{c['orders_per_s']}" if c else "-" for c in conc],
             f"≥ {CREATES_PER_S}")


# --- outages and the outbox -----------------------------------------------------------------------

def _timing_line(x: dict) -> str:
    if not x or not x.get("n"):
        return f"  {'':52} not measured: {(x or {}).get('error', '?')}"
    outcome = (f"FAILED {x['mismatch_count']}/{x['n']}" if x["mismatch_count"]
               else verdict(x["p95_ms"], x["target_p95_ms"]))
    return (f"  {x['title']:52} {x['median_ms']:7.2f} {x['p95_ms']:7.2f} {x['max_ms']:7.2f}  "
            f"≤ {x['target_p95_ms']:3}  {outcome}" + (f"  (results {x['avg_results']})" if "avg_results" in x else ""))


def print_outages(r: dict) -> None:
    o = r["outages"]
    print("-" * 100)
    print("outages and the outbox (benchmarks/measure_outages.py)")
    if o.get("error") and not o.get("announce"):
        print(f"  FAILED: {o['error']}")
        return
    a = o.get("announce")
    if a:
        print(f"  outage_announce {a['number']} (emergency) over {a['communities']} whole communities: "
              f"{a['affected_accounts']:,} affected accounts ({a['share_of_accounts']:.1%} of the accounts), "
              f"{a['mobile_numbers']:,} mobile numbers")
        print(f"    {a['seconds']:.2f} s for {a['messages']:,} messages ({a['mobile_numbers']:,} SMS, "
              f"{a['property_notices']} property notices; {a['messages_per_s']:,} messages/s)   target ≤ "
              f"{a['target_s']:.0f} s: {verdict(a['seconds'], a['target_s'])}")
        parts = a["parts_alone_s"]
        print(f"    the steps alone afterwards: count {parts['count']} s, one mobile number per account "
              f"{parts['customer_numbers']} s; delivery queued on commit: {o.get('kick_on_commit')}")
        print(f"  outage_extend (everyone again): {a['extend_seconds']:.2f} s for {a['extend_messages']:,} messages")
        for p in a["problems"]:
            print(f"    CHECK FAILED: {p}")
    d = o.get("delivery")
    if d and d.get("error"):
        print(f"  outbox delivery FAILED: {d['error']}")
    elif d:
        print(f"  outbox delivery: deliver_due → HttpSmsGateway → fake gateway (own process, 127.0.0.1, no delay); "
              f"batches of {d['batch']}, each run stops taking batches after {d['cap_seconds']:.0f} s; "
              f"{d['pending_before']:,} due at the start; planner: {d['planner_statistics']}")
        print(f"    the gateway alone (client, no database): {d['gateway_alone_per_s']:,} messages/s")
        for key in ("one_worker", "two_workers"):
            run = d.get(key)
            if not run:
                continue
            cpu = run["cpu_seconds_machine"]
            print(f"    {run['workers']} worker{'s' if run['workers'] > 1 else ' '} {run['messages_per_s']:>9,} messages/s "
                  f"({run['sent']:,} in {run['seconds']} s; retried {run['retried']}, failed {run['failed']}; "
                  f"CPU s: this process {run['cpu_seconds_measuring_process']}, machine {cpu['busy']}/{cpu['available']})"
                  + (f" errors {run['errors'][:2]}" if run["errors"] else ""))
        if "two_workers" not in d:
            print("    (SQLite: one worker; no FOR UPDATE SKIP LOCKED, the product delivers with one at a time)")
        c = d["check"]
        print(f"    check: {c['gateway_keys']:,} keys accepted by the gateway, {c['rows_sent']:,} rows marked sent, "
              f"same keys {c['keys_equal']}, gateway ids differing {c['gateway_id_mismatches']}, duplicate requests "
              f"{c['duplicates_at_gateway']}, bad signatures {c['rejected_signatures']}, left sending "
              f"{c['left_sending']}, failed {c['failed']}, still pending {c['left_pending']:,}: "
              f"{'OK' if c['ok'] else 'FAILED'}"
              + (" — every message delivered exactly once" if c["ok"] and c["all_delivered"] else
                 " — the delivered ones exactly once (the rest left by the time cap)" if c["ok"] else ""))
    m = o.get("outages")
    if m:
        print(f"  then {m['current_for_screen_pop']} current outages (the big one, 12 single communities, 3 over "
              f"buildings, 4 planned in the next 24 h), {m['public_only']} more on the public page only, "
              f"{m['past']} past ones ({m['total']} outages, {m['areas']} area pieces)")
    sp, pub = o.get("screen_pop"), o.get("public")
    if sp or pub:
        print(f"  {'(ms)':52} {'median':>7} {'p95':>7} {'max':>7}  {'target':>6}  verdict")
    if sp:
        for key in ("inside", "outside", "api_inside"):
            if key in sp:
                print(_timing_line(sp[key]))
                for f in (sp[key].get("mismatches") or [])[:2]:
                    print(f"      {f['input']}: {f['problem'][:160]}")
    if pub:
        for key in ("page", "page_q", "api", "api_q"):
            if key in pub:
                print(_timing_line(pub[key]))
                for f in (pub[key].get("mismatches") or [])[:2]:
                    print(f"      {f['input']}: {f['problem'][:160]}")
        print(f"    (public list: {pub['listed']} outages; queries such as {pub['examples']})")
    for group in (sp or {}, pub or {}):
        for x in group.values():
            sl = x.get("slowest") if isinstance(x, dict) else None
            if not sl or x["p95_ms"] <= x["target_p95_ms"] * 0.5:
                continue
            print(f"  {x['title']}: slowest {sl['ms']} ms; its {len(sl['select_ms'])} SELECTs alone: "
                  f"{' '.join(f'{ms:.1f}' for ms in sl['select_ms'])} ms")
            if sl.get("slowest_sql") and sl.get("slowest_statement_ms", 0) >= 2:
                print(f"      slowest SELECT {sl['slowest_statement_ms']} ms: {sl['slowest_sql'][:300]}")
                for line in sl.get("plan", [])[:12]:
                    print(f"        {line[:150]}")
    if o.get("error"):
        print(f"  FAILED: {o['error']}")


def outage_summary_lines(results: list[dict], line) -> None:
    outs = [r.get("outages") or {} for r in results]
    if not any(outs):
        return

    def get(o, *path, fmt="{:.2f}"):
        for p in path:
            o = o.get(p) if isinstance(o, dict) else None
        return "-" if o is None else fmt.format(o)

    line("outage_announce, ~5 % of accounts (s)", [get(o, "announce", "seconds") for o in outs],
         "≤ 5 s")
    line("  its messages", [get(o, "announce", "messages", fmt="{:,}") for o in outs], "")
    line("outage_extend (s)", [get(o, "announce", "extend_seconds") for o in outs], "")
    line("outbox delivery, 1 worker (messages/s)", [get(o, "delivery", "one_worker", "messages_per_s", fmt="{:,}")
                                                   for o in outs], "")
    line("outbox delivery, 2 workers (messages/s)", [get(o, "delivery", "two_workers", "messages_per_s", fmt="{:,}")
                                                    for o in outs], "")
    line("outbox: delivered exactly once", [
        "-" if not (o.get("delivery") or {}).get("check") else ("OK" if o["delivery"]["check"]["ok"] else "FAILED")
        for o in outs], "")
    for group, key in (("screen_pop", "inside"), ("screen_pop", "outside"), ("screen_pop", "api_inside"),
                       ("public", "page"), ("public", "page_q"), ("public", "api"), ("public", "api_q")):
        x = next((o[group][key] for o in outs if o.get(group, {}).get(key, {}).get("n")), None)
        if x is None:
            continue
        line(x["title"][:50], [get(o, group, key, "p95_ms") + ("!" if (o.get(group, {}).get(key) or {})
                                                                 .get("mismatch_count") else "") for o in outs],
             f"≤ {x['target_p95_ms']}")
