"""City-scale benchmark of Hotline: account import, search latency and account pages; two years of calls
and work orders, screen pops, order creation, lists and transitions; sustained creates over HTTP.

    .venv/bin/python benchmarks/run.py [--accounts N] [--calls N] [--orders N] [--postgres URL]
                                       [--queries N] [--pages N] [--load-seconds S]
                                       [--cti-seconds S] [--pop-samples N] [--cases-seconds S]

Builds (once, cached in benchmarks/data/) a CSV of N demo-city accounts in the billing import
format, then measures each database in its own subprocess (benchmarks/measure.py), because Django
reads the database settings at import: SQLite always, PostgreSQL when --postgres URL,
BENCH_POSTGRES_URL or DATABASE_URL is given. Prints a report and writes the figures to
benchmarks/data/results-<db>.json. After each database's measurements, CTI events, the live screen pop
and 12345 cases over HTTP (benchmarks/measure_cti.py) in one more subprocess on the same database.
See benchmarks/README.md.
"""

import argparse
import csv
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DATA = BENCH_DIR / "data"
SEED = 2026
PG_DEFAULT_DB = "hotline_bench"
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

from measure_cti import print_cti_report, print_cti_summary  # noqa: E402
from report import print_report, print_summary  # noqa: E402

# --- data set -------------------------------------------------------------------------------------

def generator_fingerprint() -> str:
    """A digest of the demo city's source: a cached data set is stale once the generator changes."""
    import hashlib

    return hashlib.sha256((ROOT / "hotline" / "demo" / "city.py").read_bytes()).hexdigest()[:16]


