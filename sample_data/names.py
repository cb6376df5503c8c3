"""Chinese personal names, mobile numbers and 身份证号 for synthetic people."""

from __future__ import annotations

import random
from datetime import date

from core.validators import id_number_checksum

# Common surnames with rough shares (per cent) of China's population; single characters only,
# so that every full name is two or three characters long.
_SURNAME_SHARES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2),
    ("赵", 2.1), ("吴", 2.0), ("周", 1.9), ("徐", 1.7), ("孙", 1.5), ("马", 1.4), ("朱", 1.3),
    ("胡", 1.3), ("郭", 1.2), ("何", 1.2), ("高", 1.1), ("林", 1.1), ("罗", 1.1), ("郑", 1.0),
    ("梁", 0.9), ("谢", 0.8), ("宋", 0.8), ("唐", 0.8), ("许", 0.7), ("韩", 0.7), ("冯", 0.7),
    ("邓", 0.7), ("曹", 0.7), ("彭", 0.6), ("曾", 0.6), ("肖", 0.6), ("田", 0.6), ("董", 0.5),
    ("袁", 0.5), ("潘", 0.5), ("于", 0.5), ("蒋", 0.5), ("蔡", 0.5), ("余", 0.5), ("杜", 0.5),
    ("叶", 0.4), ("程", 0.4), ("苏", 0.4), ("魏", 0.4), ("吕", 0.4), ("丁", 0.4), ("任", 0.4),
    ("沈", 0.4), ("姚", 0.4), ("卢", 0.4), ("姜", 0.3), ("崔", 0.3), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.3), ("廖", 0.3), ("贾", 0.3),
    ("夏", 0.3), ("韦", 0.3), ("付", 0.3), ("方", 0.3), ("白", 0.2), ("邹", 0.2), ("孟", 0.2),
    ("熊", 0.2), ("秦", 0.2), ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("段", 0.2),
    ("雷", 0.2), ("侯", 0.2), ("龙", 0.2), ("史", 0.2), ("陶", 0.2), ("黎", 0.2), ("贺", 0.2),
    ("顾", 0.2), ("毛", 0.2), ("郝", 0.2), ("龚", 0.2), ("邵", 0.2), ("万", 0.2),
)
SURNAMES: tuple[str, ...] = tuple(name for name, _ in _SURNAME_SHARES)
SURNAME_WEIGHTS: tuple[float, ...] = tuple(share for _, share in _SURNAME_SHARES)

# Characters popular in given names of children born 2008–2025.
BOY_CHARS = ("子梓浩宇轩俊杰博文涛睿泽晨辰铭皓宸豪航鑫磊鹏锦然天思一明嘉佳逸奕凯瑞霖煜乐阳昊翔"
             "毅诚伟彬健宏鸿栋林峰哲恒泓志立成康安家致远航祥")
GIRL_CHARS = ("梓子欣怡涵雨诗思佳琪萱婷雅静悦可馨若妍彤晴钰瑶一语心紫梦嘉慧丽芳娜敏颖洁琳璐"
              "淑婉楠蕾甜艺菲晨依安雯倩月玥茜桐")

# Given names of parents (born 1975–2000) and of grandparents (born 1945–1970).
PARENT_MALE = ("建军", "建华", "国强", "志强", "永刚", "海波", "伟", "军", "勇", "强", "磊", "斌",
               "涛", "明", "平", "刚", "辉", "鹏", "华", "志明", "春生", "小龙", "文华", "家兴",
               "少华", "俊峰", "云飞", "红军", "东升", "立新", "海龙", "建平", "国庆", "小兵",
               "卫东", "金龙")
PARENT_FEMALE = ("丽", "静", "敏", "燕", "红", "霞", "芳", "娟", "艳", "玲", "萍", "丽华", "春梅",
                 "海燕", "小红", "晓燕", "美玲", "丽娟", "玉梅", "晓丽", "雪梅", "红梅", "小芳",
                 "琴", "英", "秀云", "彩霞", "金花", "凤", "丹", "丽萍", "慧", "莉", "小琴")
ELDER_MALE = ("德福", "长青", "德明", "国华", "永福", "金生", "福生", "正德", "宝山", "有才",
              "文明", "贵生", "开明", "树林", "春林", "光明", "炳南", "玉林", "发财", "庆云",
              "万里", "荣华", "德贵", "水生", "明华")
ELDER_FEMALE = ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "翠花", "凤英", "金凤", "淑芬", "秀珍",
                "玉珍", "桂芳", "兰英", "冬梅", "玉英", "春兰", "素芬", "金兰", "月英", "菊香",
                "秀芳", "桂香", "招娣", "银花", "玉凤")

# Mobile number blocks in use in mainland China (1[3-9]x).
MOBILE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150",
                   "151", "152", "153", "155", "156", "157", "158", "159", "166", "171", "173",
                   "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
                   "187", "188", "189", "191", "193", "195", "198", "199")

# A fictional county's 行政区划代码 (province 43, an unassigned city/county pair).
REGION_CODE = "439927"


def region_code(county: int) -> str:
    """The 行政区划代码 of a province's `county`-th county (the demo county's for 0)."""
    return f"{REGION_CODE[:4]}{int(REGION_CODE[4:]) + county:02d}"


def pick_surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]


def child_given_name(rng: random.Random, gender: str) -> str:
    """A one- or two-character given name in the style of recent birth cohorts."""
    chars = BOY_CHARS if gender == "male" else GIRL_CHARS
    first = rng.choice(chars)
    if rng.random() < 0.25:
        return first
    if gender == "female" and rng.random() < 0.05:
        return first + first  # 叠字 such as 婷婷
    second = rng.choice(chars)
    while second == first:
        second = rng.choice(chars)
    return first + second


def adult_name(rng: random.Random, gender: str, *, elder: bool = False,
               surname: str | None = None) -> str:
    """A full name for a parent-aged (or, with `elder`, grandparent-aged) adult."""
    pool: tuple[str, ...]
    if elder:
        pool = ELDER_MALE if gender == "male" else ELDER_FEMALE
    else:
        pool = PARENT_MALE if gender == "male" else PARENT_FEMALE
    return (surname or pick_surname(rng)) + rng.choice(pool)


def mobile(rng: random.Random) -> str:
    """A well-formed 11-digit mainland mobile number."""
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


class IdNumbers:
    """Issues unique 18-digit 身份证号 whose birth date and checksum are right."""

    def __init__(self, rng: random.Random, region: str = REGION_CODE) -> None:
        self._rng = rng
        self._region = region
        self._used: set[str] = set()

    def issue(self, birth_date: date, gender: str) -> str:
        """Return a new number; the sequence code's last digit is odd for boys, even for girls."""
        parity = 1 if gender == "male" else 0
        while True:
            order = self._rng.randrange(100) * 10 + self._rng.randrange(5) * 2 + parity
            first17 = f"{self._region}{birth_date:%Y%m%d}{order:03d}"
            if first17 not in self._used:
                self._used.add(first17)
                return first17 + id_number_checksum(first17)
