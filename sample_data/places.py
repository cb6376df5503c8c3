"""Place names for a fictional county: towns, villages, communities, schools, work places."""

from __future__ import annotations

import random

COUNTY = "青溪县"
# A province's counties, the demo county first.
COUNTIES = (COUNTY, "云岭县", "松涛县", "桃川县", "凤鸣县", "清泉县", "长岗县", "金峰县", "石湾县",
            "柳溪县", "梅岭县", "竹岗县", "白鹭县", "枫林县")
# The first town is the demo coordinator's scope in every scale (see demo_users.py).
TOWNS = ("石门镇", "青山镇", "柳河镇", "白沙镇", "黄岭乡", "龙泉镇", "桃源乡", "双河镇", "马坪乡",
         "高桥镇", "金鸡镇", "红岩乡", "新店镇", "杨柳镇", "三合乡", "太平镇", "安乐乡", "大河镇",
         "云雾乡", "清水镇", "长岭乡", "花园镇")
SUBDISTRICTS = ("城关街道", "城南街道", "城北街道")
COMMUNITIES = ("城东社区", "城西社区", "滨河社区", "新华社区", "文昌社区", "解放社区", "人民路社区",
               "育才社区", "幸福社区", "和平社区", "建设社区", "阳光社区")

_CLAN_PREFIXES = tuple(c + "家" for c in "李张王刘陈杨黄周吴徐孙马朱胡郭何高罗梁宋唐谢邓彭曾")
_NATURE_PREFIXES = tuple("上下大小新老东西南北石柳松桃杏枫竹梅云龙凤金白青红黄茶桂岩沙")
_TOPOS = tuple("湾坪坝岭沟河桥庄塘冲垭岗坡园山湖堡寨")

# Where parents go to work (务工地), weighted roughly as migrant flows from inland counties.
WORK_PLACES = ("广东东莞", "广东深圳", "广东广州", "广东佛山", "广东中山", "浙江义乌", "浙江宁波",
               "浙江杭州", "浙江温州", "福建泉州", "福建厦门", "江苏苏州", "江苏昆山", "上海",
               "北京", "天津", "湖北武汉", "四川成都", "新疆乌鲁木齐")
WORK_PLACE_WEIGHTS = (14, 12, 9, 6, 4, 8, 5, 5, 3, 7, 4, 7, 3, 6, 3, 2, 3, 2, 1)
HOME_WORK = ("在家务农", "在本地打零工", "在县城务工", "在家照顾老人")


def village_names(rng: random.Random, count: int) -> list[tuple[str, str | None]]:
    """Return `count` distinct village names, each with the clan surname it is named after."""
    pool: list[tuple[str, str | None]] = [
        (prefix + topo + "村", prefix[0]) for prefix in _CLAN_PREFIXES for topo in _TOPOS]
    pool += [(prefix + topo + "村", None) for prefix in _NATURE_PREFIXES for topo in _TOPOS]
    rng.shuffle(pool)
    if count > len(pool):
        raise ValueError(f"at most {len(pool)} distinct village names")
    return pool[:count]


def village_school_name(village: str) -> str:
    """李家湾村 → 李家湾小学 (a 村小)."""
    return village.removesuffix("村") + "小学"


def work_place(rng: random.Random) -> str:
    return rng.choices(WORK_PLACES, WORK_PLACE_WEIGHTS)[0]


def address(rng: random.Random, town: str, village: str, *, community: bool) -> str:
    """石门镇李家湾村3组, or a street address in a subdistrict's community."""
    if community:
        road = rng.choice(("人民路", "解放路", "建设路", "文化街", "滨河路", "新华街", "育才路"))
        return f"{town}{village}{road}{rng.randint(1, 180)}号"
    return f"{town}{village}{rng.randint(1, 12)}组"
