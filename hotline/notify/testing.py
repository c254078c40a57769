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
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsGateway:
    def __init__(self, *, api_key: str = "fake-key", secret: str = "fake-secret", max_skew: float = 300,
                 delay: float = 0.0):
        self.api_key, self.secret, self.max_skew, self.delay = api_key, secret, max_skew, delay
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._fail: list[int] = []  # statuses of the next failing answers, in order
        self._refused: dict[str, int] = {}  # recipient -> status
        self._hold_after: int | None = None
        self._released = threading.Event()
        self._events: list[tuple[int, threading.Event]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.on_accept = None  # optional callable(delivery: dict), called in the server thread
        self.reset()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakeSmsGateway":
        fake = self

        class Handler(_Handler):
            gateway = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-sms-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.release()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # kept-alive connections: their handler threads stop reading
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> "FakeSmsGateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake gateway is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/sms"

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
        with self._lock:
            self.delivered: list[dict] = []  # accepted messages in order: key, to, text, channel, id, at
            self.by_key: dict[str, dict] = {}
            self.duplicates = 0  # requests that repeated an accepted key
            self.requests = 0  # every request, whatever its answer
            self.rejected = 0  # answered 401 (key, timestamp or signature)
            self.statuses: Counter = Counter()  # answers by HTTP status

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

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` authentic requests with ``status`` (500, 503, 429, …) unaccepted."""
        with self._lock:
            self._fail.extend([status] * count)

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

    def _authentic(self, headers, body: bytes) -> bool:
        if not hmac.compare_digest(headers.get("X-Api-Key", "").encode(), self.api_key.encode()):
            return False
        timestamp = headers.get("X-Timestamp", "")
        try:
            if abs(time.time() - int(timestamp)) > self.max_skew:
                return False
        except ValueError:
            return False
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get("X-Signature", "").encode(), expected.encode())

    def _handle(self, headers, body: bytes) -> tuple[int, dict, bool]:
        """(status, answer, hold): decides under the lock; the handler waits and answers outside it."""
        with self._lock:
            self.requests += 1
            if not self._authentic(headers, body):
                self.rejected += 1
                return 401, {"error": "unauthorized"}, False
            if self._fail:
                status = self._fail.pop(0)
                return status, {"error": "busy" if status == 429 else "internal error"}, False
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSmsGateway

    def handle_error(self, request, client_address):  # a client that hung up (timeout, killed): not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx clients use it
    gateway: FakeSmsGateway

    def setup(self):
        super().setup()
        # Answers go out at once (no Nagle delay waiting for the client's delayed ACK: 40 ms a message).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.gateway._lock:
            self.gateway._connections.add(self.connection)

    def finish(self):
        with self.gateway._lock:
            self.gateway._connections.discard(self.connection)
        super().finish()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer, hold = self.gateway._handle(self.headers, body)
        if hold:
            self.gateway._released.wait()
        if self.gateway.delay:
            time.sleep(self.gateway.delay)
        payload = json.dumps(answer).encode()
        with self.gateway._lock:
            self.gateway.statuses[status] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # quiet
        pass
