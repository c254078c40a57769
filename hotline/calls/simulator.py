"""The call simulator: a realistic day of calls replayed as CTI events against a running server over HTTP
(``manage.py simulate_calls``; the benchmark's CTI load uses it too).

1. ``plan_day`` draws the day (deterministic for a seed): how many calls (SPEC.md S11: a normal day 80+,
   a special day 160+, the record 300+, a night shift 30–50), when they ring (the demo history's hourly
   profile, ``hotline.demo.scenario.HOURLY``, by shift as the demo history draws them), who calls
   (mobiles, a share of them demo accounts' phones, some landlines, some callers calling again within
   minutes), which seat is rung, and how each call ends: answered after a wait (most within 15 s) and
   hung up after a log-normal handle time, or missed (no answer, busy) or abandoned (the caller gave up
   while waiting) — about 95 % connected.
2. ``replay`` sends the calls' events (``ringing``, ``answered``, ``hangup``) to ``POST /api/v1/cti/events``
   at their moments on the timeline compressed by ``speed`` (0: as fast as the server answers), from
   ``concurrency`` threads with one keep-alive HTTP connection each. A call's events always go through
   the same thread, in order. Authentication by bearer token or by HMAC signature (core/signing.py).
3. ``ReplayResult`` counts what was sent and how the server answered (statuses, latency), and knows the
   state each call should now have (``expected``), for checking the database afterwards.
"""

from __future__ import annotations

import heapq
import http.client
import json
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock
from urllib.parse import urlsplit

import httpx

from hotline.demo.scenario import (
    DAY_CALLS,
    DAY_SHIFT,
    HOURLY,
    NIGHT_CALLS,
    SPECIAL_DAY_FACTOR,
    SPECIAL_NIGHT_FACTOR,
)

EVENTS_PATH = "/api/v1/cti/events"
DEFAULT_CALLS = 120  # a normal day, when neither a number, a kind of day nor a rate is given
DAY_KINDS = ("normal", "special", "record")
SPECIAL_MIN = 160  # S11: special days 160+
RECORD_CALLS = (300, 340)  # S11: the record day, 300+
# How calls end: ~95 % connected (接通率); the rest abandoned while waiting, not answered, or busy.
CAUSES = {"answered": 0.95, "caller_hangup": 0.03, "no_answer": 0.015, "busy": 0.005}
OUTCOMES = {"answered": "answered", "no_answer": "missed", "busy": "missed", "caller_hangup": "abandoned"}
KNOWN_SHARE = 0.6  # new callers whose number is a demo account's phone (when such numbers are given)
LANDLINE_SHARE = 0.12  # of the other new callers
REPEAT_SHARE = 0.05  # a caller calling again within minutes of their last call …
REPEAT_AFTER_UNANSWERED = 0.6  # … much likelier when that call was missed or abandoned
REPEAT_WITHIN = timedelta(minutes=20)
AREA_CODE = "0533"  # the demo city's landlines
HOTLINE_NUMBER = "96889"
QUEUE = "hotline"
WRAP_UP_SECONDS = (10, 40)  # after a conversation, before the seat takes the next call


def day_volume(kind: str, rng: random.Random) -> tuple[int, int]:
    """(day-shift calls, night-shift calls) of a day of ``kind``: the demo history's volumes (normal:
    52–75 by day and 30–50 by night; special: ×2.2 and ×1.25, at least 160 in all), the record 300–340
    split as a special day."""
    if kind == "normal":
        return rng.randint(*DAY_CALLS), rng.randint(*NIGHT_CALLS)
    if kind == "special":
        day = round(rng.randint(*DAY_CALLS) * SPECIAL_DAY_FACTOR)
        night = round(rng.randint(*NIGHT_CALLS) * SPECIAL_NIGHT_FACTOR)
        return max(day, SPECIAL_MIN - night), night  # S11: 160+ (the demo's factors can give 152)
    if kind == "record":
        total = rng.randint(*RECORD_CALLS)
        night = round(total * night_share(special=True))
        return total - night, night
    raise ValueError(f"unknown kind of day {kind!r}: one of {', '.join(DAY_KINDS)}")


def night_share(*, special: bool = False) -> float:
    """The night shift's share of a day's calls in the demo history (on average)."""
    day, night = sum(DAY_CALLS) / 2, sum(NIGHT_CALLS) / 2
    if special:
        day, night = day * SPECIAL_DAY_FACTOR, night * SPECIAL_NIGHT_FACTOR
    return night / (day + night)


