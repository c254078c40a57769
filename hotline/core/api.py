"""What every part of the JSON API at /api/v1/ shares: bearer-token auth for external systems and errors as
``{code, message, fields}``. The API itself is assembled at the top, in ``config/api.py``: core imports no app
(the token check is the one ``hotline.org`` registers when it is ready)."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from hotline.core.errors import DomainError, ErrorCode, PayloadTooLargeError, UnavailableError

log = logging.getLogger(__name__)


_token_checks: list[Callable[[str], Any]] = []


def register_token_check(check: Callable[[str], Any]) -> None:
    """``check(token)`` answers the user a bearer token acts as, or None (``hotline.org`` owns the tokens)."""
    if check not in _token_checks:
        _token_checks.append(check)


class TokenAuth(HttpBearer):
    openapi_description = "API token of an external system (created by an administrator): `Authorization: Bearer hl_…`"

    def authenticate(self, request, token):
        for check in _token_checks:  # none registered: no token is accepted
            user = check(token)
            if user is not None:
                request.user = user
                return user
        return None


def _error(api, request, status: int, code: str, message, fields=None):
    return api.create_response(request, {"code": code, "message": str(message), "fields": fields or {}}, status=status)


def install_error_handlers(api: NinjaAPI) -> NinjaAPI:
    """Every error of ``api`` as ``{code, message, fields}`` with its status."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.http_status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields = {}
        for err in exc.errors:
            loc = [str(part) for part in err.get("loc", [])]
            for _step in range(2):  # Ninja's leading parts ("body", "payload"; "query", "params"), not a field's name
                if loc and len(loc) > 1 and loc[0] in {"body", "query", "path", "payload", "params", "form", "file"}:
                    loc = loc[1:]
            fields[".".join(loc) or "request"] = err.get("msg", "")
        return _error(api, request, 422, ErrorCode.VALIDATION, _("The request is not valid."), fields)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return _error(api, request, 401, ErrorCode.NOT_AUTHENTICATED, _("Log in or send an API token."))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return _error(api, request, 403, ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _error(api, request, 404, ErrorCode.NOT_FOUND, _("Not found."))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return domain_error(request, PayloadTooLargeError())

    @api.exception_handler(DatabaseOperationalError)
    @api.exception_handler(DatabaseInterfaceError)
    def unavailable(request, exc):
        # The database cannot be reached (down, restarting, out of connections): a JSON 503 that a
        # client may retry, not an HTML 500.
        log.error("API %s %s: database unavailable: %s", request.method, request.path, exc)
        return domain_error(request, UnavailableError(fields={"database": _("unavailable")}))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # Ninja's own 400s are bodies it could not parse (not JSON, wrong content type).
        code = ErrorCode.VALIDATION if exc.status_code in (400, 422) else "http_error"
        return _error(api, request, exc.status_code, code, exc.message)

    return api
