"""The default message templates (Chinese), loaded by a migration; admins edit them afterwards."""

# How the messages, which are Chinese data, write a moment and a list (whatever the language of the staff).
from django.apps.registry import Apps

MESSAGE_DATETIME_FORMAT = "n月j日 H:i"
MESSAGE_LIST_SEPARATOR = "、"
# How a message is tidied after its placeholders are filled (notify.services.tidy): the punctuation a value
# may end with, which the template's own punctuation replaces, and the punctuation no space stands next to.
MESSAGE_VALUE_END = "。，；、,;"
MESSAGE_PUNCTUATION = "。，；、：！？）"

OUTAGE_VARIABLES = "company hotline number kind area reason starts restore restored supply public_url"

# code, name, placeholders, text
TEMPLATES = [
    ("outage_announced", "停水通知（用户短信）", OUTAGE_VARIABLES,
     "【{company}】{kind}通知：因{reason}，{area}将于{starts}至{restore}停水，请提前储水。"
     "停水信息可查询 {public_url}，咨询电话{hotline}。"),
    ("outage_extended", "停水延期通知（用户短信）", OUTAGE_VARIABLES + " old_restore extension_reason",
     "【{company}】停水延期通知：{area}因{extension_reason}，恢复供水时间由{old_restore}延至{restore}，"
     "给您带来不便深表歉意。咨询电话{hotline}。"),
    ("outage_restored", "恢复供水通知（用户短信）", OUTAGE_VARIABLES,
     "【{company}】{area}已于{restored}恢复供水。如仍无水或水质异常，请致电{hotline}。"),
    ("outage_cancelled", "停水取消通知（用户短信）", OUTAGE_VARIABLES + " cancel_reason",
     "【{company}】原定{starts}起{area}的停水已取消，届时正常供水。咨询电话{hotline}。"),
    ("outage_property_notice", "停水通知（物业）", OUTAGE_VARIABLES + " property",
     "【{company}】{property}：{kind}通知（{number}）。停水范围：{area}；时间：{starts}至{restore}；"
     "原因：{reason}。请在小区张贴通知并提醒住户提前储水。{supply}"),
    ("outage_fire_notice", "停水通知（消防救援）", OUTAGE_VARIABLES,
     "【{company}】消防救援通报：{area}将于{starts}至{restore}停水（{reason}），该区域消火栓停止供水。"),
    ("outage_script", "停水答复话术（坐席）", OUTAGE_VARIABLES,
     "您好，您所在的{area}因{reason}于{starts}起停水，预计{restore}恢复供水，给您带来不便敬请谅解。"
     "{supply}"),
    ("outage_script_extended", "停水延期答复话术（坐席）", OUTAGE_VARIABLES + " old_restore extension_reason",
     "您好，您所在的{area}因{reason}于{starts}起停水，因{extension_reason}，恢复供水时间由{old_restore}延至{restore}，"
     "给您带来不便深表歉意。{supply}"),
    ("order_staff_alert", "工单提醒（单位短信）", "company number subject address title message",
     "【{company}】{message}：工单{number}，{subject}，{address}。"),
]


def load(apps: Apps) -> None:
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for code, name, variables, text in TEMPLATES:
        MessageTemplate.objects.update_or_create(code=code, defaults={"name": name, "variables": variables,
                                                                      "text": text})
