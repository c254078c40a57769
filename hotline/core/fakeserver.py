"""The common part of the fake servers the tests and benchmarks start (the SMS gateway in
``hotline.notify.testing``, the 12345 platform in ``hotline.integrations.testing``): a real threaded
HTTP server on 127.0.0.1 (a random port) that takes JSON POSTs signed as ``hotline.core.signing`` signs
them (``X-Api-Key``, ``X-Timestamp``, ``X-Signature``; 401 otherwise), answers JSON, counts requests and
answers, and can be told to fail the next requests. A subclass says what a request means (``_handle``)
and which signature it expects: ``signs_request = True`` the method, path, timestamp and body (the 12345
platform), else the timestamp and body (the SMS gateway's scheme).

The standard library only: a benchmark runs a fake in a process without Django."""

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


class FakeSignedServer:
    thread_name = "fake-server"
    path = ""  # what ``url`` ends with
    signs_request = False  # the signature covers method and path too (core.signing.sign_request)

    def __init__(self, *, api_key: str, secret: str, max_skew: float = 300):
        self.api_key, self.secret, self.max_skew = api_key, secret, max_skew
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._fail: list[int] = []  # statuses of the next failing answers, in order
        self._refused: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.reset()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self):
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # kept-alive connections: their handler threads stop reading
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._server = self._thread = None

    def _stopping(self) -> None:
        """Let go of requests held back before the server shuts down."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.thread_name} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def reset(self) -> None:
        """Forget the counters (a subclass forgets what it received too)."""
        with self._lock:
            self.by_key: dict[str, dict] = {}
            self.duplicates = 0  # requests that repeated an accepted key
            self.requests = 0  # every request, whatever its answer
            self.rejected = 0  # answered 401 (key, timestamp or signature)
            self.statuses: Counter = Counter()  # answers by HTTP status

    # --- misbehaving ----------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` authentic requests with ``status`` (500, 503, 429, …) unaccepted."""
        with self._lock:
            self._fail.extend([status] * count)

    # --- the protocol ---------------------------------------------------------------------------

    def _authentic(self, headers, body: bytes, path: str = "") -> bool:
        if not hmac.compare_digest(headers.get("X-Api-Key", "").encode(), self.api_key.encode()):
            return False
        timestamp = headers.get("X-Timestamp", "")
        try:
            if abs(time.time() - float(timestamp)) > self.max_skew:
                return False
        except ValueError:
            return False
        signed = (f"POST\n{path}\n{timestamp}\n".encode() if self.signs_request else timestamp.encode() + b"\n") + body
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get("X-Signature", "").encode(), expected.encode())

    def _refusal(self, headers, body: bytes, path: str = "") -> tuple[int, dict] | None:
        """Under the lock, for every request: counted; 401 when it is not authentic (``path``: the
        request's, for a server that ``signs_request``)."""
        self.requests += 1
        if not self._authentic(headers, body, path):
            self.rejected += 1
            return 401, {"error": "unauthorized"}
        return None

    def _failure(self, unavailable: str = "unavailable") -> tuple[int, dict] | None:
        """Under the lock: the next failure asked for with ``fail_next``, if any."""
        if not self._fail:
            return None
        status = self._fail.pop(0)
        return status, {"error": "busy" if status == 429 else unavailable}

    def _respond(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        """(status, answer) of one request, in its handler's thread."""
        raise NotImplementedError


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up (timeout, killed): not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx clients use it
    server_fake: FakeSignedServer

    def setup(self):
        super().setup()
        # Answers go out at once (no Nagle delay waiting for the client's delayed ACK: 40 ms a message).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server_fake._lock:
            self.server_fake._connections.add(self.connection)

    def finish(self):
        with self.server_fake._lock:
            self.server_fake._connections.discard(self.connection)
        super().finish()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.server_fake._respond(self.path, self.headers, body)
        payload = json.dumps(answer).encode()
        with self.server_fake._lock:
            self.server_fake.statuses[status] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # quiet
        pass