@dataclass(frozen=True)
class PlannedCall:
    call_id: str
    caller: str
    caller_kind: str  # known (an account's phone), mobile, landline, repeat
    agent: str
    ringing_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    cause: str  # the hangup's cause: answered, no_answer, busy, caller_hangup

    @property
    def outcome(self) -> str:
        """answered, missed or abandoned."""
        return OUTCOMES[self.cause]

    @property
    def wait_seconds(self) -> int:
        return round(((self.answered_at or self.ended_at) - self.ringing_at).total_seconds())

    def events(self, *, to: str = HOTLINE_NUMBER, queue: str = QUEUE) -> list[tuple[datetime, dict]]:
        base = {"call_id": self.call_id, "from": self.caller, "to": to, "queue": queue, "agent": self.agent}
        out = [(self.ringing_at, {"event": "ringing", **base, "at": self.ringing_at.isoformat()})]
        if self.answered_at is not None:
            out.append((self.answered_at, {"event": "answered", **base, "at": self.answered_at.isoformat()}))
        out.append((self.ended_at, {"event": "hangup", **base, "at": self.ended_at.isoformat(), "cause": self.cause}))
        return out


@dataclass
class DayPlan:
    day: date
    start: datetime  # the replay's origin on the timeline (midnight, or --start)
    calls: list[PlannedCall]
    how: str  # how the volume was chosen, for the summary

    def events(self) -> list[tuple[datetime, dict]]:
        return sorted((e for c in self.calls for e in c.events()), key=lambda e: e[0])

    def figures(self) -> dict:
        """What was planned: calls by shift, by hour, by cause and outcome, callers by kind."""
        by_hour = Counter(c.ringing_at.hour for c in self.calls)
        night = sum(1 for c in self.calls if not is_day_shift(c.ringing_at))
        waits = sorted(c.wait_seconds for c in self.calls if c.answered_at)
        return {
            "calls": len(self.calls), "how": self.how, "day_shift": len(self.calls) - night, "night_shift": night,
            "by_hour": [by_hour.get(h, 0) for h in range(24)],
            "causes": dict(Counter(c.cause for c in self.calls).most_common()),
            "outcomes": dict(Counter(c.outcome for c in self.calls).most_common()),
            "callers": dict(Counter(c.caller_kind for c in self.calls).most_common()),
            "answered_within_15s": sum(1 for w in waits if w <= 15),
            "events": sum(3 if c.answered_at else 2 for c in self.calls),
        }


def is_day_shift(at: datetime) -> bool:
    return DAY_SHIFT[0] <= at.time() < DAY_SHIFT[1]


