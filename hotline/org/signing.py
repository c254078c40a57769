"""Inbound signed requests (the PBX's events, the 12345 platform's requests; the scheme is
``hotline.core.signing``'s): a signature is accepted once (``SeenSignature``, in the database so that every
app server agrees) and the request acts as the system's user."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security.base import AuthBase

from hotline.core.errors import DomainError, ErrorCode
from hotline.core.signing import MAX_SKEW_SECONDS, verify

if TYPE_CHECKING:
    from hotline.org.models import User


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


def forget_old_signatures(now: datetime | None = None) -> int:
    """Signatures that can no longer be replayed: their timestamp is out of the window anyway."""
    from hotline.org.models import SeenSignature

    cutoff = (now or timezone.now()) - timedelta(seconds=2 * MAX_SKEW_SECONDS + 60)
    deleted, _counts = SeenSignature.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


_users: dict[str, "User"] = {}


def system_user(username: str) -> "User | None":
    """The active user an external system acts as when it signs instead of sending a token."""
    from hotline.org.models import User

    user = _users.get(username)
    if user is None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is not None and settings.API_TOKEN_CACHE_SECONDS > 0:
            _users[username] = user
    return user


def forget_system_users(**_kwargs: object) -> None:
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

    def __call__(self, request: HttpRequest) -> "User | None":
        secret = getattr(settings, self.secret_setting, "")
        if not secret or "HTTP_X_SIGNATURE" not in request.META:
            return None
        signature = request.META["HTTP_X_SIGNATURE"]
        if not verify(secret, request.META.get("HTTP_X_TIMESTAMP", ""), signature, request.body,
                      method=request.method or "", path=request.get_full_path()):
            return None
        if not remember(signature):
            raise ReplayedSignatureError()
        user = system_user(getattr(settings, self.user_setting))
        if user is not None:
            request.user = user
        return user
