"""What the telephone system and the 12345 platform post, ingested over HTTP against gunicorn, and the live
screen pop in the operator's browser. Run by benchmarks/run.py in a subprocess per database after
measure.py (on the database it left: a million accounts, two years of calls), or alone on a database of
its own:

    .venv/bin/python benchmarks/measure_cti.py --prepare                  # SQLite in benchmarks/data/cti-run/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_cti_bench \\
        .venv/bin/python benchmarks/measure_cti.py --prepare --cti-seconds 20 --pop-samples 50 --cases-seconds 20

(It migrates the database first; --prepare: when the database has no demo city yet, load one with
--accounts accounts and no history. A PostgreSQL database must exist and have "bench" in its name.)

1. **CTI events per second.** gunicorn as in measure_history.concurrency (2 workers × 4 threads, each
   worker holding at most 2 of the 4 connections), a token of the ``pbx`` user, and the call simulator's
   sender (hotline/calls/simulator.py: a day of calls planned with ``plan_day``, ``replay`` at speed 0
   with 4 sender threads, one connection each, its standard-library client) for ``--cti-seconds``.
   (With 4 threads a worker keeps no connection alive — gunicorn's gthread worker does so only while
   worker-connections exceed threads, and says so in its log — so each event comes on a new connection,
   as each order does in the sustained creates.) Reported: events/s, status
   codes, latency p50/p95/max, CPU seconds by process (gunicorn, the senders, PostgreSQL backends, the
   rest of the machine, idle) and per event. Checked in the database: every call the server accepted
   events of exists once (``cti_call_id`` is unique), with the line state and outcome its accepted events
   give (answered / missed / abandoned for those that ended), no other call has the run's prefix, and
   the events stored are the events accepted.
2. **Ringing → pop.** Chromium (Playwright, Debian's /usr/bin/chromium) logged in as the demo ``operator``
   (extension 8001) on /calls/; for each sample a ``ringing`` event for 8001 (``at`` now, a demo account's
   phone) is posted, and the time from just before the POST to the moment ``#live-call[data-call-id=…]``
   is in the page and visible (a MutationObserver in the page takes the time, on the same clock) is the
   figure; then the call is answered and hung up, and the banner must go. Samples start at a random
   moment (0–0.5 s) so that they fall anywhere in the page's 0.5 s polling. gunicorn as ``manage.py
   serve`` runs it (2 workers × 4 threads, no connection cap: the browser needs its own connections).
   Twice: alone, and while ``manage.py simulate_calls --speed 0`` sends the load of 1 (to the other
   seats) from a second process.
3. **12345 cases per second.** ``POST /api/v1/gov12345/cases`` from 4 sender threads (httpx, one
   connection each) with a token of the ``gov12345`` user, for ``--cases-seconds``, on the server of 1.
   Each case a new case_id, a category of the platform's, a demo address and phone. Checked: every
   case answered 201 exists once, with its work order of source 12345; no other case has the prefix.

The figures go to --out as JSON and are printed (``print_cti_report``).
"""

import argparse
import json
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CTI_TARGET_PER_S = 500
POP_TARGET_P95_MS = 1000
POP_AGENT = "8001"  # the demo operator's extension
POP_USER, POP_PASSWORD = "operator", "hotline-demo"
SENDERS = 4
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CATEGORIES = ["冻管", "水表冻裂", "水压低", "管道漏水", "表前漏水", "主管道漏水", "消防栓漏水", "水质浑浊", "停水",
              "水费异常", "井盖缺失", "阀门故障"]
