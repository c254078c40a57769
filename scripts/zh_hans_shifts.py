"""Simplified Chinese for shifts: the definitions, the plan (排班) and the handover (交接班) with its
summary and history (merged into scripts/zh_hans.py)."""

ZH = {
# menu and app
"Shift handover": "交接班", "Shifts": "班次", "Shift plan": "排班表", "Handover history": "交接班记录",
"Handover": "交接班", "Handovers": "交接班记录",
# models
"Not after the start: the shift ends the next day.": "不晚于开始时间：该班次次日结束。",
"starts": "开始时间", "ends": "结束时间", "shift": "班次", "shifts": "班次",
"Shift lead (值班长)": "值班长", "Operator (坐席)": "坐席", "role in the shift": "班中角色",
"shift assignment": "排班", "shift plan": "排班表", "staff member": "人员",
"Being written": "填写中", "Handed over, waiting for acknowledgement": "已交班，待接班", "Acknowledged": "已接班",
"shift date": "班次日期", "shift name": "班次名称", "shift start": "班次开始", "shift end": "班次结束",
"opened by": "发起人", "opened": "发起时间", "handover notes": "交班备注", "summary": "汇总",
"summary generated": "汇总生成时间", "handed over by": "交班人", "handed over": "交班时间", "taken over by": "接班人",
"taken over": "接班时间", "note on taking over": "接班备注", "handover": "交接班", "handovers": "交接班记录",
# services
"A shift cannot end when it starts.": "班次的结束时间不能与开始时间相同。",
"Letters, digits, - and _ only.": "只能使用字母、数字、- 和 _。", "This code is taken.": "该代码已被使用。",
"Check the shift: %(fields)s": "请检查班次：%(fields)s", "At least one shift must stay active.": "至少要保留一个启用的班次。",
"Keep it active.": "请保持启用。", "A local time of day, without an offset.": "请填写本地时间（不带时区）。",
"Only active hotline operators and shift leads can be planned on a shift.": "只有在职的热线员和班长可以排班。",
"Choose a member of the hotline.": "请选择热线人员。", "Choose lead or operator.": "请选择值班长或坐席。",
"Choose a day.": "请选择日期。", "The shift %(name)s is not in use.": "班次“%(name)s”未启用。",
"Choose a shift in use.": "请选择启用的班次。", "Choose another week to copy from.": "请选择另一周作为复制来源。",
"Choose another week.": "请选择另一周。", "No shift is defined for this time.": "当前时间没有设置班次。",
"Only the handover of the shift on now, or of the one that has just ended, can be opened (%(shift)s runs %(start)s–%(end)s).":
    "只能发起当前班次或刚结束班次的交接班（%(shift)s：%(start)s–%(end)s）。",
"Choose the current shift.": "请选择当前班次。",
"The handover of %(shift)s was already taken over by %(who)s at %(when)s.": "%(shift)s的交接班已由%(who)s于 %(when)s 接班。",
"The handover of %(shift)s was already handed over by %(who)s at %(when)s: it can no longer be changed.":
    "%(shift)s已由%(who)s于 %(when)s 交班，不能再修改。",
"The handover of %(shift)s has not been handed over yet.": "%(shift)s尚未交班。",
"The notes are too long (at most %(max)d characters).": "备注过长（最多 %(max)d 字）。", "Shorten the text.": "请精简内容。",
"The note is too long (at most %(max)d characters).": "备注过长（最多 %(max)d 字）。",
"You handed this shift over yourself: the incoming lead acknowledges it.": "本班由您交班，须由接班人确认接班。",
# summary labels
"sign for": "签收", "resolve": "办结", "reply": "答复",
# views
"Handover of %(shift)s opened: check the summary, write your notes, then hand over.":
    "%(shift)s交接班已发起：请核对汇总、填写备注后交班。",
"Summary generated again from the live data.": "已按实时数据重新生成汇总。", "Notes saved.": "备注已保存。",
"Shift handed over: the incoming lead acknowledges it.": "已交班，等待接班人确认。",
"Handover acknowledged: the shift is yours.": "已确认接班，本班由您负责。", "Choose a person and a role.": "请选择人员和角色。",
"Someone else changed this shift in the meantime; nothing was saved. Check it and try again.":
    "该班次已被他人修改，本次未保存。请核对后重试。",
"Shift %(name)s saved.": "班次“%(name)s”已保存。",
# forms
"Handover notes": "交班备注",
"What the figures do not say: promises to customers, work to watch, equipment, who to call…":
    "汇总以外的事项：对用户的承诺、需跟进的工作、设备情况、需联系的人……",
"Note on taking over (optional)": "接班备注（可选）", "Code": "代码", "Starts": "开始", "Ends": "结束",
"Sort order": "排序", "In use": "启用",
# the summary
"Calls this shift": "本班来电", "answered / missed": "接通 / 未接", "Orders received": "受理工单",
"Emergency orders": "特急工单", "12345 cases received": "12345 转办", "Calls about outages": "停水相关来电",
"No open orders.": "没有在办工单。", "Not dispatched yet": "尚未派单", "Overdue orders": "超期工单",
"oldest first": "最早的在前", "Nothing overdue.": "没有超期工单。", "upcoming": "即将停水", "restore": "恢复",
"supply point": "送水点", "No current outage.": "当前没有停水。", "Resolved orders to call back": "已办结待回访工单",
"Missed calls to call back": "未接来电待回拨", "last call": "最近来电",
"12345 cases near their deadline": "临近时限的12345工单", "within %(h)s h": "%(h)s 小时内",
"deadline passed": "已超时限", "No 12345 case is near its deadline.": "没有临近时限的 12345 工单。",
"Notable this shift": "本班重点事项", "Complaints": "投诉", "Repeated callers (%(n)s+ calls)": "重复来电（%(n)s 次及以上）",
"%(n)s this shift": "本班 %(n)s 通",
# the handover screen
"On now:": "当前班次：", "lead": "值班长",
"The handover of %(shift)s %(day)s (%(who)s, %(when)s) is waiting to be acknowledged.":
    "%(day)s %(shift)s的交接班（%(who)s，%(when)s 交班）待接班确认。",
"Open it": "查看",
"Someone else changed this handover in the meantime; nothing was saved. It now shows the current state; your text is kept in the box.":
    "该交接班已被他人修改，本次未保存。页面已显示最新内容，您输入的文字仍保留在输入框中。",
"Notes saved by the other person:": "他人保存的备注：", "Not opened yet": "尚未发起", "Outgoing": "交班人员",
"nobody planned": "未排班", "Incoming": "接班人员", "Opened": "发起", "Handed over": "交班", "Taken over": "接班",
"The summary beside is live. The outgoing lead opens the handover near the end of the shift, writes notes and hands over.":
    "旁边的汇总为实时数据。交班人在班次结束前发起交接班，填写备注后交班。",
"Open the handover": "发起交接班", "Save notes": "保存备注",
"Generate the summary again from the live data": "按实时数据重新生成汇总", "Refresh summary": "刷新汇总",
"Hand over": "交班", "Handing over freezes the summary and the notes as they are now.": "交班后，汇总和备注按当前内容定稿。",
"Note on taking over": "接班备注", "Acknowledge: I take over": "确认接班",
"Handed over by you: waiting for the incoming lead to acknowledge.": "您已交班，等待接班人确认。",
"Waiting for the incoming lead to acknowledge.": "等待接班人确认。",
"Live summary, as of %(at)s": "实时汇总，截至 %(at)s",
"Draft summary generated at %(at)s (refresh for the latest)": "草稿汇总生成于 %(at)s（刷新可获取最新数据）",
"Summary as handed over at %(at)s": "交班时（%(at)s）的汇总", "shift figures %(start)s–%(end)s": "本班统计 %(start)s–%(end)s",
"Define the shifts": "设置班次",
# history
"Notes": "备注", "No handovers yet.": "暂无交接班记录。", "Newer": "较新", "Older": "较早",
# the plan
"Week": "周", "This week": "本周", "Previous week": "上一周", "Next week": "下一周", "Copy the previous week": "复制上一周排班",
"(+1 day)": "（次日）", "not in use": "未启用", "Remove %(name)s": "移除%(name)s", "Staff member": "人员",
"Add…": "添加……", "Role in the shift": "班中角色", "Add": "添加", "No shift is defined.": "尚未设置班次。",
"Add a shift": "新增班次",
"A shift that ends at or before its start time ends the next day (夜班 17:30–08:15). Changes apply to handovers opened from now on.":
    "结束时间不晚于开始时间的班次于次日结束（如夜班 17:30–08:15）。修改只影响此后发起的交接班。",
}

PLURALS = {
    "%(n)s linked call": ["%(n)s 通关联来电"],
    "%(n)s call": ["%(n)s 通来电"],
    "%(count)d assignment copied from the previous week.": ["已从上一周复制 %(count)d 条排班。"],
}
