"""Simplified Chinese for the live board (merged into scripts/zh_hans.py)."""

ZH = {
"Live board": "实时看板", "refreshes every %(refresh)s s": "每 %(refresh)s 秒刷新", "Wall display": "大屏显示",
"Calls today": "今日来电", "usual by now": "往常此时", "Waiting / in conversation": "排队 / 通话中",
"no data from the telephone system today": "今日暂无电话系统数据", "answered": "已接", "unanswered": "未接",
"Answered within 15 s": "15秒接通率", "Open orders / overdue": "在办 / 超期工单", "Satisfaction today": "今日满意率",
"callbacks": "回访", "Calls today by hour": "今日分时来电", "usual (same weekday, last 4 weeks)": "往常（近4周同一星期几）",
"usual": "往常", "Open and overdue orders by unit": "各单位在办与超期工单", "Not dispatched": "未派单",
"linked calls": "关联来电", "Surges (last 60 minutes)": "来电激增（近60分钟）",
"12345 cases near their deadline": "临近时限的12345工单", "Knowledge base": "知识库", "Shift handover": "交接班",
"Reports": "报表", "Knowledge": "知识库", "Shifts": "班次", "Supervision": "监控", "Staffing": "排班测算",
}
