"""Who may do what, held against one table (``tests/access_matrix.py``): every operation of the API's
OpenAPI document and every console URL, for every principal — anonymous, each staff role of the demo
city, and the external systems by their tokens (billing, PBX, 12345) — is requested once against a
small demo city, and its answer is classified:

    A  allowed (an answer that is not a refusal: 2xx, or a validation/conflict error of the request)
    M  allowed, the phone numbers in it masked (138****1234, none in full)
    H  hidden (404)
    -  refused (401 / 403, or the login page)

A 5xx is always a failure. An operation or URL without a row in the table fails, and so does a row
without an operation: a new endpoint comes with its decision. To see the table as it stands (to review
a change): ``ACCESS_MATRIX_WRITE=1 .venv/bin/python -m pytest tests/test_access_matrix.py -s``."""

import json
import os
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from conftest import ensure_catalogue
from tests.access_matrix import API, CONSOLE, PRINCIPALS

FULL_MOBILE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?!\d)")
MASKED_MOBILE = re.compile(r"1[3-9]\d\*{4}\d{4}")
# A 1×1 PNG.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
                    "00000301010018dd8db00000000049454e44ae426082")
CONSOLE_SKIP = ("admin/", "api/v1/", "i18n/", "static/", "media/", "healthz", "login/", "logout/")
# A path of each console URL with parameters: (namespace:name) → kwargs (filled from the city below).
ACTIONS = {"workorders:action": "urge", "workorders:queue_form": "progress", "outages:action": "restore", "shifts:action": "acknowledge"}


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """A small demo city with two days of history, the system users' tokens, and one object of each kind
    that a path names; rolled back at the end of the module."""
    from hotline.calls.models import Call
    from hotline.customers.models import Account, ImportJob
    from hotline.demo.seed import seed_demo
    from hotline.integrations.models import Case
    from hotline.knowledge.models import Article
    from hotline.notify.models import Message, MessageTemplate
    from hotline.org.models import Unit, User
    from hotline.org.roles import Role
    from hotline.org.services import api_token_create
    from hotline.outages.models import Outage, OutageStatus
    from hotline.shifts.models import Handover, ShiftAssignment, ShiftDefinition
    from hotline.workorders.models import Attachment, Status, WorkOrder

    with time_machine.travel(timezone.localtime().replace(hour=11, minute=0), tick=True), \
            django_db_blocker.unblock(), transaction.atomic():
        ensure_catalogue()  # flushed by a transactional test earlier in the run
        seed_demo(accounts=300, bills_months=1, history_days=2, log=lambda *a: None)
        admin = User.objects.get(username="admin")
        billing = User.objects.create(username="billing", full_name="营业收费系统", role=Role.INTEGRATION,
                                      unit=Unit.objects.get(code="company"), password="!")
        tokens = {name: api_token_create(actor=admin, user=User.objects.get(username=user), name=name)[1]
                  for name, user in (("billing", "billing"), ("pbx", "pbx"), ("gov12345", "gov12345"))}
        spare, _raw = api_token_create(actor=admin, user=billing, name="to be revoked")
        order = WorkOrder.objects.filter(status=Status.DISPATCHED, unit__code="zhangdian-repair").order_by("pk").first()
        account = order.account or Account.objects.order_by("pk").first()
        job = ImportJob.objects.create(kind="accounts", original_name="x.csv", created_by=admin)
        photo = Attachment.objects.create(order=order, file=ContentFile(PNG, name="p.png"), name="p.png",
                                          uploaded_by=User.objects.get(username="fieldworker"))
        values = {
            "token_id": spare.pk, "account_no": account.account_no, "job_id": job.pk,
            "call_id": Call.objects.order_by("pk").first().pk, "number": order.number, "order": order.number,
            "unit_id": order.unit_id,
            "outage": Outage.objects.filter(status=OutageStatus.ACTIVE).order_by("pk").first().number,
            "message_id": Message.objects.order_by("pk").first().pk,
            "case_message_id": Message.objects.filter(topic__startswith="case:").order_by("pk").first().pk,
            "code": MessageTemplate.objects.order_by("pk").first().code,
            "case_id": Case.objects.order_by("pk").first().case_id,
            "assignment_id": ShiftAssignment.objects.order_by("-pk").first().pk, "shift": "day",
            "handover_id": Handover.objects.order_by("-pk").first().pk,
            "article_id": Article.objects.order_by("pk").first().pk,
            "definition_id": ShiftDefinition.objects.get(code="day").pk,
            "phone": account.phones.order_by("position").first().number, "attachment_id": photo.pk,
        }
        city = {"tokens": tokens, "values": values, "clients": {}}
        for principal in PRINCIPALS:  # logged in once, outside the requests' rolled-back transactions
            _client(principal, city)
        yield city
        transaction.set_rollback(True)


