"""Signed requests between systems: ``X-Timestamp`` (Unix seconds) and ``X-Signature`` = hex
HMAC-SHA256 of ``"<timestamp>\\n<raw body>"`` under a shared secret. The same scheme signs what we send
(SMS gateway, 12345 replies) and checks what external systems post to us (PBX events, 12345 cases)
when they do not use a bearer token."""

import hashlib
import hmac
import time

from django.conf import settings
from ninja.security.base import AuthBase

MAX_SKEW_SECONDS = 300  # a signed request older or newer than this is refused (replay window)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {"X-Timestamp": timestamp, "X-Signature": sign(secret, timestamp, body)}


def verify(secret: str, timestamp: str, signature: str, body: bytes, *, now: float | None = None) -> bool:
    if not secret or not timestamp or not signature:
        return False
    try:
        skew = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return skew <= MAX_SKEW_SECONDS and hmac.compare_digest(sign(secret, timestamp, body), signature.lower())


_users: dict[str, object] = {}


def system_user(username: str):
    """The active user an external system acts as when it signs instead of sending a token."""
    from hotline.org.models import User

    user = _users.get(username)
    if user is None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is not None and settings.API_TOKEN_CACHE_SECONDS > 0:
            _users[username] = user
    return user


def forget_system_users(**_kwargs) -> None:
    _users.clear()


class SignatureAuth(AuthBase):
    """Ninja auth for a signed request: ``secret_setting`` names the shared secret (no secret, no
    signed access), ``user_setting`` the user name the system acts as."""

    openapi_type = "apiKey"

    def __init__(self, secret_setting: str, user_setting: str):
        self.secret_setting, self.user_setting = secret_setting, user_setting
        self.openapi_name = "X-Signature"
        self.openapi_in = "header"
        self.openapi_description = (
            f"HMAC-SHA256 signature (hex) of `<X-Timestamp>\\n<body>` under `{secret_setting}`, with the "
            f"`X-Timestamp` header in Unix seconds; the request acts as the user `{user_setting}` names.")
        super().__init__()

    def __call__(self, request):
        secret = getattr(settings, self.secret_setting, "")
        if not secret or "HTTP_X_SIGNATURE" not in request.META:
            return None
        if not verify(secret, request.META.get("HTTP_X_TIMESTAMP", ""), request.META["HTTP_X_SIGNATURE"],
                      request.body):
            return None
        user = system_user(getattr(settings, self.user_setting))
        if user is not None:
            request.user = user
        return user
