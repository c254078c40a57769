import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.audit import audit
from hotline.core.errors import NotFoundError, ValidationError
from hotline.org.models import ApiToken, User
from hotline.org.roles import Perm, require_perm

TOKEN_PREFIX = "hl_"


# --- API tokens -----------------------------------------------------------------------------------

def api_token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the token row and the raw token (shown only once)."""
    require_perm(actor, Perm.TOKEN_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."), fields={"name": _("This field is required.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[:10], digest=ApiToken.digest_of(raw), created_by=actor
        )
        audit(actor=actor, action="api_token.created", target=token, user=user.username, name=name)
    return token, raw


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    require_perm(actor, Perm.TOKEN_MANAGE)
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, action="api_token.revoked", target=token)
    return token


# digest -> (token, monotonic time of the check): a system that posts hundreds of requests a second
# does not read its token each time. Dropped in this process when a token or a user is saved
# (revoked, deactivated); other processes check again within API_TOKEN_CACHE_SECONDS.
_checked_tokens: dict[str, tuple[ApiToken, float]] = {}


def forget_checked_tokens(**_kwargs: object) -> None:
    _checked_tokens.clear()


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a raw bearer token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    digest = ApiToken.digest_of(raw)
    cached = _checked_tokens.get(digest)
    token: ApiToken | None
    if cached and time.monotonic() - cached[1] <= settings.API_TOKEN_CACHE_SECONDS:
        token = cached[0]
    else:
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            _checked_tokens.pop(digest, None)
            return None
        if settings.API_TOKEN_CACHE_SECONDS > 0:
            if len(_checked_tokens) > 1000:
                _checked_tokens.clear()
            _checked_tokens[digest] = (token, time.monotonic())
    now = timezone.now()
    # Write the last-use time at most once a minute, not on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(minutes=1))
        ).update(last_used_at=now)
        token.last_used_at = now
    return token.user


def api_token_get(*, actor: User, token_id: int) -> ApiToken:
    require_perm(actor, Perm.TOKEN_MANAGE)
    try:
        return ApiToken.objects.select_related("user").get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFoundError() from None
