"""A fake SMS gateway for tests and benchmarks: a real HTTP server on 127.0.0.1 speaking the protocol
``HttpSmsGateway`` speaks (see ``hotline.notify.gateways``), checked independently of the client.

    with FakeSmsGateway(delay=0.002) as fake:
        gateway = fake.gateway()          # an HttpSmsGateway pointed at it (or fake.env() for a subprocess)
        ...
        fake.wait_for(100, timeout=10)    # until 100 messages were accepted
        assert len(fake.by_key) == 100 and fake.duplicates == 0

It checks the API key, the timestamp (within ``max_skew`` seconds) and the signature (401 otherwise),
accepts each ``key`` once (a repeated key answers the first id, counts in ``duplicates`` and is not
delivered again), and can be told to fail: ``fail_next(n, 500)`` / ``fail_next(n, 429)``,
``refuse(recipient)`` (400: a permanent error), ``delay`` seconds before every answer, and
``hold_after(k)``: the answer to the k-th accepted message (and every later one) waits until
``release()`` — a client killed then has been accepted but never heard so.

No Django and no pytest needed: the standard library only (``gateway()`` imports the client lazily)."""

import contextlib
import json
import threading
import time

from hotline.core.fakeserver import FakeSignedServer


class FakeSmsGateway(FakeSignedServer):
    thread_name = "fake-sms-gateway"
    path = "/sms"

    def __init__(self, *, api_key: str = "fake-key", secret: str = "fake-secret", max_skew: float = 300,
                 delay: float = 0.0):
        self.delay = delay
        self._hold_after: int | None = None
        self._released = threading.Event()
        self._events: list[tuple[int, threading.Event]] = []
        self.on_accept = None  # optional callable(delivery: dict), called in the server thread
        super().__init__(api_key=api_key, secret=secret, max_skew=max_skew)

    def _stopping(self) -> None:
        self.release()

    def gateway(self, *, api_key: str | None = None, secret: str | None = None, timeout: float = 5.0):
        """An ``HttpSmsGateway`` client for this server (other credentials to test refusals)."""
        from hotline.notify.gateways import HttpSmsGateway

        return HttpSmsGateway(url=self.url, api_key=self.api_key if api_key is None else api_key,
                              secret=self.secret if secret is None else secret, timeout=timeout)

    def env(self) -> dict[str, str]:
        """The environment that points ``default_gateway()`` of another process here."""
        return {"SMS_GATEWAY_URL": self.url, "SMS_GATEWAY_KEY": self.api_key, "SMS_GATEWAY_SECRET": self.secret}

    # --- what happened --------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget deliveries and counters (not the failure settings)."""
        super().reset()
        with self._lock:
            self.delivered: list[dict] = []  # accepted messages in order: key, to, text, channel, id, at

    def snapshot(self) -> dict:
        with self._lock:
            return {"delivered": len(self.delivered), "keys": len(self.by_key), "duplicates": self.duplicates,
                    "requests": self.requests, "rejected": self.rejected, "statuses": dict(self.statuses)}

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` messages were accepted (False if the timeout passed first)."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.delivered) >= count, timeout)

    def reached(self, count: int) -> threading.Event:
        """An event set once ``count`` messages were accepted."""
        event = threading.Event()
        with self._lock:
            if len(self.delivered) >= count:
                event.set()
            else:
                self._events.append((count, event))
        return event

    # --- misbehaving ----------------------------------------------------------------------------

    def refuse(self, recipient: str, status: int = 400) -> None:
        """Refuse every message to ``recipient`` (400: the gateway will never send it)."""
        with self._lock:
            self._refused[recipient] = status

    def hold_after(self, count: int | None) -> None:
        """Hold the answer to the ``count``-th accepted message and every later one until ``release()``."""
        with self._lock:
            self._hold_after = count
            self._released.clear()

    def release(self) -> None:
        with self._lock:
            self._hold_after = None
        self._released.set()

    # --- the protocol ---------------------------------------------------------------------------

    def _respond(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        status, answer, hold = self._handle(headers, body)
        if hold:
            self._released.wait()
        if self.delay:
            time.sleep(self.delay)
        return status, answer

    def _handle(self, headers, body: bytes) -> tuple[int, dict, bool]:
        """(status, answer, hold): decides under the lock; the handler waits and answers outside it."""
        with self._lock:
            if refused := self._refusal(headers, body):
                return *refused, False
            if failed := self._failure("internal error"):
                return *failed, False
            try:
                data = json.loads(body)
                key, to, text, channel = data["key"], data["to"], data["text"], data.get("channel", "")
                if not (isinstance(key, str) and key and isinstance(to, str) and isinstance(text, str)):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return 400, {"error": "malformed message"}, False
            if key in self.by_key:
                self.duplicates += 1
                return 200, {"id": self.by_key[key]["id"], "duplicate": True}, False
            if to in self._refused:
                return self._refused[to], {"error": f"recipient {to} refused"}, False
            delivery = {"key": key, "to": to, "text": text, "channel": channel, "id": f"fake-{next(self._ids)}",
                        "at": time.time()}
            self.delivered.append(delivery)
            self.by_key[key] = delivery
            count = len(self.delivered)
            hold = self._hold_after is not None and count >= self._hold_after
            for wanted, event in [e for e in self._events if e[0] <= count]:
                event.set()
                self._events.remove((wanted, event))
            self._lock.notify_all()
        if self.on_accept is not None:
            self.on_accept(delivery)
        return 200, {"id": delivery["id"]}, hold


# --- a worker killed in the middle of a batch (the outbox's crash tests) ---------------------------------

class WorkerKilled(BaseException):
    """Not an Exception: nothing in the worker catches it, as nothing survives a SIGKILL."""


class DiesAfter:
    """A gateway wrapper that passes messages on and "dies" right after the real gateway accepted the
    n-th one, before the worker could record it."""

    def __init__(self, gateway, accepted: int):
        self.gateway, self.left = gateway, accepted

    def send(self, **message) -> str:
        gateway_id = self.gateway.send(**message)
        self.left -= 1
        if self.left == 0:
            raise WorkerKilled
        return gateway_id


# --- worker processes killed with SIGKILL (the task leases' crash tests) ----------------------------------

def database_url() -> str:
    """The test database, for another process (PostgreSQL; on SQLite see ``shared_database``)."""
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


@contextlib.contextmanager
def shared_database(directory):
    """The test database as other processes can open it (use in a transactional test): PostgreSQL's as it
    is; SQLite's, in memory in this process, copied to a file in ``directory`` that this process then uses
    too until the block ends (what is written before the block is in the copy). Yields its URL."""
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        yield database_url()
        return
    connection.ensure_connection()
    memory, name = connection.connection, connection.settings_dict["NAME"]
    path = str(directory / "shared.sqlite3")
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    connection.connection = None  # the next query connects to the file; the memory database stays open
    connection.settings_dict["NAME"] = path
    try:
        yield database_url()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


def redis_or_skip(url: str) -> None:
    import pytest
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {url}: {exc}")


class Workers:
    """Task workers (``manage.py run_huey``, as ``serve`` starts it) on one queue and one database, each its
    own OS process, and a way to queue their tasks from the test process.

    ``queue``: "sqlite" (a queue file in ``directory``) or a Redis URL (its keys of this queue are deleted
    before and after). ``env``: more environment (gateway, short lease and claim times)."""

    def __init__(self, directory, database: str, queue: str, env: dict[str, str] | None = None):
        import os
        import sys

        from django.conf import settings

        self.directory, self.python, self.base_dir = directory, sys.executable, settings.BASE_DIR
        self.queue_url = queue if queue.startswith("redis") else f"sqlite:///{directory / 'queue.sqlite3'}"
        # A queue name of its own: test processes running at once (pytest-xdist) may share a Redis database.
        self.queue_name = f"hotline-test-{os.getpid()}-{id(self)}"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "HOTLINE_DATA_DIR": str(directory),
                    "DATABASE_URL": database, "QUEUE_URL": self.queue_url, "QUEUE_NAME": self.queue_name,
                    "LOG_LEVEL": "INFO", **(env or {})}
        self.env.pop("HOTLINE_TEST_CLOCK", None)  # the workers run on the real clock, as in production
        self.env.pop("QUEUE_IMMEDIATE", None)
        self.processes: list = []
        self.killed = 0
        self.huey, self._tasks = self._huey(), {}
        self.huey.flush()

    def _huey(self):
        from huey import PriorityRedisHuey, SqliteHuey

        if self.queue_url.startswith("redis"):
            return PriorityRedisHuey(self.queue_name, url=self.queue_url)
        return SqliteHuey("hotline", filename=self.queue_url.removeprefix("sqlite:///"))

    def start(self):
        import subprocess

        n = len(self.processes)
        log = open(self.directory / f"worker-{n}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen([self.python, "manage.py", "run_huey"], cwd=self.base_dir, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        process.log = log
        self.processes.append(process)
        return process

    def ready(self, process, timeout: float = 60) -> float:
        """Wait until the worker has started consuming; the time.monotonic() then."""
        path, deadline = self.directory / f"worker-{self.processes.index(process)}.log", time.monotonic() + timeout
        while "Huey consumer started" not in path.read_text():
            assert process.poll() is None and time.monotonic() < deadline, self.logs()
            time.sleep(0.05)
        return time.monotonic()

    def kill(self, process) -> None:
        """SIGKILL: nothing of the worker runs any more, no finally, no cleanup."""
        import signal

        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert process.returncode == -signal.SIGKILL
        self.killed += 1

    def by_pid(self, pid: int):
        return next(p for p in self.processes if p.pid == pid)

    def enqueue(self, task) -> None:
        """Queue a run of ``task`` (a huey task of this project) for the workers."""
        name = f"{task.call_local.__module__}.{task.call_local.__name__}"
        if name not in self._tasks:  # the same task registered with this process's huey of the queue
            self._tasks[name] = self.huey.task()(task.call_local)
        self.huey.enqueue(self._tasks[name].s())

    def idle(self) -> bool:
        return self.huey.pending_count() == 0

    def wait_until(self, condition, task, limit: float, what: str, *, poll: float = 0.02) -> float:
        """Queue ``task`` whenever the queue is idle (its periodic runs, sped up) until ``condition()``;
        the seconds it took. Fails with the workers' logs after ``limit`` seconds."""
        started = time.monotonic()
        while not condition():
            assert time.monotonic() - started < limit, f"{what}: not within {limit} s\n{self.logs()}"
            if self.idle():
                self.enqueue(task)
            time.sleep(poll)
        return time.monotonic() - started

    def logs(self) -> str:
        return "\n".join(f"--- worker {n} (pid {p.pid}, exit {p.poll()}):\n"
                         + (self.directory / f"worker-{n}.log").read_text()[-3000:]
                         for n, p in enumerate(self.processes))

    def stop(self) -> None:
        import signal

        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except Exception:  # a worker that does not stop is killed
                process.kill()
                process.wait(5)
            process.log.close()
        self.huey.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def kill_during(workers: Workers, task, progress, total: int, *, kills: int = 2, lease: float, margin: float = 15,
                timeout: float = 120, rng=None) -> list[int]:
    """Run ``task`` on worker processes; kill the worker ``kills`` times with SIGKILL once ``progress()``
    (how much of ``total`` is done) reaches a random point, start another each time, and check that the work
    goes on within ``lease`` seconds (plus ``margin``) of the kill or of the new worker's start, whichever is
    later (starting a process takes seconds on a busy machine); return once ``progress()``
    reaches ``total``. The task is queued whenever the queue is idle: its periodic runs, sped up.
    Returns the progress at each kill."""
    import random

    rng = rng or random.Random()

    def wait_until(condition, limit, what):
        return workers.wait_until(condition, task, limit, what)

    points = sorted(rng.sample(range(1, max(kills + 1, total * 2 // 3)), kills))
    worker, killed = workers.start(), []
    for at in points:
        wait_until(lambda: progress() >= at, timeout, f"{at} of {total} before the kill")  # noqa: B023
        workers.kill(worker)
        killed_at, done = time.monotonic(), progress()
        killed.append(done)
        worker = workers.start()
        since = max(killed_at, workers.ready(worker))
        if done < total:
            wait_until(lambda: progress() > done, lease + margin + 5, "work after the kill")  # noqa: B023
            assert time.monotonic() - since < lease + margin, workers.logs()
    wait_until(lambda: progress() >= total, timeout, "all the work")
    return killed
