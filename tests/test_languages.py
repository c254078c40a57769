"""English mode shows no Chinese interface text and Chinese mode no English (issue 14 §6): default data
(request types, shift names, a PBX queue) reads in the reader's language while staff have not renamed
it; addresses stay as written; 12345 messages read as fields; a select's empty choice is translated."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from hotline.calls.models import Call, queue_label
from hotline.customers.models import Premise
from hotline.integrations.gov12345.selectors import message_display
from hotline.notify.models import Channel, Message
from hotline.shifts.defaults import label as shift_label
from hotline.workorders.models import RequestType

HAN = re.compile(r"[\u4e00-\u9fff]")


def _page(client, path, language):
    client.cookies["django_language"] = language
    return client.get(path).content.decode()


@pytest.mark.django_db
def test_default_request_types_follow_the_language_and_a_renamed_one_stays():
    complaint = RequestType.objects.get(code="complaint")
    with translation.override("en"):
        assert complaint.label == "Complaint" and str(RequestType.objects.get(code="report")) == "Report"
    with translation.override("zh-hans"):
        assert complaint.label == "投诉"
    complaint.name = "投诉/反映"
    with translation.override("en"):
        assert complaint.label == "投诉/反映"  # staff's own name is data


def test_shift_names_and_queues():
    with translation.override("en"):
        assert shift_label("夜班") == "Night shift" and shift_label("早班") == "早班"
        assert queue_label("hotline") == "Service hotline" and queue_label("q7") == "q7"
    with translation.override("zh-hans"):
        assert shift_label("夜班") == "夜班" and queue_label("hotline") == "服务热线"


def test_a_named_queue(settings):
    settings.CTI_QUEUE_NAMES = {"q7": "报修专线"}
    assert Call(queue="q7").queue_label == "报修专线"


@pytest.mark.django_db
def test_the_call_panel_buttons_in_english(client, operator):
    client.force_login(operator)
    english = _page(client, "/calls/", "en")
    buttons = re.search(r'id="request-types">(.*?)</div>', english, re.S).group(1)
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", buttons)
    assert "Complaint" in labels and "Help / repair" in labels and not any(HAN.search(x) for x in labels)
    chinese = _page(client, "/calls/", "zh-hans")
    buttons = re.search(r'id="request-types">(.*?)</div>', chinese, re.S).group(1)
    assert "投诉" in buttons and "Complaint" not in buttons


def test_an_address_is_not_translated():
    premise = Premise(road_no="131")
    premise.road_id = None
    with translation.override("en"):
        assert premise.road_address == "131号"
    assert Premise(road_no="131-2").road_address == "131-2"


def test_a_12345_message_reads_as_fields():
    text = json.dumps({"case_id": "SD202612070001", "action": "sign_for", "order_number": "GD2026120700001",
                       "signed_at": datetime(2026, 12, 8, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai")).isoformat(),
                       "unit": "张店营业所", "signed_by": None}, ensure_ascii=False)
    message = Message(channel=Channel.GOV12345, text=text, template="sign_for")
    with translation.override("zh-hans"):
        shown = message_display(message)
        assert shown == "签收、案件 SD202612070001、工单：GD2026120700001、签收时间：12月8日 06:00、承办单位：张店营业所"
    with translation.override("en"):
        shown = message_display(message)
        assert shown.startswith("Sign-for, case SD202612070001, order: GD2026120700001, signed for at: Dec 8, 06:00")
    assert message_display(Message(channel=Channel.GOV12345, text="not json")) == "not json"


def test_stored_gateway_errors_and_django_strings_are_translated():
    with translation.override("zh-hans"):
        assert translation.gettext("12345 platform URL not configured (GOV12345_URL)") == "未配置 12345 平台地址（GOV12345_URL）"
        assert translation.gettext("- Select an option -") == "请选择"
