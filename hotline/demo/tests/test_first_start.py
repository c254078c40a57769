"""The first start (manage.py serve): the demo's base loads first, its history behind a banner."""

import pytest
from django.core.management import call_command

from hotline.calls.models import Call
from hotline.demo.seed import history_marker


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_the_history_loads_once_behind_a_banner(db, data_dir, client, capsys):
    call_command("seed_demo", "--accounts", "60", "--bills-months", "1", "--history-days", "0")
    assert not Call.objects.exists()
    history_marker().write_text("pending")  # as serve leaves it
    from hotline.org.models import User

    client.force_login(User.objects.get(username="operator"))
    assert 'id="demo-history-loading"' in client.get("/").content.decode()
    call_command("seed_demo", "--history-only", "--history-days", "2")
    assert Call.objects.exists() and not history_marker().exists()
    assert "demo history loaded" in capsys.readouterr().out
    assert 'id="demo-history-loading"' not in client.get("/").content.decode()
    calls = Call.objects.count()
    call_command("seed_demo", "--history-only", "--history-days", "2")  # a second start: nothing again
    assert Call.objects.count() == calls and "not loaded again" in capsys.readouterr().out


def test_the_demo_logins_share_one_hash_and_work(db, data_dir, client):
    from hotline.demo.seed import DEMO_PASSWORD
    from hotline.org.models import User

    call_command("seed_demo", "--accounts", "10", "--bills-months", "0", "--history-days", "0")
    logins = User.objects.filter(username__in=["operator", "admin", "manager"])
    assert len({u.password for u in logins}) == 1
    assert all(u.check_password(DEMO_PASSWORD) for u in logins)
