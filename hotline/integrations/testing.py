"""A fake 12345 platform for tests and demos: a real HTTP server on 127.0.0.1 (a random port) taking
what ``PlatformGateway`` sends (docs/gov12345.md, "Outbound"), checked independently of the client.

    with FakePlatform() as platform:
        settings.GOV12345_URL, ... = platform.settings()   # or platform.gateway() for a client
        ...
        platform.wait_for(2)
        assert platform.actions("C-1") == ["sign_for", "reply"]

It checks the API key, the timestamp (within ``max_skew`` seconds) and the signature (401 otherwise),
the path ``/cases/<case_id>/<action>`` (404), the body (its case_id and action those of the path, the
fields each action needs: 400) and the ``Idempotency-Key`` (400 without one). A repeated key answers
the first id and counts in ``duplicates``: the platform does not take the message twice. It can be
told to fail: ``fail_next(n, 503)`` answers the next n authentic requests with that status;
``refuse(case_id, 400)`` every message of a case (until ``allow(case_id)``).

No Django and no pytest: the standard library only (``gateway()`` imports the client lazily)."""

import contextlib
import hashlib
import hmac
import itertools
import json
import re
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

PATH = re.compile(r"^/cases/([^/]+)/([a-z_]+)$")
REQUIRED = {
    "sign_for": {"order_number", "signed_at"},
    "return": {"reason_code", "note", "returned_at"},
    "extension": {"reply_deadline", "reason"},
    "reply": {"result", "resolved_at", "satisfaction"},
}


class FakePlatform:
    def __init__(self, *, api_key: str = "platform-key", secret: str = "platform-secret", max_skew: float = 300):
        self.api_key, self.secret, self.max_skew = api_key, secret, max_skew
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._fail: list[int] = []
        self._refused: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.reset()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakePlatform":
        platform = self

        class Handler(_Handler):
            fake = platform

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-12345-platform", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> "FakePlatform":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake platform is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def settings(self) -> dict[str, str]:
        """GOV12345_URL, GOV12345_KEY, GOV12345_SECRET pointing here."""
        return {"GOV12345_URL": self.url, "GOV12345_KEY": self.api_key, "GOV12345_SECRET": self.secret}

    def gateway(self, *, api_key: str | None = None, secret: str | None = None, timeout: float = 5.0):
        """A ``PlatformGateway`` for this server (other credentials to test refusals)."""
        from hotline.integrations.gov12345.adapter import PlatformGateway

        return PlatformGateway(url=self.url, api_key=self.api_key if api_key is None else api_key,
                               secret=self.secret if secret is None else secret, timeout=timeout)

    # --- what happened --------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.received: list[dict] = []  # accepted messages in order: case_id, action, body, key, id
            self.by_key: dict[str, dict] = {}
            self.duplicates = 0
            self.requests = 0
            self.rejected = 0  # 401: key, timestamp or signature
            self.statuses: Counter = Counter()

    def actions(self, case_id: str) -> list[str]:
        with self._lock:
            return [m["action"] for m in self.received if m["case_id"] == case_id]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: len(self.received) >= count, timeout)

    # --- misbehaving ----------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._fail.extend([status] * count)

    def refuse(self, case_id: str, status: int = 400) -> None:
        with self._lock:
            self._refused[case_id] = status

    def allow(self, case_id: str) -> None:
        with self._lock:
            self._refused.pop(case_id, None)

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

    def _handle(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        with self._lock:
            self.requests += 1
            if not self._authentic(headers, body):
                self.rejected += 1
                return 401, {"error": "unauthorized"}
            match = PATH.match(path)
            if not match or match[2] not in REQUIRED:
                return 404, {"error": f"no such endpoint: {path}"}
            case_id, action = unquote(match[1]), match[2]
            if self._fail:
                status = self._fail.pop(0)
                return status, {"error": "busy" if status == 429 else "unavailable"}
            key = headers.get("Idempotency-Key", "")
            try:
                data = json.loads(body)
                if not isinstance(data, dict) or data.get("case_id") != case_id or data.get("action") != action:
                    raise ValueError("case_id or action differ from the path")
                missing = REQUIRED[action] - set(data)
                if missing:
                    raise ValueError(f"missing {', '.join(sorted(missing))}")
                if not key:
                    raise ValueError("no Idempotency-Key")
            except ValueError as exc:
                return 400, {"error": str(exc)}
            if key in self.by_key:
                self.duplicates += 1
                return 200, {"id": self.by_key[key]["id"], "duplicate": True}
            if case_id in self._refused:
                return self._refused[case_id], {"error": f"case {case_id} refused"}
            message = {"case_id": case_id, "action": action, "body": data, "key": key, "id": f"p-{next(self._ids)}",
                       "at": time.time()}
            self.received.append(message)
            self.by_key[key] = message
            self._lock.notify_all()
            return 200, {"id": message["id"]}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up: not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakePlatform

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self):
        with self.fake._lock:
            self.fake._connections.discard(self.connection)
        super().finish()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.fake._handle(self.path, self.headers, body)
        payload = json.dumps(answer).encode()
        with self.fake._lock:
            self.fake.statuses[status] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass
