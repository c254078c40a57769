"""Phone numbers on lists (issue 13 §5): masked for those without the contact permission, and where
they are shown in full, the reading is recorded (SPEC.md §6: who saw whose data)."""

from django.test import Client
from django.utils import timezone

from hotline.calls.models import Call
from hotline.core.models import AuditEvent
from hotline.notify.models import Channel
from hotline.notify.services import Outgoing, enqueue_many
from hotline.org.roles import Role

NUMBER = "13805331234"


def _data(db):
    Call.objects.create(caller_number=NUMBER, summary="家里没水", ringing_at=timezone.now())
    enqueue_many([Outgoing(channel=Channel.SMS, recipient=NUMBER, text="明日停水", key="t-1")])


def test_a_manager_reads_the_calls_and_the_outbox_masked(db, make_user):
    _data(db)
    client = Client()
    client.force_login(make_user(Role.MANAGER))
    for url in ("/api/v1/calls", "/api/v1/outbox", "/notify/outbox/"):
        page = client.get(url).content.decode()
        assert NUMBER not in page and "138****1234" in page, url
    assert not AuditEvent.objects.filter(action__in=["calls.listed", "outbox.listed"]).exists()


def test_full_numbers_on_a_list_are_recorded_with_who_read_them(db, make_user):
    _data(db)
    lead = make_user(Role.SHIFT_LEAD, username="lead")
    client = Client()
    client.force_login(lead)
    assert client.get("/api/v1/calls", {"number": NUMBER}).json()[0]["caller_number"] == NUMBER
    assert NUMBER in client.get("/notify/outbox/").content.decode()
    events = {e.action: e for e in AuditEvent.objects.filter(actor=lead)}
    assert events["calls.listed"].data["count"] == 1 and events["calls.listed"].data["number"] == NUMBER
    assert events["outbox.listed"].data["via"] == "console"
