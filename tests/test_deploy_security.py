"""Issue 13 §7 (files) and the production settings: `check --deploy` is clean with the documented
environment, data files are private to the server's user, and media are never served by URL."""

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "false",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "ALLOWED_HOSTS": "hotline.example.com",
}


def manage(tmp_path, *args, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "QUEUE_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE",
                                "DJANGO_ALLOW_ASYNC_UNSAFE", "HOTLINE_TEST_CLOCK")  # the browser tests set the first
                   and not k.startswith("SECURE_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "HOTLINE_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                    SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # The SQLite database and queue were created for the owner only (their -wal/-shm files follow).
    assert mode(tmp_path / "hotline.sqlite3") == 0o600
    assert mode(tmp_path / "queue.sqlite3") == 0o600


def test_without_the_https_settings_check_deploy_names_them(tmp_path):
    result = manage(tmp_path, "check", "--deploy", SECRET_KEY=secrets.token_urlsafe(50), DEBUG="false")
    assert "security.W004" in result.stdout + result.stderr and "security.W008" in result.stdout + result.stderr


def test_the_generated_secret_key_and_an_existing_database_become_private(tmp_path):
    (tmp_path / "hotline.sqlite3").touch(mode=0o644)
    (tmp_path / "hotline.sqlite3").chmod(0o644)
    result = manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "secret_key") == 0o600
    assert mode(tmp_path / "hotline.sqlite3") == 0o600


def test_media_is_not_served_by_url_even_with_debug(tmp_path):
    code = ("from django.urls import Resolver404, resolve\n"
            "try:\n    resolve('/media/orders/2026/12/x.png')\nexcept Resolver404:\n    print('not served')\n"
            "else:\n    print('SERVED')\n")
    result = manage(tmp_path, "shell", "-c", code, DEBUG="true", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.stdout.strip().endswith("not served"), result.stdout + result.stderr


def test_the_outbox_log_is_private(tmp_path, settings):
    from hotline.notify.gateways import FileGateway

    log = tmp_path / "outbox.log"
    FileGateway(log).send(key="k1", to="13805331234", text="停水通知", channel="sms")
    assert mode(log) == 0o600
    older = tmp_path / "older.log"
    older.write_text("")
    older.chmod(0o644)
    FileGateway(older).send(key="k2", to="13805331234", text="停水通知", channel="sms")
    assert mode(older) == 0o600


@pytest.mark.django_db
def test_uploaded_files_are_private(settings, tmp_path, make_user, units):
    from hotline.customers.imports.jobs import import_job_create
    from hotline.org.roles import Role

    settings.MEDIA_ROOT = tmp_path / "media"
    admin = make_user(Role.ADMIN, username="boss")
    job = import_job_create(actor=admin, upload=SimpleUploadedFile("accounts.csv", "户号,户名\n".encode()))
    path = Path(job.file.path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    # Nothing under MEDIA_URL reaches the file, whoever asks.
    client = Client()
    client.force_login(admin)
    assert client.get(f"/media/{job.file.name}").status_code == 404
