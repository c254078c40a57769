"""Simplified Chinese for the knowledge base (知识库): articles, answer scripts, canned replies, their
placeholders, editing and history, and the call panel's knowledge box (merged into scripts/zh_hans.py)."""

ZH = {
# models
"Article": "知识文章", "Canned reply": "统一答复", "keywords": "关键词", "created by": "创建人", "updated by": "修改人",
"Words callers and operators use, separated by spaces.": "来电人和热线员常用的说法，用空格分隔。",
"knowledge article": "知识库文章", "knowledge articles": "知识库文章", "version": "版本", "note on the change": "修改说明",
"saved": "保存时间", "saved by": "保存人", "article version": "文章版本", "article versions": "文章版本",
# placeholders
"company": "公司名称", "hotline number": "热线号码", "outage area": "停水区域", "outage reason": "停水原因",
"kind of outage": "停水类型", "expected restore time": "预计恢复供水时间", "outage number": "停水编号",
"The text has an unmatched brace; write a placeholder as {area}, a brace itself as {{ or }}.":
    "内容中有不成对的花括号：占位符写作 {area}，花括号本身写作 {{ 或 }}。",
"Unknown placeholder: %(names)s. Articles may use: %(allowed)s.": "未知的占位符：%(names)s。文章可以使用：%(allowed)s。",
# services
"At most %(max)d characters.": "最多 %(max)d 个字符。", "Choose one of: %(kinds)s.": "请从以下选择：%(kinds)s。",
"This subject is no longer in use.": "该诉求分类已停用。", "Check the marked fields.": "请检查标出的字段。",
"Someone else saved this article in the meantime (now version %(version)d); nothing was saved. Reload it and make your change again.":
    "其他人刚刚保存了这篇文章（现为第 %(version)d 版），您的修改未保存。请刷新后重新修改。",
# forms
"%(group)s (the whole group)": "%(group)s（整个大类）", "Keywords": "关键词", "e.g. 冻表 水表冻裂 寒潮": "例如：冻表 水表冻裂 寒潮",
"Note on the change": "修改说明", "e.g. new fee from 1 January": "例如：1月1日起执行新收费标准",
"General (no subject)": "通用（不限分类）", "All kinds": "全部类型", "All subjects": "全部分类",
# views
"Article saved.": "文章已保存。", "The article is in use again.": "文章已重新启用。",
"The article is no longer shown to operators.": "文章已停用，热线员将不再看到。",
# list
"New article": "新建文章", "Words, e.g. 冻表, 校表 费用, 营业厅": "关键词，例如：冻表、校表 费用、营业厅",
"Search the knowledge base": "搜索知识库", "Include inactive": "含已停用", "best match first": "最相关的在前",
"Inactive": "已停用", "General": "通用",
"No article matches. Try fewer or shorter words (two characters are enough: 冻表, 水费).":
    "没有匹配的文章。请减少或缩短关键词（两个字即可，如：冻表、水费）。",
# detail
"Inactive: not shown to operators": "已停用：热线员看不到", "Fill in from the outage": "用停水信息填充",
"— none (placeholders stay visible) —": "— 不选（显示占位符）—", "Fill in": "填充",
"The parts in 【】 come from an outage: choose the outage above, or say them from the outage page.":
    "【】中的内容来自停水信息：请在上方选择停水，或对照停水页面告知来电人。",
"Copied": "已复制", "Copy the script": "复制话术", "Copy the text": "复制内容", "History": "修改记录",
"Take out of use": "停用", "Put back into use": "重新启用",
# edit
"Edit the article": "编辑文章",
"Saved by %(who)s at %(when)s. Your text is still in the form below; the differences to the saved text are marked. Save again to replace the saved text by yours.":
    "%(who)s 于 %(when)s 保存了新版本。您的内容仍保留在下方表单中，与已保存内容的差异已标出。再次保存将用您的内容替换已保存的内容。",
"Placeholders, filled from the outage when an operator shows the article (without an outage they stay visible in 【】):":
    "占位符（热线员查看时用停水信息填充，没有停水信息时以【】显示）：",
# history
"Every saved version, newest first; what each changed is marked: added text in green, removed text struck through in red.":
    "每次保存的版本，最新的在前；修改之处已标出：新增内容为绿色，删除内容为红色删除线。",
"changed:": "修改了：", "put back into use": "重新启用", "taken out of use": "停用", "Text of this version": "该版本内容",
# call panel
"Find an answer: 冻表, 校表 费用, 营业厅…": "查找答复：冻表、校表 费用、营业厅…", "All articles": "全部文章",
"Outage answers are filled in from %(number)s.": "停水答复已按 %(number)s 填充。", "Copy": "复制",
"Open the article": "打开", "No article matches these words.": "没有匹配的文章。",
"No article for this subject yet.": "该分类暂无文章。",
}
PLURALS = {
    "%(counter)s article": ["%(counter)s 篇文章"],
}
