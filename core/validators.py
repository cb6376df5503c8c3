"""Field rules shared by forms, imports and the CLI; each returns a reason (a `Msg`) or None.

A reason is the Chinese text it always was and renders in English with `render(why, lang)`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from core.i18n import Msg

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
PERSON_NAME_MAX = 50  # children, relatives, helpers: String(50)
ORG_NAME_MAX = 100  # org units: String(100)
# Invisible characters that change what a name looks like or where its text runs: zero-width
# spaces and joiners, direction marks, word joiner, BOM, and the bidi embeddings, overrides and
# isolates that can make 张三 display as another name.
INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c"
                      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Besides letters and combining marks, what real names contain: the middle dots of minority
# and foreign names (艾力·买买提), hyphens, apostrophes, dots and spaces.
PERSON_PUNCTUATION = frozenset(" ·・•.．-－‐'’")
# Org units add digits (第3中学, 3组), brackets (实验小学(东校区)), 、 and # (1#楼) and /.
ORG_PUNCTUATION = PERSON_PUNCTUATION | frozenset("()（）、,，/／#＃&＆—")
# Chinese characters (with the rare ones beyond U+FFFF), kana, full-width forms and brackets.
WIDE = "\u3000-\u9fff\uf900-\uffef\U00020000-\U0003134f"
CJK_GAP = re.compile(f"(?<=[{WIDE}]) | (?=[{WIDE}])")
SPACES = re.compile("[ \u00a0\u3000\u2000-\u200a\u202f\u205f]+")
# Markup that a Markdown or HTML renderer would act on, refused in every name.
MARKUP = frozenset("<>[]{}`*_|\\~^!$=\"")


def phone_problem(phone: str) -> str | None:
    """An 11-digit mainland mobile number or a landline with area code."""
    cleaned = digits_only(phone)
    if MOBILE.match(cleaned) or LANDLINE.match(cleaned):
        return None
    return Msg("errors.valid.phone")


def id_number_checksum(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_problem(id_number: str, birth_date: date | None = None) -> str | None:
    """An 18-character 身份证号 with a valid checksum and, when given, the same birth date."""
    value = digits_only(id_number).upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return Msg("errors.valid.id_length")
    if id_number_checksum(value[:17]) != value[17]:
        return Msg("errors.valid.id_checksum")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return Msg("errors.valid.id_birth_invalid")
    if birth_date is not None and born != birth_date:
        return Msg("errors.valid.id_birth_mismatch", born=born.isoformat())
    return None


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (28 February for 29 February in common years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth_date: date, today: date) -> int:
    """Whole years completed on `today`."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def birth_date_problem(birth_date: date, today: date) -> str | None:
    """Not in the future, and a child of 0–18."""
    if birth_date > today:
        return Msg("errors.valid.birth_future")
    if age_on(birth_date, today) > MAX_AGE:
        return Msg("errors.valid.too_old", max_age=MAX_AGE)
    return None


def not_future_problem(day: date, today: date) -> str | None:
    return Msg("errors.valid.date_future") if day > today else None


def password_problem(password: str) -> str | None:
    """At least 8 characters with a letter and a digit, no outer spaces, at most 72 bytes."""
    if password != password.strip():
        return Msg("errors.valid.password_spaces")
    if len(password) < PASSWORD_MIN:
        return Msg("errors.valid.password_short", min=PASSWORD_MIN)
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        return Msg("errors.valid.password_long", max_bytes=PASSWORD_MAX_BYTES)
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return Msg("errors.valid.password_mix")
    return None


def username_problem(username: str) -> str | None:
    if not USERNAME.match(username):
        return Msg("errors.valid.username")
    return None


def display_name_problem(name: str) -> str | None:
    """Any script, from one character (many Chinese names are two); printable, no markup."""
    stripped = name.strip()
    if not stripped:
        return Msg("errors.valid.name_empty")
    if len(stripped) > DISPLAY_NAME_MAX:
        return Msg("errors.valid.name_long", max_len=DISPLAY_NAME_MAX)
    if why := text_problem(stripped, max_len=DISPLAY_NAME_MAX):
        return why
    if bad := next((ch for ch in stripped if ch in MARKUP), None):
        return Msg("errors.valid.name_symbol", char=bad)
    return None


