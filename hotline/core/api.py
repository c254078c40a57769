"""The JSON API at /api/v1/: session auth for the console, bearer tokens for external systems, errors as
``{code, message, fields}``."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from hotline.core.errors import DomainError, ErrorCode, PayloadTooLargeError, UnavailableError

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    openapi_description = "API token of an external system (created by an administrator): `Authorization: Bearer hl_…`"

    def authenticate(self, request, token):
        from hotline.org.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def _error(api, request, status: int, code: str, message, fields=None):
    return api.create_response(request, {"code": code, "message": str(message), "fields": fields or {}}, status=status)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Hotline API",
        version="1",
        description="Water-utility service hotline and work orders. Errors: `{code, message, fields}`.",
        auth=[TokenAuth(), django_auth],
        urls_namespace="api",
    )

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

    from hotline.calls.api import router as calls_router
    from hotline.calls.cti_api import router as cti_router
    from hotline.customers.api import router as customers_router
    from hotline.integrations.api import router as integrations_router
    from hotline.knowledge.api import router as knowledge_router
    from hotline.notify.api import router as notify_router
    from hotline.org.api import router as org_router
    from hotline.outages.api import public_router
    from hotline.outages.api import router as outages_router
    from hotline.reports.api import router as reports_router
    from hotline.shifts.api import router as shifts_router
    from hotline.workorders.api import router as workorders_router

    api.add_router("/", org_router)
    api.add_router("/", customers_router)
    api.add_router("/", calls_router)
    api.add_router("/", cti_router)
    api.add_router("/", workorders_router)
    api.add_router("/", outages_router)
    api.add_router("/", notify_router)
    api.add_router("/", integrations_router)
    api.add_router("/", shifts_router)
    api.add_router("/", knowledge_router)
    api.add_router("/", reports_router)
    api.add_router("/", public_router, auth=None)
    return api


api = build_api()
