"""Login throttling, for every login path (the console's /login/, /admin/login/, anything that calls
``django.contrib.auth.authenticate`` with the request): django-axes records the failures
(``AccessAttempt``) and refuses an attempt in ``AxesStandaloneBackend`` before the password is checked;
this module says *when* (``LoginThrottle``), *where from* (``client_ip``) and *how* it is refused
(``lockout_response``).

The rule (settings ``LOGIN_*``, README "Configuration"):

* failures are counted per (user name, address) and per address, over the failures that are not older
  than ``LOGIN_FAILURE_MEMORY_SECONDS`` counted from the last one;
* at ``LOGIN_FAILURE_LIMIT`` failures of one user name from one address, or ``LOGIN_ADDRESS_FAILURE_LIMIT``
  failures of any names from one address, the next attempt waits ``LOGIN_DELAY_SECONDS`` after the last
  failure; every further failure doubles the wait, up to ``LOGIN_DELAY_MAX_SECONDS``. An attempt refused
  while waiting is not counted (it does not lengthen the wait);
* the per-address count does not hold back a user name that logged in from that address within the
  memory of the access log (``LOGIN_KNOWN_ADDRESS_DAYS``): behind a call centre's NAT, someone trying
  made-up names slows down new names from that address, not the operators who work there. Their own
  (user, address) count still applies to them;
* a successful login forgets the failures of that user name from that address (not the address's);
* one name failing from many addresses is not locked everywhere: anonymous failures elsewhere do not
  stop the user at their own desk.

The client's address is ``REMOTE_ADDR`` unless the request comes from one of ``TRUSTED_PROXIES``; only
then is ``X-Forwarded-For`` read, right to left, skipping trusted proxies (``client_ip``).
"""

import ipaddress
import math
from datetime import timedelta
from functools import lru_cache

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django import forms
from django.conf import settings
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hotline.core.errors import ErrorCode

# --- the client's address -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str | None:
    """The address of the client: ``REMOTE_ADDR``, or — only when that is a trusted proxy — the
    right-most address of ``X-Forwarded-For`` that is not a trusted proxy itself.

    (django-ipware's ``proxy_trusted_ips`` checks the addresses listed in the header, not the peer that
    sent it: a client connecting directly could name itself anything by writing the proxy's address at
    the end of its own header. So the peer is checked here first.)"""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not remote or not networks or not _trusted(remote, networks):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # garbage where the client's address should be: the proxy is all we know
    return forwarded[0] if forwarded else remote


# --- user names and what is counted ---------------------------------------------------------------


