"""清源市 — a fictional city and its water company, modelled on the seed article's company (a hotline
centre under the marketing service centre, branch companies such as 张店分公司 each with a repair
centre and meter readers, an engineering department, business halls).

Everything is drawn from one seeded ``random.Random``: the same seed gives the same city. People
are fictional (names from common surname and given-name characters, random phone numbers)."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from faker.providers.person.zh_CN import Provider as PersonProvider

COMPANY = "清源市自来水有限责任公司"
DISTRICTS = [  # (district, branch code, branch name, roads)
    ("张店区", "zhangdian", "张店分公司", ["人民路", "共青团路", "华光路", "柳泉路", "金晶大道", "西六路", "北京路", "中润大道"]),
    ("东城区", "dongcheng", "东城分公司", ["东风路", "朝阳路", "新华街", "体育场路", "东环路", "和平路", "青年路"]),
    ("西城区", "xicheng", "西城分公司", ["西环路", "建设路", "解放路", "光明街", "西山路", "胜利路", "文化路"]),
    ("南郊区", "nanjiao", "南郊分公司", ["南京路", "湖滨路", "科技大道", "创业路", "工业南路", "南环路"]),
]
SUBURBAN = {"南郊区"}  # districts marked suburban (SPEC.md §4: the longer on-site deadline)
DISTRICT_NUMBER = {d[0]: n for n, d in enumerate(DISTRICTS, start=1)}
COMMUNITY_HEADS = [
    "锦绣", "阳光", "翡翠", "金色", "幸福", "和平", "绿城", "书香", "紫薇", "丽景", "碧水", "恒大", "凤凰", "鸿泰", "万象",
    "新城", "华府", "御景", "天鹅湖", "东方", "世纪", "春晓", "怡和", "康乐", "福泽", "嘉苑", "雅园", "盛世", "泉城", "花溪",
    "银河", "星河", "龙湖", "海棠", "香山", "兰亭", "明珠", "柳泉", "金茂", "天泰",
]
COMMUNITY_TAILS = ["花园", "家园", "小区", "苑", "名都", "新村", "雅居", "山庄", "华庭", "公寓", "佳苑", "府"]
PROPERTY_HEADS = ["鑫诚", "万家", "安居", "佳美", "绿洲", "明远", "宏图", "诚信", "悦华", "金盾"]
MOBILE_PREFIXES = [134, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 182, 183, 187, 188, 130, 131, 132, 155,
                   156, 185, 186, 133, 153, 180, 189, 177, 199]
SURNAMES, SURNAME_WEIGHTS = zip(*PersonProvider.last_names.items())
# Given names as whole real names of one or two characters (Faker's lists of common given names, and
# common two-character ones): never two names run together (李建国颖 is not a name).
_FAKER_GIVEN = list(dict.fromkeys([*PersonProvider.first_names_male, *PersonProvider.first_names_female]))
GIVEN_ONE = [n for n in _FAKER_GIVEN if len(n) == 1]
GIVEN_TWO = list(dict.fromkeys([n for n in _FAKER_GIVEN if len(n) == 2] + [
    "晓明", "志强", "志刚", "海燕", "晓燕", "丽华", "文华", "国强", "建平", "春梅", "婷婷", "丽娟", "子轩", "浩然", "宇轩",
    "欣怡", "梓涵", "雨涵", "思远", "俊杰", "晓东", "海波", "红梅", "丽萍", "永刚", "玉梅", "淑芬", "立新", "卫东", "小红",
    "明辉", "文静", "佳怡", "嘉怡", "一鸣", "天宇", "振华", "凤英", "德明", "玉珍", "建新", "秋菊", "雪梅", "亚男", "晓婷",
]))
SEED_COMMUNITY = "中央公园2期"
# The README's search examples hold in the demo: account 3100000001 is 张伟's (zw), at 中央公园2期 1-1-101,
# on 人民路.
SEED_ROAD, SEED_HOLDER = "人民路", "张伟"
# Dates in the generated billing data are drawn before this day, so that the city does not depend on
# the day it is generated (bills, which are "the last N months", are the one exception).
REFERENCE_DAY = date(2026, 11, 1)  # the community of the seed's planned outage (S5)


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    district: str
    road: str
    road_no: int
    buildings: int
    units: int
    floors: int
    property_company: str
    property_contact: str
    property_phone: str


class DemoCity:
    def __init__(self, seed: int = 2026, communities: int = 200):
        self.seed = seed
        self.rng = random.Random(seed)
        self.communities = self._communities(communities)

    # --- people -----------------------------------------------------------------------------------

    def person_name(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        return surname + rng.choice(GIVEN_TWO if rng.random() < 0.55 else GIVEN_ONE)

    def mobile(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"

    # --- areas ------------------------------------------------------------------------------------

    def _communities(self, count: int) -> list[CommunitySpec]:
        names: set[str] = {SEED_COMMUNITY}
        ordered = [SEED_COMMUNITY]
        while len(ordered) < count:
            name = self.rng.choice(COMMUNITY_HEADS) + self.rng.choice(COMMUNITY_TAILS)
            if self.rng.random() < 0.15:
                name += f"{self.rng.randint(2, 3)}期"
            if name not in names:
                names.add(name)
                ordered.append(name)
        specs = []
        for i, name in enumerate(ordered):
            district, _code, _branch, roads = DISTRICTS[0] if i == 0 else DISTRICTS[i % len(DISTRICTS)]
            company = self.rng.choice(PROPERTY_HEADS) + "物业服务有限公司"
            road = self.rng.choice(roads)
            specs.append(CommunitySpec(
                name=name, district=district, road=SEED_ROAD if i == 0 else road, road_no=self.rng.randint(1, 400),
                buildings=self.rng.randint(6, 24), units=self.rng.randint(1, 4), floors=self.rng.choice([6, 7, 11, 18, 26]),
                property_company=company, property_contact=self.person_name(), property_phone=self.mobile(),
            ))
        return specs

    # --- accounts ---------------------------------------------------------------------------------

    def account_rows(self, count: int, *, start: int = 0) -> Iterator[dict[str, str]]:
        """Billing rows (the import format of docs/billing-import.md) for accounts start..start+count-1.

        Row i depends only on the seed and i, so any slice of a big city can be produced alone."""
        communities = self.communities
        n_comm = len(communities)
        for i in range(start, start + count):
            rng = random.Random(self.seed * 1_000_003 + i)
            phones = [self.mobile(rng)]
            if rng.random() < 0.3:
                phones.append(self.mobile(rng) if rng.random() < 0.6 else f"0533{rng.randrange(10**7):07d}")
            opened = date(1995, 1, 1) + timedelta(days=rng.randrange((REFERENCE_DAY - date(1995, 1, 1)).days))
            row = {
                "holder_name": self.person_name(rng),
                "phones": ";".join(phones),
                "meter_no": f"QY{i + 1:09d}",
                "meter_installed_on": min(opened + timedelta(days=rng.randrange(3000)), REFERENCE_DAY).isoformat(),
                "status": rng.choices(["正常", "暂停", "销户"], [96, 3, 1])[0],
                "balance": f"{rng.choice([0, 0, 0, rng.uniform(0, 300)]):.2f}",
                "arrears": f"{rng.uniform(20, 600):.2f}" if rng.random() < 0.12 else "0.00",
                "opened_on": opened.isoformat(),
            }
            if i % 23 == 22:  # a shop or office on a road, outside any community (23: every community gets homes)
                district, _code, _branch, roads = DISTRICTS[i % len(DISTRICTS)]
                row.update(district=district, road=rng.choice(roads), road_no=str(rng.randint(1, 999)),
                           meter_caliber=str(rng.choice([20, 25, 40, 50])))
                row["holder_name"] = row["holder_name"] if rng.random() < 0.5 else row["holder_name"][0] + "记商行"
            else:
                spec = communities[i % n_comm]
                # The k-th home of this community: spread over its buildings first, then unit, floor and
                # room in order (a city of any size fills every building; large ones add buildings).
                k = i // n_comm
                building, rest = k % spec.buildings, k // spec.buildings
                extra, rest = divmod(rest, spec.units * spec.floors * 2)
                building += extra * spec.buildings
                unit, rest = divmod(rest, spec.floors * 2)
                floor, room = divmod(rest, 2)
                row.update(district=spec.district, road=spec.road, road_no=str(spec.road_no), community=spec.name,
                           building=str(building + 1), unit=str(unit + 1), room=f"{floor + 1}{room + 1:02d}",
                           meter_caliber="15")
            row["account_no"] = f"3{DISTRICT_NUMBER[row['district']]}{i + 1:08d}"
            if i == 0:
                row["holder_name"] = SEED_HOLDER
            yield row

    def bill_rows(self, count: int, months: int, today: date) -> Iterator[dict[str, str]]:
        """Monthly bills of the last ``months`` months for the first ``count`` accounts."""
        accounts = self.account_rows(count)
        for i, account in enumerate(accounts):
            rng = random.Random(self.seed * 7_000_003 + i)
            reading = rng.uniform(100, 3000)
            arrears = float(account["arrears"]) > 0
            for back in range(months, 0, -1):
                year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
                usage = max(1.0, rng.gauss(12, 4))
                if rng.random() < 0.02:
                    usage *= 4  # the occasional high bill that makes people call (S7)
                reading += usage
                amount = round(usage * 3.65, 2)
                unpaid = arrears and back <= 2
                yield {
                    "account_no": account["account_no"], "period": f"{year}-{month + 1:02d}",
                    "reading": f"{reading:.1f}", "usage_m3": f"{usage:.1f}", "amount": f"{amount:.2f}",
                    "paid": "0.00" if unpaid else f"{amount:.2f}",
                    "due_on": date(year + (month + 1) // 12, (month + 1) % 12 + 1, 15).isoformat(),
                }
