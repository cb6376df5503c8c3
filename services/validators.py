"""Field rules shared by forms, imports and the CLI; each returns a Chinese reason or None."""

from __future__ import annotations

import re
from datetime import date

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
USERNAME = re.compile(r"^[a-z0-9_.\-\u4e00-\u9fff]{2,32}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
PASSWORD_MIN = 8
# bcrypt only reads the first 72 bytes: about 24 Chinese characters.
PASSWORD_MAX_BYTES = 72
DISPLAY_NAME_MAX = 30
MAX_AGE = 18


def phone_problem(phone: str) -> str | None:
    """An 11-digit mainland mobile number or a landline with area code."""
    cleaned = phone.replace(" ", "")
    if MOBILE.match(cleaned) or LANDLINE.match(cleaned):
        return None
    return "请填写11位手机号(如 13812345678)或带区号的固定电话(如 0755-12345678)"


def id_number_checksum(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_problem(id_number: str, birth_date: date | None = None) -> str | None:
    """An 18-character 身份证号 with a valid checksum and, when given, the same birth date."""
    value = id_number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "身份证号应为18位,最后一位可以是数字或X"
    if id_number_checksum(value[:17]) != value[17]:
        return "身份证号校验位不正确,请核对"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if birth_date is not None and born != birth_date:
        return f"身份证号中的出生日期({born.isoformat()})与填写的出生日期不一致"
    return None


def age_on(birth_date: date, today: date) -> int:
    """Whole years completed on `today`."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def birth_date_problem(birth_date: date, today: date) -> str | None:
    """Not in the future, and a child of 0–18."""
    if birth_date > today:
        return "出生日期不能晚于今天"
    if age_on(birth_date, today) > MAX_AGE:
        return f"年龄超过{MAX_AGE}周岁,不属于儿童档案范围"
    return None


def not_future_problem(day: date, today: date) -> str | None:
    return "日期不能晚于今天" if day > today else None


def password_problem(password: str) -> str | None:
    """At least 8 characters with a letter and a digit, no outer spaces, at most 72 bytes."""
    if password != password.strip():
        return "密码首尾不能有空格"
    if len(password) < PASSWORD_MIN:
        return f"密码至少{PASSWORD_MIN}位"
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        return f"密码过长:最多{PASSWORD_MAX_BYTES}字节(约24个汉字或72个字母)"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码须同时包含字母和数字"
    return None


def username_problem(username: str) -> str | None:
    if not USERNAME.match(username):
        return "登录名为2–32位小写字母、数字、汉字或 _ . -"
    return None


def display_name_problem(name: str) -> str | None:
    """Any script, any length from one character (many Chinese names are two)."""
    stripped = name.strip()
    if not stripped:
        return "姓名不能为空"
    if len(stripped) > DISPLAY_NAME_MAX:
        return f"姓名最多{DISPLAY_NAME_MAX}个字"
    return None
