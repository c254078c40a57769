"""The demo city's calling habits for the demo history: arrival rates, subjects, how long work takes,
how orders end by their age, and the texts of calls, notes and results."""

from dataclasses import dataclass
from datetime import time as clock

# --- the city's calling habits ---------------------------------------------------------------------

DAY_SHIFT = (clock(8, 15), clock(17, 30))  # the night shift runs from 17:30 to 08:15 (S1)
DAY_CALLS, NIGHT_CALLS = (52, 75), (30, 50)  # per shift on a normal day (S11: 80+ a day, 30–50 a night)
SPECIAL_DAY_FACTOR, SPECIAL_NIGHT_FACTOR = 2.2, 1.25  # special days: 160+
# Relative call volume by hour of day: a morning and an afternoon peak, quiet small hours.
HOURLY = (0.15, 0.1, 0.1, 0.1, 0.1, 0.2, 0.45, 0.9, 1.2, 1.5, 1.45, 1.2, 0.8, 0.95, 1.25, 1.3, 1.15, 0.95,
          1.1, 1.1, 0.9, 0.7, 0.45, 0.25)
ARRIVALS = {"consultation": 60, "order": 26, "follow_up": 10, "coordination": 1.5, "duplicate": 1.5}
ORDER_KINDS = {"repair": 62, "misrouted": 7, "extension": 8, "unsatisfied": 6, "calibration": 9, "withdrawn": 5}
ORDER_SUBJECTS = {
    "burst_main": 2, "branch_leak": 10, "before_meter_leak": 10, "after_meter_leak": 5, "hydrant": 2,
    "valve_fault": 5, "valve_shutoff": 4, "manhole_cover": 3, "frozen_pipe": 1, "frozen_meter": 2, "no_water": 8,
    "low_pressure": 7, "water_quality": 4, "secondary_supply": 3, "high_bill": 5, "reading_dispute": 3,
    "meter_replacement": 3, "new_connection": 2, "complaint_service": 3,
}
COLD_SUBJECTS = {"frozen_pipe": 14, "frozen_meter": 16}  # extra weights on a cold-snap day
LONG_WORK = ("branch_leak", "before_meter_leak", "valve_fault", "manhole_cover", "secondary_supply", "water_quality")
REQUEST_TYPES = {"billing": "consultation", "meter": "consultation", "connection": "consultation",
                 "service_complaint": "complaint"}  # by subject group; anything else is a repair request


@dataclass(frozen=True)
class Profile:
    """How long an order of a subject naturally takes, in minutes (sign-for, on site, the work itself).
    Office work (halls, meter readers) happens in office hours; an urgent order is dispatched at once."""

    accept: tuple[int, int]
    work: tuple[int, int]
    onsite: tuple[int, int] | None = None
    office: bool = False


EMERGENCY = Profile(accept=(2, 9), onsite=(12, 30), work=(90, 420))
SHUT_OFF = Profile(accept=(2, 8), onsite=(10, 25), work=(5, 30))
LEAK = Profile(accept=(4, 25), onsite=(20, 55), work=(60, 300))
SUPPLY = Profile(accept=(4, 20), onsite=(15, 45), work=(20, 120))
QUALITY = Profile(accept=(10, 50), onsite=(30, 120), work=(60, 480))
COMPLAINT = Profile(accept=(20, 240), work=(240, 1800))
HALL = Profile(accept=(20, 180), work=(120, 1500), office=True)
METER_WORK = Profile(accept=(30, 240), onsite=(60, 1440), work=(1440, 4320), office=True)
PROFILES = {
    "burst_main": EMERGENCY, "hydrant": EMERGENCY, "valve_shutoff": SHUT_OFF, "no_water": SUPPLY,
    "low_pressure": SUPPLY, "water_quality": QUALITY, "complaint_service": COMPLAINT, "high_bill": HALL,
    "new_connection": HALL, "meter_calibration": METER_WORK, "meter_replacement": METER_WORK,
    "reading_dispute": METER_WORK,
}  # anything else: LEAK