# Takes the moment the banner of a call is in the page and visible (epoch ms, the machine's clock).
POP_OBSERVER = """
(() => {
  window.__pops = {};
  const check = () => {
    const el = document.getElementById("live-call");
    if (el && el.dataset.callId && !(el.dataset.callId in window.__pops) && el.getClientRects().length) {
      window.__pops[el.dataset.callId] = performance.timeOrigin + performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
})();
"""


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def stats_ms(values_ms: list[float]) -> dict:
    ms = sorted(values_ms)
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "median_ms": round(ms[(len(ms) - 1) // 2], 1),
            "p95_ms": round(ms[max(0, math.ceil(0.95 * len(ms)) - 1)], 1), "max_ms": round(ms[-1], 1),
            "mean_ms": round(sum(ms) / len(ms), 1)}


# --- the server -------------------------------------------------------------------------------------

class Server:
    """gunicorn on this database (DEBUG off, a fresh SECRET_KEY), stopped on leaving the block."""

    def __init__(self, data_dir: Path, *, workers: int = 2, threads: int = 4, worker_connections: int | None = None):
        from measure_history import _free_port

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(workers), "--threads", str(threads),
                    "--error-logfile", str(data_dir / "gunicorn-cti.log")]
        if worker_connections:
            self.cmd += ["--worker-connections", str(worker_connections)]
        self.env = {**os.environ, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(40),
                    "HOTLINE_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        self.description = " ".join(["gunicorn", *self.cmd[3:]]).split(" --error-logfile")[0] + (
            f" --worker-connections {worker_connections}" if worker_connections else "")

    def __enter__(self):
        from measure_history import _children, _wait_ready

        # Django's own log (the traceback behind a 500) goes to gunicorn-cti.stderr in the data directory.
        with (Path(self.env["HOTLINE_DATA_DIR"]) / "gunicorn-cti.stderr").open("ab") as stderr:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=stderr)
        _wait_ready(self.port, self.proc)
        self.pids = [self.proc.pid, *_children(self.proc.pid)]
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Cpu:
    """CPU seconds of the server, the senders (this process, or others), the PostgreSQL backends of this
    database, the rest of the machine and idle, between ``start`` and ``stop`` (from /proc)."""

    def __init__(self, server: Server, sender_pids: list[int] | None = None):
        from django.db import connection
        from measure_history import _backend_pids

        self.server, self.senders = server, sender_pids or [os.getpid()]
        self.backends = _backend_pids() if connection.vendor == "postgresql" else []

    def _now(self):
        from measure_history import _cpu_seconds, _machine_busy

        return (_cpu_seconds(self.server.pids), _cpu_seconds(self.senders), _cpu_seconds(self.backends),
                _machine_busy(), {pid: _cpu_seconds([pid]) for pid in self.server.pids[1:]})

    def start(self):
        self.before = self._now()
        return self

    def stop(self, units: int) -> dict:
        after, before = self._now(), self.before
        ours = sum(after[i] - before[i] for i in range(3))
        busy = after[3][0] - before[3][0]
        seconds = {"gunicorn": round(after[0] - before[0], 2), "senders": round(after[1] - before[1], 2),
                   "postgres_backends": round(after[2] - before[2], 2),
                   "other_processes": round(max(0.0, busy - ours), 2),
                   "idle": round(max(0.0, (after[3][1] - before[3][1]) - busy), 2),
                   "available": round(after[3][1] - before[3][1], 2)}
        return {"cpu_seconds": seconds,
                "gunicorn_workers": [round(after[4][pid] - before[4].get(pid, 0), 2) for pid in after[4]],
                "cpu_ms_per_unit": {k: round(v * 1000 / max(1, units), 3) for k, v in seconds.items()
                                    if k in ("gunicorn", "senders", "postgres_backends", "other_processes")},
                "backends_measured": len(self.backends)}


# --- helpers ----------------------------------------------------------------------------------------

def system_token(username: str) -> str:
    """A fresh API token of the system user ``username`` (made with its role if missing)."""
    from hotline.org.models import User
    from hotline.org.roles import Role
    from hotline.org.services import api_token_create

    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    user, _ = User.objects.get_or_create(username=username, defaults={"role": username, "password": "!",
                                                                        "full_name": username})
    return api_token_create(actor=admin, user=user, name=f"benchmark {time.strftime('%H:%M:%S')}")[1]


def seats(exclude: str = "") -> list[str]:
    from hotline.org.models import User

    extensions = sorted(User.objects.filter(is_active=True).exclude(extension__isnull=True).exclude(extension="")
                        .exclude(extension=exclude).values_list("extension", flat=True))
    return extensions or [str(n) for n in range(8002, 8010)]


def account_phones(count: int, seed: int) -> list[str]:
    from hotline.customers.models import AccountPhone

    rng = random.Random(seed)
    last = AccountPhone.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if not last:
        return []
    ids = {rng.randint(1, last) for _ in range(count)}
    return sorted(set(AccountPhone.objects.filter(id__in=ids).values_list("number", flat=True)))