def username_key(request, credentials: dict | None = None) -> str:
    """The user name as counted: trimmed and case-folded (``Operator`` and ``operator `` are one)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        name = credentials.get(field)
    else:
        name = getattr(request, "POST", {}).get(field) if request is not None else None
    return (name or "").strip().lower()[:150]


def _known_here(username: str, ip: str | None) -> bool:
    if not username or not ip:
        return False
    since = timezone.now() - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(username__iexact=username, ip_address=ip, attempt_time__gte=since).exists()


def lockout_parameters(request_or_attempt, credentials: dict | None = None) -> list:
    """AXES_LOCKOUT_PARAMETERS: (user name, address), and the address unless the user name has
    logged in from there before."""
    if isinstance(request_or_attempt, AccessAttempt):
        username, ip = request_or_attempt.username, request_or_attempt.ip_address
    else:
        username = get_client_username(request_or_attempt, credentials)
        ip = getattr(request_or_attempt, "axes_ip_address", None)
    if _known_here(username, ip):
        return [["username", "ip_address"]]
    return [["username", "ip_address"], "ip_address"]


def _memory() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS)


def delay_after(failures: int, limit: int) -> int:
    """Seconds to wait after the last failure once ``failures`` reached ``limit``: the base delay,
    doubled by every failure beyond the limit, capped."""
    if failures < limit:
        return 0
    exponent = min(failures - limit, 30)
    return min(settings.LOGIN_DELAY_SECONDS * 2 ** exponent, settings.LOGIN_DELAY_MAX_SECONDS)


class LoginThrottle(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with a limit per kind of count and a wait that grows,
    instead of one limit and a fixed cool-off."""

    def retry_after(self, request, credentials: dict | None = None) -> int:
        """Seconds until this client may try again (0: now)."""
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        username = get_client_username(request, credentials)
        wait = 0.0
        for params in get_client_parameters(username, request.axes_ip_address, request.axes_user_agent,
                                            request, credentials):
            if not all(params.values()):
                continue  # no address (or name): nothing to count it by
            limit = settings.LOGIN_FAILURE_LIMIT if "username" in params else settings.LOGIN_ADDRESS_FAILURE_LIMIT
            seen = AccessAttempt.objects.filter(**params, attempt_time__gte=now - _memory()).aggregate(
                failures=Sum("failures_since_start"), last=Max("attempt_time"))
            delay = delay_after(seen["failures"] or 0, limit)
            if delay:
                wait = max(wait, (seen["last"] + timedelta(seconds=delay) - now).total_seconds())
        request.hotline_retry_after = math.ceil(wait) if wait > 0 else 0
        return request.hotline_retry_after

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return self.retry_after(request, credentials) > 0

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures of this user name from this address (what ``AXES_FAILURE_LIMIT`` is compared with)."""
        username = get_client_username(request, credentials)
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        return AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address, attempt_time__gte=now - _memory()
        ).aggregate(failures=Sum("failures_since_start"))["failures"] or 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused = request is not None and request.axes_locked_out  # refused while waiting: not counted
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused:
            return
        # Axes compares the (user, address) count with AXES_FAILURE_LIMIT; the address count, and the
        # wait, are ours: this failure may have started a wait.
        locked = self.is_locked(request, credentials)
        if locked and not request.axes_locked_out:
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=get_client_username(request, credentials),
                                 ip_address=request.axes_ip_address)
        request.axes_locked_out = locked

    def get_user_attempts(self, request, credentials: dict | None = None) -> list:
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        return [attempts.filter(attempt_time__gte=now - _memory())
                for attempts in self.filter_user_attempts(request, credentials)]

    def clean_expired_user_attempts(self, request=None, credentials: dict | None = None) -> int:
        count, _ = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - _memory()).delete()
        return count

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful login (AXES_RESET_ON_SUCCESS): that user name's failures from that address
        only — one operator logging in does not wipe an attacker's count at the shared address."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address).delete()
        return count


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: the wait of this request's client — it grows with every failure beyond the
    limit (``delay_after``); the base delay when the request is not known."""
    seconds = getattr(request, "hotline_retry_after", None)
    return timedelta(seconds=seconds if seconds else settings.LOGIN_DELAY_SECONDS)


def purge(now=None) -> tuple[int, int]:
    """Forget failures beyond their memory and access log entries beyond ``LOGIN_KNOWN_ADDRESS_DAYS``."""
    now = now or timezone.now()
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=now - _memory()).delete()
    logs, _ = AccessLog.objects.filter(
        attempt_time__lt=now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)).delete()
    return attempts, logs


# --- the answer -----------------------------------------------------------------------------------


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def throttled_message(seconds: int) -> str:
    return _("Too many failed logins from here. Try again in %(wait)s.") % {"wait": wait_text(seconds)}


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """AXES_LOCKOUT_CALLABLE: a JSON 429 ``{code: "throttled", …}`` on the API, else the login page
    with the reason and the wait (429), with ``Retry-After``."""
    seconds = getattr(request, "hotline_retry_after", None)
    if seconds is None:
        from axes.handlers.proxy import AxesProxyHandler

        seconds = AxesProxyHandler.get_implementation().retry_after(request, credentials)
    seconds = max(int(seconds), 1)
    message = throttled_message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": str(ErrorCode.THROTTLED), "message": message,
                                 "fields": {"retry_after": str(seconds)}}, status=429)
    else:
        from hotline.org.forms import LoginForm

        form = LoginForm(request, initial={"username": username_key(request, credentials)})
        form.cleaned_data = {}  # an unbound form that carries the reason
        form.add_error(None, forms.ValidationError(message, code="throttled"))
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if not next_url and request.path.startswith("/admin/"):
            next_url = "/admin/"
        response = render(request, "org/login.html", {"form": form, "next": next_url, "throttled": True},
                          status=429)
    response["Retry-After"] = str(seconds)
    return response
