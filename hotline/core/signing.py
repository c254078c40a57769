r"""Signed requests between systems, with a shared secret.

Inbound (the PBX's events, the 12345 platform's requests) and outbound to the 12345 platform:
``X-Timestamp`` (Unix seconds, perhaps with a fraction) and ``X-Signature`` = hex HMAC-SHA256 under the secret of

    "<METHOD>\n<path>\n<X-Timestamp>\n" + <raw body>

where the path is the request's path as sent (with the query string, if any), e.g.
``POST\n/api/v1/gov12345/cases/C-1/urges\n1764040502\n{"urge_id": …}``. A signature therefore holds
for one method, one path and one body only. Inbound, a timestamp more than ``MAX_SKEW_SECONDS`` from our
clock is refused, and so is a signature seen before (``SeenSignature``, in the database so that every
app server agrees): a captured request cannot be replayed, to the same path or another. A client signs
every attempt anew; the timestamp may have a fraction (``1764040502.125``, as ours have) so that the
same request sent twice within a second is signed differently.

Outbound to the SMS gateway the gateway's own scheme is kept (``sign``: timestamp and body, no method
or path; ``hotline.notify.gateways``)."""

import hashlib
import hmac
import re
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security.base import AuthBase

from hotline.core.errors import DomainError, ErrorCode

MAX_SKEW_SECONDS = 300  # a signed request older or newer than this is refused (replay window)
_TIMESTAMP = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")  # Unix seconds, perhaps with a fraction


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The SMS gateway's signature: timestamp and body only (its scheme, not ours)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def sign_request(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = f"{method.upper()}\n{path}\n{timestamp}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, method: str, path: str, now: float | None = None) -> dict[str, str]:
    """``X-Timestamp`` and ``X-Signature`` for a request of ``method`` to ``path`` with ``body``."""
    timestamp = f"{now if now is not None else time.time():.3f}"
    return {"X-Timestamp": timestamp, "X-Signature": sign_request(secret, method, path, timestamp, body)}


def verify(secret: str, timestamp: str, signature: str, body: bytes, *, method: str, path: str,
           now: float | None = None) -> bool:
    """The signature is right and its timestamp within the window (whether it was seen before is
    ``remember``'s business)."""
    if not secret or not timestamp or not signature or not _TIMESTAMP.fullmatch(timestamp):
        return False
    skew = abs((now if now is not None else time.time()) - float(timestamp))
    return skew <= MAX_SKEW_SECONDS and hmac.compare_digest(
        sign_request(secret, method, path, timestamp, body), signature.lower())


class ReplayedSignatureError(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED
    http_status = 401
    default_message = _("This signature has been used before: sign every request anew.")


def remember(signature: str) -> bool:
    """Record a verified signature; False if it was seen before (a replay). The unique key decides
    between concurrent requests, on any number of app servers."""
    from hotline.org.models import SeenSignature

    try:
        with transaction.atomic():
            SeenSignature.objects.create(signature=signature.lower())
    except IntegrityError:
        return False
    return True


def forget_old_signatures(now=None) -> int:
    """Signatures that can no longer be replayed: their timestamp is out of the window anyway."""
    from hotline.org.models import SeenSignature

    cutoff = (now or timezone.now()) - timedelta(seconds=2 * MAX_SKEW_SECONDS + 60)
    deleted, _counts = SeenSignature.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


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
            f"HMAC-SHA256 signature (hex) of `<METHOD>\\n<path>\\n<X-Timestamp>\\n<body>` under "
            f"`{secret_setting}`, with the `X-Timestamp` header in Unix seconds (within {MAX_SKEW_SECONDS} s); "
            f"a signature is accepted once. The request acts as the user `{user_setting}` names.")
        super().__init__()

    def __call__(self, request):
        secret = getattr(settings, self.secret_setting, "")
        if not secret or "HTTP_X_SIGNATURE" not in request.META:
            return None
        signature = request.META["HTTP_X_SIGNATURE"]
        if not verify(secret, request.META.get("HTTP_X_TIMESTAMP", ""), signature, request.body,
                      method=request.method, path=request.get_full_path()):
            return None
        if not remember(signature):
            raise ReplayedSignatureError()
        user = system_user(getattr(settings, self.user_setting))
        if user is not None:
            request.user = user
        return user
