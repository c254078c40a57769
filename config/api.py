"""The JSON API at /api/v1/, assembled at the top: every app exports its routers, ``hotline.core.api`` gives
the token auth and the error handling. Console users are authenticated by their session, external systems
by a bearer token."""

from ninja import NinjaAPI
from ninja.security import django_auth

from hotline.calls.api import router as calls_router
from hotline.calls.cti_api import router as cti_router
from hotline.core.api import TokenAuth, install_error_handlers
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


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Hotline API",
        version="1",
        description="Water-utility service hotline and work orders. Errors: `{code, message, fields}`.",
        auth=[TokenAuth(), django_auth],
        urls_namespace="api",
    )
    install_error_handlers(api)
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
