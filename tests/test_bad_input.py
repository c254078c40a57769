"""Bad input gets a clear error, never a 500 (issue 13 §6), for every operation of the OpenAPI
document: a NUL (``%00``, ``\\u0000``) in each string parameter — path, query, JSON body, form — is a
``validation_error`` (400) in the API's JSON format; text PostgreSQL and our search keys must cope with
(the last code point U+10FFFF, unassigned and non-BMP characters) answers without a server error; an
over-long text is refused. Generic: built from /api/v1/openapi.json, not one test per endpoint."""

import json
from datetime import date

import pytest
from django.test import Client

from hotline.org.roles import Role
from hotline.org.services import api_token_create

NUL = "a\x00b"
ODD_TEXTS = ["张伟\U0010FFFF", "\U0010FFFF", "\U000E0080x", "𠀀𪚥 水表"]  # last code point, unassigned, non-BMP


def _openapi() -> dict:
    from config.api import api

    return api.get_openapi_schema()


DOC = _openapi()


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:  # X | None: the X
        schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), schema["anyOf"][0])
        return _resolve(schema)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


def _sample(schema: dict, text: str = "x"):
    """A value of ``schema``'s type (strings are ``text``)."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2026-01-05T10:00:00+08:00"
        if schema.get("format") == "date":
            return "2026-01-05"
        if schema.get("format") == "binary":
            return None
        return text
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _sample(sub) for name, sub in props.items() if name in schema.get("required", [])}
    return "x"


def _string_paths(schema: dict, prefix=()):
    """Paths (tuples of names) to every string property of an object schema, nested objects included."""
    schema = _resolve(schema)
    for name, sub in schema.get("properties", {}).items():
        resolved = _resolve(sub)
        if resolved.get("type") == "string" and "enum" not in resolved and resolved.get("format") not in (
                "binary", "date", "date-time"):
            yield (*prefix, name)
        elif resolved.get("type") == "object":
            yield from _string_paths(resolved, (*prefix, name))


def _set(body: dict, path: tuple, value):
    for name in path[:-1]:
        body = body.setdefault(name, {})
    body[path[-1]] = value


class Operation:
    def __init__(self, method, path, op):
        self.method, self.path, self.op = method, path, op
        self.params = op.get("parameters", [])
        content = op.get("requestBody", {}).get("content", {})
        self.media, self.body_schema = next(iter(content.items()), (None, None))
        if self.body_schema:
            self.body_schema = self.body_schema["schema"]

    def __repr__(self):
        return f"{self.method.upper()} {self.path}"

    def url(self, overrides: dict) -> str:
        from urllib.parse import quote

        url = self.path
        for p in self.params:
            if p["in"] == "path":
                value = overrides.get(p["name"], _sample(p["schema"], "GD2026010500001"))
                url = url.replace("{" + p["name"] + "}", quote(str(value), safe=""))
        return url

    def query(self, overrides: dict) -> dict:
        query = {}
        for p in self.params:
            if p["in"] == "query" and (p.get("required") or p["name"] in overrides):
                query[p["name"]] = overrides.get(p["name"], _sample(p["schema"]))
        return query

    def body(self, field: tuple | None = None, value=None) -> dict:
        body = _sample(self.body_schema) if self.body_schema else {}
        body = {k: v for k, v in body.items() if v is not None} if isinstance(body, dict) else body
        if field:
            _set(body, field, value)
        return body

    def string_inputs(self):
        """(where, name) of every string input: ("path"|"query", name) or ("body", (name, …))."""
        for p in self.params:
            schema = _resolve(p["schema"])
            if schema.get("type") == "string" and schema.get("format") not in ("date", "date-time"):
                yield p["in"], p["name"]
        if self.body_schema:
            for path in _string_paths(self.body_schema):
                yield "body", path

    def call(self, client: Client, where=None, name=None, value=None, token=""):
        params = {name: value} if where in ("path", "query") else {}
        url, query = self.url(params), self.query(params)
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        method = getattr(client, self.method)
        if self.media is None:
            return method(url, **headers)
        body = self.body(name if where == "body" else None, value)
        if self.media == "multipart/form-data":
            return client.post(url, data={k: v for k, v in body.items() if not isinstance(v, (dict, list))},
                               **headers)
        return method(url, data=json.dumps(body, ensure_ascii=True), content_type="application/json", **headers)


OPERATIONS = [Operation(method, path, op)
              for path, ops in DOC["paths"].items() for method, op in ops.items()]
INPUTS = [(op, where, name) for op in OPERATIONS for where, name in op.string_inputs()]


@pytest.fixture
def token(make_user, catalogue):
    admin = make_user(Role.ADMIN, username="bad-input-admin", is_staff=True)
    return api_token_create(actor=admin, user=admin, name="bad input")[1]


def _ids(value):
    if isinstance(value, Operation):
        return repr(value)
    if isinstance(value, tuple):
        return ".".join(value)
    return str(value)


def test_every_operation_is_covered():
    assert len(OPERATIONS) >= 70
    assert len(INPUTS) >= 100
    print(f"{len(OPERATIONS)} operations, {len(INPUTS)} string inputs")


@pytest.mark.parametrize(("op", "where", "name"), INPUTS, ids=_ids)
def test_nul_in_any_string_input_is_a_validation_error(op, where, name, token, client):
    response = op.call(client, where, name, NUL, token=token)
    assert response.status_code == 400, (op, where, name, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body) == {"code", "message", "fields"}


@pytest.mark.parametrize(("op", "where", "name"), INPUTS, ids=_ids)
def test_odd_characters_in_any_string_input_never_give_a_server_error(op, where, name, token, client):
    for text in ODD_TEXTS + ["x" * 30000]:
        response = op.call(client, where, name, text, token=token)
        assert response.status_code < 500, (op, where, name, text[:20], response.status_code, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), (op, where, name)
            assert "code" in response.json()


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.media == "application/json"
                                and any(w == "body" for w, _n in op.string_inputs())], ids=_ids)
def test_a_lone_surrogate_in_json_is_a_validation_error(op, token, client):
    where, name = next((w, n) for w, n in op.string_inputs() if w == "body")
    body = json.dumps(op.body(name, "SURROGATE")).replace("SURROGATE", "a\\ud800b")
    response = getattr(client, op.method)(op.url({}), data=body, content_type="application/json",
                                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400, (op, response.content[:200])
    assert response.json()["code"] == "validation_error"


def test_long_text_is_refused_with_the_error_format(token, client, operator):
    response = client.post("/api/v1/calls", data={"caller_number": "13800001111", "summary": "长" * 5000},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "summary" in response.json()["fields"]


def test_a_body_over_the_limit_is_413_on_every_json_endpoint(token, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = json.dumps({"call_id": "c1", "event": "ringing", "padding": "x" * 2048})
    for op in OPERATIONS:
        if op.media != "application/json":
            continue
        response = getattr(client, op.method)(op.url({}), data=big, content_type="application/json",
                                              HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 413, (op, response.status_code, response.content[:200])
        assert response.json()["code"] == "payload_too_large"


def test_a_form_over_the_limit_is_413(token, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/api/v1/orders/GD2026010500001/progress", data={"note": "x" * 4096},
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


# --- the console --------------------------------------------------------------------------------------

def _console_urls():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith(("api/", "admin/")):
                    continue
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" not in route and "^" not in route:
                yield "/" + route

    return sorted(set(walk(get_resolver().url_patterns)))


CONSOLE_URLS = _console_urls()


def test_console_pages_refuse_nul_with_a_readable_400(client, admin_user):
    client.force_login(admin_user)
    assert len(CONSOLE_URLS) > 20
    for url in CONSOLE_URLS:
        response = client.get(url, {"q": NUL})
        assert response.status_code == 400, (url, response.status_code)
        assert "不允许".encode() in response.content or b"not allowed" in response.content, url
        response = client.post(url, {"summary": NUL, "note": NUL})
        assert response.status_code == 400, (url, response.status_code)
    response = client.get("/orders/GD2026%0001/")
    assert response.status_code == 400


def test_console_form_with_an_over_long_value_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/calls/", {"summary": "长" * 30000})
    assert response.status_code == 400


def test_console_search_copes_with_the_last_code_point(client, admin_user, import_rows):
    from conftest import account_row

    import_rows(account_row("3100000001", "张伟"))
    client.force_login(admin_user)
    for text in ODD_TEXTS:
        assert client.get("/customers/", {"q": text}).status_code == 200
    response = client.get("/api/v1/accounts/search", {"q": "张伟\U0010FFFF"})
    assert response.status_code == 200


def test_date_today_is_valid_sample():  # the samples' dates stay in the API's accepted years
    assert date.fromisoformat(_sample({"type": "string", "format": "date"})).year >= 2000