def check_calls(prefix: str, expected: dict[str, tuple[str, str]], events_stored_expected: int) -> dict:
    """The calls of the run in the database against what the server accepted."""
    from django.db.models import Count

    from hotline.calls.models import Call, CtiEvent

    rows = list(Call.objects.filter(cti_call_id__startswith=prefix + "-")
                .values_list("cti_call_id", "line_state", "outcome"))
    found = {cid: (state, outcome) for cid, state, outcome in rows}
    missing = [cid for cid in expected if cid not in found]
    extra = [cid for cid in found if cid not in expected]
    wrong = [cid for cid, (state, outcome) in expected.items() if cid in found and (
        found[cid][0] != state or (state == "ended" and found[cid][1] != outcome))]
    sent_outcomes = Counter(outcome for state, outcome in expected.values() if state == "ended")
    db_outcomes = Counter(found[cid][1] for cid, (state, _o) in expected.items()
                          if state == "ended" and cid in found and found[cid][0] == "ended")
    states = Counter(state for state, _o in found.values())
    doubled = (Call.objects.filter(cti_call_id__startswith=prefix + "-").values("cti_call_id")
               .annotate(n=Count("id")).filter(n__gt=1).count())
    events = CtiEvent.objects.filter(call_id__startswith=prefix + "-").count()
    ok = (not missing and not extra and not wrong and not doubled and len(rows) == len(expected)
          and events == events_stored_expected and dict(sent_outcomes) == dict(db_outcomes))
    return {"calls_expected": len(expected), "calls_found": len(rows), "missing": len(missing), "extra": len(extra),
            "duplicated": doubled, "wrong_state": len(wrong), "wrong_examples": wrong[:3],
            "ended_sent": dict(sent_outcomes.most_common()), "ended_in_db": dict(db_outcomes.most_common()),
            "states_in_db": dict(states.most_common()), "events_stored": events,
            "events_expected": events_stored_expected, "ok": ok}


# --- 1. CTI events per second -----------------------------------------------------------------------

def measure_cti_ingest(server: Server, seconds: float, *, profile_seconds: float = 0, seed: int = 11) -> dict:
    from django.utils import timezone

    from hotline.calls.simulator import CtiSender, plan_day, replay

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    # The standard library's client: a third of httpx's CPU per request, on the cores the server needs.
    sender = CtiSender(server.url, token=system_token("pbx"), client="stdlib")
    agents = seats(exclude=POP_AGENT)  # the operator of the pop measurement is left alone
    known = account_phones(2000, seed)
    stamp = f"{int(time.time()):x}"
    # Warm-up (not timed, not checked): every worker has loaded its code, every connection is open.
    warm = plan_day(day=today, tz=tz, agents=agents, calls=60, known_numbers=known, seed=seed, prefix=f"bw{stamp}")
    replay(warm, sender, speed=0, concurrency=SENDERS)
    prefix = f"b{stamp}"
    calls = max(1000, int(seconds * 500))  # more than the server could take in the time (~1,500 events/s)
    plan = plan_day(day=today, tz=tz, agents=agents, calls=calls, known_numbers=known, seed=seed, prefix=prefix)
    cpu = Cpu(server).start()
    result = replay(plan, sender, speed=0, duration=seconds, concurrency=SENDERS)
    summary = result.summary()
    out = {"server": server.description, "senders": SENDERS, "duration_s": seconds, "agents": len(agents),
           "plan": {k: v for k, v in plan.figures().items() if k != "by_hour"}} | summary
    out |= cpu.stop(result.sent)
    out["plan_exhausted"] = not result.stopped_early
    out["target_events_per_s"] = CTI_TARGET_PER_S
    out["verification"] = check_calls(prefix, result.expected(), result.ok - result.duplicates)
    v = out["verification"]
    if profile_seconds > 0:
        more = plan_day(day=today, tz=tz, agents=agents, calls=max(500, int(profile_seconds * 500)),
                        known_numbers=known, seed=seed + 1, prefix=f"bp{stamp}")
        out["server_profile"] = _profiled(server, profile_seconds, lambda: replay(
            more, sender, speed=0, duration=profile_seconds, concurrency=SENDERS).summary()["events_per_s"])
    log(f"CTI: {summary['events_sent']:,} events in {summary['elapsed_s']} s = {summary['events_per_s']} events/s, "
        f"errors {summary['errors']}, p50 {summary['latency_ms']['p50']} ms, p95 {summary['latency_ms']['p95']} ms; "
        f"CPU s {out['cpu_seconds']}; check {'OK' if v['ok'] else 'FAILED'} {v}")
    return out