# End states by age: an order's end state is drawn with these weights for its age (hours).
AGE_BUCKETS = (1, 6, 24, 72, 168)
END_WEIGHTS = {      # <1 h  <6 h  <1 d  <3 d  <7 d  older
    "new":           (10,    5,    2,    0,    0,    0),
    "misrouted":     (20,    3,    1,    0,    0,    0),
    "returned":      (15,    8,    3,    1,    0,    0),
    "dispatched":    (35,    8,    3,    1,    0,    0),
    "accepted":      (25,   12,    5,    1,    0,    0),
    "in_progress":   (25,   40,   28,    5,    2,    1),
    "requested":     (20,   25,   15,    5,    1,    0),
    "reopened":      (20,   15,    8,    3,    1,    0),
    "resolved":      (5,    30,   35,   15,    3,    1),
    "callback_done": (0,     5,   25,   50,   35,   20),
    "closed":        (0,     0,    0,   24,   57,   77),
    "cancelled":     (10,   30,   50,   60,   60,   60),
}
URGEABLE = {"misrouted", "dispatched", "accepted", "in_progress", "requested", "reopened"}
# Extra calls in the last day or two, so that every screen always has something of each: the
# demo dispatcher's queue (张店) has an order overdue and urged, one not yet signed for, one reopened
# by an unhappy customer, one waiting for an extension, and fresh work on time; somewhere an
# extension was denied.
# (kind, end state, age window in hours, branch of the caller, arguments)
SHOWCASES = [
    ("repair", "in_progress", (28, 40), "zhangdian", {"subject": "branch_leak"}),
    ("unsatisfied", "reopened", (8, 30), "zhangdian", {}),
    ("extension", "requested", (2, 20), "zhangdian", {}),
    ("extension", "in_progress", (10, 40), "", {"approve": False}),
    ("repair", "in_progress", (3, 16), "zhangdian", {"subject": "valve_fault"}),
    ("repair", "dispatched", (1, 12), "zhangdian", {"subject": "before_meter_leak"}),
    ("repair", "accepted", (0.2, 10), "zhangdian", {"subject": "manhole_cover"}),
    ("calibration", "new", (0.2, 16), "", {}),
    ("calibration", "resolved", (48, 100), "", {"replaced": False}),
    ("misrouted", "returned", (0.5, 8), "", {}),
]

# --- what people say -------------------------------------------------------------------------------

CONSULTATIONS = {
    "bill_query": (12, ["查询本月水费金额，已告知金额及缴费截止日期", "询问阶梯水价如何计算，已解释",
                        "询问上月用水量，已查询读数并告知"]),
    "account_lookup": (9, ["忘记户号，核实户主姓名和地址后告知户号", "新房入住，询问户号及缴费方式，已告知"]),
    "payment": (11, ["询问微信、支付宝缴费方式，已告知", "反映已缴费仍显示欠费，经查为银行到账延迟，已解释",
                     "询问欠费是否会停水，已解释催缴流程"]),
    "high_bill": (6, ["反映本月水费偏高，已查询近几月读数，建议检查户内是否漏水",
                      "水费比上月多一倍，已解释本月为两个月合并抄表"]),
    "outage_question": (11, ["询问小区停水原因及恢复时间，已告知计划停水安排",
                             "反映楼内停水，经查为二次供水设备检修，已告知物业电话", "询问明天是否停水，经查无停水计划"]),
    "no_water": (5, ["家中突然无水，经查为户内阀门关闭，已指导开启", "反映无水，所在区域管网维修中，已告知预计恢复时间"]),
    "low_pressure": (5, ["高层用户反映水压低，已告知二次供水泵房由物业管理及联系电话", "早高峰水压偏低，已说明用水高峰原因"]),
    "water_quality": (4, ["放水初期水发黄，已建议放水几分钟后再观察", "反映水中有白色沉淀，已解释为水垢，可放心使用"]),
    "new_connection": (4, ["咨询新装水表报装流程和所需材料，已告知", "商铺咨询报装费用，已告知到营业厅办理"]),
    "ownership_transfer": (4, ["咨询过户所需材料，已告知携带房产证和身份证到营业厅办理"]),
    "meter_replacement": (2, ["询问水表到期更换是否收费，已解释为免费更换"]),
    "reading_dispute": (2, ["对本月抄表读数有疑问，已核对读数并解释"]),
    "frozen_meter": (1, ["咨询水表防冻措施，已告知用保温材料包裹表箱"]),
}
COLD_CONSULTATIONS = {"frozen_meter": 25, "frozen_pipe": 12}
COLD_TEXTS = {"frozen_pipe": ["水管疑似冻住，已指导用温水缓慢解冻，切勿明火烘烤"]}
# (title, what the caller says) — {place} is the caller's building, {road} its road.
ORDER_TEXTS = {
    "burst_main": ("{road}主管爆管", "{road}路面大量冒水，疑似主管爆管，周边小区水压明显下降"),
    "branch_leak": ("{place}支管漏水", "小区绿化带持续冒水，疑似支管漏水"),
    "before_meter_leak": ("{place}表前漏水", "表前阀门处漏水，关不住"),
    "after_meter_leak": ("{place}表后漏水", "表后管道接头漏水"),
    "hydrant": ("{road}消火栓撞断", "路边消火栓被车辆撞断，大量喷水"),
    "valve_fault": ("{place}阀门故障", "单元总阀关不严，无法检修户内管道"),
    "valve_shutoff": ("{place}申请关阀", "户内阀门滑丝关不住，厨房水管破裂，急需关闭户外阀门"),
    "manhole_cover": ("{road}井盖破损", "路边阀门井盖破损下沉，存在安全隐患"),
    "frozen_pipe": ("{place}管道冻裂", "楼道内水管冻裂漏水"),
    "frozen_meter": ("{place}水表冻裂", "水表表盘冻裂漏水，需要换表"),
    "no_water": ("{place}无水", "整个单元无水，未收到停水通知"),
    "low_pressure": ("{place}水压低", "连续两天水压很低，高层基本无水"),
    "water_quality": ("{place}水质浑浊", "自来水发黄有异味，放水后仍不清"),
    "secondary_supply": ("{place}二次供水故障", "小区加压泵房故障，高区无水"),
    "high_bill": ("{place}水费异常", "本月水费是平时的三倍，家中无人居住，要求核查"),
    "reading_dispute": ("{place}抄表争议", "对本月抄表读数有异议，要求复核"),
    "meter_replacement": ("{place}申请换表", "水表表盘模糊看不清，申请更换"),
    "new_connection": ("{place}新装报装", "新开商铺申请安装水表"),
    "complaint_service": ("投诉维修人员未按约定时间上门", "维修人员约定上午上门，至下午仍未到达"),
    "meter_calibration": ("{place}校表申请", "水费偏高，怀疑水表走快，申请校验水表"),
}
ON_SITE = ["维修人员已到达现场，正在查找漏点", "已到现场，正在关阀止水", "已到达现场，正在检查"]
EMERGENCY_PROGRESS = "已关闭上游阀门止水，正在开挖抢修"
OFFICE_PROGRESS = {"meter_calibration": "已联系客户，预约上门拆表送检", "meter_replacement": "已联系客户，预约换表时间",
                   "reading_dispute": "已安排抄表员上门复核读数"}