def text_problem(text: str, *, max_len: int, multiline: bool = False) -> str | None:
    """Printable text of at most `max_len` characters; line breaks only where `multiline`."""
    if len(text) > max_len:
        return Msg("errors.valid.too_long", max_len=max_len)
    for ch in text:
        if ch in "\n\t" and multiline:
            continue
        if ch in "\n\r\u2028\u2029" and not multiline:
            return Msg("errors.valid.no_line_breaks")
        if ch in BIDI or (not multiline and ch in INVISIBLE):
            return Msg("errors.valid.invisible_format", code=f"U+{ord(ch):04X}")
        if unicodedata.category(ch) in {"Cc", "Cs", "Cn", "Zl", "Zp"} or (
                not multiline and unicodedata.category(ch) == "Cf"):
            return Msg("errors.valid.invisible_control", code=f"U+{ord(ch):04X}")
    return None


def _name_problem(name: str, max_len: int, allowed: frozenset[str], digits: bool) -> str | None:
    if not name.strip():
        return Msg("errors.valid.required")
    if why := text_problem(name, max_len=max_len):
        return why
    for ch in name:
        if ch in MARKUP:
            return Msg("errors.valid.symbol", char=ch)
        kind = unicodedata.category(ch)
        if kind[0] in "LM" or ch in allowed or (digits and kind[0] == "N"):
            continue
        return Msg("errors.valid.char", char=ch, allowed=_allowed_words(digits))
    return None


def _allowed_words(digits: bool) -> Msg:
    if digits:
        return Msg("errors.valid.org_name_chars")
    return Msg("errors.valid.person_name_chars")


def person_name_problem(name: str, *, max_len: int = PERSON_NAME_MAX) -> str | None:
    """A child's, relative's or helper's name: letters (any script), spaces, · - . ' only."""
    return _name_problem(name, max_len, PERSON_PUNCTUATION, digits=False)


def org_name_problem(name: str, *, max_len: int = ORG_NAME_MAX) -> str | None:
    """A town, village or school: letters, digits, spaces, brackets and a few separators."""
    return _name_problem(name, max_len, ORG_PUNCTUATION, digits=True)


def line_problem(text: str, *, max_len: int) -> str | None:
    """A short single-line field (年级, 班级, 务工地): printable, no line breaks, no markup."""
    if why := text_problem(text, max_len=max_len):
        return why
    if bad := next((ch for ch in text if ch in "<>`"), None):
        return Msg("errors.valid.symbol", char=bad)
    return None


def clean_name(text: str) -> str:
    """Outer spaces stripped, inner runs of spaces (full-width ones too) made one space.

    Line breaks and tabs stay, so the name rules refuse them instead of hiding them.
    """
    return SPACES.sub(" ", text.strip())


def clean_org_name(text: str) -> str:
    """As clean_name, and no space beside a Chinese character: 石门 镇 is 石门镇."""
    return CJK_GAP.sub("", clean_name(text))


def digits_only(text: str) -> str:
    """An ID or phone number as ASCII: full-width digits and letters read (NFKC), spaces gone."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("\u2212", "-")


# More than 4 digits in a row in a search or a command line may be (part of) a 身份证号 or a
# phone number: the records of what was searched keep the last 4 only, as the database does.
LONG_DIGITS = re.compile(r"[0-9０-９]{4,}[0-9０-９Xx]")
SHOWN_DIGITS = 4


def redact_long_digits(text: str) -> str:
    """`4301021990…0011` → `**************0011`; runs of 4 digits or fewer stay as they are."""
    return LONG_DIGITS.sub(lambda run: "*" * (len(run.group()) - SHOWN_DIGITS)
                           + run.group()[-SHOWN_DIGITS:], text)


def long_digits_in(text: str) -> bool:
    return LONG_DIGITS.search(text) is not None