def plan_day(*, day: date, tz: tzinfo, agents: Sequence[str], calls: int | None = None, day_kind: str | None = None,
             rate: float | None = None, known_numbers: Sequence[str] = (), seed: int = 0, prefix: str = "sim",
             start: clock | None = None) -> DayPlan:
    """The calls of ``day`` (in ``tz``): ``calls`` in all, or as many as a day of ``day_kind`` has, or
    ``rate`` calls an hour all day long; by default ``DEFAULT_CALLS``. Calls before ``start`` (a time of
    day) are left out. Call ids are ``<prefix>-<yyyymmdd>-<n>``: give each run its own prefix, or the
    server recognises the events as repeats."""
    if not agents:
        raise ValueError("no agents (extensions) to ring")
    if sum(x is not None for x in (calls, day_kind, rate)) > 1:
        raise ValueError("give calls, day_kind or rate, not more than one")
    rng = random.Random(seed)
    midnight = datetime.combine(day, clock(0), tz)
    morning, evening = (datetime.combine(day, t, tz) for t in DAY_SHIFT)
    next_midnight = datetime.combine(day + timedelta(days=1), clock(0), tz)
    if rate is not None:
        if rate <= 0:
            raise ValueError("rate: calls per hour, more than 0")
        total = round(rate * (next_midnight - midnight).total_seconds() / 3600)
        moments = [midnight + timedelta(seconds=int(rng.random() * 86400)) for _ in range(total)]
        how = f"{rate:g} calls an hour"
    else:
        if day_kind is not None:
            day_calls, night_calls = day_volume(day_kind, rng)
            how = f"a {day_kind} day"
        else:
            total = DEFAULT_CALLS if calls is None else calls
            if total < 0:
                raise ValueError("calls: 0 or more")
            night_calls = round(total * night_share())
            day_calls = total - night_calls
            how = f"{total} calls"
        # By shift, as the demo history draws them: the day shift's calls in 08:15–17:30, the night
        # shift's in the other hours of the date, busier hours likelier (the hourly profile).
        moments = [_moment(rng, [(morning, evening)]) for _ in range(day_calls)]
        moments += [_moment(rng, [(midnight, morning), (evening, next_midnight)]) for _ in range(night_calls)]
    moments.sort()
    agents = list(agents)
    stamp = day.strftime("%Y%m%d")
    planned: list[PlannedCall] = []
    callers = _Callers(rng, known_numbers)
    free_at = {a: midnight - timedelta(hours=1) for a in agents}  # when each seat is free again
    for n, at in enumerate(moments, start=1):
        cause = _pick(rng, CAUSES)
        caller, caller_kind = callers.number(at)
        free = [a for a in agents if free_at[a] <= at]
        agent = rng.choice(free) if free else min(agents, key=lambda a: free_at[a])
        answered_at = None
        if cause == "answered":
            wait = min(120, max(1, round(rng.lognormvariate(math.log(6), 0.7))))  # median 6 s, ~9 % over 15 s
            answered_at = at + timedelta(seconds=wait)
            handle = min(1800, max(20, round(rng.lognormvariate(math.log(150), 0.6))))  # median 150 s, mean ~180 s
            ended_at = answered_at + timedelta(seconds=handle)
            free_at[agent] = ended_at + timedelta(seconds=rng.randint(*WRAP_UP_SECONDS))
        elif cause == "caller_hangup":
            ended_at = at + timedelta(seconds=min(180, max(3, round(rng.lognormvariate(math.log(25), 0.6)))))
        elif cause == "no_answer":
            ended_at = at + timedelta(seconds=rng.randint(28, 32))  # the PBX's ring timeout
        else:
            ended_at = at + timedelta(seconds=rng.randint(1, 3))
        call = PlannedCall(call_id=f"{prefix}-{stamp}-{n:06d}", caller=caller, caller_kind=caller_kind,
                           agent=agent, ringing_at=at, answered_at=answered_at, ended_at=ended_at, cause=cause)
        planned.append(call)
        callers.add(call)
    origin = midnight
    if start is not None:
        origin = datetime.combine(day, start, tz)
        planned = [c for c in planned if c.ringing_at >= origin]
    return DayPlan(day=day, start=origin, calls=planned, how=how)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(rng: random.Random, spans: list[tuple[datetime, datetime]]) -> datetime:
    """A moment in one of the spans (weighted by their length), busier hours likelier: rejection
    sampling on the hourly profile, as the demo history draws its calls."""
    lengths = [(b - a).total_seconds() for a, b in spans]
    total, top = sum(lengths), max(HOURLY)
    while True:
        x = rng.random() * total
        for (begin, _end), length in zip(spans, lengths, strict=True):
            if x < length:
                at = begin + timedelta(seconds=int(x))
                break
            x -= length
        if rng.random() * top < HOURLY[at.hour]:
            return at


class _Callers:
    """Who calls: someone calling again within minutes of the end of their last call (after a missed or
    abandoned call each caller tries again with REPEAT_AFTER_UNANSWERED; of all other calls a share
    REPEAT_SHARE is someone whose answered call just ended), else an account's phone (``known``), a
    landline or some other mobile. Each call is followed by at most one call again."""

    def __init__(self, rng: random.Random, known: Sequence[str]):
        self.rng, self.known, self.count = rng, known, 0
        self.ongoing: list[tuple[datetime, int, PlannedCall]] = []  # heap by end
        self.ended = {True: deque(), False: deque()}  # answered?: calls ended within REPEAT_WITHIN, by end

    def add(self, call: PlannedCall) -> None:
        self.count += 1
        heapq.heappush(self.ongoing, (call.ended_at, self.count, call))

    def number(self, at: datetime) -> tuple[str, str]:
        rng = self.rng
        while self.ongoing and self.ongoing[0][0] <= at:
            call = heapq.heappop(self.ongoing)[2]
            self.ended[call.cause == "answered"].append(call)
        for recent in self.ended.values():
            while recent and at - recent[0].ended_at > REPEAT_WITHIN:
                recent.popleft()
        unanswered = self.ended[False]
        for i, call in enumerate(unanswered):
            if rng.random() < REPEAT_AFTER_UNANSWERED:
                del unanswered[i]
                return call.caller, "repeat"
        answered = self.ended[True]
        if answered and rng.random() < REPEAT_SHARE:
            i = rng.randrange(len(answered))
            call = answered[i]
            del answered[i]
            return call.caller, "repeat"
        if self.known and rng.random() < KNOWN_SHARE:
            return rng.choice(self.known), "known"
        if rng.random() < LANDLINE_SHARE:
            return AREA_CODE + str(rng.randint(2, 8)) + f"{rng.randrange(10**7):07d}", "landline"
        return "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}", "mobile"


