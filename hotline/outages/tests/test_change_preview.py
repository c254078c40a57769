"""The preview before an extension, a restore and a cancellation (issue 14 §5), as announcing has one:
counts, texts and the rules' warnings, checked as the action would be, and nothing written or sent."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import InvalidStateError, PermissionDeniedError, ValidationError
from hotline.notify.models import Message
from hotline.outages.models import Outage, OutageEvent
from hotline.outages.services import outage_change_preview

from .conftest import client_for

pytestmark = pytest.mark.clock

NOW = timezone.now


def nothing_written(outage):
    return (Outage.objects.get(pk=outage.pk).version, OutageEvent.objects.filter(outage=outage).count(),
            Message.objects.filter(topic=f"outage:{outage.pk}").count())


def test_extension_preview_counts_texts_and_warnings(announce, people):
    outage = announce()
    before = nothing_written(outage)
    new = outage.expected_restore_at + timedelta(hours=30)  # now longer than 24 h: emergency supply needed
    preview = outage_change_preview(actor=people["coordinator"], outage=outage, action="extend",
                                    expected_restore_at=new, reason="抢修难度大，需更换管段。")
    assert (preview.accounts, preview.customers, preview.properties) == (4, 2, 1)
    assert "延至" in preview.customer_text and "抢修难度大，需更换管段" in preview.customer_text
    assert "。，" not in preview.customer_text and "延至" in preview.property_text
    assert [p.code for p in preview.problems] == ["needs_supply"]
    assert nothing_written(outage) == before


def test_restore_and_cancel_previews(announce, people):
    outage = announce()
    restore = outage_change_preview(actor=people["coordinator"], outage=outage, action="restore",
                                    restored_at=NOW() - timedelta(minutes=5))
    assert "恢复供水" in restore.customer_text and restore.customers == 2
    planned = announce(kind="planned", starts_at=NOW() + timedelta(days=3),
                       expected_restore_at=NOW() + timedelta(days=3, hours=4))
    cancel = outage_change_preview(actor=people["coordinator"], outage=planned, action="cancel", reason="施工推迟")
    assert "取消" in cancel.customer_text and cancel.problems == []
    assert nothing_written(planned)[1] == 1  # the announcement only


def test_a_preview_is_refused_as_the_action_would_be(announce, people):
    outage = announce()
    coordinator = people["coordinator"]
    with pytest.raises(ValidationError):  # not later than now expected
        outage_change_preview(actor=coordinator, outage=outage, action="extend",
                              expected_restore_at=outage.expected_restore_at, reason="x")
    with pytest.raises(ValidationError):  # no reason
        outage_change_preview(actor=coordinator, outage=outage, action="extend",
                              expected_restore_at=outage.expected_restore_at + timedelta(hours=1))
    with pytest.raises(InvalidStateError):  # only a scheduled outage is cancelled
        outage_change_preview(actor=coordinator, outage=outage, action="cancel", reason="x")
    with pytest.raises(ValidationError):
        outage_change_preview(actor=coordinator, outage=outage, action="delete")
    with pytest.raises(PermissionDeniedError):
        outage_change_preview(actor=people["operator"], outage=outage, action="restore")


def test_api_preview(announce, people):
    outage = announce()
    before = nothing_written(outage)
    new = (outage.expected_restore_at + timedelta(hours=2)).isoformat()
    response = client_for(people["coordinator"]).post(
        f"/api/v1/outages/{outage.number}/preview", json.dumps({"action": "extend", "expected_restore_at": new,
                                                               "reason": "需更换管段"}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customers"] == 2 and "延至" in body["customer_text"] and body["problems"] == []
    bad = client_for(people["coordinator"]).post(f"/api/v1/outages/{outage.number}/preview",
                                                 json.dumps({"action": "extend", "reason": "x"}),
                                                 content_type="application/json")
    assert bad.status_code == 400
    refused = client_for(people["operator"]).post(f"/api/v1/outages/{outage.number}/preview",
                                                  json.dumps({"action": "restore"}), content_type="application/json")
    assert refused.status_code == 403
    assert nothing_written(outage) == before


def test_console_preview_then_send(announce, people):
    outage = announce()
    client = client_for(people["coordinator"])
    page = client.get(f"/outages/{outage.number}/").content.decode()
    assert 'id="preview-button-extend"' in page and 'id="preview-button-restore"' in page
    new = timezone.localtime(outage.expected_restore_at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    data = {"expected_restore_at": new, "reason": "需更换管段", "version": outage.version, "preview": "1"}
    fragment = client.post(f"/outages/{outage.number}/extend/", data, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="preview-counts"' in fragment and "延至" in fragment and "<html" not in fragment
    full = client.post(f"/outages/{outage.number}/extend/", data).content.decode()  # without JavaScript
    assert 'id="preview-extend"' in full and 'id="preview-sms"' in full
    assert nothing_written(outage)[1] == 1
    bad = client.post(f"/outages/{outage.number}/extend/", {**data, "reason": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    sent = client.post(f"/outages/{outage.number}/extend/", {k: v for k, v in data.items() if k != "preview"})
    assert sent.status_code == 302 and Outage.objects.get(pk=outage.pk).extension_reason == "需更换管段"
