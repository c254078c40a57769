"""A fake 12345 platform for tests and demos: a real HTTP server on 127.0.0.1 (a random port) taking
what ``PlatformGateway`` sends (docs/gov12345.md, "Outbound"), checked independently of the client.

    with FakePlatform() as platform:
        settings.GOV12345_URL, ... = platform.settings()   # or platform.gateway() for a client
        ...
        platform.wait_for(2)
        assert platform.actions("C-1") == ["sign_for", "reply"]

It checks the API key, the timestamp (within ``max_skew`` seconds) and the signature of method, path,
timestamp and body (401 otherwise),
the path ``/cases/<case_id>/<action>`` (404), the body (its case_id and action those of the path, the
fields each action needs: 400) and the ``Idempotency-Key`` (400 without one). A repeated key answers
the first id and counts in ``duplicates``: the platform does not take the message twice. It can be
told to fail: ``fail_next(n, 503)`` answers the next n authentic requests with that status;
``refuse(case_id, 400)`` every message of a case (until ``allow(case_id)``).

No Django and no pytest: the standard library only (``gateway()`` imports the client lazily)."""

import json
import re
import time
from urllib.parse import unquote

from hotline.core.fakeserver import FakeSignedServer

PATH = re.compile(r"^/cases/([^/]+)/([a-z_]+)$")
REQUIRED = {
    "sign_for": {"order_number", "signed_at"},
    "return": {"reason_code", "note", "returned_at"},
    "extension": {"reply_deadline", "reason"},
    "reply": {"result", "resolved_at", "satisfaction"},
}


class FakePlatform(FakeSignedServer):
    thread_name = "fake-12345-platform"
    signs_request = True  # method, path, timestamp and body, as docs/gov12345.md says

    def __init__(self, *, api_key: str = "platform-key", secret: str = "platform-secret", max_skew: float = 300):
        super().__init__(api_key=api_key, secret=secret, max_skew=max_skew)

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
        super().reset()
        with self._lock:
            self.received: list[dict] = []  # accepted messages in order: case_id, action, body, key, id

    def actions(self, case_id: str) -> list[str]:
        with self._lock:
            return [m["action"] for m in self.received if m["case_id"] == case_id]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: len(self.received) >= count, timeout)

    # --- misbehaving ----------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503) -> None:
        super().fail_next(count, status)

    def refuse(self, case_id: str, status: int = 400) -> None:
        with self._lock:
            self._refused[case_id] = status

    def allow(self, case_id: str) -> None:
        with self._lock:
            self._refused.pop(case_id, None)

    # --- the protocol ---------------------------------------------------------------------------

    def _respond(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        with self._lock:
            if refused := self._refusal(headers, body, path):
                return refused
            match = PATH.match(path)
            if not match or match[2] not in REQUIRED:
                return 404, {"error": f"no such endpoint: {path}"}
            case_id, action = unquote(match[1]), match[2]
            if failed := self._failure():
                return failed
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
