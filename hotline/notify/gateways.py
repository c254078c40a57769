"""Gateways deliver one message each; they are adapters chosen by settings.

* ``FileGateway`` (the embedded default): appends each message as one JSON line to
  ``$HOTLINE_DATA_DIR/outbox.log``, so that a demo shows what would have been sent.
* ``HttpSmsGateway``: ``POST`` JSON ``{key, to, text, channel}`` to ``SMS_GATEWAY_URL`` with
  ``X-Api-Key``, ``X-Timestamp`` and ``X-Signature`` = hex HMAC-SHA256 of ``"<timestamp>\\n<body>"``
  under ``SMS_GATEWAY_SECRET``. The answer ``{"id": ...}`` is the gateway's message id. The gateway is
  expected to treat a repeated ``key`` as the same message (every SMS gateway's client message id):
  that is what makes a retry after a crash harmless.

A gateway raises ``TemporaryError`` (try again later: timeouts, 5xx, 429) or ``PermanentError``
(never: a 4xx, a number the gateway refuses)."""

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import httpx
from django.conf import settings
from django.utils import timezone

from hotline.core.signing import sign


class Gateway(Protocol):
    """What sends a message (a channel's gateway, or the router over them): the provider's message id."""

    @property
    def name(self) -> str: ...

    def send(self, *, key: str, to: str, text: str, channel: str) -> str: ...


class TemporaryError(Exception):
    pass


class PermanentError(Exception):
    pass


class FileGateway:
    name = "file"
    _lock = threading.Lock()

    def __init__(self, path: Path | None = None):
        self.path = Path(path or settings.OUTBOX_LOG)

    def send(self, *, key: str, to: str, text: str, channel: str) -> str:
        line = json.dumps({"at": timezone.now().isoformat(), "key": key, "channel": channel, "to": to,
                           "text": text}, ensure_ascii=False)
        with self._lock, open(self.path, "a", encoding="utf-8", opener=_private_opener) as f:
            f.write(line + "\n")
        return f"file:{key}"


def _private_opener(path: str, flags: int) -> int:
    """Open (or create) the log readable by its owner only: it holds phone numbers and messages."""
    fd = os.open(path, flags, 0o600)
    if os.fstat(fd).st_mode & 0o077:
        os.fchmod(fd, 0o600)
    return fd


class HttpSmsGateway:
    name = "http"

    def __init__(self, *, url: str, api_key: str, secret: str, timeout: float = 10.0):
        self.url, self.api_key, self.secret = url, api_key, secret
        self.client = httpx.Client(timeout=timeout)

    def send(self, *, key: str, to: str, text: str, channel: str) -> str:
        body = json.dumps({"key": key, "to": to, "text": text, "channel": channel}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Api-Key": self.api_key, "X-Timestamp": timestamp,
                   "X-Signature": sign(self.secret, timestamp, body)}
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryError(f"HTTP {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise PermanentError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return str(response.json()["id"])[:64]
        except (ValueError, KeyError, TypeError) as exc:
            raise TemporaryError(f"unreadable answer: {response.text[:200]}") from exc

    def close(self) -> None:
        self.client.close()


def sms_gateway() -> Gateway:
    if settings.SMS_GATEWAY_URL:
        return HttpSmsGateway(url=settings.SMS_GATEWAY_URL, api_key=settings.SMS_GATEWAY_KEY,
                              secret=settings.SMS_GATEWAY_SECRET, timeout=settings.SMS_GATEWAY_TIMEOUT)
    return FileGateway()


# Channels that are not SMS-like go to their own adapter (the 12345 platform): channel -> factory.
# Registered by the owning app's AppConfig.ready().
CHANNEL_GATEWAYS: dict[str, Callable[[], Gateway]] = {}
# channel -> function(message) called after a message of that channel is recorded as sent (outside
# the claim; it must be idempotent, since a crash between the two leaves it undone until a sweep).
SENT_HOOKS: dict[str, Callable[[object], None]] = {}
# channel -> function(message) giving its text as staff read it, for a channel whose text is a machine's
# payload (the 12345 platform's JSON): the outbox shows fields, not JSON.
CHANNEL_DISPLAYS: dict[str, Callable[[object], str]] = {}


class ChannelRouter:
    """Sends each message through its channel's gateway (the SMS gateway by default); a gateway is
    made the first time its channel is used and closed with the router."""

    def __init__(self, default: Gateway | None = None, **by_channel: Gateway) -> None:
        self._default, self._made = default, dict(by_channel)

    @property
    def name(self) -> str:
        """The SMS gateway's name (what most messages go through)."""
        return self.gateway("sms").name

    def gateway(self, channel: str) -> Gateway:
        if channel not in self._made:
            factory = CHANNEL_GATEWAYS.get(channel)
            if factory is None:
                if self._default is None:
                    self._default = sms_gateway()
                return self._default
            self._made[channel] = factory()
        return self._made[channel]

    def send(self, *, key: str, to: str, text: str, channel: str) -> str:
        return self.gateway(channel).send(key=key, to=to, text=text, channel=channel)

    def close(self) -> None:
        for gateway in [self._default, *self._made.values()]:
            close = getattr(gateway, "close", None)  # a gateway that holds connections closes them
            if close is not None:
                close()


def default_gateway() -> Gateway:
    return ChannelRouter()
