"""Simplified Chinese for the 12345 platform integration (merged into zh_hans.py's tables)."""

ZH = {
# models
"Not our responsibility": "不属于本单位职责", "Insufficient information": "信息不全",
"Duplicate of another case": "重复件", "Other reason": "其他原因",
"Sign-for": "签收", "Return to the platform": "退回平台", "Extension request": "延期申请", "Final reply": "办结回复",
"12345 case number": "12345 工单编号", "received by the platform": "平台受理时间", "content": "内容",
"category": "类别", "caller": "来电人", "sign for by (platform)": "签收时限（平台）",
"reply by (platform)": "答复时限（平台）", "attachment links": "附件链接", "returned to the platform": "退回平台时间",
"return reason": "退回原因", "return note": "退回说明", "12345 case": "12345 工单",
"urge number": "催办编号", "urged at": "催办时间", "12345 urge": "12345 催办", "12345 urges": "12345 催办",
# the API (adapter, selectors, services)
"The request is too large.": "请求过大。",
"The request is larger than %(mb)d MB.": "请求超过 %(mb)d MB。",
"%(n)d bytes": "%(n)d 字节",
"%(name)s: larger than 10 MB": "%(name)s：超过 10 MB",
"%(name)s: not a photo or PDF": "%(name)s：不是照片或 PDF 文件",
"An attachment is not valid base64.": "附件不是有效的 base64 编码。",
"%(name)s: not base64": "%(name)s：不是 base64 编码",
"Unknown upstream status.": "未知的上报状态。",
"Case %(case_id)s was received before with different content; nothing was changed.":
    "工单 %(case_id)s 此前已以不同内容接收，未作任何更改。",
"Already received.": "已接收。",
"Urged by the 12345 platform (%(urge_id)s): %(content)s": "12345 平台催办（%(urge_id)s）：%(content)s",
"A 12345 case may be extended by at most %(days)d working days: until %(limit)s at the latest.":
    "12345 工单最多可延期 %(days)d 个工作日：最晚至 %(limit)s。",
"Choose an earlier time.": "请选择更早的时间。",
"Order %(number)s came from the 12345 platform: return the case to the platform instead of cancelling the order.":
    "工单 %(number)s 来自 12345 平台：请将其退回平台，而不是作废工单。",
"Order %(number)s came from the 12345 platform: it is closed when the platform has the final reply.":
    "工单 %(number)s 来自 12345 平台：平台收到办结回复后自动归档。",
"Replied to the 12345 platform.": "已回复 12345 平台。",
"Choose a reason for returning the case.": "请选择退回原因。",
"Say why the case goes back to the platform.": "请说明退回平台的理由。",
"Case %(case_id)s has already been returned to the platform.": "工单 %(case_id)s 已退回平台。",
"Case %(case_id)s can no longer be returned: the %(days)d working days for a return ended at %(time)s.":
    "工单 %(case_id)s 已不能退回：%(days)d 个工作日的退回期限已于 %(time)s 届满。",
"Returned to the 12345 platform (%(reason)s): %(note)s": "退回 12345 平台（%(reason)s）：%(note)s",
# the console
"Note to the platform": "给平台的说明", "Returned to the platform": "已退回平台", "Any": "全部",
"Failed to send": "发送失败", "Waiting to be sent": "待发送",
"Case %(case_id)s returned to the 12345 platform; order %(number)s is cancelled.":
    "工单 %(case_id)s 已退回 12345 平台，工单 %(number)s 已作废。",
"The message will be sent to the 12345 platform again.": "该消息将重新发送至 12345 平台。",
"Category": "类别", "Received by the platform": "平台受理时间", "Sign for by (platform)": "签收时限（平台）",
"Reply by (platform)": "答复时限（平台）", "extended to %(t)s": "已延期至 %(t)s", "Return reason": "退回原因",
"Attachment links": "附件链接", "Urged by the platform": "平台催办", "Sent to the platform": "上报平台",
"Return to the 12345 platform": "退回 12345 平台",
"Possible until %(t)s (2 working days after receipt). The work order is cancelled.":
    "可退回至 %(t)s（接收后 2 个工作日内）。退回后工单作废。",
"%(n)s attempts": "已尝试 %(n)s 次", "Nothing sent to the platform yet.": "尚未向平台发送。",
"Cases transferred by the city's 12345 hotline platform and what was sent back":
    "12345 市民热线平台转办的工单及回复情况",
"Case no., order no., title, address": "12345 编号、工单号、标题、地址",
"Reply by": "答复时限", "extended (was %(t)s)": "已延期（原 %(t)s）",
"No 12345 cases match these filters.": "没有符合条件的 12345 工单。",
"This case can no longer be returned (the time for a return ended at %(t)s, or it was returned or finished already).":
    "该工单已不能退回（退回期限已于 %(t)s 届满，或已退回、已办结）。",
"Back to the order": "返回工单",
}
