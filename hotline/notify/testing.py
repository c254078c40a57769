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
