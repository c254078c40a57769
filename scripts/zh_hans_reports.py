"""Simplified Chinese for the period reports, their export and staffing (merged into scripts/zh_hans.py)."""

ZH = {
# KPI definitions (reports.period.DEFINITIONS)
"Inbound calls that rang in the period, whatever their outcome (answered, missed, abandoned). A call without a type or subject (missed, or not logged yet) is not classified.":
    "统计期内振铃的全部呼入来电，不论处理结果（接听、未接、放弃）。没有诉求类型或分类的来电（未接通或尚未登记）计为“未分类”。",
"Requests by source": "诉求来源",
"The hotline's calls plus the work orders received in the period from the 12345 platform, from staff (internal) and from the web. An order created from a call is counted once, as its call.":
    "热线来电，加上统计期内从 12345 平台、内部（工作人员）和网站受理的工单。由来电生成的工单只按其来电计一次。",
"The KPIs are about the orders received in the period, as they stand now: each order counted once, so the rows per unit and per source add up to the total. An order counts for the unit that has it now; cancelled orders are left out of the sign-for and resolution rates.":
    "工单指标按统计期内受理的工单及其当前状态计算：每张工单只计一次，各单位、各来源的行相加等于合计。工单计入当前承办单位；已取消的工单不计入签收率和办结率。",
"On-time sign-for rate (按时签收率)": "按时签收率",
"Orders signed for by their sign-for deadline ÷ orders whose sign-for was due: dispatched to a unit, not cancelled, and either signed for or past the deadline. A returned or reopened order is measured on its latest dispatch.":
    "在签收时限内签收的工单数 ÷ 应签收工单数（已派往单位、未取消，且已签收或已过签收时限）。退回或重办的工单按最近一次派单计算。",
"On-time resolution rate (按时办结率)": "按时办结率",
"Orders resolved by their resolution deadline (after approved extensions) ÷ orders whose resolution was due: not cancelled, and either resolved or past the deadline.":
    "在办结时限内（含已批准的延期）办结的工单数 ÷ 应办结工单数（未取消，且已办结或已过办结时限）。",
"Return rate (退单率)": "退单率",
"Returns ÷ dispatches (a dispatch the unit sent back is a return; dispatches = returns + orders now with a unit). Per unit: the orders it returned ÷ (those + the orders it has now).":
    "退单次数 ÷ 派单次数（单位退回的派单即一次退单；派单次数 = 退单次数 + 当前在单位的工单数）。按单位：该单位退回的工单数 ÷（其退回数 + 其当前工单数）。",
"Reopen rate (重办率)": "重办率",
"Orders reopened after an unsatisfied callback ÷ orders resolved at least once.": "回访不满意而重办的工单数 ÷ 至少办结过一次的工单数。",
"Callback rate (回访率)": "回访率",
"Orders called back ÷ orders resolved at least once.": "已回访工单数 ÷ 至少办结过一次的工单数。",
"Satisfaction rate (满意率)": "满意率",
"Orders whose latest callback found the customer satisfied or basically satisfied ÷ orders called back.":
    "最近一次回访为满意或基本满意的工单数 ÷ 已回访工单数。",
"Days, hours and shifts": "日期、时段与班次",
"Local time. Shifts are those of the shift plan (by default day 08:15–17:30, night 17:30–08:15), each belonging to the day it began: calls early on the first day may be in a shift of the day before.":
    "按本地时间。班次按排班设置（默认白班 08:15–17:30，夜班 17:30–次日 08:15），归属其开始的日期：首日凌晨的来电可能属于前一天的班次。",
# report
"Choose at most two years.": "最多选择两年。", "Hotline calls": "热线来电", "Not classified": "未分类",
"No operator": "无话务员", "Period report": "统计报表", "Periods": "统计期间", "Export": "导出",
"%(first)s to %(last)s (%(days)s days), local time": "%(first)s 至 %(last)s（%(days)s 天），本地时间",
"as of": "截至", "work orders received": "受理工单", "calls + other channels": "来电 + 其他渠道",
"open now": "当前未办结", "Requests": "诉求总量", "Work orders received": "受理工单",
"On-time sign-for rate": "按时签收率", "On-time resolution rate": "按时办结率", "Return rate": "退单率",
"Reopen rate": "重办率", "Callback rate": "回访率", "Satisfaction rate": "满意率",
"Calls and work orders by day": "每日来电与工单", "Calls by subject group": "来电分类构成",
"Calls by hour of day (average per day)": "各时段来电（日均）", "Work-order KPIs by unit": "各单位工单指标",
"Requests by subject and source": "诉求分类与来源", "Requests by type and source": "诉求类型与来源",
"Average talk time": "平均通话时长", "Work orders received in the period, by unit": "统计期内受理工单（按单位）",
"Open (overdue)": "未办结（超时）", "Work orders by source": "工单（按来源）", "Calls by day and shift": "每日及各班次来电",
"A shift's column counts the shift that began that day; %(before)s calls early on the first day are in a shift of the day before.":
    "各班次栏统计当天开始的班次；首日凌晨有 %(before)s 通来电属于前一天的班次。",
"Calls by hour of day": "各时段来电", "How the figures are counted": "统计口径",
"On-time sign-for": "按时签收", "On-time resolution": "按时办结", "Calls per day": "日均来电",
# export
"Open and overdue": "未办结且超时", "Sign-for due": "应签收", "Signed for on time": "按时签收",
"On-time sign-for rate (%)": "按时签收率（%）", "Resolution due": "应办结", "Resolved on time": "按时办结",
"On-time resolution rate (%)": "按时办结率（%）", "Dispatches": "派单次数", "Returns": "退单次数",
"Return rate (%)": "退单率（%）", "Reopen rate (%)": "重办率（%）", "Callback rate (%)": "回访率（%）",
"Satisfied": "满意", "Basically satisfied": "基本满意", "Unsatisfied": "不满意", "Satisfaction rate (%)": "满意率（%）",
"Generated": "生成时间", "Report summary": "汇总", "Item": "项目", "Value": "数值",
"Requests by type": "诉求按类型", "Requests by subject": "诉求按分类", "Group": "大类",
"Calls by day": "按日来电", "Calls by hour": "按时段来电", "Hour": "时段",
"Per day": "日均", "Calls by shift": "按班次来电", "Partly in the period": "部分在统计期内", "yes": "是", "no": "否",
"Calls by type": "来电按类型", "Calls by subject": "来电按分类", "Calls by outcome": "来电按处理结果",
"Calls by operator": "来电按话务员", "Orders created": "生成工单", "Average talk time (s)": "平均通话时长（秒）",
"Orders by unit": "按单位统计工单", "Orders by source": "按来源统计工单", "Source": "来源", "Rang at": "振铃时间",
"Waited (s)": "等待（秒）", "Talked (s)": "通话（秒）", "Order number": "工单编号",
"Choose what to export.": "请选择导出内容。", "Choose XLSX or CSV.": "请选择 XLSX 或 CSV。",
"%(count)s rows are too many for one file (at most %(max)s): choose a shorter period.":
    "%(count)s 行超出单个文件的上限（最多 %(max)s 行），请缩短统计期间。",
"Report tables": "报表各表", "Calls (one row each)": "来电明细", "Work orders (one row each)": "工单明细",
"What": "内容", "Format": "格式",
# periods
"Last 7 days": "近 7 天", "Last week": "上周", "Last 30 days": "近 30 天", "This month": "本月", "Last month": "上月",
"This year": "今年", "Last 12 months": "近 12 个月",
# staffing
"Weeks of history": "参考周数", "Event factor": "事件系数",
"1 = a normal day; 1.5 = half as many calls again (a cold snap).": "1 为正常日；1.5 表示来电增加一半（如寒潮）。",
"Service level (%)": "服务水平（%）", "Answered within (s)": "接通时限（秒）", "Average handle time (s)": "平均处理时长（秒）",
"Blank: measured from the reference days' calls.": "留空：按参考日的来电测算。", "Shrinkage (%)": "缺勤系数（%）",
"Use 1 to %(max)d weeks of history.": "参考周数为 1 至 %(max)d 周。", "Out of range.": "超出范围。",
"The factor must be between 0 and 20.": "系数应在 0 至 20 之间。", "Between 50 % and 99 %.": "应在 50% 至 99% 之间。",
"Between 1 and 600 seconds.": "应在 1 至 600 秒之间。", "Between 10 and 3600 seconds.": "应在 10 至 3600 秒之间。",
"Between 0 % and 80 %.": "应在 0% 至 80% 之间。", "Check the staffing parameters.": "请检查排班测算参数。",
"%(shift)s of the day before": "前一天的%(shift)s",
"Agents": "坐席", "Forecast calls": "预测来电", "Actual calls": "实际来电", "Agents needed": "所需坐席", "Scheduled agents": "排班坐席",
"Calculate": "测算", "actual so far": "目前实际", "Peak agents needed": "高峰所需坐席", "scheduled": "排班",
"Agent hours": "坐席工时", "Expected service level": "预计服务水平", "target %(level)s in %(seconds)s s": "目标 %(seconds)s 秒内 %(level)s",
"measured %(aht)s s over %(n)s calls": "按 %(n)s 通来电测得 %(aht)s 秒", "no calls measured": "无可测算来电",
"Shrinkage": "缺勤系数", "factor": "系数", "Reference days": "参考日",
"none: there are no calls on record before this day": "无：该日之前没有来电记录",
"Calls and agents per half-hour": "每半小时来电与坐席", "Half-hour": "半小时", "Service level": "服务水平",
"Wait probability": "排队概率", "Average speed of answer": "平均应答时间", "Occupancy": "坐席占用率", "Per shift": "各班次",
"Peak agents": "高峰坐席", "Peak scheduled": "高峰排班",
"Agents needed: the fewest agents that reach the service-level target by Erlang C (calls arrive at random, callers wait). Scheduled: agents ÷ (1 − shrinkage), rounded up, for breaks, training and absence. A half-hour that straddles a handover counts for both shifts.":
    "所需坐席：按 Erlang C 模型（来电随机到达、来电方排队等候）达到服务水平目标的最少坐席数。排班 = 所需坐席 ÷（1 − 缺勤系数），向上取整，用于休息、培训和缺勤。跨交班的半小时同时计入两个班次。",
}
PLURALS = {
    "Forecast: the calls of each half-hour on the same weekday of the last week, times the event factor.":
        ["预测：最近 %(weeks)s 周同一星期几各半小时来电的平均数，乘以事件系数。"],
}
