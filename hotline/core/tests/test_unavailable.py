"""Issue 13 §6: a database that is down gives a JSON 503 on the API and says so on /healthz; a data
folder Hotline cannot write in stops it with a message naming the folder and what to do. These run in
a separate process, configured as production is (a database server that refuses connections)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = r"""
import json, django
django.setup()
from django.test import Client
c = Client()
out = {}
for name, url, headers in [("healthz", "/healthz", {}),
                           ("me", "/api/v1/me", {"HTTP_AUTHORIZATION": "Bearer hl_whatever"}),
                           ("search", "/api/v1/accounts/search?q=1", {"HTTP_AUTHORIZATION": "Bearer hl_x"}),
                           ("public", "/api/v1/public/outages", {})]:
    r = c.get(url, **headers)
    out[name] = {"status": r.status_code, "type": r["Content-Type"], "body": r.content.decode()[:500]}
print("RESULT" + json.dumps(out))
"""


def _run(code: str, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    full.pop("HOTLINE_TEST_CLOCK", None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)


def test_database_down_gives_json_503_and_healthz_names_it(tmp_path):
    done = _run(PROBE, DATABASE_URL="postgres://nobody@127.0.0.1:1/none", HOTLINE_DATA_DIR=str(tmp_path))
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, done.stderr[-3000:]
    out = json.loads(line.removeprefix("RESULT"))

    health = out["healthz"]
    assert health["status"] == 503 and health["type"].startswith("application/json")
    body = json.loads(health["body"])
    assert body["down"] == ["database"] and body["checks"]["queue"] == "ok"

    for name in ("me", "search", "public"):
        assert out[name]["status"] == 503, (name, out[name])
        assert out[name]["type"].startswith("application/json")
        answer = json.loads(out[name]["body"])
        assert answer["code"] == "unavailable" and set(answer) == {"code", "message", "fields"}


def test_queue_down_is_named_by_healthz(tmp_path):
    done = _run(PROBE, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", HOTLINE_DATA_DIR=str(tmp_path),
                QUEUE_URL="redis://127.0.0.1:1/0")
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, done.stderr[-3000:]
    health = json.loads(line.removeprefix("RESULT"))["healthz"]
    assert health["status"] == 503
    assert json.loads(health["body"])["down"] == ["queue"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
@pytest.mark.parametrize("kind", ["read-only", "missing-under-read-only"])
def test_a_data_folder_that_cannot_be_written_names_the_folder(tmp_path, kind):
    parent = tmp_path / "ro"
    parent.mkdir()
    folder = parent if kind == "read-only" else parent / "var"
    parent.chmod(0o500)
    try:
        done = _run("import django; django.setup(); print('STARTED')", HOTLINE_DATA_DIR=str(folder),
                    DATABASE_URL="")
    finally:
        parent.chmod(0o700)
    assert "STARTED" not in done.stdout
    assert "ImproperlyConfigured" in done.stderr
    assert f"cannot write in its data folder (HOTLINE_DATA_DIR) {folder}" in done.stderr
    assert "write access" in done.stderr
    assert "sqlite3.OperationalError" not in done.stderr


def test_a_data_folder_that_cannot_be_made_names_the_folder(tmp_path):
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "var"  # cannot be made, whoever runs it (root included)
    done = _run("import django; django.setup(); print('STARTED')", HOTLINE_DATA_DIR=str(folder), DATABASE_URL="")
    assert "STARTED" not in done.stdout
    assert f"cannot write in its data folder (HOTLINE_DATA_DIR) {folder}" in done.stderr
    assert "sqlite3.OperationalError" not in done.stderr


def test_healthz_is_ok_when_everything_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def test_manage_py_says_what_to_fix_without_a_traceback(tmp_path):
    """What the operator types (make run, manage.py …) ends in one sentence, not a stack."""
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "var"
    env = {**os.environ, "HOTLINE_DATA_DIR": str(folder), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith(f"Hotline cannot start: Hotline cannot write in its data folder "
                                          f"(HOTLINE_DATA_DIR) {folder}")