def _client(principal: str, city) -> Client:
    from hotline.org.models import User

    if principal in city["clients"]:
        return city["clients"][principal]
    client = city["clients"][principal] = Client()
    if principal in city["tokens"]:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {city['tokens'][principal]}"
    elif principal != "anonymous":
        client.force_login(User.objects.get(username=principal))
    return client


def _request(principal: str, city, method: str, url: str, **kwargs):
    """One request, its writes rolled back: every principal finds the city as it was."""
    with transaction.atomic():
        response = getattr(_client(principal, city), method)(url, **kwargs)
        transaction.set_rollback(True)
    return response


def _classify(response, *, login_page: bool = False) -> str:
    status = response.status_code
    if status >= 500:
        return "E"
    if status in (401, 403) or (login_page and status == 302 and "/login/" in response.get("Location", "")):
        return "-"
    if status == 404:
        return "H"
    if 200 <= status < 300 and not response.streaming:
        text = response.content.decode("utf-8", "replace")
        if MASKED_MOBILE.search(text) and not FULL_MOBILE.search(text):
            return "M"
    return "A"


# --- the API -------------------------------------------------------------------------------------------

def _resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


# Inputs that name something get a real one (ids are not 1 after other tests' flushes).
NAMED = {"number": "phone", "q": "张", "date_from": "today", "date_to": "today", "day": "today",
         "unit_id": "unit_id", "call_id": "call_id", "order_number": "order", "case_id": "case_id"}


def _minimal(schema: dict, doc: dict, name: str = "", values: dict | None = None):
    """The smallest value that the schema accepts (so that a refusal, not a parse error, answers)."""
    schema = _resolve(schema, doc)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if _resolve(s, doc).get("type") != "null"]
        return _minimal(options[0], doc, name, values) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if name in NAMED and values is not None:
        named = NAMED[name]
        if named == "today":
            return date.today().isoformat()
        value = values.get(named, named)
        if isinstance(value, int) == (kind == "integer"):  # a call's id in our API, not the PBX's call id
            return value
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: _minimal(props[key], doc, key, values) for key in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return (timezone.now() + timedelta(hours=1)).isoformat()
    if schema.get("format") == "date":
        return date.today().isoformat()
    if schema.get("format") == "time":
        return "08:00:00"
    if schema.get("format") == "binary":
        return "file"
    return "x" * max(1, schema.get("minLength", 1))


PATH_VALUES = {("outages", "number"): "outage", ("shifts", "code"): "shift",
               ("gov12345", "message_id"): "case_message_id"}