def build_csv(accounts: int, seed: int) -> Path:
    """The CSV of ``accounts`` demo-city accounts; reused when it was already written for the same N and
    seed by the same version of hotline/demo/city.py (recorded beside it in a .json file)."""
    path = DATA / f"accounts-seed{seed}-n{accounts}.csv"
    meta_path = path.with_suffix(".json")
    meta = {"accounts": accounts, "seed": seed, "generator": generator_fingerprint()}
    if path.exists() and meta_path.exists() and json.loads(meta_path.read_text()) == meta:
        print(f"data set: reusing {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.0f} MB)")
        return path
    # COLUMNS lives in a module that imports the models: Django must be set up (no database is used).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["HOTLINE_DATA_DIR"] = str(DATA / "settings-only")
    import django

    django.setup()
    from hotline.customers.imports.accounts import COLUMNS
    from hotline.demo.city import DemoCity

    print(f"data set: writing {accounts:,} accounts (seed {seed}) to {path.relative_to(ROOT)} …", flush=True)
    started = time.perf_counter()
    partial = path.with_suffix(".csv.partial")
    with partial.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        for n, row in enumerate(DemoCity(seed=seed).account_rows(accounts), start=1):
            writer.writerow(row)
            if n % 200_000 == 0:
                print(f"  {n:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
    partial.rename(path)  # only a complete file is ever reused
    meta_path.write_text(json.dumps(meta))
    print(f"data set: {accounts:,} rows, {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s")
    return path


# --- machine --------------------------------------------------------------------------------------

def machine() -> dict:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# --- databases ------------------------------------------------------------------------------------

def postgres_url(explicit: str | None) -> str | None:
    url = explicit or os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    # The URL names the server; the benchmark always works in a database of its own, which it drops and
    # recreates. A URL that names another database (the test suite's DATABASE_URL, say) is not touched.
    if "bench" not in name or name in PROTECTED_DATABASES:
        if name:
            print(f"PostgreSQL: using database {PG_DEFAULT_DB} on that server, not {name}")
        name = PG_DEFAULT_DB
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    assert name not in PROTECTED_DATABASES and "bench" in name
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL(
            "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        ).format(sql.Identifier(name)))


def run_database(label: str, env_db: dict, csv_path: Path, args) -> dict | None:
    """Measure one database in a fresh subprocess; returns its figures (None if it failed)."""
    out = DATA / f"results-{label}.json"
    out.unlink(missing_ok=True)
    data_dir = DATA / f"{label}-run"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "static").mkdir(parents=True)  # STATIC_ROOT: WhiteNoise warns when it is missing
    # The run imports its own link to the data set, which stays whole whatever happens to the cache.
    run_csv = data_dir / csv_path.name
    try:
        os.link(csv_path, run_csv)
    except OSError:
        shutil.copyfile(csv_path, run_csv)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HOTLINE_DATA_DIR", "QUEUE_URL"}}
    env.update(env_db)
    env.update({
        "HOTLINE_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "PYTHONUNBUFFERED": "1",
    })
    cmd = [sys.executable, str(BENCH_DIR / "measure.py"), "--label", label, "--csv", str(run_csv),
           "--accounts", str(args.accounts), "--seed", str(SEED), "--queries", str(args.queries),
           "--pages", str(args.pages), "--calls", str(args.calls), "--orders", str(args.orders),
           "--load-seconds", str(args.load_seconds), "--out", str(out)]
    if args.explain:
        cmd.append("--explain")
    print(f"\n=== {label}: measuring in a subprocess ({'DATABASE_URL=' + env_db['DATABASE_URL'] if 'DATABASE_URL' in env_db else 'HOTLINE_DATA_DIR=' + str(data_dir.relative_to(ROOT))}) ===", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if proc.returncode != 0 or not out.exists():
        print(f"!!! {label}: the measurement failed (exit status {proc.returncode})")
        return None
    results = json.loads(out.read_text())
    if args.cti_seconds > 0 or args.pop_samples > 0 or args.cases_seconds > 0:
        results["cti_http"] = run_cti(label, env, data_dir, args)
    results["machine"] = machine_info
    results["command"] = " ".join(sys.argv)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return results


def run_cti(label: str, env: dict, data_dir: Path, args) -> dict:
    """CTI events, the live pop and 12345 cases over HTTP (benchmarks/measure_cti.py) on the database the
    measurements left, in a subprocess of their own (the same environment); their figures, or the error."""
    out = DATA / f"results-cti-{label}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(BENCH_DIR / "measure_cti.py"), "--label", label, "--cti-seconds", str(args.cti_seconds),
           "--pop-samples", str(args.pop_samples), "--cases-seconds", str(args.cases_seconds), "--out", str(out),
           "--no-report"]
    print(f"\n=== {label}: CTI, live pop and 12345 over HTTP (benchmarks/measure_cti.py) ===", flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if not out.exists():
        return {"error": f"measure_cti.py failed (exit status {proc.returncode})"}
    figures = json.loads(out.read_text())
    out.unlink()  # kept in results-<label>.json
    return figures


def hold_lock():
    """One benchmark at a time per work tree: a second run would delete the first one's SQLite database
    (benchmarks/data/sqlite-run/) and drop its PostgreSQL database under it. Returns the open lock file
    (held until the process ends), or None when another run holds it."""
    import fcntl

    fh = (DATA / "run.lock").open("a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        print(f"!!! another benchmark run is in progress ({fh.read().strip() or 'pid unknown'}); "
              "it uses benchmarks/data/ and the benchmark database: wait for it to finish")
        return None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
    fh.flush()
    return fh


def main() -> int:
    global machine_info
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000, help="accounts in the data set (default 1,000,000)")
    parser.add_argument("--postgres", metavar="URL",
                        help="PostgreSQL server to measure too (default: env BENCH_POSTGRES_URL or DATABASE_URL); "
                             f"the benchmark uses its own database on it ({PG_DEFAULT_DB}), dropped and recreated")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only, even when DATABASE_URL is set")
    parser.add_argument("--queries", type=int, default=200, help="queries per search kind (default 200)")
    parser.add_argument("--pages", type=int, default=200, help="account pages and API calls measured (default 200)")
    parser.add_argument("--explain", action="store_true", help="print the query plans of the slowest search per kind")
    parser.add_argument("--calls", type=int, default=5_000_000, help="calls in the generated history (default 5,000,000)")
    parser.add_argument("--orders", type=int, default=2_000_000,
                        help="work orders in the generated history (default 2,000,000); --calls 0 --orders 0: no history")
    parser.add_argument("--load-seconds", type=float, default=30,
                        help="PostgreSQL: seconds of sustained creates over HTTP (gunicorn, 4 clients); 0: skip")
    parser.add_argument("--cti-seconds", type=float, default=20,
                        help="seconds of CTI events over HTTP (gunicorn, 4 senders; benchmarks/measure_cti.py); 0: skip")
    parser.add_argument("--pop-samples", type=int, default=50,
                        help="ringing → screen pop samples in Chromium, alone and under CTI load; 0: skip")
    parser.add_argument("--cases-seconds", type=float, default=20,
                        help="seconds of 12345 cases over HTTP (4 senders); 0: skip")
    args = parser.parse_args()
    if args.accounts < 1000:
        parser.error("--accounts: at least 1000")
    if (args.calls or args.orders) and not (args.calls and args.orders):
        parser.error("--calls and --orders: both, or neither (0 and 0)")

    DATA.mkdir(parents=True, exist_ok=True)
    lock = hold_lock()
    if lock is None:
        return 2
    run_started = time.perf_counter()
    machine_info = machine()
    print("Hotline benchmark")
    print(f"machine: {machine_info['cores']} cores, {machine_info['cpu']}, {machine_info['memory_gb']} GB RAM; "
          f"{machine_info['os']}; load average {machine_info['load_average']}")
    csv_path = build_csv(args.accounts, SEED)

    runs = [("sqlite", {})]
    pg = None if args.no_postgres else postgres_url(args.postgres)
    if pg:
        runs.append(("postgres", {"DATABASE_URL": pg}))
    else:
        print("PostgreSQL: not measured (give --postgres URL or set BENCH_POSTGRES_URL / DATABASE_URL)")

    all_results = []
    for label, env_db in runs:
        if label == "postgres":
            try:
                recreate_postgres(env_db["DATABASE_URL"])
            except Exception as exc:
                print(f"!!! postgres: cannot create the benchmark database: {exc}")
                continue
        results = run_database(label, env_db, csv_path, args)
        if results:
            print_report(results)
            if results.get("cti_http"):
                print_cti_report(results["cti_http"])
            all_results.append(results)
    if len(all_results) > 1:
        print_summary(all_results)
        print_cti_summary([r.get("cti_http") or {} for r in all_results])
    for r in all_results:
        print(f"figures: {(DATA / ('results-' + r['label'] + '.json')).relative_to(ROOT)}")
    print(f"whole run {time.perf_counter() - run_started:.0f} s ({(time.perf_counter() - run_started) / 60:.1f} min); "
          f"load average now {[round(x, 2) for x in os.getloadavg()]}")
    return 0 if len(all_results) == len(runs) else 1


machine_info: dict = {}

if __name__ == "__main__":
    sys.exit(main())