def _profiled(server: Server, seconds: float, load) -> dict:
    """py-spy (when installed in the venv) samples the gunicorn workers while ``load()`` runs: the share
    of the samples per function (measure_history._collapsed_profile)."""
    from measure_history import _collapsed_profile

    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        return {"error": "py-spy is not installed in the venv (.venv/bin/pip install py-spy)"}
    out = Path(server.env["HOTLINE_DATA_DIR"]) / "py-spy-cti.txt"
    out.unlink(missing_ok=True)
    proc = subprocess.Popen([str(spy), "record", "--pid", str(server.proc.pid), "--subprocesses", "--rate", "250",
                             "--duration", str(int(seconds)), "--format", "raw", "--nonblocking", "--output",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)  # py-spy attaches
    rate = load()
    output, _ = proc.communicate(timeout=seconds + 60)
    extra = {"file": str(out)} if proc.returncode == 0 and out.exists() else {"error": output[-500:]}
    return _collapsed_profile(extra) | {"events_per_s_while_sampled": rate}


# --- 2. ringing → pop -------------------------------------------------------------------------------

def measure_pop(server: Server, samples: int, *, load_seconds_cap: float = 0, seed: int = 5) -> dict:
    """``samples`` pops in the operator's browser; with ``load_seconds_cap`` > 0, while simulate_calls sends
    the CTI load from another process (stopped when the samples are done, or after the cap)."""
    from django.utils import timezone

    from hotline.calls.simulator import CtiSender
    from hotline.org.models import User

    if not CHROMIUM.exists():
        return {"error": f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)"}
    operator = User.objects.filter(username=POP_USER).first()
    if operator is None or operator.extension != POP_AGENT:
        return {"error": f"the user {POP_USER} with extension {POP_AGENT} is not in this database"}
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    token = system_token("pbx")
    sender = CtiSender(server.url, token=token, client="stdlib")
    numbers = account_phones(samples * 2, seed) or ["13800000000"]
    prefix = f"pop{int(time.time()):x}{'L' if load_seconds_cap else ''}"
    load = _start_load(server, token, load_seconds_cap) if load_seconds_cap else None
    latencies, post_ms, failures, not_cleared = [], [], [], 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            context.add_init_script(POP_OBSERVER)
            page = context.new_page()
            page.goto(server.url + "/login/")
            form = page.locator("form:has(input[name=password])")
            form.locator("input[name=username]").fill(POP_USER)
            form.locator("input[name=password]").fill(POP_PASSWORD)
            form.locator("button[type=submit]").click()
            page.wait_for_load_state()
            page.goto(server.url + "/calls/")
            try:
                page.wait_for_selector("#live-slot", state="attached", timeout=10_000)
            except PlaywrightTimeout:
                raise RuntimeError(f"no #live-slot on {page.url} ({page.title()!r}) after logging in as {POP_USER}")
            with sender.client() as client:
                for i in range(samples):
                    call_id = f"{prefix}-{i}"
                    body = {"call_id": call_id, "from": rng.choice(numbers), "to": "96889", "queue": "hotline",
                            "agent": POP_AGENT}
                    time.sleep(rng.uniform(0, 0.5))  # anywhere in the page's polling interval
                    started_ms = time.time() * 1000
                    status, seconds, answer = sender.post(
                        client, {"event": "ringing", **body, "at": timezone.now().isoformat()})
                    post_ms.append(seconds * 1000)
                    if status != "200":
                        failures.append(f"ringing {call_id}: {status} {str(answer)[:200]}")
                        continue
                    try:
                        page.wait_for_function("id => window.__pops && window.__pops[id]", arg=call_id, timeout=10_000)
                        latencies.append(page.evaluate("id => window.__pops[id]", call_id) - started_ms)
                    except PlaywrightTimeout:
                        failures.append(f"{call_id}: no pop within 10 s")
                    answered_at = timezone.now()
                    for event, extra in (("answered", {}), ("hangup", {"cause": "answered"})):
                        status, _s, answer = sender.post(client, {"event": event, **body, **extra,
                                                                  "at": answered_at.isoformat()})
                        if status != "200":
                            failures.append(f"{event} {call_id}: {status} {str(answer)[:200]}")
                    try:  # the banner goes when the call has ended (not timed)
                        page.wait_for_function("id => !document.querySelector(`#live-call[data-call-id=\"${id}\"]`)",
                                               arg=call_id, timeout=5_000)
                    except PlaywrightTimeout:
                        not_cleared += 1
                    # An idle call panel again, so that the next banner fills it as the first did.
                    page.evaluate("() => { for (const id of ['call-number', 'id_summary']) { const el = "
                                  "document.getElementById(id); if (el) el.value = ''; } }")
            browser.close()
    finally:
        load_result = _stop_load(load) if load else None
    out = {"server": server.description, "samples": samples, "pop": stats_ms(latencies),
           "ringing_post": stats_ms(post_ms), "failures": len(failures), "failure_samples": failures[:5],
           "banner_not_cleared": not_cleared, "target_p95_ms": POP_TARGET_P95_MS,
           "poll_interval_ms": 500}
    if load_result is not None:
        out["load"] = load_result
    log(f"pop{' under load' if load else ''}: p50 {out['pop'].get('median_ms')} ms, p95 {out['pop'].get('p95_ms')} ms, "
        f"max {out['pop'].get('max_ms')} ms over {len(latencies)} samples, failures {len(failures)}"
        + (f"; load {load_result.get('events_per_s')} events/s, errors {load_result.get('errors')}" if load else ""))
    return out


def _start_load(server: Server, token: str, cap: float) -> dict:
    out = Path(server.env["HOTLINE_DATA_DIR"]) / "cti-load.json"
    out.unlink(missing_ok=True)
    prefix = f"bl{int(time.time()):x}"
    cmd = [sys.executable, "manage.py", "simulate_calls", "--url", server.url, "--calls", str(int(cap * 500)),
           "--speed", "0", "--duration", str(cap), "--concurrency", str(SENDERS), "--token", token,
           "--agents", ",".join(seats(exclude=POP_AGENT)), "--client", "stdlib", "--seed", "12", "--prefix", prefix, "--json", str(out),
           "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "LOG_LEVEL": "WARNING"}, stdout=subprocess.PIPE,
                            text=True)
    for line in proc.stdout:  # the plan is made: it sends from now on
        if line.startswith("sending to"):
            break
    time.sleep(2)  # the load is up to speed
    return {"proc": proc, "out": out, "prefix": prefix}


def _stop_load(load: dict) -> dict:
    proc = load["proc"]
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return {"error": "simulate_calls did not stop"}
    if not load["out"].exists():
        return {"error": f"simulate_calls wrote no figures (exit status {proc.returncode})"}
    written = json.loads(load["out"].read_text())
    s = written["summary"]
    expected = {cid: tuple(v) for cid, v in written["expected"].items()}
    check = check_calls(load["prefix"], expected, s["events_ok"] - s["duplicates"])
    return {k: s[k] for k in ("events_sent", "events_ok", "errors", "errors_by_status", "elapsed_s", "events_per_s",
                              "latency_ms", "calls_started", "calls_ended")} | {"verification": check}


# --- 3. 12345 cases per second ------------------------------------------------------------------------

def measure_cases(server: Server, seconds: float, *, seed: int = 13) -> dict:
    import httpx
    from django.utils import timezone

    from hotline.customers.models import Community
    from hotline.integrations.models import Case
    from hotline.workorders.models import Source, WorkOrder

    token = system_token("gov12345")
    communities = list(Community.objects.order_by("id").values_list("name", flat=True)[:200]) or ["中央公园2期"]
    phones = account_phones(2000, seed) or ["13800000000"]
    stamp = f"{int(time.time()):x}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def case(rng: random.Random, case_id: str) -> bytes:
        now = timezone.now()
        community = rng.choice(communities)
        room = f"{rng.randint(1, 20)}号楼{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        category = rng.choice(CATEGORIES)
        return json.dumps({
            "case_id": case_id, "received_at": (now - timedelta(minutes=rng.randint(5, 90))).isoformat(),
            "title": f"{community}{category}", "content": f"市民反映{community}{room}{category}，请尽快处理。",
            "category": category, "address": f"{community}{room}", "caller": "市民", "phone": rng.choice(phones),
            "sign_deadline": (now + timedelta(hours=1)).isoformat(),
            "reply_deadline": (now + timedelta(days=5)).isoformat(),
        }, ensure_ascii=False).encode()

    def sender(i: int, prefix: str, window: dict, count: int | None, out: dict):
        rng = random.Random(seed * 100 + i)
        statuses, latencies, created, errors = Counter(), [], [], []
        n = 0
        with httpx.Client(base_url=server.url, timeout=30) as client:
            window["barrier"].wait()  # connected and ready: all start together
            deadline = window["deadline"]
            while (deadline is None or time.monotonic() < deadline) and (count is None or n < count):
                n += 1
                case_id = f"{prefix}-{i}-{n}"
                t = time.perf_counter()
                try:
                    response = client.post("/api/v1/gov12345/cases", content=case(rng, case_id), headers=headers)
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status, response = "exception", None
                    errors.append(f"{type(exc).__name__}: {exc}")
                latencies.append((time.perf_counter() - t) * 1000)
                statuses[status] += 1
                if status == "201":
                    created.append(case_id)
                elif response is not None and len(errors) < 10:
                    errors.append(f"{status} {case_id}: {response.text[:300]}")
        out[i] = (statuses, latencies, created, errors)

    def run(prefix: str, seconds: float | None, count: int | None) -> dict:
        window = {"barrier": threading.Barrier(SENDERS + 1), "deadline": None}
        outs: dict = {}
        threads = [threading.Thread(target=sender, args=(i, prefix, window, count, outs)) for i in range(SENDERS)]
        for t in threads:
            t.start()
        if seconds:
            window["deadline"] = time.monotonic() + seconds
        window["barrier"].wait()
        started = time.monotonic()
        for t in threads:
            t.join()
        return {"outs": outs, "elapsed": time.monotonic() - started}

    run(f"BW{stamp}", None, 3)  # warm-up: 3 cases per sender, not timed
    cases_before = Case.objects.count()
    cpu = Cpu(server).start()
    timed = run(f"B{stamp}", seconds, None)
    statuses, latencies, created, errors = Counter(), [], [], []
    for s, lat, c, e in timed["outs"].values():
        statuses.update(s)
        latencies += lat
        created += c
        errors += e
    sent = sum(statuses.values())
    out = {"server": server.description, "senders": SENDERS, "duration_s": seconds, "requests": sent,
           "statuses": dict(statuses), "created": len(created), "elapsed_s": round(timed["elapsed"], 2),
           "cases_per_s": round(len(created) / timed["elapsed"], 1), "errors": sent - len(created),
           "error_samples": errors[:5], "latency": stats_ms(latencies)}
    out |= cpu.stop(len(created))
    rows = list(Case.objects.filter(case_id__startswith=f"B{stamp}-").values_list("case_id", "order_id"))
    in_db = Counter(cid for cid, _o in rows)
    orders = WorkOrder.objects.filter(pk__in=[o for _c, o in rows], source=Source.GOV_12345).count()
    out["verification"] = v = {
        "answered_201": len(created), "found": sum(1 for cid in created if in_db.get(cid) == 1),
        "missing": sum(1 for cid in created if cid not in in_db), "not_answered": len(set(in_db) - set(created)),
        "orders_of_source_12345": orders, "new_cases": Case.objects.count() - cases_before,
    }
    v["ok"] = (v["found"] == len(created) == len(rows) == orders == v["new_cases"] and not v["missing"]
               and not v["not_answered"] and out["errors"] == 0)
    log(f"12345: {len(created):,} cases in {out['elapsed_s']} s = {out['cases_per_s']} cases/s, errors {out['errors']}, "
        f"p50 {out['latency'].get('median_ms')} ms, p95 {out['latency'].get('p95_ms')} ms; CPU s {out['cpu_seconds']}; "
        f"check {'OK' if v['ok'] else 'FAILED'} {v}")
    return out


# --- the report -------------------------------------------------------------------------------------

def _verdict(ok: bool) -> str:
    return "PASS" if ok else "OVER target"


def print_cti_report(r: dict) -> None:
    """The figures of one database's run (no Django needed: run.py prints with it)."""
    if set(r) == {"error"}:
        print(f"\nCTI, live pop and 12345 over HTTP: FAILED {r['error']}")
        return
    print(f"\nCTI, live pop and 12345 over HTTP — {r.get('label')} ({r.get('database', {}).get('vendor', '?')} "
          f"{r.get('database', {}).get('version', '')}; benchmarks/measure_cti.py)")
    c = r.get("cti")
    if c and "error" not in c:
        lat, v = c["latency_ms"], c["verification"]
        per = c["cpu_ms_per_unit"]
        print(f"  CTI events: {c['events_sent']:,} in {c['elapsed_s']} s = {c['events_per_s']} events/s with "
              f"{c['senders']} senders — target ≥ {c['target_events_per_s']}: "
              f"{_verdict(c['events_per_s'] >= c['target_events_per_s'] and not c['errors'])}")
        print(f"    errors {c['errors']} {c['errors_by_status'] or ''}; latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, "
              f"max {lat['max'] and round(lat['max'], 1)} ms; calls started {c['calls_started']:,}, ended "
              f"{c['calls_ended']:,} {c['ended_by_outcome']}")
        print(f"    CPU s {c['cpu_seconds']}; per event (ms): {per}; workers {c['gunicorn_workers']}")
        print(f"    check: {'OK' if v['ok'] else 'FAILED'} — {v['calls_found']:,} calls of {v['calls_expected']:,} "
              f"expected, missing {v['missing']}, extra {v['extra']}, duplicated {v['duplicated']}, wrong state "
              f"{v['wrong_state']}; ended {v['ended_in_db']} (sent {v['ended_sent']}); events stored "
              f"{v['events_stored']:,} of {v['events_expected']:,}")
        print(f"    ({c['server']}; senders: the simulator's, http.client)")
        prof = c.get("server_profile")
        if prof and "error" not in prof:
            print(f"    where the workers' time goes (py-spy, {prof['samples']} samples at "
                  f"{prof['events_per_s_while_sampled']} events/s; inclusive, hotline functions):")
            for line in prof["inclusive_hotline"][:12]:
                print(f"      {line}")
            print("    own time (top 8):")
            for line in prof["own"][:8]:
                print(f"      {line}")
        elif prof:
            print(f"    profile: {prof['error']}")
    elif c:
        print(f"  CTI events: FAILED {c['error']}")
    for key, title in (("pop", "ringing → pop in the browser"), ("pop_under_load", "ringing → pop, CTI load running")):
        p = r.get(key)
        if not p:
            continue
        if "error" in p:
            print(f"  {title}: not measured: {p['error']}")
            continue
        s = p["pop"]
        ok = s.get("p95_ms") is not None and s["p95_ms"] <= p["target_p95_ms"] and not p["failures"]
        print(f"  {title}: p50 {s.get('median_ms')} ms, p95 {s.get('p95_ms')} ms, max {s.get('max_ms')} ms "
              f"({s.get('n')} samples, failures {p['failures']}) — target p95 ≤ {p['target_p95_ms']} ms: {_verdict(ok)}")
        print(f"    the ringing POST itself: p50 {p['ringing_post'].get('median_ms')} ms, p95 "
              f"{p['ringing_post'].get('p95_ms')} ms; banners not gone after hangup: {p['banner_not_cleared']}")
        for f in p["failure_samples"]:
            print(f"    failure: {f}")
        if load := p.get("load"):
            if "error" in load:
                print(f"    load: {load['error']}")
            else:
                lv = load["verification"]
                print(f"    load meanwhile: {load['events_per_s']} events/s, errors {load['errors']}, p95 "
                      f"{load['latency_ms']['p95']} ms; check {'OK' if lv['ok'] else 'FAILED'} "
                      f"({lv['calls_found']:,} calls, wrong state {lv['wrong_state']}, missing {lv['missing']})")
    k = r.get("cases")
    if k and "error" not in k:
        v = k["verification"]
        print(f"  12345 cases: {k['created']:,} in {k['elapsed_s']} s = {k['cases_per_s']} cases/s with {k['senders']} "
              f"senders; errors {k['errors']} {k['error_samples'][:2] if k['errors'] else ''}; latency p50 "
              f"{k['latency'].get('median_ms')} ms, p95 {k['latency'].get('p95_ms')} ms")
        print(f"    CPU s {k['cpu_seconds']}; per case (ms): {k['cpu_ms_per_unit']}")
        print(f"    check: {'OK' if v['ok'] else 'FAILED'} {v}")
    elif k:
        print(f"  12345 cases: FAILED {k['error']}")


def print_cti_summary(runs: list[dict]) -> None:
    """One line per figure, a column per database (run.py, after both)."""
    runs = [r for r in runs if r and "label" in r]
    if len(runs) < 2:
        return

    def get(r, *path):
        for key in path:
            r = r.get(key) if isinstance(r, dict) else None
        return "-" if r is None else r

    print("\nCTI, live pop and 12345 over HTTP — summary")
    print(f"  {'':42}" + "".join(f"{r['label']:>14}" for r in runs))
    for title, path, target in (
        ("CTI events/s (4 senders)", ("cti", "events_per_s"), f"≥ {CTI_TARGET_PER_S}"),
        ("CTI errors", ("cti", "errors"), "0"),
        ("CTI latency p95 ms", ("cti", "latency_ms", "p95"), ""),
        ("ringing → pop p95 ms", ("pop", "pop", "p95_ms"), f"≤ {POP_TARGET_P95_MS}"),
        ("ringing → pop p95 ms, CTI load running", ("pop_under_load", "pop", "p95_ms"), f"≤ {POP_TARGET_P95_MS}"),
        ("12345 cases/s (4 senders)", ("cases", "cases_per_s"), ""),
        ("12345 latency p95 ms", ("cases", "latency", "p95_ms"), ""),
    ):
        print(f"  {title:42}" + "".join(f"{get(r, *path)!s:>14}" for r in runs) + (f"   target {target}" if target else ""))


# --- main -------------------------------------------------------------------------------------------

def _configure() -> None:
    from standalone import configure  # benchmarks/ is on sys.path when this module runs

    configure("measure_cti", "cti-run")


def prepare(accounts: int) -> None:
    """As measure.py sets up its database: the demo city's organisation, staff (with the seats' extensions
    and the pbx and gov12345 users) and areas, then its accounts through the billing import."""
    from django.db import transaction

    from hotline.customers.imports.accounts import AccountImporter
    from hotline.demo import seed as demo_seed
    from hotline.demo.city import DemoCity

    log(f"the demo city's organisation and {accounts:,} accounts (no history) …")
    city = DemoCity(seed=2026)
    with transaction.atomic():
        units = demo_seed._units()
        demo_seed._staff(city, units)
        demo_seed._areas(city, units)
    result = AccountImporter(chunk_size=5000).run((n, row) for n, row in enumerate(city.account_rows(accounts), start=2))
    log(f"accounts: {result.created:,} created, {result.error_count} errors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", help="sqlite or postgres (default: the database's)")
    parser.add_argument("--cti-seconds", type=float, default=20, help="seconds of CTI events (0: skip)")
    parser.add_argument("--pop-samples", type=int, default=50, help="ringing → pop samples per variant (0: skip)")
    parser.add_argument("--no-pop-load", action="store_true", help="the pop alone only, not also under load")
    parser.add_argument("--profile-seconds", type=float, default=10,
                        help="seconds more of CTI events while py-spy samples the server, if installed (0: skip)")
    parser.add_argument("--cases-seconds", type=float, default=20, help="seconds of 12345 cases (0: skip)")
    parser.add_argument("--prepare", action="store_true", help="load a demo city when there is none (it always migrates)")
    parser.add_argument("--accounts", type=int, default=5000, help="--prepare: accounts of the demo city (5000)")
    parser.add_argument("--out", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--no-report", action="store_true", help="do not print the report (run.py prints it)")
    parser.add_argument("--gunicorn", default=f"2,4,{SENDERS // 2}", metavar="WORKERS,THREADS,CONNECTIONS",
                        help="gunicorn for the CTI and 12345 loads (default 2,4,2: each worker holds at most its "
                             "share of the senders' connections; 4,1,2: four single-threaded workers that keep "
                             "one connection alive each)")
    args = parser.parse_args()
    _configure()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from hotline.demo.seed import demo_is_loaded

    data_dir = Path(settings.DATA_DIR)
    call_command("migrate", verbosity=0)  # nothing to do after measure.py; a database kept from before may lag
    if args.prepare and not demo_is_loaded():
        prepare(args.accounts)
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    results = {"label": args.label or ("postgres" if connection.vendor == "postgresql" else connection.vendor),
               "database": {"vendor": connection.vendor, "version": version}, "cores": os.cpu_count(),
               "load_average_start": [round(x, 2) for x in os.getloadavg()], "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    log(f"CTI / pop / 12345 measurements on {results['label']} ({data_dir})")

    def attempt(key, run):
        try:
            results[key] = run()
        except Exception as exc:  # reported with the others, which still run
            import traceback

            traceback.print_exc()
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}

    if args.cti_seconds > 0 or args.cases_seconds > 0:
        # As the sustained creates of measure_history: each worker holds at most its share of the 4
        # keep-alive connections, so that both workers work.
        workers, threads, conns = (int(x) for x in args.gunicorn.split(","))
        with Server(data_dir, workers=workers, threads=threads, worker_connections=conns) as server:
            if args.cti_seconds > 0:
                attempt("cti", lambda: measure_cti_ingest(server, args.cti_seconds,
                                                          profile_seconds=args.profile_seconds))
            if args.cases_seconds > 0:
                attempt("cases", lambda: measure_cases(server, args.cases_seconds))
    if args.pop_samples > 0:
        # DEBUG is off: WhiteNoise serves the console's scripts (live.js) from STATIC_ROOT.
        call_command("collectstatic", interactive=False, verbosity=0)
        with Server(data_dir) as server:  # as `manage.py serve` runs it: the browser needs connections too
            attempt("pop", lambda: measure_pop(server, args.pop_samples))
            if not args.no_pop_load:
                attempt("pop_under_load", lambda: measure_pop(server, args.pop_samples,
                                                              load_seconds_cap=args.pop_samples * 3 + 60))
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    if not args.no_report:
        print_cti_report(results)
    failed = [k for k in ("cti", "cases", "pop", "pop_under_load") if "error" in results.get(k, {})]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