def _api_request(method: str, path: str, op: dict, doc: dict, values: dict) -> tuple[str, dict]:
    def fill(match):
        name = match.group(1)
        key = PATH_VALUES.get((path.split("/")[3], name), name)
        return str(values[key])

    url = re.sub(r"\{(\w+)\}", fill, path)
    query = {p["name"]: _minimal(p["schema"], doc, p["name"], values)
             for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
    kwargs: dict = {}
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = _minimal(content["application/json"]["schema"], doc, values=values)
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    elif "multipart/form-data" in content:
        body = _minimal(content["multipart/form-data"]["schema"], doc, values=values)
        kwargs = {"data": {k: SimpleUploadedFile(f"{k}.csv", b"account_no\n") if v == "file" else v
                           for k, v in (body or {}).items() if not isinstance(v, list | dict)}}
    if query and method == "get":
        kwargs["data"] = query
    elif query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url, kwargs


def _api_table(city) -> dict[str, str]:
    doc = Client().get("/api/v1/openapi.json").json()
    table = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            url, kwargs = _api_request(method, path, op, doc, city["values"])
            table[f"{method.upper()} {path}"] = "".join(
                _classify(_request(principal, city, method, url, **kwargs)) for principal in PRINCIPALS)
    return table


# --- the console ---------------------------------------------------------------------------------------

def _console_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(CONSOLE_SKIP) or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            yield from _console_patterns(entry, route, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), route


# A console path parameter whose name does not say which object it is: (app or app:name, parameter) → value.
CONSOLE_VALUES = {("knowledge", "pk"): "article_id", ("shifts", "pk"): "handover_id",
                  ("shifts:remove", "pk"): "assignment_id", ("shifts:definition", "pk"): "definition_id",
                  ("outages", "number"): "outage", ("shifts", "code"): "shift",
                  ("integrations", "message_id"): "case_message_id"}


def _console_url(route: str, name: str, values: dict) -> str:
    app = name.split(":")[0]

    def fill(match):
        key = match.group(2)
        if key == "action":
            return ACTIONS[name]
        key = CONSOLE_VALUES.get((name, key)) or CONSOLE_VALUES.get((app, key)) or key
        return str(values[key])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def _console_table(city) -> dict[str, str]:
    table = {}
    for name, route in sorted(_console_patterns()):
        url = _console_url(route, name, city["values"])
        row = ""
        for principal in PRINCIPALS:
            response = _request(principal, city, "get", url)
            if response.status_code == 405:  # a form's action: what a POST without data gets
                response = _request(principal, city, "post", url)
            row += _classify(response, login_page=True)
        table[name] = row
    return table


# --- the test ------------------------------------------------------------------------------------------

def _compare(kind: str, expected: dict[str, str], seen: dict[str, str]) -> list[str]:
    problems = [f"{kind} {key}: no row in tests/access_matrix.py (seen {seen[key]!r})" for key in seen if key not in expected]
    problems += [f"{kind} {key}: a row without an endpoint" for key in expected if key not in seen]
    for key in seen.keys() & expected.keys():
        if "E" in seen[key]:
            problems.append(f"{kind} {key}: a server error for {[p for p, c in zip(PRINCIPALS, seen[key]) if c == 'E']}")
        elif seen[key] != expected[key]:
            diff = [f"{p} {e}→{s}" for p, e, s in zip(PRINCIPALS, expected[key], seen[key]) if e != s]
            problems.append(f"{kind} {key}: {', '.join(diff)}")
    return problems


def _write(api: dict, console: dict) -> None:
    """The table as it stands, in the form of tests/access_matrix.py (to review a change and paste)."""
    print(f"\n# {' · '.join(PRINCIPALS)}\nAPI: dict[str, str] = {{")
    for key, row in api.items():
        print(f"    {key!r}: {row!r},")
    print("}\n\nCONSOLE: dict[str, str] = {")
    for key, row in console.items():
        print(f"    {key!r}: {row!r},")
    print("}")


def test_every_operation_and_page_answers_each_principal_as_the_table_says(city, db):
    api, console = _api_table(city), _console_table(city)
    if os.environ.get("ACCESS_MATRIX_WRITE"):
        _write(api, console)
    problems = _compare("API", API, api) + _compare("console", CONSOLE, console)
    assert not problems, "\n".join(problems)


def test_the_table_covers_every_principal_and_no_system_reaches_the_console():
    assert all(len(row) == len(PRINCIPALS) for row in [*API.values(), *CONSOLE.values()])
    systems = [PRINCIPALS.index(p) for p in ("billing", "pbx", "gov12345")]
    public = {name for name, row in CONSOLE.items() if row[0] != "-"}  # what the anonymous public may read
    assert public == {"outages:public"}
    assert all(row[i] == "-" for name, row in CONSOLE.items() if name not in public for i in systems)