# --- sending -----------------------------------------------------------------------------------------

class CtiSender:
    """POSTs events to the CTI endpoint: bearer ``token`` and/or HMAC ``secret`` (X-Timestamp, X-Signature of
    method, path, timestamp and body; every attempt signed anew).

    ``client="httpx"`` (the default) sends with httpx; ``transport`` (e.g. ``httpx.WSGITransport(app=…)``)
    then serves the requests without a server. ``client="stdlib"`` sends with ``http.client`` (one
    keep-alive connection per thread, like benchmarks/load_client.py): a third of httpx's CPU per request
    (0.4 against 1.2 ms on the 2-core development machine), which matters when the senders share the
    server's cores in a load test."""

    CLIENTS = ("httpx", "stdlib")

    def __init__(self, base_url: str, *, token: str = "", secret: str = "", transport=None, timeout: float = 30.0,
                 path: str = EVENTS_PATH, client: str = "httpx"):
        if not token and not secret:
            raise ValueError("a token or a secret is needed")
        if client not in self.CLIENTS:
            raise ValueError(f"client: one of {', '.join(self.CLIENTS)}")
        if client == "stdlib" and transport is not None:
            raise ValueError("a transport is for the httpx client")
        self.base_url, self.token, self.secret = base_url.rstrip("/"), token, secret
        self.transport, self.timeout, self.path, self.kind = transport, timeout, path, client
        # what the server sees as the path: the base URL's own path (a prefix) and ours
        self.signed_path = urlsplit(self.base_url).path + path

    def client(self):
        """One client (one keep-alive connection) per thread; a context manager."""
        if self.kind == "stdlib":
            return _StdlibClient(self.base_url, self.timeout)
        return httpx.Client(base_url=self.base_url, transport=self.transport, timeout=self.timeout)

    def headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.secret:
            from hotline.core.signing import signed_headers

            headers.update(signed_headers(self.secret, body, method="POST", path=self.signed_path))
        return headers

    def post(self, client, payload: dict) -> tuple[str, float, dict | str]:
        """(status, seconds, answer): status is the HTTP status as text, or "exception"."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = self.headers(body)
        started = time.perf_counter()
        try:
            if isinstance(client, _StdlibClient):
                status, content = client.post(self.path, body, headers)
            else:
                response = client.post(self.path, content=body, headers=headers)
                status, content = response.status_code, response.content
        except (httpx.HTTPError, OSError, http.client.HTTPException) as exc:
            return "exception", time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        try:
            answer = json.loads(content)
        except ValueError:
            answer = content[:300].decode(errors="replace")
        return str(status), elapsed, answer


class _StdlibClient:
    """One keep-alive HTTP/1.1 connection (``http.client``). A request that finds the kept-alive
    connection closed by the server is sent again once on a new one (events are idempotent)."""

    def __init__(self, base_url: str, timeout: float):
        parts = urlsplit(base_url)
        self.factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.prefix = parts.path.rstrip("/")
        self.conn, self.used = None, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn, self.used = None, False

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self.factory(self.host, self.port, timeout=self.timeout)
            reused = self.used
            try:
                self.conn.request("POST", self.prefix + path, body, headers)
                response = self.conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:
                    continue
                raise
            except Exception:
                self.close()
                raise
            self.used = True
            if response.will_close:
                self.close()
            return response.status, content
        raise AssertionError("unreachable")


@dataclass
class ReplayResult:
    planned_calls: int
    planned_events: int
    elapsed: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duplicates: int = 0
    stopped_early: bool = False
    hung_up: int = 0  # calls left open by a stop and hung up before exiting
    # call_id -> the events the server accepted (200), in the order sent
    accepted: dict[str, list[str]] = field(default_factory=dict)
    causes: dict[str, str] = field(default_factory=dict)  # call_id -> cause of its accepted hangup

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    def expected(self) -> dict[str, tuple[str, str]]:
        """call_id -> (line state, outcome) the server should now hold, from the events it accepted:
        ended with answered/missed/abandoned, or still ringing or answered ("" outcome) when the run
        stopped in the middle of the call."""
        out = {}
        for call_id, events in self.accepted.items():
            if "hangup" in events:
                out[call_id] = ("ended", OUTCOMES[self.causes[call_id]])
            elif "answered" in events:
                out[call_id] = ("answered", "")
            else:
                out[call_id] = ("ringing", "")
        return out

    def summary(self) -> dict:
        ms = sorted(x * 1000 for x in self.latencies)

        def pct(p):
            return round(ms[max(0, math.ceil(p * len(ms)) - 1)], 2) if ms else None

        ended = Counter(state_outcome[1] for state_outcome in self.expected().values() if state_outcome[0] == "ended")
        return {
            "planned_calls": self.planned_calls, "planned_events": self.planned_events,
            "calls_started": sum(1 for events in self.accepted.values() if "ringing" in events),
            "calls_ended": sum(ended.values()), "ended_by_outcome": dict(ended.most_common()),
            "events_sent": self.sent, "events_ok": self.ok, "duplicates": self.duplicates,
            "errors": self.sent - self.ok, "errors_by_status": {s: n for s, n in self.statuses.items() if s != "200"},
            "error_samples": self.errors[:5], "elapsed_s": round(self.elapsed, 2),
            "events_per_s": round(self.sent / self.elapsed, 1) if self.elapsed else None,
            "latency_ms": {"p50": pct(0.5), "p95": pct(0.95), "max": ms[-1] if ms else None},
            "stopped_early": self.stopped_early, "hung_up": self.hung_up,
        }

    def lines(self) -> list[str]:
        s = self.summary()
        lat = s["latency_ms"]
        errors = ", ".join(f"{status}: {n}" for status, n in s["errors_by_status"].items()) or "none"
        out = [
            f"calls: {s['calls_started']} of {s['planned_calls']} planned started, {s['calls_ended']} ended "
            f"({', '.join(f'{k} {v}' for k, v in s['ended_by_outcome'].items()) or '-'})"
            + (" — stopped before the end of the plan" if s["stopped_early"] else "")
            + (f"; {self.hung_up} open calls hung up on exit" if self.hung_up else ""),
            f"events: {s['events_sent']} sent of {s['planned_events']} planned, {s['events_ok']} accepted "
            f"({s['duplicates']} repeats), errors {errors}",
            f"rate: {s['events_per_s']} events/s over {s['elapsed_s']} s; latency p50 {lat['p50']} ms, "
            f"p95 {lat['p95']} ms, max {lat['max'] and round(lat['max'], 1)} ms",
        ]
        out += [f"  error: {e}" for e in s["error_samples"]]
        return out


def replay(plan: DayPlan, sender: CtiSender, *, speed: float = 60.0, duration: float | None = None,
           concurrency: int = 4, progress: Callable[[ReplayResult], None] | None = None,
           progress_every: float = 10.0, stop: threading.Event | None = None, hang_up: bool = True) -> ReplayResult:
    """Send the plan's events at their moments (``speed`` times faster than real time from the plan's start;
    0: no waiting) from ``concurrency`` threads, until the plan is done, ``duration`` seconds have passed or
    ``stop`` is set. Each call's events go through one thread, in order. Calls left open by a stop are
    then hung up (``hang_up``)."""
    if speed < 0:
        raise ValueError("speed: 0 (as fast as possible) or more")
    concurrency = max(1, concurrency)
    lanes: list[list[tuple[datetime, int, dict]]] = [[] for _ in range(concurrency)]
    seq = 0
    for n, call in enumerate(plan.calls):
        for at, payload in call.events():
            lanes[n % concurrency].append((at, seq, payload))
            seq += 1
    for lane in lanes:
        lane.sort(key=lambda e: (e[0], e[1]))
    result = ReplayResult(planned_calls=len(plan.calls), planned_events=seq)
    stop = stop or threading.Event()
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + duration if duration else math.inf

    def run(lane):
        statuses, latencies, errors, accepted, causes, duplicates = Counter(), [], [], {}, {}, 0
        flushed = time.monotonic()
        try:
            with sender.client() as client:
                for at, _seq, payload in lane:
                    if speed:
                        due = started + (at - plan.start).total_seconds() / speed
                        while not stop.is_set() and (wait := min(due, deadline) - time.monotonic()) > 0:
                            stop.wait(min(wait, 0.5))
                    if stop.is_set() or time.monotonic() >= deadline:
                        break
                    status, seconds, answer = sender.post(client, payload)
                    statuses[status] += 1
                    latencies.append(seconds)
                    if status == "200":
                        accepted.setdefault(payload["call_id"], []).append(payload["event"])
                        if payload["event"] == "hangup":
                            causes[payload["call_id"]] = payload["cause"]
                        duplicates += bool(isinstance(answer, dict) and answer.get("duplicate"))
                    elif len(errors) < 20:
                        errors.append(f"{status} {payload['event']} {payload['call_id']}: {str(answer)[:300]}")
                    # Hand over what is done so far (the progress lines count it): after every event when
                    # calls come slowly, every 50 events under load.
                    if len(latencies) >= 50 or time.monotonic() - flushed >= 0.5:
                        flush(statuses, latencies, errors, accepted, causes, duplicates)
                        statuses, latencies, errors, accepted, causes, duplicates = Counter(), [], [], {}, {}, 0
                        flushed = time.monotonic()
        except Exception as exc:  # noqa: BLE001  a thread that dies is reported, not silent
            errors.append(f"sender thread failed: {type(exc).__name__}: {exc}")
            statuses["exception"] += 1
        flush(statuses, latencies, errors, accepted, causes, duplicates)

    def flush(statuses, latencies, errors, accepted, causes, duplicates):
        with lock:
            result.statuses.update(statuses)
            result.latencies.extend(latencies)
            result.errors.extend(errors[: max(0, 20 - len(result.errors))])
            for call_id, events in accepted.items():
                result.accepted.setdefault(call_id, []).extend(events)
            result.causes.update(causes)
            result.duplicates += duplicates

    threads = [threading.Thread(target=run, args=(lane,), name=f"cti-sender-{i}", daemon=True)
               for i, lane in enumerate(lanes)]
    for t in threads:
        t.start()
    next_report = started + progress_every
    try:
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.2)
            if progress and time.monotonic() >= next_report:
                next_report += progress_every
                with lock:
                    result.elapsed = time.monotonic() - started
                    progress(result)
    except KeyboardInterrupt:
        stop.set()
        for t in threads:
            t.join(timeout=sender.timeout + 1)
    result.elapsed = time.monotonic() - started
    result.stopped_early = result.sent < result.planned_events
    if result.stopped_early and hang_up:
        _hang_up_open_calls(plan, sender, result, speed=speed)
    return result


def _hang_up_open_calls(plan: DayPlan, sender: CtiSender, result: ReplayResult, *, speed: float) -> None:
    """The run stopped (``--duration``, Ctrl-C, SIGTERM) in the middle of some calls: hang them up, as
    the PBX would when it goes down, so that none is left ringing or in conversation. At the moment
    the timeline had reached (speed > 0) or the call's planned end, whichever is first; an answered
    call ends answered, a ringing one as the caller hanging up."""
    now = plan.start + timedelta(seconds=result.elapsed * speed) if speed else None
    by_id = {c.call_id: c for c in plan.calls}
    open_calls = [(by_id[cid], events) for cid, events in result.accepted.items()
                  if "hangup" not in events and cid in by_id]
    if not open_calls:
        return
    with sender.client() as client:
        for call, events in open_calls:
            at = min(call.ended_at, now) if now else call.ended_at
            cause = "answered" if "answered" in events else "caller_hangup"
            at = max(at, call.answered_at if "answered" in events and call.answered_at else call.ringing_at)
            payload = {"event": "hangup", "call_id": call.call_id, "from": call.caller, "to": HOTLINE_NUMBER,
                       "queue": QUEUE, "agent": call.agent, "at": at.isoformat(), "cause": cause}
            status, seconds, answer = sender.post(client, payload)
            result.statuses[status] += 1
            result.latencies.append(seconds)
            if status == "200":
                result.accepted[call.call_id].append("hangup")
                result.causes[call.call_id] = cause
                result.hung_up += 1
            elif len(result.errors) < 20:
                result.errors.append(f"{status} hangup {call.call_id}: {str(answer)[:300]}")
