"""Simplified Chinese for the telephone system's part of the console: CTI events, the live screen pop,
missed calls and the connection KPIs (merged into scripts/zh_hans.py)."""

ZH = {
# roles and permissions
"Telephone system (CTI)": "电话系统（CTI）", "12345 platform": "12345 平台", "extension": "分机号",
# models
"Abandoned": "放弃", "Ringing": "振铃中", "In conversation": "通话中", "Ended": "已结束", "Answered": "已接听",
"No answer": "无人接听", "Busy": "忙线", "Caller hung up": "来电方挂机", "Hung up": "挂机",
"To call back": "待回拨", "Number called back": "已回拨", "queue": "队列", "agent": "坐席", "line state": "线路状态",
"end cause": "结束原因", "waiting time (s)": "等待时长（秒）", "call-back": "回拨", "number called back at": "回拨时间",
"called back by": "回拨人", "CTI call id": "CTI 呼叫编号", "event": "事件", "arrived": "到达时间",
"CTI event": "CTI 事件", "CTI events": "CTI 事件", "Reply to the 12345 platform": "回复 12345 平台",
# CTI validation
"One of ringing, answered, hangup.": "应为 ringing、answered 或 hangup 之一。",
"1 to 64 letters, digits or . : @ / + - _": "1 至 64 个字母、数字或 . : @ / + - _",
"A time with its time zone, e.g. 2026-11-25T08:15:02+08:00.": "带时区的时间，例如 2026-11-25T08:15:02+08:00。",
"Only a hangup has a cause.": "只有挂机事件有结束原因。",
"One of answered, no_answer, busy, caller_hangup.": "应为 answered、no_answer、busy、caller_hangup 之一。",
"A phone number (3 to 20 digits), or empty when withheld.": "电话号码（3 至 20 位数字），隐藏号码时留空。",
"An extension or user name (up to 32 letters or digits).": "分机号或用户名（最多 32 个字母或数字）。",
"At most 32 characters.": "最多 32 个字符。", "The call event is not valid.": "呼叫事件无效。",
# logging a PBX call, call-backs
"Only a call reported by the telephone system can be completed.": "只能补录电话系统上报的来电。",
"This call is already logged.": "该来电已登记。",
"This call was not answered: call the number back instead.": "该来电未接通，请回拨该号码。",
"Give the number called back.": "请填写回拨的号码。",
"No missed call from this number is waiting for a call-back.": "该号码没有待回拨的未接来电。",
"%(number)s: %(count)d missed call(s) dealt with.": "%(number)s：已处理 %(count)d 通未接来电。",
# live pop
"Number withheld": "号码未显示", "Outage": "停水", "Open the call": "打开来电",
"call %(n)s within 10 minutes": "10分钟内第 %(n)s 次来电",
# missed calls page
"Missed calls": "未接来电", "Number": "号码", "Calls": "来电", "First": "首次", "Last": "最近",
"Longest wait": "最长等待", "Call the number back": "回拨", "Mark called back": "标记已回拨", "No missed call is waiting.": "暂无待回拨的未接来电。",
"Calls the telephone system reported unanswered (no answer, busy) or abandoned (the caller hung up while waiting), one line per number, the longest waiting first. A number leaves the list when it is called back, or when a later call from it is answered.":
    "电话系统上报的未接来电（无人接听、忙线）和放弃来电（来电方等待中挂机），每个号码一行，等待最久的在前。号码被回拨，或其后的来电已接通时，自动移出列表。",
# KPIs
"Connection rate": "接通率", "Hour of day": "时段", "Shift": "班次", "Day": "日期", "From": "从", "To": "至", "By": "按",
"Show": "查看", "Calls offered": "呼入量", "Answer rate": "接通率",
"Answered within %(target)s s": "%(target)s 秒内接通", "Average wait / handle time": "平均等待 / 通话时长",
"Offered": "呼入", "Within %(target)s s": "%(target)s 秒内", "%(target)s-second rate": "%(target)s秒接通率",
"Average wait": "平均等待", "Average handle time": "平均通话时长", "Total": "合计", "day shift": "白班",
"night shift": "夜班", "Group by hour, shift or day.": "请按时段、班次或日期统计。",
"The period is not valid.": "统计期间无效。", "Choose a later day.": "请选择更晚的日期。",
"Choose at most a year.": "最多选择一年。",
"Calls reported by the telephone system only. Answer rate: answered / offered. %(target)s-second rate: answered within %(target)s seconds / offered. Average wait over the answered calls.":
    "仅统计电话系统上报的来电。接通率 = 接通量 / 呼入量；%(target)s秒接通率 = %(target)s 秒内接通量 / 呼入量；平均等待按已接通来电计算。",
"12345 cases": "12345 工单", "Not logged yet": "待登记", "outside any shift": "不在任何班次",
}
PLURALS = {
    "%(n)s account": ["%(n)s 个户号"],
    "%(n)s open order": ["%(n)s 个未办结工单"],
}