RESULTS = {
    "burst_main": "主管抢修完毕，恢复正常供水，路面已回填", "branch_leak": "已开挖修复支管漏点，恢复供水",
    "before_meter_leak": "已更换表前阀门，漏水消除", "after_meter_leak": "已更换表后接头，试水正常",
    "hydrant": "已关闭消火栓前端阀门并更换消火栓", "valve_fault": "已更换单元总阀，开关正常",
    "valve_shutoff": "已关闭户外阀门，告知客户户内维修后来电开阀", "manhole_cover": "已更换井盖，安全隐患消除",
    "frozen_pipe": "已更换冻裂管段并做保温包扎", "frozen_meter": "已更换冻裂水表，恢复供水，新表底数已记录",
    "no_water": "经查为小区总阀未完全开启，已开启，供水恢复", "low_pressure": "已清洗入户过滤器，水压恢复正常",
    "water_quality": "已对管网放水冲洗，取样检测合格", "secondary_supply": "已维修加压泵，高区供水恢复",
    "high_bill": "已现场核对水表读数无误，用量系户内马桶漏水所致，已告知客户",
    "reading_dispute": "已复核读数，原读数有误，已更正并重新出账", "meter_replacement": "已更换新表，旧表底数已确认",
    "new_connection": "已完成现场勘查，报装资料已受理", "complaint_service": "已核实情况，对相关人员批评教育并向客户致歉",
}
CALIBRATION_RESULTS = {"within_tolerance": "水表送检合格，误差{error}%，在允许范围内，已向客户解释",
                       "replaced": "水表检定超差（误差{error}%），已更换新表并退补水费"}
SATISFIED_NOTES = {"satisfied": "客户对处理结果满意", "basic": "客户基本满意，希望处理再及时一些"}
UNSATISFIED_NOTES = ["客户反映仍有渗水，要求重新处理", "客户反映维修后路面未恢复", "客户反映问题未彻底解决，要求重新处理"]
EXTENSION_REASONS = ["需破路开挖，占道审批手续办理中", "需更换大口径阀门，材料正在调配", "涉及多户停水，需提前发布停水通知"]
URGE_NOTES = ["客户多次来电催促，请尽快处理并反馈", "该工单已超时，请立即处理", "请加派人手，今日内办结"]
WITHDRAW_REASONS = ["客户来电撤单：问题已自行解决", "客户来电撤单：物业已安排维修"]
CUSTOMER_SIDE = ("经现场查看，为表后用户自有管道漏水，属用户自行维修范围", "表后设施由用户自行维修，已电话告知客户，撤销工单")
FOLLOW_UP = ["来电询问工单{number}处理进度，已告知", "催问维修人员何时上门，已查询工单{number}并答复"]
BURST_CALL = "小区停水，询问恢复供水时间，已告知{road}主管爆管正在抢修（工单{number}）"
COORDINATION = ("工程处来电询问{title}进度，已查询工单时间线并答复", "工程处来电询问进度，已告知维修中心现场处理情况")
