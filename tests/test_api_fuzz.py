"""Fuzzing the JSON API from its own OpenAPI document (schemathesis): every operation gets generated
requests — valid ones, and ones that break the schema — and none may answer with a server error.

The external systems' endpoints (the PBX's call events, the 12345 platform's cases, the public outage
list) face the outside world, so they get more examples than the console's. The requests carry an
administrator's token (the role that may call every operation), so that they reach the code behind
authentication rather than stop at a 401."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from hotline.org.roles import Role
from hotline.org.services import api_token_create

# What the outside world calls: the PBX, the 12345 platform, the public outage page.
EXTERNAL = r"/cti/events|/gov12345/|/public/"
CHECKS = [not_a_server_error]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the test's database connection (its
    transaction holds the test's data)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(make_user):
    admin = make_user(Role.ADMIN, username="fuzz-admin", is_staff=True)
    return api_token_create(actor=admin, user=admin, name="fuzz")[1]


def _schema():
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


schema = _schema()
FUZZ = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck)}


@schema.include(path_regex=EXTERNAL).parametrize()
@settings(max_examples=80, **FUZZ)
def test_no_external_endpoint_answers_with_a_server_error(case, admin_token, catalogue):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)


@schema.exclude(path_regex=EXTERNAL).parametrize()
@settings(max_examples=12, **FUZZ)
def test_no_console_endpoint_answers_with_a_server_error(case, admin_token, catalogue):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
