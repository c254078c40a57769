"""Simplified Chinese for the refusal of bad input (issue 13 §6–7): characters that are not allowed,
over-long text, requests over the size limit, an unavailable service, oversized workbooks (merged into
scripts/zh_hans.py)."""

ZH = {
"The request contains a character that is not allowed (NUL or an unpaired surrogate).":
    "请求中含有不允许的字符（NUL 空字符或不成对的代理字符）。",
"Remove the character that is not allowed.": "请删除不允许的字符。",
"Too long: at most %(n)d characters.": "内容过长：最多 %(n)d 个字符。",
"The request is too large.": "请求过大。",
"The request is larger than %(mb)d MB.": "请求超过 %(mb)d MB。",
"The service is temporarily unavailable; try again in a moment.": "服务暂时不可用，请稍后再试。",
"unavailable": "不可用",
"The workbook unpacks to %(size)d MB, more than the %(limit)d MB an XLSX import may have: save it as CSV "
"(UTF-8) or split it into several files.":
    "该工作簿解压后有 %(size)d MB，超过 XLSX 导入允许的 %(limit)d MB：请另存为 CSV（UTF-8）或拆分为多个文件。",
}
